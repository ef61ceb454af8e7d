"""Running sweeps: rows, executors, resume, failures, summaries, the command line."""

import gc
import io
import math
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rich.console import Console
from sweeps import SLOW, SWEEP, comparable, write_sweep

from scenarios.cli import main
from scenarios.loader import load_scenario
from scenarios.run import run_scenario
from scenarios.sweep import (
    METRICS,
    RunStore,
    SweepError,
    SweepProgress,
    execute_run,
    load_sweep,
    paired_differences,
    parse_sweep,
    plan_sweep,
    run_sweep,
    summarize_sweep,
)

pytestmark = pytest.mark.usefixtures("quiet_logs")

T975_2 = 4.302652729911275
"""The 0.975 quantile of Student's t with 2 degrees of freedom (to 16 digits)."""


@pytest.fixture(name="serial_rows", scope="module")
def fixture_serial_rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The small sweep's rows, run in this process (the reference for other executors)."""
    folder = tmp_path_factory.mktemp("serial")
    return comparable(run_sweep(write_sweep(folder), executor="serial"))


class TestRows:
    def test_one_row_per_run_with_every_metric(self, tmp_path: Path) -> None:
        """Each row holds the cell's values, policy, seed, every metric and wall time."""
        runs = run_sweep(write_sweep(tmp_path), executor="serial", out=tmp_path / "runs.parquet")
        assert len(runs) == 24
        assert list(runs.columns) == [
            "key", "cell", "workers.generate.count", "tasks.generate.arrival.rate",
            "policy", "seed", "ending", *METRICS, "wall_time", "error",
        ]  # fmt: skip
        assert runs["error"].isna().all()
        assert (runs["wall_time"] > 0).all()
        assert [tuple(r) for r in runs[["cell", "policy", "seed"]].head(4).to_numpy()] == [
            (0, "best_fit", 1), (0, "best_fit", 2), (0, "best_fit", 3), (0, "round_robin", 1),
        ]  # fmt: skip

    def test_a_row_holds_what_the_run_measured(self, tmp_path: Path) -> None:
        """The metrics of a row equal those of the same run done by `run_scenario`."""
        scenario = tmp_path / "alone.toml"
        runs = run_sweep(write_sweep(tmp_path), executor="serial")
        row = runs[(runs.cell == 3) & (runs.policy == "round_robin") & (runs.seed == 2)].iloc[0]
        text = (tmp_path / "small.toml").read_text().replace("count = 3", "count = 4")
        scenario.write_text(text.replace("rate = 0.5", "rate = 0.6"), encoding="utf-8")
        metrics = run_scenario(load_scenario(scenario), seed=2, policy="round_robin").result.metrics
        for name, value in metrics.model_dump().items():
            assert (value is None and math.isnan(row[name])) or row[name] == value, name

    def test_the_process_pool_gives_the_same_rows(
        self, tmp_path: Path, serial_rows: list[dict[str, Any]]
    ) -> None:
        """Two local worker processes give exactly the serial rows."""
        runs = run_sweep(write_sweep(tmp_path), executor="process", jobs=2)
        assert comparable(runs) == serial_rows

    def test_parquet_file_holds_the_rows(self, tmp_path: Path) -> None:
        """The output file read back with pandas is the returned frame, in finishing order."""
        out = tmp_path / "runs.parquet"
        runs = run_sweep(write_sweep(tmp_path), executor="serial", out=out)
        assert comparable(pd.read_parquet(out)) == comparable(runs)
        assert not out.with_name("runs.parquet.journal").exists()


