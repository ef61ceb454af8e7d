"""What a policy changes: the claims of the README's scenario table about the flagship."""

from functools import cache

import pytest

from scenarios.compare import Comparison, run_comparison
from scenarios.loader import load_scenario
from scenarios.run import run_scenario

pytestmark = pytest.mark.usefixtures("quiet_logs")


@cache
def skill_match() -> Comparison:
    loaded = load_scenario("skill_match")
    return run_comparison(loaded, ["random", "best_fit", "optimal"], range(1, 6))


class TestSkillMatch:
    def test_success_ordering_is_significant(self) -> None:
        """Seeds 1-5: optimal beats random, random beats best_fit, paired intervals clear of 0."""
        gaps = skill_match().differences["success_rate"]
        assert gaps["optimal"].excludes_zero()
        assert gaps["optimal"].mean > 0
        assert gaps["best_fit"].excludes_zero()
        assert gaps["best_fit"].mean < 0
        assert skill_match().winners["success_rate"] == "optimal"
        assert (gaps["optimal"].text(signed=True), gaps["best_fit"].text(signed=True)) == (
            "+0.099 ± 0.047",
            "-0.045 ± 0.027",
        )

    def test_best_fit_buys_less_overqualification(self) -> None:
        """What best_fit is for: it spends the least skill beyond what a task needs."""
        assert skill_match().winners["overqualification_mean"] == "best_fit"
        gap = skill_match().differences["overqualification_mean"]["best_fit"]
        assert gap.text(signed=True) == "-2.35 ± 0.77"

    def test_optimal_pays_in_fairness(self) -> None:
        """The most likely success loads the skilled workers: fairness drops against random."""
        gap = skill_match().differences["fairness_jain"]["optimal"]
        assert gap.excludes_zero()
        assert gap.mean < 0

    def test_workers_are_often_idle(self) -> None:
        """Spare capacity: on average a fifth of the workers is idle."""
        result = run_scenario(load_scenario("skill_match")).result
        assert result.metrics.utilization_mean < 0.85


class TestMixedSkills:
    @pytest.mark.parametrize("policy", ["best_fit", "random"])
    def test_no_worker_is_free_while_work_waits(self, policy: str) -> None:
        """While any task is queued, all 100 workers are busy: a freed worker is the only choice."""
        result = run_scenario(load_scenario("mixed_skills"), policy=policy).result
        waiting = [p for p in result.series if p.queued > 0]
        assert len(waiting) > 9000
        assert {p.busy for p in waiting} == {100}

    def test_policies_tie_over_five_seeds(self) -> None:
        """random, best_fit and optimal over seeds 1-5: no paired difference clears zero."""
        loaded = load_scenario("mixed_skills")
        comparison = run_comparison(loaded, ["random", "best_fit", "optimal"], range(1, 6))
        assert comparison.winners["success_rate"] is None
        means = {p: round(i.mean, 3) for p, i in comparison.summary["success_rate"].items()}
        assert means == {"random": 0.604, "best_fit": 0.599, "optimal": 0.605}
        assert not any(i.excludes_zero() for i in comparison.differences["success_rate"].values())
