"""Argilla's rules: min_submitted changes only before the first response, never above the team."""

from pathlib import Path

import pytest
from conftest import CallAt, Logs

from agents import Runtime, TaskManager, WorkerAgent
from agents.board import TaskBoard
from agents.distribution import Consensus, Distribution
from agents.errors import DistributionError
from agents.min_submitted import change_min_submitted, check_team, required_for
from protocol.messages import Task, TaskResult
from scenarios.loader import ScenarioError, load_scenario
from scenarios.run import run_scenario

pytestmark = pytest.mark.usefixtures("quiet_logs")


def tasks(n: int) -> list[Task]:
    return [Task(id=i, difficulty=2, truth="x", labels=["x", "y"]) for i in range(1, n + 1)]


def team(manager: TaskManager, n: int) -> list[WorkerAgent]:
    return [WorkerAgent(f"w{i}", 5, admin_peer=manager.id) for i in range(n)]


class TestCheckTeam:
    def test_equal_to_the_team_is_allowed(self) -> None:
        """min_submitted = annotators passes."""
        check_team(Distribution(min_submitted=3), 3)

    def test_above_the_team_is_refused(self) -> None:
        """min_submitted = annotators + 1 is refused, naming both numbers."""
        with pytest.raises(
            DistributionError, match=r"^min_submitted = 4 is above the 3 annotators who may answer$"
        ):
            check_team(Distribution(min_submitted=4), 3)

    def test_consensus_above_the_team_is_refused(self) -> None:
        """A consensus count above the team would stall the same way."""
        with pytest.raises(DistributionError, match=r"^consensus assignees = 3 is above the 2 "):
            check_team(Distribution(consensus=Consensus(50, 3)), 2)


class TestChange:
    def test_before_any_response_every_unfinished_task_needs_the_new_count(self) -> None:
        """From 1 to 3: every task on the board now requires 3."""
        board = TaskBoard()
        for task in tasks(3):
            board.add(task, 0.0)
        changed = change_min_submitted(Distribution(), 3, board, annotators=3)
        assert changed == Distribution(min_submitted=3)

    def test_after_the_first_response_it_is_refused(self) -> None:
        """Any response (even a draft) fixes the setting, naming the task."""
        board = TaskBoard()
        record = board.add(tasks(2)[1], 0.0)
        board.respond(record, TaskResult(task_id=2, worker="w", success=False, status="draft"))
        with pytest.raises(
            DistributionError,
            match=r"^min_submitted cannot change once annotation has started "
            r"\(task 2 has a response\)$",
        ):
            change_min_submitted(Distribution(), 2, board, annotators=3)

    def test_above_the_annotators_it_is_refused(self) -> None:
        """The change is checked against the team, when it is known."""
        with pytest.raises(DistributionError, match=r"^min_submitted = 3 is above the 2 "):
            change_min_submitted(Distribution(), 3, TaskBoard(), annotators=2)
        assert change_min_submitted(Distribution(), 3, TaskBoard(), annotators=None) == (
            Distribution(min_submitted=3)
        )

    def test_settings_that_refuse_it_are_an_error_of_the_tree(self) -> None:
        """Per-assignee queues take one answer per task: 2 is refused."""
        with pytest.raises(DistributionError, match=r"^per-assignee queues give each task to "):
            change_min_submitted(Distribution(queue="assignee"), 2, TaskBoard(), annotators=5)

    def test_consensus_tasks_keep_their_count(self) -> None:
        """With 50% consensus of 3, tasks 2 and 4 need 3; the others need min_submitted."""
        d = Distribution(min_submitted=2, consensus=Consensus(50, 3))
        needs = [required_for(d, n, tasks(1)[0])[0] for n in range(1, 5)]
        assert needs == [2, 3, 2, 3]


