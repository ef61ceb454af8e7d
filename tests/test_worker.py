from typing import Any

import pydantic
import pytest
from conftest import error_locations

from agents import BaseAgent, Runtime, TaskManager, WorkerAgent, WorkerProfile, on, on_run
from agents.performance import Outcome
from protocol import (
    AgentDetail,
    Message,
    SimulationComplete,
    Task,
    TaskAccepted,
    TaskAssignment,
    TaskRejected,
    TaskResult,
)


class Boss(BaseAgent):
    """Sends assignments straight to one worker and records every reply."""

    role = "manager"

    def __init__(self, to: str, *assignments: Message, results: int, name: str = "boss") -> None:
        super().__init__(name)
        self.to = to
        self.assignments = assignments
        self.results = results
        self.replies: list[tuple[float, str, Message]] = []

    @on_run()
    async def assign(self) -> None:
        for assignment in self.assignments:
            await self.send(self.to, assignment)

    @on(Message)
    async def reply(self, message: Message, time: float, sender: AgentDetail) -> None:
        self.replies.append((time, sender.id, message))
        if sum(isinstance(m, TaskResult) for _, _, m in self.replies) == self.results:
            self.stop()


def assignment(task_id: Any, difficulty: float, skill: str | None = None) -> TaskAssignment:
    return TaskAssignment(task=Task(id=task_id, difficulty=difficulty, skill=skill))


def run_all(*agents: BaseAgent) -> None:
    runtime = Runtime()
    runtime.add(*agents)
    runtime.run(strict=True)


class TestWorkerInput:
    def test_negative_skill_names_skill_level(self) -> None:
        """A negative skill raises a ValidationError naming skill_level."""
        with pytest.raises(pydantic.ValidationError, match=r"skill_level") as caught:
            WorkerAgent("w", skill_level=-1)
        assert error_locations(caught.value) == [("skill_level",)]

    def test_capacity_zero_names_capacity(self) -> None:
        """A capacity of 0 raises a ValidationError naming capacity."""
        with pytest.raises(pydantic.ValidationError, match=r"capacity") as caught:
            WorkerAgent("w", skill_level=1, capacity=0)
        assert error_locations(caught.value) == [("capacity",)]

    def test_non_numeric_skill_is_refused(self) -> None:
        """A skill that is not a number raises a ValidationError naming it."""
        with pytest.raises(pydantic.ValidationError) as caught:
            WorkerAgent("w", skill_level="expert")  # type: ignore[arg-type]
        assert error_locations(caught.value) == [("skill_level",)]

    def test_non_numeric_category_skill_is_refused(self) -> None:
        """Per-category skills are numbers; an unparseable one is named with its category."""
        with pytest.raises(pydantic.ValidationError) as caught:
            WorkerAgent("w", skill_level=1, skills={"vision": "high"})  # type: ignore[dict-item]
        assert error_locations(caught.value) == [("skills", "vision")]

    def test_profile_is_public(self) -> None:
        """A worker's details carry its role and declared profile."""
        worker = WorkerAgent("w", 4, skills={"vision": 7}, specialties=["vision"], capacity=2)
        detail = worker.details()
        assert (detail.id, detail.role) == ("w", "worker")
        assert WorkerProfile.model_validate(detail.profile) == WorkerProfile(
            skill_level=4, skills={"vision": 7}, specialties=["vision"], capacity=2
        )
        assert (worker.skill_level, worker.specialties, worker.capacity) == (4, ["vision"], 2)


