"""The bundled overlap trio: fixed 3, dynamic 1-5, golden filtering, and what the README says.

``skillsim compare overlap_fixed overlap_dynamic overlap_golden --seeds 10`` runs seeds
1..10; the README quotes the means below.
"""

import json
import statistics
from functools import cache
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.loader import load_scenario
from scenarios.metrics import Metrics, RunResult
from scenarios.run import run_scenario
from scenarios.variants import columns

TRIO = ["overlap_fixed", "overlap_dynamic", "overlap_golden"]
SEEDS = list(range(1, 11))

pytestmark = pytest.mark.usefixtures("quiet_logs")


@cache
def results() -> dict[str, list[RunResult]]:
    return {n: [run_scenario(load_scenario(n), seed=s).result for s in SEEDS] for n in TRIO}


def grid() -> dict[str, list[Metrics]]:
    return {name: [r.metrics for r in runs] for name, runs in results().items()}


def mean(name: str, metric: str) -> float:
    return round(statistics.fmean(getattr(m, metric) for m in grid()[name]), 3)


class TestTheFiles:
    def test_one_team_one_task_stream(self) -> None:
        """The three files differ only in how answers are bought: same workers, tasks,
        events, model and seed, so that compare pairs them."""
        specs = [load_scenario(n).spec for n in TRIO]
        shared = {"seed", "policy", "model", "workers", "tasks", "events", "max_attempts"}
        dumps = [s.model_dump(include=shared) for s in specs]
        assert dumps[0] == dumps[1] == dumps[2]
        assert [s.dynamic_overlap is not None for s in specs] == [False, True, True]
        assert specs[1].dynamic_overlap == specs[2].dynamic_overlap
        assert [s.golden is not None for s in specs] == [False, False, True]


class TestWhatTheReadmeSays:
    def test_fixed_overlap_three(self) -> None:
        """Fixed 3: accuracy 0.689 (Bayes vote; majority the same) with 1,800 answers."""
        assert (
            mean("overlap_fixed", "accuracy_weighted"),
            mean("overlap_fixed", "answers_bought"),
        ) == (
            0.689,
            1800.0,
        )

    def test_dynamic_overlap_alone_does_not_reach_it(self) -> None:
        """Dynamic 1-5 on declared skills: fewer answers (1,509.5) but lower accuracy
        (0.640) than fixed 3, on every seed."""
        assert (
            mean("overlap_dynamic", "accuracy_weighted"),
            mean("overlap_dynamic", "answers_bought"),
        ) == (0.64, 1509.5)
        fixed, dynamic = grid()["overlap_fixed"], grid()["overlap_dynamic"]
        assert all(
            d.accuracy_weighted is not None
            and f.accuracy_weighted is not None
            and d.accuracy_weighted < f.accuracy_weighted
            for f, d in zip(fixed, dynamic, strict=True)
        )

    def test_why_dynamic_overlap_alone_falls_short(self) -> None:
        """A seed settles 40.0 tasks on one answer from a hidden spammer, 34.8 of them
        wrong: a sixth of its 216.0 wrong labels."""
        spammers = {"w10", "w11", "w12"}
        single = [
            [t for t in run.tasks if t.attempts == 1 and t.worker in spammers]
            for run in results()["overlap_dynamic"]
        ]
        wrong = [sum(1 for t in tasks if not t.success) for tasks in single]
        all_wrong = [
            sum(1 for t in run.tasks if not t.success) for run in results()["overlap_dynamic"]
        ]
        assert (
            statistics.fmean(len(tasks) for tasks in single),
            statistics.fmean(wrong),
            statistics.fmean(all_wrong),
        ) == (40.0, 34.8, 216.0)

    def test_with_golden_estimates_it_does_with_fewer_answers(self) -> None:
        """Golden filtering (10% golden, stop and discard, the same dynamic rule on the
        golden estimates): 0.743 with 1,431.3 answers; more accurate than fixed 3 on 9
        seeds of 10, with fewer answers on all 10. The three hidden spammers are flagged in
        all 30 of their runs, the nine sound workers in 8 of 90."""
        assert (
            mean("overlap_golden", "accuracy_weighted"),
            mean("overlap_golden", "answers_bought"),
            mean("overlap_golden", "workers_flagged"),
        ) == (0.743, 1431.3, 3.8)
        fixed, golden = grid()["overlap_fixed"], grid()["overlap_golden"]
        pairs = list(zip(fixed, golden, strict=True))
        more_accurate = sum(
            1 for f, g in pairs if (g.accuracy_weighted or 0) > (f.accuracy_weighted or 0)
        )
        fewer_answers = sum(
            1 for f, g in pairs if (g.answers_bought or 0) < (f.answers_bought or 0)
        )
        assert (more_accurate, fewer_answers) == (9, 10)
        spammers = {"w10", "w11", "w12"}
        flags = [
            (w.name in spammers, w.flagged) for r in results()["overlap_golden"] for w in r.workers
        ]
        assert (flags.count((True, True)), flags.count((False, True))) == (30, 8)


class TestCompareTakesSeveralScenarios:
    def test_columns_are_the_scenarios(self, tmp_path: Path) -> None:
        """compare A B --seeds 2 --json: one column per scenario, each run on seeds 1, 2."""
        out = tmp_path / "trio.json"
        argv = ["compare", "overlap_fixed", "overlap_golden", "--seeds", "2", "--json", str(out)]
        assert main(argv) == 0
        document = json.loads(out.read_text(encoding="utf-8"))
        assert (document["scenario"], document["seeds"], document["policies"]) == (
            "overlap_fixed vs overlap_golden",
            [1, 2],
            ["overlap_fixed", "overlap_golden"],
        )
        assert [r["answers_bought"] for r in document["runs"]["overlap_fixed"]] == [1800, 1800]

    def test_several_scenarios_and_policies(self) -> None:
        """Two scenarios and two policies: four columns, scenario/policy."""
        scenarios = [load_scenario("overlap_fixed"), load_scenario("overlap_dynamic")]
        labels = [c.label for c in columns(scenarios, ["best_fit", "random"])]
        assert labels == [
            "overlap_fixed/best_fit",
            "overlap_fixed/random",
            "overlap_dynamic/best_fit",
            "overlap_dynamic/random",
        ]

    def test_one_scenario_needs_a_policy(self, capsys: pytest.CaptureFixture[str]) -> None:
        """compare with one scenario and no --policy: exit 2 saying so."""
        assert main(["compare", "overlap_fixed"]) == 2
        assert capsys.readouterr().err == (
            "error: compare needs --policy (one or more) for a single scenario\n"
        )

    def test_the_same_scenario_twice_is_refused(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Two columns with one label: exit 2."""
        assert main(["compare", "overlap_fixed", "overlap_fixed"]) == 2
        assert capsys.readouterr().err == (
            "error: compare columns must differ, got overlap_fixed twice\n"
        )