class TestOnAManager:
    def test_a_change_before_the_run_applies_to_the_tasks(self) -> None:
        """set_min_submitted(2) before any response: every task completes with two answers."""
        manager = TaskManager(tasks(3), expected_workers=2, name="manager")
        assert manager.operations.set_min_submitted(2) == 3
        runtime = Runtime(seed=1)
        runtime.add(manager, *team(manager, 2))
        assert runtime.run().ending == "complete"
        assert [r.counted for r in manager.board] == [2, 2, 2]
        assert manager.distribution.min_submitted == 2

    def test_new_settings_may_change_min_submitted_only(self) -> None:
        """set_distribution with another min_submitted works; other changes are refused."""
        manager = TaskManager(tasks(2), expected_workers=2, name="manager")
        manager.operations.set_distribution(Distribution(min_submitted=2))
        assert [r.required for r in manager.board] == [2, 2]
        assert manager.distribution == Distribution(min_submitted=2)
        with pytest.raises(
            DistributionError, match=r"^only min_submitted can change on a manager$"
        ):
            manager.operations.set_distribution(Distribution(min_submitted=2, overlap=1))

    def test_assigning_the_settings_is_not_silent(self) -> None:
        """manager.distribution is read-only: an assignment raises instead of doing nothing."""
        manager = TaskManager(tasks(1), name="manager")
        with pytest.raises(AttributeError):
            manager.distribution = Distribution(min_submitted=2)  # type: ignore[misc]

    def test_a_change_after_the_first_response_is_refused_and_changes_nothing(self) -> None:
        """At t=3 (task 1 answered at t=2) the change raises; tasks keep needing one answer."""
        manager = TaskManager(tasks(4), expected_workers=1, name="manager")
        refused: list[str] = []

        def change() -> None:
            try:
                manager.operations.set_min_submitted(2)
            except DistributionError as error:
                refused.append(str(error))

        runtime = Runtime(seed=1)
        runtime.add(manager, *team(manager, 1), CallAt(3.0, change))
        assert runtime.run().ending == "complete"
        assert refused == [
            "min_submitted cannot change once annotation has started (task 1 has a response)"
        ]
        assert [r.required for r in manager.board] == [1, 1, 1, 1]

    def test_above_the_team_is_refused_when_the_work_starts(self) -> None:
        """min_submitted 3 with 2 workers: refused at start with the error, not a stall."""
        manager = TaskManager(
            tasks(2), expected_workers=2, distribution=Distribution(min_submitted=3)
        )
        runtime = Runtime(seed=1)
        runtime.add(manager, *team(manager, 2))
        with pytest.raises(
            DistributionError, match=r"^min_submitted = 3 is above the 2 annotators who may answer$"
        ):
            runtime.run(strict=True)

    def test_without_strict_the_run_ends_at_once_with_the_failure(self) -> None:
        """Not strict: the run ends (nothing placed), and the refusal is its one failure."""
        manager = TaskManager(
            tasks(2), expected_workers=2, distribution=Distribution(min_submitted=3)
        )
        runtime = Runtime(seed=1)
        runtime.add(manager, *team(manager, 2))
        summary = runtime.run()
        assert summary.ending == "complete"
        assert [type(f.error) for f in summary.failures] == [DistributionError]
        assert [str(r.state) for r in manager.board] == ["pending", "pending"]
        assert summary.t == 0.0


class TestScenario:
    def write(self, tmp_path: Path, text: str) -> Path:
        path = tmp_path / "argilla.toml"
        path.write_text(
            'seed = 1\n[[workers.items]]\nname = "a"\nskill_level = 5\n'
            '[[workers.items]]\nname = "b"\nskill_level = 5\n'
            '[tasks.generate]\ncount = 4\ndifficulty = 2\nlabels = ["x", "y"]\n' + text,
            encoding="utf-8",
        )
        return path

    def test_a_file_above_its_team_is_refused_when_read(self, tmp_path: Path) -> None:
        """min_submitted = 3 with two workers: an error naming the field."""
        path = self.write(tmp_path, "")
        path.write_text("min_submitted = 3\n" + path.read_text(), encoding="utf-8")
        with pytest.raises(
            ScenarioError, match=r"min_submitted: 3 is above the 2 annotators who may answer$"
        ):
            load_scenario(path)

    def test_a_late_change_event_is_skipped_with_the_reason(
        self, tmp_path: Path, logs: Logs
    ) -> None:
        """A change at t=3 (answers came at t=2) is skipped aloud; one at t=0 applies."""
        event = '[[events]]\nat = {at}\naction = "set_min_submitted"\nmin_submitted = 2\n'
        early = run_scenario(load_scenario(self.write(tmp_path, event.format(at=0.0))))
        assert early.result.metrics.completed == 4
        assert [row.attempts for row in early.result.tasks] == [2, 2, 2, 2]
        late = run_scenario(load_scenario(self.write(tmp_path, event.format(at=3.0))))
        skipped = [
            (e["action"], e["reason"])
            for e in logs
            if e["event"] == "event_skipped" and e.get("action") == "set_min_submitted"
        ]
        assert skipped == [
            (
                "set_min_submitted",
                "min_submitted cannot change once annotation has started (task 1 has a response)",
            )
        ]
        assert [row.attempts for row in late.result.tasks] == [1, 1, 1, 1]
        assert [(e.action, e.reason) for e in late.result.events_skipped] == [
            (
                "set_min_submitted",
                "min_submitted cannot change once annotation has started (task 1 has a response)",
            )
        ]

    def test_the_event_needs_a_value(self, tmp_path: Path) -> None:
        """set_min_submitted without min_submitted is refused when read."""
        path = self.write(tmp_path, '[[events]]\nat = 1.0\naction = "set_min_submitted"\n')
        with pytest.raises(
            ScenarioError, match=r"the set_min_submitted action needs min_submitted"
        ):
            load_scenario(path)


class TestBoardRequire:
    def test_require_changes_the_count_and_opens_slots(self) -> None:
        """From 1 to 3 required: three open slots, and the task is queued."""
        board = TaskBoard()
        record = board.add(tasks(1)[0], 0.0)
        board.require(record, 3, 0)
        assert (record.required, record.open_slots, record.queued) == (3, 3, True)

    def test_require_is_refused_once_there_is_a_response(self) -> None:
        """The board keeps the rule too."""
        board = TaskBoard()
        record = board.add(tasks(1)[0], 0.0)
        board.respond(record, TaskResult(task_id=1, worker="w", success=True))
        with pytest.raises(ValueError, match=r"^task 1 has a response already$"):
            board.require(record, 2, 0)

    @pytest.mark.parametrize(("required", "overlap"), [(0, 0), (1, -1)])
    def test_require_needs_sane_numbers(self, required: int, overlap: int) -> None:
        """required >= 1 and overlap >= 0."""
        board = TaskBoard()
        record = board.add(tasks(1)[0], 0.0)
        with pytest.raises(ValueError, match=r"^required must be >= 1 and overlap >= 0, got "):
            board.require(record, required, overlap)
