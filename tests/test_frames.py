"""A run's tables as DataFrames and files, and the error when the extra is missing."""

import sys
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from agents.errors import MissingExtraError
from scenarios.cli import main
from scenarios.frames import FRAMES, to_frames, write_frames
from scenarios.loader import load_scenario
from scenarios.metrics import RunResult
from scenarios.run import run_scenario

pytestmark = pytest.mark.usefixtures("quiet_logs")


@cache
def churn() -> RunResult:
    return run_scenario(load_scenario("churn")).result


class TestFrames:
    def test_one_row_per_record(self) -> None:
        """Each frame has a row per task, attempt, worker, point and event; metrics one row."""
        result = churn()
        frames = result.to_frames()
        assert list(frames) == list(FRAMES)
        assert [len(frames[name]) for name in FRAMES[:-1]] == [
            len(result.tasks),
            len(result.attempts),
            len(result.workers),
            len(result.series),
            len(result.events),
        ]
        assert frames["metrics"].loc[0, "success_rate"] == result.metrics.success_rate
        assert list(frames["attempts"].columns) == [
            "task", "worker", "attempt", "kind", "assigned", "started", "finished", "outcome",
            "answer",
        ]  # fmt: skip

    def test_attempt_outcomes_count_as_in_the_result(self) -> None:
        """The attempts frame counts outcomes as the rows do."""
        frames = to_frames(churn())
        assert frames["attempts"]["outcome"].value_counts().to_dict() == {
            "success": 886,
            "failure": 534,
            "lost": 2,
        }

    def test_empty_tables_keep_their_columns(self) -> None:
        """A result without attempts still has the attempts columns."""
        empty = churn().model_copy(update={"attempts": [], "events": []})
        assert list(to_frames(empty)["attempts"].columns)[:3] == ["task", "worker", "attempt"]


class TestFiles:
    @pytest.mark.parametrize("fmt", ["parquet", "csv"])
    def test_written_files_read_back(self, tmp_path: Path, fmt: str) -> None:
        """Every frame is written and reads back with its rows; mixed ids become text."""
        paths = write_frames(churn(), tmp_path, fmt)  # type: ignore[arg-type]
        assert [p.name for p in paths] == [f"{name}.{fmt}" for name in FRAMES]
        read = pd.read_parquet if fmt == "parquet" else pd.read_csv
        tasks = read(tmp_path / f"tasks.{fmt}")
        assert len(tasks) == len(churn().tasks)
        assert "e1-1" in set(tasks["id"].astype(str))
        workers = read(tmp_path / f"workers.{fmt}")
        assert workers.loc[0, "skills"] == "{}"

    def test_cli_writes_both(self, tmp_path: Path) -> None:
        """``run --parquet DIR --csv DIR`` writes the six tables in each format."""
        args = ["run", "quickstart", "--parquet", str(tmp_path / "p"), "--csv", str(tmp_path / "c")]
        assert main(args) == 0
        assert sorted(p.name for p in (tmp_path / "p").iterdir()) == sorted(
            f"{name}.parquet" for name in FRAMES
        )
        attempts = pd.read_csv(tmp_path / "c" / "attempts.csv")
        assert attempts["finished"].tolist() == [2.0, 5.0, 8.0]


class TestMissingExtra:
    def test_error_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without pandas, to_frames says which extra to install."""
        monkeypatch.setitem(sys.modules, "pandas", None)
        with pytest.raises(
            MissingExtraError,
            match=r"^pandas is not installed; install the extra: pip install 'skillsim\[data\]'$",
        ):
            churn().to_frames()

    def test_cli_exits_2_and_keeps_the_json(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without pyarrow, --parquet fails with exit 2 after the JSON is written."""
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        out = tmp_path / "r.json"
        args = ["run", "quickstart", "--json", str(out), "--parquet", str(tmp_path / "p")]
        assert main(args) == 2
        assert capsys.readouterr().err == (
            "error: pyarrow is not installed; install the extra: pip install 'skillsim[data]'\n"
        )
        assert (
            RunResult.model_validate_json(out.read_text(encoding="utf-8")).scenario == "quickstart"
        )