class TestResume:
    def test_interrupted_then_rerun_does_each_run_exactly_once(
        self, tmp_path: Path, serial_rows: list[dict[str, Any]]
    ) -> None:
        """Ctrl-C after 5 runs keeps those 5; the same call again does the other 19."""
        out, sweep = tmp_path / "runs.parquet", write_sweep(tmp_path)
        seen: list[str] = []

        def interrupt(row: dict[str, Any]) -> None:
            seen.append(row["key"])
            if len(seen) == 5:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            run_sweep(sweep, executor="serial", out=out, on_row=interrupt)
        assert sorted(pd.read_parquet(out)["key"]) == sorted(seen)
        again: list[str] = []
        runs = run_sweep(
            sweep, executor="process", jobs=2, out=out, on_row=lambda r: again.append(r["key"])
        )
        assert len(again) == 19
        assert not set(again) & set(seen)
        on_disk = pd.read_parquet(out)
        assert len(on_disk) == 24
        assert on_disk["key"].is_unique
        assert comparable(runs) == comparable(on_disk) == serial_rows

    def test_ctrl_c_keeps_finished_runs_and_the_rerun_does_the_rest(self, tmp_path: Path) -> None:
        """SIGINT to `skillsim sweep` (2 workers): exit 130, rows kept; a rerun completes once."""
        sweep = write_sweep(tmp_path, SLOW)
        journal = tmp_path / "sweep.parquet.journal"
        command = [sys.executable, "-m", "scenarios", "sweep", str(sweep), "--jobs", "2"]
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while not (journal.exists() and journal.read_text().count("\n") >= 3):
            assert time.monotonic() < deadline
            assert process.poll() is None
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130
        assert err.decode().endswith(
            f"interrupted: finished runs are kept in {sweep.with_suffix('.parquet')}; "
            "run again to do the rest\n"
        )
        kept = pd.read_parquet(sweep.with_suffix(".parquet"))
        assert 3 <= len(kept) < 24
        assert main(["sweep", str(sweep), "--jobs", "2"]) == 0
        final = pd.read_parquet(sweep.with_suffix(".parquet"))
        assert len(final) == 24
        assert final["key"].is_unique
        assert set(kept["key"]) <= set(final["key"])
        assert comparable(final[final.key.isin(kept.key)]) == comparable(kept)

    def test_rows_in_the_journal_survive_a_crash(self, tmp_path: Path) -> None:
        """Rows not yet in the Parquet file are read back from the journal; a torn line is not."""
        out = tmp_path / "runs.parquet"
        crash = (
            "import os, sys\n"
            "from pathlib import Path\n"
            "from scenarios.sweep import RunStore\n"
            "store = RunStore(Path(sys.argv[1]), checkpoint=3600)\n"
            "store.add({'key': 'a', 'cell': 0, 'policy': 'p', 'seed': 1, 'error': None})\n"
            "store.add({'key': 'b', 'cell': 0, 'policy': 'p', 'seed': 2, 'error': 'boom'})\n"
            "os._exit(9)  # dies: no checkpoint, no close\n"
        )
        died = subprocess.run([sys.executable, "-c", crash, str(out)], check=False, timeout=60)
        assert died.returncode == 9
        assert not out.exists()
        with out.with_name("runs.parquet.journal").open("a") as journal:
            journal.write('{"key": "c", "ce')  # torn mid-write
        again = RunStore(out)
        assert [r["key"] for r in again.rows()] == ["a", "b"]
        assert again.done() == {"a"}

    def test_the_parquet_file_grows_as_runs_finish(self, tmp_path: Path) -> None:
        """With a checkpoint after every row, the file has n rows after n runs."""
        out = tmp_path / "runs.parquet"
        store = RunStore(out, checkpoint=0)
        for n in range(1, 4):
            store.add({"key": str(n), "cell": 0, "policy": "p", "seed": n, "error": None})
            assert len(pd.read_parquet(out)) == n

    def test_a_failed_run_is_tried_again_and_replaced(self, tmp_path: Path) -> None:
        """A rerun retries failed runs; the file keeps one row per key, the latest."""
        out = tmp_path / "runs.parquet"
        store = RunStore(out)
        store.add({"key": "k", "cell": 0, "policy": "p", "seed": 1, "error": "boom"})
        store.add({"key": "k", "cell": 0, "policy": "p", "seed": 1, "error": None})
        store.close()
        assert pd.read_parquet(out)["error"].isna().tolist() == [True]


