"""Paired comparison of policies: intervals, winners, the document and the command."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from scenarios import cli
from scenarios.compare import Comparison, compare_runs, run_comparison
from scenarios.loader import load_scenario
from scenarios.metrics import Metrics

pytestmark = pytest.mark.usefixtures("quiet_logs")

BASE: dict[str, Any] = {
    "total": 10, "completed": 5, "failed": 5, "removed": 0, "pending": 0,
    "success_rate": 0.5, "makespan": 10.0, "throughput": 0.5, "wait_mean": 1.0,
    "wait_p95": 2.0, "utilization_mean": 0.5, "fairness_jain": 1.0,
    "overqualification_mean": 1.0, "deadline_misses": 0, "reassignments": 0, "retries": 0,
}  # fmt: skip


def runs(**series: list[float]) -> list[Metrics]:
    """One ``Metrics`` per seed, with the given metrics varying."""
    length = len(next(iter(series.values())))
    return [
        Metrics.model_validate(BASE | {name: values[k] for name, values in series.items()})
        for k in range(length)
    ]


A = runs(success_rate=[0.5, 0.6, 0.7], makespan=[10.0, 11.0, 12.0])
B = runs(success_rate=[0.6, 0.7, 0.8], makespan=[9.0, 10.0, 11.0])
C = runs(success_rate=[0.9, 0.1, 0.5], makespan=[10.0, 11.0, 12.0])


class TestWinner:
    def test_constant_gap_wins(self) -> None:
        """B beats A by 0.1 on every seed: the paired interval excludes zero; B wins both ways."""
        comparison = compare_runs("s", [1, 2, 3], {"A": A, "B": B})
        assert comparison.winners["success_rate"] == "B"
        assert comparison.winners["makespan"] == "B"  # lower is better
        gap = comparison.differences["success_rate"]["B"]
        assert (round(gap.mean, 12), round(gap.half_width, 12)) == (0.1, 0.0)

    def test_best_mean_inside_the_noise_is_not_marked(self) -> None:
        """B has the best mean, but B - C (-0.3, 0.6, 0.3) has an interval across zero."""
        comparison = compare_runs("s", [1, 2, 3], {"A": A, "B": B, "C": C})
        assert comparison.winners["success_rate"] is None
        assert comparison.summary["success_rate"]["B"].mean == pytest.approx(0.7)

    def test_ties_have_no_winner(self) -> None:
        """Equal on every seed: no winner, a zero difference."""
        comparison = compare_runs("s", [1, 2, 3], {"A": A, "A2": A})
        assert comparison.winners["completed"] is None
        assert comparison.differences["completed"]["A2"].mean == 0.0

    def test_baseline_defaults_to_the_first_and_is_left_out_of_differences(self) -> None:
        """Differences are against the first policy unless a baseline is named."""
        assert set(
            compare_runs("s", [1, 2, 3], {"A": A, "B": B, "C": C}).differences["makespan"]
        ) == {"B", "C"}
        named = compare_runs("s", [1, 2, 3], {"A": A, "B": B}, baseline="B")
        assert named.differences["success_rate"]["A"].mean == pytest.approx(-0.1)

    def test_unknown_baseline(self) -> None:
        """A baseline that is not compared is refused by name."""
        with pytest.raises(ValueError, match=r"^baseline 'Z' is not among the policies: A, B$"):
            compare_runs("s", [1, 2, 3], {"A": A, "B": B}, baseline="Z")

    def test_document_round_trip(self) -> None:
        """The JSON document reads back into the same comparison."""
        comparison = compare_runs("s", [1, 2, 3], {"A": A, "B": B}, baseline="B")
        document = json.loads(json.dumps(comparison.to_document()))
        assert Comparison.from_document(document) == comparison
        assert document["winners"]["success_rate"] == "B"
        cell = document["differences"]["success_rate"]["A"]
        assert (cell["n"], cell["half_width"]) == (3, pytest.approx(0.0, abs=1e-12))


class TestCommonRandomNumbers:
    def test_paired_interval_is_tighter_than_separate_ones(self) -> None:
        """rush_hour, 5 seeds: the paired success-rate interval is narrower than either own one."""
        comparison = run_comparison(
            load_scenario("rush_hour"), ["best_fit", "optimal"], range(1, 6)
        )
        separate = comparison.summary["success_rate"]
        gap = comparison.differences["success_rate"]["optimal"]
        assert gap.half_width < min(s.half_width for s in separate.values())


class TestCommand:
    def test_progress_bar_on_a_terminal(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """On a terminal, compare shows a bar of runs; --baseline names the baseline."""
        screen = io.StringIO()
        monkeypatch.setattr(
            cli, "Console", lambda **_: Console(file=screen, force_terminal=True, width=140)
        )
        out = tmp_path / "c.json"
        args = ["compare", "quickstart", "--policy", "best_fit", "--policy", "round_robin"]
        assert (
            cli.main([*args, "--seeds", "2", "--baseline", "round_robin", "--json", str(out)]) == 0
        )
        assert "4/4 runs" in screen.getvalue()
        assert "paired differences against round_robin" in screen.getvalue()
        assert json.loads(out.read_text(encoding="utf-8"))["baseline"] == "round_robin"

    def test_unknown_baseline_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--baseline must be one of the policies."""
        args = ["compare", "quickstart", "--policy", "best_fit", "--baseline", "optimal"]
        assert cli.main(args) == 2
        assert capsys.readouterr().err == (
            "error: --baseline optimal is not among the policies: best_fit\n"
        )
