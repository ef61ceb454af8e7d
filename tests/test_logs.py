"""Library use is quiet below WARNING until the program configures logging."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from agents import TaskManager, WorkerAgent, run
from protocol import Task
from scenarios.cli import main

pytestmark = pytest.mark.usefixtures("unconfigured")

README = Path(__file__).resolve().parent.parent / "README.md"


def events_of(text: str) -> list[tuple[str, str]]:
    """``(level, event)`` of each rendered log line."""
    found = [re.match(r"\[(\w+)\s*\] (\S+)", line) for line in text.splitlines()]
    return [(m.group(1), m.group(2)) for m in found if m is not None]


def readme_block(heading: str, nth: int = 0) -> str:
    """The ``nth`` ```python block after ``heading`` in the README."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)[nth]


@pytest.fixture(name="unconfigured")
def fixture_unconfigured() -> Iterator[None]:
    """structlog as a fresh program finds it: never configured; restored afterwards."""
    saved = structlog.get_config()
    was_configured = structlog.is_configured()
    structlog.reset_defaults()
    yield
    if was_configured:
        structlog.configure(**saved)
    else:
        structlog.reset_defaults()


class TestQuietByDefault:
    def test_readme_quick_start_prints_only_its_own_line(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The README's quick start, run from code, prints its results and no event."""
        exec(compile(readme_block("## The quick start, made right"), "README.md", "exec"), {})
        captured = capsys.readouterr()
        assert captured.err == ""
        assert captured.out == (
            "[TaskResult(kind='task_result', task_id=1, worker='Junior', success=True, "
            "status='submitted', answer=None, duration=2.0, attempt=1), "
            "TaskResult(kind='task_result', task_id=2, worker='Intermediate', success=True, "
            "status='submitted', answer=None, duration=5.0, attempt=1), "
            "TaskResult(kind='task_result', task_id=3, worker='Senior', success=True, "
            "status='submitted', answer=None, duration=8.0, attempt=1)]\n"
        )

    def test_a_warning_still_shows(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A stalled run's warning gets through the default filter; its info lines do not."""

        async def stalls() -> None:
            manager = TaskManager([Task(id=1, difficulty=1)], expected_workers=2)
            await manager.start_agent(b"", [WorkerAgent("solo", 5, admin_peer=manager.id)])

        run(stalls())
        captured = capsys.readouterr()
        assert captured.out == ""
        assert events_of(captured.err) == [("warning", "run_stalled")]
        assert "2 expected workers, 1 connected" in captured.err

    def test_configure_logging_makes_runs_loud(self, capsys: pytest.CaptureFixture[str]) -> None:
        """After configure_logging("info"), the quick start's events reach standard error."""
        from scenarios import configure_logging

        configure_logging("info")
        exec(compile(readme_block("## The quick start, made right"), "README.md", "exec"), {})
        events = [event for _, event in events_of(capsys.readouterr().err)]
        assert events.count("task_assigned") == 3
        assert events.count("task_result") == 3
        assert events[-1] == "run_complete"


class TestCommandLineLevels:
    def test_default_level_prints_no_event(self, capsys: pytest.CaptureFixture[str]) -> None:
        """`skillsim run quickstart` writes its report and no event line."""
        assert main(["run", "quickstart"]) == 0
        assert capsys.readouterr().err == ""

    def test_info_level_prints_the_events(self, capsys: pytest.CaptureFixture[str]) -> None:
        """`--log-level info` shows each assignment and result on standard error."""
        assert main(["--log-level", "info", "run", "quickstart"]) == 0
        lines = capsys.readouterr().err.splitlines()
        assigned = [line for line in lines if "task_assigned" in line]
        assert [re.search(r"worker=(\w+)", line).group(1) for line in assigned] == [  # type: ignore[union-attr]
            "Junior",
            "Intermediate",
            "Senior",
        ]
        assert sum("task_result" in line for line in lines) == 3
        assert {level for level, _ in events_of("\n".join(lines))} == {"info"}


class TestReadmeSeeingARun:
    def test_configure_logging_block(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The README's configure_logging("info") block shows the run's events."""
        exec(compile(readme_block("### Events, when you ask for them"), "README.md", "exec"), {})
        events = [event for _, event in events_of(capsys.readouterr().err)]
        assert events[:3] == ["worker_connected", "worker_connected", "worker_connected"]
        assert events.count("task_assigned") == 3
        assert events[-1] == "run_complete"

    def test_capture_logs_block(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The README's capture_logs block prints the three assignments' workers."""
        exec(compile(readme_block("### Events, when you ask for them", 1), "README.md", "exec"), {})
        assert capsys.readouterr() == ("['Junior', 'Intermediate', 'Senior']\n", "")
