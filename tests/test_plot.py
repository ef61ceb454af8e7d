"""Pictures: files are written, and what they draw depends on the run."""

import sys
from functools import cache
from pathlib import Path

import pytest
from matplotlib.collections import PolyCollection

from agents.errors import MissingExtraError
from scenarios.cli import main
from scenarios.compare import compare_runs
from scenarios.loader import load_scenario
from scenarios.metrics import RunResult
from scenarios.plot import (
    assignment_heatmap,
    comparison_chart,
    differences_chart,
    occupancy_chart,
    timeline,
    write_figures,
)
from scenarios.run import run_scenario

pytestmark = pytest.mark.usefixtures("quiet_logs")


@cache
def result(name: str, seed: int | None = None) -> RunResult:
    return run_scenario(load_scenario(name), seed=seed).result


def bars(result: RunResult) -> list[tuple[float, float]]:
    """The (start, width) of every bar the timeline draws."""
    axes = timeline(result).axes[0]
    out = []
    for collection in axes.collections:
        assert isinstance(collection, PolyCollection)
        for path in collection.get_paths():
            xs = path.vertices[:, 0]
            out.append((round(xs.min(), 9), round(xs.max() - xs.min(), 9)))
    return sorted(out)


class TestTimeline:
    @pytest.mark.parametrize("name", ["quickstart", "churn", "qa_loop", "pull_batches"])
    def test_one_bar_per_started_attempt(self, name: str) -> None:
        """Each started attempt is one bar, from its start to its end."""
        run = result(name)
        end = max(p.t for p in run.series)
        expected = sorted(
            (round(a.started, 9), round((end if a.finished is None else a.finished) - a.started, 9))
            for a in run.attempts
            if a.started is not None
        )
        assert bars(run) == expected

    def test_lanes_are_the_workers(self) -> None:
        """One lane per worker, joiners included, in the result's order."""
        labels = [t.get_text() for t in timeline(result("churn")).axes[0].get_yticklabels()]
        assert labels == [w.name for w in result("churn").workers]

    def test_bars_are_coloured_by_outcome(self) -> None:
        """The legend names the outcomes that occur."""
        legend = timeline(result("churn")).axes[0].get_legend()
        assert sorted(t.get_text() for t in legend.get_texts()) == ["failure", "lost", "success"]


class TestOtherPictures:
    def test_occupancy_draws_the_series(self) -> None:
        """The two step lines carry the queue and busy counts of the series."""
        run = result("quickstart")
        queue, busy = occupancy_chart(run).axes
        assert [list(axes.get_lines()[0].get_ydata()) for axes in (queue, busy)] == [
            [p.queued for p in run.series],
            [p.busy for p in run.series],
        ]

    def test_heatmap_counts_every_started_work_attempt(self) -> None:
        """Unit bins over 2..9: (skill 3, difficulty 2), (6, 5) and (9, 8) each fill one cell."""
        run = result("quickstart")
        image = assignment_heatmap(run, bins=7).axes[0].get_images()[0]
        counts = image.get_array()
        cells = {(int(r), int(c)) for r, c in zip(*counts.nonzero(), strict=True)}
        assert (counts.sum(), cells) == (3, {(1, 0), (4, 3), (6, 6)})

    def test_comparison_panels(self) -> None:
        """A panel per metric that is not zero everywhere; differences leave out the baseline."""
        from test_compare import A, B

        comparison = compare_runs("s", [1, 2, 3], {"A": A, "B": B})
        fig = comparison_chart(comparison)
        titles = [axes.get_title() for axes in fig.axes]
        assert "deadline_misses ↓" not in titles
        assert "retries ↓" not in titles
        assert titles[:3] == ["success_rate ↑", "throughput ↑", "utilization_mean ↑"]
        assert len(titles) == len(comparison.summary) - 4  # misses, reassignments, retries, qa
        diff = differences_chart(comparison)
        assert [t.get_text() for t in diff.axes[0].get_xticklabels()] == ["B"]


class TestFiles:
    @pytest.mark.parametrize("fmt", ["png", "svg"])
    def test_files_are_written_and_not_empty(self, tmp_path: Path, fmt: str) -> None:
        """A run gives a timeline, an occupancy chart and a heatmap."""
        paths = write_figures(result("quickstart"), tmp_path, fmt)  # type: ignore[arg-type]
        assert [p.name for p in paths] == [
            f"{s}.{fmt}" for s in ("timeline", "occupancy", "heatmap")
        ]
        assert all(p.stat().st_size > 1000 for p in paths)

    def test_same_run_same_bytes_other_run_other_bytes(self, tmp_path: Path) -> None:
        """Pictures are reproducible, and two runs that differ give different pictures."""
        first = write_figures(result("churn"), tmp_path / "a")
        again = write_figures(result("churn"), tmp_path / "b")
        other = write_figures(result("churn", seed=2), tmp_path / "c")
        for a, b, c in zip(first, again, other, strict=True):
            assert a.read_bytes() == b.read_bytes()
            assert a.read_bytes() != c.read_bytes()

    def test_cli_plots_a_comparison_document(self, tmp_path: Path) -> None:
        """``plot`` draws a ``compare --json`` document without running anything again."""
        document = tmp_path / "c.json"
        args = ["compare", "quickstart", "--policy", "best_fit", "--policy", "round_robin"]
        assert main([*args, "--seeds", "2", "--json", str(document)]) == 0
        assert main(["plot", str(document), "--out", str(tmp_path / "f"), "--format", "svg"]) == 0
        assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [
            "comparison.svg",
            "differences.svg",
        ]

    def test_cli_refuses_a_foreign_document(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A JSON file that is neither document exits 2 naming the file."""
        path = tmp_path / "other.json"
        path.write_text('{"hello": 1}', encoding="utf-8")
        assert main(["plot", str(path)]) == 2
        assert capsys.readouterr().err.startswith(
            f"error: {path}: not a document of `run --json` or `compare --json`: "
        )

    def test_missing_matplotlib_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without matplotlib, the error says to install the plot extra."""
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        with pytest.raises(MissingExtraError, match=r"^matplotlib is not installed; .*\[plot\]'$"):
            timeline(result("quickstart"))