class TestAssignments:
    def test_accepts_works_and_reports(self) -> None:
        """A worker accepts, works `difficulty` simulated seconds, and reports success."""
        boss = Boss("w", assignment(1, 3), results=1)
        run_all(boss, WorkerAgent("w", skill_level=5))
        assert boss.replies == [
            (0.0, "w", TaskAccepted(task_id=1, worker="w")),
            (3.0, "w", TaskResult(task_id=1, worker="w", success=True, duration=3.0)),
        ]

    def test_a_model_giving_other_types_is_validated(self) -> None:
        """A user's model that answers 1 and 2 (ints) gives a result of True and 2.0."""

        class IntModel:
            name = "ints"

            def success_probability(self, skill: float, difficulty: float) -> float:
                return 1.0

            def outcome(self, skill: float, task: Task, draws: Any) -> Outcome:
                return Outcome(1, 2)  # type: ignore[arg-type]

        boss = Boss("w", assignment(1, 3), results=1)
        run_all(boss, WorkerAgent("w", skill_level=5, model=IntModel()))
        result = boss.replies[-1][2]
        assert result == TaskResult(task_id=1, worker="w", success=True, duration=2.0)
        assert isinstance(result, TaskResult)
        assert (type(result.success), type(result.duration)) == (bool, float)

    def test_a_model_giving_a_negative_duration_is_refused(self) -> None:
        """A duration below 0 from a user's model fails validation, not silently."""

        class Backwards:
            name = "backwards"

            def success_probability(self, skill: float, difficulty: float) -> float:
                return 1.0

            def outcome(self, skill: float, task: Task, draws: Any) -> Outcome:
                return Outcome(True, -1.0)

        boss = Boss("w", assignment(1, 3), results=1)
        runtime = Runtime()
        runtime.add(boss, WorkerAgent("w", skill_level=5, model=Backwards()))
        runtime.run()
        assert not any(isinstance(m, TaskResult) for _, _, m in boss.replies)
        [failure] = runtime.failures
        assert isinstance(failure.error, pydantic.ValidationError)
        assert error_locations(failure.error) == [("duration",)]

    def test_too_hard_task_fails(self) -> None:
        """Under the seed's threshold rule a task above the worker's skill fails."""
        boss = Boss("w", assignment(1, 6), results=1)
        run_all(boss, WorkerAgent("w", skill_level=5.5))
        assert boss.replies[-1] == (
            6.0,
            "w",
            TaskResult(task_id=1, worker="w", success=False, duration=6.0),
        )

    def test_busy_worker_rejects_a_second_assignment(self) -> None:
        """With capacity 1, a second assignment is refused as busy while the first runs."""
        boss = Boss("w", assignment(1, 3), assignment(2, 1), results=1)
        worker = WorkerAgent("w", skill_level=5)
        run_all(boss, worker)
        assert boss.replies == [
            (0.0, "w", TaskAccepted(task_id=1, worker="w")),
            (0.0, "w", TaskRejected(task_id=2, worker="w", reason="busy")),
            (3.0, "w", TaskResult(task_id=1, worker="w", success=True, duration=3.0)),
        ]
        assert worker.completed == [TaskResult(task_id=1, worker="w", success=True, duration=3.0)]

    def test_capacity_two_works_in_parallel(self) -> None:
        """A worker with capacity 2 holds two tasks at once, refuses a third, and says when
        it has room again."""
        boss = Boss("w", assignment(1, 3), assignment(2, 1), assignment(3, 1), results=2)
        run_all(boss, WorkerAgent("w", skill_level=5, capacity=2))
        assert [(t, type(m).__name__, getattr(m, "task_id", None)) for t, _, m in boss.replies] == [
            (0.0, "TaskAccepted", 1),
            (0.0, "TaskAccepted", 2),
            (0.0, "TaskRejected", 3),
            (1.0, "TaskResult", 2),
            (1.0, "WorkRequest", None),
            (3.0, "TaskResult", 1),
        ]

    def test_specialist_rejects_other_categories(self) -> None:
        """A specialist refuses a task of another category and takes uncategorized ones."""
        boss = Boss("w", assignment(1, 1, "text"), assignment(2, 1), results=1)
        run_all(boss, WorkerAgent("w", skill_level=5, specialties=["vision"]))
        assert boss.replies == [
            (0.0, "w", TaskRejected(task_id=1, worker="w", reason="specialty")),
            (0.0, "w", TaskAccepted(task_id=2, worker="w")),
            (1.0, "w", TaskResult(task_id=2, worker="w", success=True, duration=1.0)),
        ]

    def test_results_go_to_admin_peer(self) -> None:
        """With admin_peer set, replies go there rather than to whoever assigned the task."""
        ledger = Boss("w", results=1, name="ledger")
        boss = Boss("w", assignment(1, 2), results=1)
        run_all(ledger, boss, WorkerAgent("w", skill_level=5, admin_peer="ledger"))
        assert boss.replies == []
        assert ledger.replies == [
            (0.0, "w", TaskAccepted(task_id=1, worker="w")),
            (2.0, "w", TaskResult(task_id=1, worker="w", success=True, duration=2.0)),
        ]


class TestLeaving:
    def test_worker_leaves_when_its_manager_completes(self) -> None:
        """SimulationComplete from the worker's manager makes it leave the bus."""
        worker = WorkerAgent("w", skill_level=1, admin_peer="boss")
        boss = Boss("w", SimulationComplete(total=0, completed=0, failed=0), results=0)
        runtime = Runtime()
        runtime.add(boss, worker)
        summary = runtime.run(until=10)
        assert (worker.stopped, summary.t) == (True, 0.0)


class TestSeedCustomisation:
    def test_third_positional_is_specialties_as_in_the_seed(self) -> None:
        """``WorkerAgent("ana", 5, ["vision"])`` takes only vision tasks, as the seed means."""
        tasks = [Task(id=1, difficulty=2, skill="text"), Task(id=2, difficulty=2, skill="vision")]
        manager = TaskManager(tasks, expected_workers=2)
        ana = WorkerAgent("ana", 5, ["vision"])
        bob = WorkerAgent("bob", 5, ["text"])
        runtime = Runtime()
        runtime.add(manager, ana, bob)
        summary = runtime.run(strict=True)
        assert (ana.profile_data.specialties, ana.admin_peer, summary.ending) == (
            ["vision"],
            None,
            "complete",
        )
        assert sorted((r.task_id, r.worker) for r in manager.task_results) == [
            (1, "bob"),
            (2, "ana"),
        ]

    def test_admin_peer_and_the_rest_are_keyword_only(self) -> None:
        """A fourth positional argument is refused: everything past the seed's is by keyword."""
        with pytest.raises(TypeError, match=r"takes from 2 to 4 positional arguments but 5"):
            WorkerAgent("ana", 5, None, "TaskManager")  # type: ignore[misc]

    @pytest.mark.parametrize("value", [float("nan"), float("inf")])
    def test_non_finite_skills_are_refused(self, value: float) -> None:
        """NaN or infinite skills are refused at their field, overall or per category."""
        with pytest.raises(pydantic.ValidationError) as overall:
            WorkerAgent("ana", value)
        with pytest.raises(pydantic.ValidationError) as category:
            WorkerAgent("ana", 5, skills={"vision": value})
        assert (error_locations(overall.value), error_locations(category.value)) == (
            [("skill_level",)],
            [("skills", "vision")],
        )