class TestFailures:
    def test_a_bad_cell_is_recorded_and_the_rest_run(self, tmp_path: Path) -> None:
        """Runs of an out-of-bounds cell carry its error; every other run finished."""
        sweep = write_sweep(tmp_path, SWEEP.replace("[2, 4]", "[0, 4]"))
        runs = run_sweep(sweep, executor="process", jobs=2)
        bad = runs[runs.error.notna()]
        assert sorted(set(bad.cell)) == [0, 1]
        assert len(bad) == 12
        assert set(bad.error) == {
            "workers.generate.count: Input should be greater than or equal to 1"
        }
        assert bad["success_rate"].isna().all()
        assert runs[runs.error.isna()]["completed"].notna().all()
        assert len(runs) == 24

    def test_a_rerun_tries_the_failed_runs_again(self, tmp_path: Path) -> None:
        """Running the same sweep again redoes its 12 failed runs, and only those."""
        sweep = write_sweep(tmp_path, SWEEP.replace("[2, 4]", "[0, 4]"))
        out = tmp_path / "runs.parquet"
        run_sweep(sweep, executor="serial", out=out)
        again: list[dict[str, Any]] = []
        run_sweep(sweep, executor="serial", out=out, on_row=again.append)
        assert len(again) == 12
        assert {row["cell"] for row in again} == {0, 1}
        assert len(pd.read_parquet(out)) == 24

    def test_the_command_exits_1_when_runs_failed(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Failed runs give exit code 1 and their error on standard error; rows are kept."""
        sweep = write_sweep(tmp_path, SWEEP.replace("[2, 4]", "[0, 4]"))
        assert main(["sweep", str(sweep), "--executor", "serial"]) == 1
        err = capsys.readouterr().err
        assert "failed: workers.generate.count: Input should be greater than or equal to 1" in err
        assert len(pd.read_parquet(sweep.with_suffix(".parquet"))) == 24


class TestCommandLine:
    def test_prints_summary_and_differences_and_writes_them(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The command prints both tables, writes rows, summary and plot; exit 0."""
        sweep = write_sweep(tmp_path)
        summary, image = tmp_path / "summary.csv", tmp_path / "plot.png"
        code = main([
            "sweep", str(sweep), "--jobs", "2", "--metric", "success_rate",
            "--summary", str(summary),
            "--plot", "success_rate:tasks.generate.arrival.rate", str(image),
        ])  # fmt: skip
        out = capsys.readouterr().out
        assert code == 0
        assert "small: mean ± 95% interval over seeds" in out
        assert "paired difference against best_fit (same seeds)" in out
        assert f"24 runs in {sweep.with_suffix('.parquet')}" in out.replace("\n", "")
        written = pd.read_csv(summary)
        assert sorted(set(written.kind)) == ["difference", "summary"]
        assert len(written[written.kind == "summary"]) == 4 * 2 * (
            len(METRICS) - 14
        )  # 14 metrics only labelling, learning or quality-control runs have
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--jobs", "0"], "error: --jobs must be >= 1, got 0"),
            (["--metric", "speed"], "error: --metric: unknown metric 'speed'"),
            (["--plot", "success_rate:seed", "x.png"],
             "error: --plot success_rate:seed: give METRIC:PARAM, a metric and a swept path "
             "(workers.generate.count, tasks.generate.arrival.rate)"),
            (["--scheduler", "tcp://127.0.0.1:1", "--executor", "process"],
             "error: --scheduler needs --executor dask"),
        ],
    )  # fmt: skip
    def test_bad_options_exit_2_and_write_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
    ) -> None:
        """Each bad option is one message, exit code 2, and no file."""
        sweep = write_sweep(tmp_path)
        assert main(["sweep", str(sweep), *args]) == 2
        assert capsys.readouterr().err.strip() == message
        assert sorted(p.name for p in tmp_path.iterdir()) == ["small.toml", "sweep.toml"]

    def test_bad_grid_exits_2_and_writes_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unknown field path: exit 2, the file, the path, and nothing written."""
        sweep = write_sweep(tmp_path, SWEEP.replace("arrival.rate", "arrival.rat"))
        assert main(["sweep", str(sweep)]) == 2
        err = capsys.readouterr().err.strip()
        assert (
            err == f"error: {sweep}: grid.tasks.generate.arrival.rat: "
            "unknown field of the scenario (value 0.3)"
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == ["small.toml", "sweep.toml"]

    def test_plot_needs_a_numeric_parameter(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A swept parameter of names cannot be an axis: refused before any run."""
        sweep = write_sweep(tmp_path, SWEEP + 'model.noise = ["fixed", "exponential"]\n')
        args = ["--plot", "success_rate:model.noise", "x.png"]
        assert main(["sweep", str(sweep), *args]) == 2
        assert capsys.readouterr().err.strip() == (
            "error: --plot: model.noise does not hold numbers only"
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == ["small.toml", "sweep.toml"]

    def test_an_output_that_is_not_parquet_is_refused_untouched(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An existing --out that is not a sweep's Parquet file: exit 2, the file as it was."""
        sweep, out = write_sweep(tmp_path), tmp_path / "notes.parquet"
        out.write_text("my notes", encoding="utf-8")
        assert main(["sweep", str(sweep), "--out", str(out), "--executor", "serial"]) == 2
        assert capsys.readouterr().err.startswith(f"error: {out}: not a readable Parquet file: ")
        assert out.read_text(encoding="utf-8") == "my notes"
        assert not out.with_name("notes.parquet.journal").exists()

    def test_too_many_runs_need_yes(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Above the limit the command refuses (exit 2, nothing written) unless --yes."""
        monkeypatch.setattr("scenarios.sweep.plan.MAX_RUNS", 10)
        sweep = write_sweep(tmp_path)
        assert main(["sweep", str(sweep), "--executor", "serial"]) == 2
        assert capsys.readouterr().err.strip() == (
            f"error: {sweep}: 24 runs is more than 10; confirm with --yes (yes=True)"
        )
        assert not sweep.with_suffix(".parquet").exists()
        assert main(["sweep", str(sweep), "--executor", "serial", "--yes"]) == 0

    def test_a_missing_extra_names_it(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Asking for Dask without it installed says which extra to install."""
        real = __import__("importlib").import_module

        def without_dask(name: str, *args: Any) -> Any:
            if name.split(".")[0] in ("dask", "distributed"):
                raise ImportError(name)
            return real(name, *args)

        monkeypatch.setattr("importlib.import_module", without_dask)
        assert main(["sweep", str(write_sweep(tmp_path)), "--executor", "dask"]) == 2
        assert capsys.readouterr().err.strip() == (
            "error: distributed is not installed; install the extra: pip install 'skillsim[dask]'"
        )


class TestMemory:
    def test_many_runs_in_one_process_leave_no_garbage_behind(self, tmp_path: Path) -> None:
        """100 runs in one process: the objects it holds stay within a small band.

        Runs that left their garbage behind grew the heap by about 9,300 objects every
        25 runs of this sweep; the ordinary collections now free it.
        """
        plan = plan_sweep(load_sweep(write_sweep(tmp_path)))
        tasks = [plan.tasks[i % len(plan.tasks)] for i in range(100)]
        counts = []
        for start in range(0, len(tasks), 25):
            for task in tasks[start : start + 25]:
                assert execute_run(task)["error"] is None
            counts.append(len(gc.get_objects()))
        assert max(counts) - counts[0] < 6_000


class TestProgress:
    def test_counts_done_and_failed(self) -> None:
        """The bar counts runs done and failed, of the runs left to do."""
        console = Console(file=io.StringIO(), force_terminal=True, width=120)
        progress = SweepProgress(console, "small")
        progress.start(10, 4)
        for error in (None, "boom", None):
            progress.advance({"key": "k", "error": error})
        progress.close()
        assert (progress.done, progress.failed) == (3, 1)
        assert "3/6" in console.file.getvalue()
        assert "1 failed" in console.file.getvalue()


class TestSummary:
    RUNS = pd.DataFrame(
        {
            "key": list("abcdefg"),
            "cell": [0, 0, 0, 0, 0, 0, 0],
            "rate": [0.5] * 7,
            "policy": ["base"] * 3 + ["other"] * 4,
            "seed": [1, 2, 3, 1, 2, 3, 4],
            "ending": ["complete"] * 7,
            "success_rate": [0.5, 0.7, 0.9, 0.6, 0.9, 1.0, None],
            "wall_time": [0.1] * 7,
            "error": [None] * 6 + ["boom"],
        }
    )

    def test_mean_and_student_t_interval(self) -> None:
        """Mean ± t(0.975, 2) s / sqrt(3) per cell and policy; failed runs counted apart."""
        summary = summarize_sweep(self.RUNS, metrics=["success_rate"])
        assert summary[["cell", "rate", "policy", "metric", "n", "failed"]].to_dict("records") == [
            {"cell": 0, "rate": 0.5, "policy": "base", "metric": "success_rate", "n": 3,
             "failed": 0},
            {"cell": 0, "rate": 0.5, "policy": "other", "metric": "success_rate", "n": 3,
             "failed": 1},
        ]  # fmt: skip
        assert summary["mean"].tolist() == pytest.approx([0.7, 2.5 / 3])
        assert summary["half_width"].tolist() == pytest.approx(
            [T975_2 * 0.2 / math.sqrt(3), T975_2 * math.sqrt(13 / 300) / math.sqrt(3)]
        )

    def test_paired_differences_on_common_seeds(self) -> None:
        """Differences are taken seed by seed: (0.1, 0.2, 0.1), mean 0.1333."""
        diffs = paired_differences(self.RUNS, baseline="base", metrics=["success_rate"])
        assert len(diffs) == 1
        row = diffs.iloc[0]
        assert (row.policy, row.baseline, row.n) == ("other", "base", 3)
        assert row["mean"] == pytest.approx(0.4 / 3)
        assert row["half_width"] == pytest.approx(T975_2 * math.sqrt(1 / 300) / math.sqrt(3))

    def test_unknown_metric_and_baseline(self) -> None:
        """An unknown metric or a baseline no row has is refused by name."""
        with pytest.raises(ValueError, match=r"^unknown metric 'speed'; known: total, .*$"):
            summarize_sweep(self.RUNS, metrics=["speed"])
        with pytest.raises(ValueError, match=r"^no run of the baseline policy 'nobody'$"):
            paired_differences(self.RUNS, baseline="nobody")


def test_sweep_error_is_a_skillsim_error() -> None:
    """SweepError belongs to the project's error tree."""
    from protocol.errors import SkillsimError

    assert issubclass(SweepError, SkillsimError)
    assert str(SweepError("a.toml", [("b", "c"), ("", "d")])) == "a.toml: b: c\na.toml: d"


class TestReadmeExample:
    README = Path(__file__).parent.parent / "README.md"
    SWEEP = Path(__file__).parent.parent / "docs" / "sweep" / "team_sweep.toml"

    def test_the_readme_shows_the_example_file(self) -> None:
        """The sweep file in the README is docs/sweep/team_sweep.toml, 300 runs."""
        assert self.SWEEP.read_text(encoding="utf-8") in self.README.read_text(encoding="utf-8")
        plan = plan_sweep(load_sweep(self.SWEEP))
        assert (len(plan.cells), len(plan.tasks)) == (10, 300)

    @pytest.mark.parametrize(
        ("count", "rate", "figure"), [(20, 0.5, "+0.217 ± 0.032"), (10, 2.5, "+0.004 ± 0.021")]
    )
    def test_the_paired_differences_it_quotes(self, count: int, rate: float, figure: str) -> None:
        """optimal - best_fit on success rate, paired over 10 seeds, as the README says."""
        data = tomllib.loads(self.SWEEP.read_text(encoding="utf-8"))
        data["policies"] = ["best_fit", "optimal"]
        data["grid"] = {"workers.generate.count": [count], "tasks.generate.arrival.rate": [rate]}
        spec = parse_sweep(data, source="readme", base_dir=self.SWEEP.parent)
        runs = run_sweep(spec, jobs=2)
        diff = paired_differences(runs, baseline="best_fit", metrics=["success_rate"]).iloc[0]
        assert f"{diff['mean']:+.3f} ± {diff['half_width']:.3f}" == figure
        assert figure in self.README.read_text(encoding="utf-8")
