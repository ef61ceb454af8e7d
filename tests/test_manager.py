import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import Logs

from agents import (
    Draws,
    Outcome,
    PolicyError,
    RunSummary,
    Runtime,
    TaskManager,
    WorkerAgent,
)
from agents.policies import Assignment, policy_names
from protocol import Task


def run_all(*agents: Any, until: float | None = None) -> RunSummary:
    runtime = Runtime()
    runtime.add(*agents)
    return runtime.run(until=until, strict=True)


def placed(manager: TaskManager) -> list[tuple[Any, str, bool]]:
    """(task id, worker, success) of each result, in the order results came in."""
    return [(r.task_id, r.worker, r.success) for r in manager.task_results]


class TestInput:
    @pytest.mark.parametrize("expected", [0, -1, 2.0])
    def test_expected_workers_must_be_a_positive_int(self, expected: Any) -> None:
        """expected_workers below 1 or not an int raises ValueError naming the value."""
        with pytest.raises(
            ValueError,
            match=rf"^expected_workers must be an int >= 1, got {re.escape(repr(expected))}$",
        ):
            TaskManager([], expected_workers=expected)

    def test_max_attempts_must_be_positive(self) -> None:
        """max_attempts below 1 raises ValueError."""
        with pytest.raises(ValueError, match=r"^max_attempts must be an int >= 1, got 0$"):
            TaskManager([], max_attempts=0)

    def test_duplicate_task_id_is_named(self) -> None:
        """A repeated task id raises ValueError naming the id and its position."""
        tasks = [Task(id=1, difficulty=1), Task(id=2, difficulty=1), Task(id=1, difficulty=3)]
        with pytest.raises(ValueError, match=r"^duplicate task id 1 at tasks\[2\]$"):
            TaskManager(tasks)

    def test_duplicate_string_id_is_named(self) -> None:
        """A repeated string id is named with its quotes."""
        tasks = [Task(id="a", difficulty=1), Task(id="a", difficulty=1)]
        with pytest.raises(ValueError, match=r"^duplicate task id 'a' at tasks\[1\]$"):
            TaskManager(tasks)

    def test_non_task_item_raises(self) -> None:
        """An item that is not a Task raises TypeError naming its position."""
        with pytest.raises(TypeError, match=r"^tasks\[0\] is not a Task: \{'id': 1\}$"):
            TaskManager([{"id": 1}])  # type: ignore[list-item]

    def test_unknown_policy_raises(self) -> None:
        """An unknown policy name raises PolicyError listing the known ones."""
        expected = f"unknown policy 'nope'; known policies: {', '.join(policy_names())}"
        with pytest.raises(PolicyError, match=rf"^{re.escape(expected)}$"):
            TaskManager([], policy="nope")


class TestPriority:
    def test_higher_priority_is_placed_first(self) -> None:
        """With one worker, tasks run by priority, then in the order given."""
        tasks = [
            Task(id="a", difficulty=1, priority=1),
            Task(id="b", difficulty=1, priority=5),
            Task(id="c", difficulty=1, priority=3),
            Task(id="d", difficulty=1, priority=5),
        ]
        manager = TaskManager(tasks)
        run_all(manager, WorkerAgent("solo", skill_level=10))
        assert [r.task_id for r in manager.task_results] == ["b", "d", "c", "a"]

    def test_priority_assignments_in_the_log(self, logs: Logs) -> None:
        """Each assignment is logged when the single worker frees up."""
        tasks = [Task(id="low", difficulty=2), Task(id="high", difficulty=3, priority=9)]
        manager = TaskManager(tasks)
        run_all(manager, WorkerAgent("solo", skill_level=10))
        assert [(e["t"], e["task"]) for e in logs if e["event"] == "task_assigned"] == [
            (0.0, "high"),
            (3.0, "low"),
        ]
        assert manager.finished_at == 5.0


class TestSpecialties:
    def test_specialist_gets_only_its_category(self) -> None:
        """A specialist takes its own category and uncategorized tasks, never another category."""
        tasks = [
            Task(id="v", difficulty=2, skill="vision"),
            Task(id="t", difficulty=2, skill="text"),
            Task(id="p", difficulty=2),
            Task(id="t2", difficulty=2, skill="text"),
        ]
        manager = TaskManager(tasks, expected_workers=2)
        specialist = WorkerAgent("spec", skill_level=4, specialties=["vision"])
        generalist = WorkerAgent("gen", skill_level=9)
        run_all(manager, specialist, generalist)
        assert sorted(placed(manager)) == [
            ("p", "spec", True),
            ("t", "gen", True),
            ("t2", "gen", True),
            ("v", "spec", True),
        ]

    def test_category_nobody_takes_stalls(self) -> None:
        """A task in a category no connected worker takes keeps the run from completing."""
        manager = TaskManager([Task(id=1, difficulty=1, skill="audio")])
        summary = run_all(manager, WorkerAgent("spec", skill_level=9, specialties=["vision"]))
        assert (summary.ending, summary.waiting_for) == (
            "stalled",
            (
                "TaskManager: 1 unfinished tasks (1 pending that no connected worker can "
                "take, 0 held)",
            ),
        )
        assert manager.task_results == []

    def test_category_skill_counts_for_its_tasks(self) -> None:
        """A per-category skill decides success for tasks of that category."""
        tasks = [Task(id="v", difficulty=7, skill="vision"), Task(id="x", difficulty=7)]
        manager = TaskManager(tasks)
        run_all(manager, WorkerAgent("w", skill_level=3, skills={"vision": 8}))
        assert sorted(placed(manager)) == [("v", "w", True), ("x", "w", False)]


class TestDefaultChoice:
    def test_least_skilled_capable_worker(self) -> None:
        """A task goes to the least skilled idle worker whose skill covers its difficulty."""
        manager = TaskManager([Task(id=1, difficulty=5)], expected_workers=3)
        workers = [WorkerAgent("senior", 9), WorkerAgent("junior", 3), WorkerAgent("mid", 6)]
        run_all(manager, *workers)
        assert placed(manager) == [(1, "mid", True)]

    def test_most_skilled_when_nobody_is_capable(self) -> None:
        """With no capable worker idle, the most skilled idle one gets it, and fails."""
        manager = TaskManager([Task(id=1, difficulty=8)], expected_workers=2)
        run_all(manager, WorkerAgent("junior", 3), WorkerAgent("mid", 6))
        assert placed(manager) == [(1, "mid", False)]
        assert manager.board.snapshot().failed == 1

    def test_seniors_kept_for_hard_tasks(self) -> None:
        """Easy tasks go to juniors so the senior is free for the hard one."""
        tasks = [Task(id="easy", difficulty=2), Task(id="hard", difficulty=8)]
        manager = TaskManager(tasks, expected_workers=2)
        run_all(manager, WorkerAgent("senior", 9), WorkerAgent("junior", 3))
        assert sorted(placed(manager)) == [("easy", "junior", True), ("hard", "senior", True)]


@dataclass
class FailsFirst:
    """A performance model whose first attempt fails and later ones succeed."""

    name: str = "fails_first"
    calls: list[str] = field(default_factory=list)

    def success_probability(self, skill: float, difficulty: float) -> float:
        return 1.0

    def outcome(self, skill: float, task: Task, draws: Draws) -> Outcome:
        self.calls.append(str(task.id))
        return Outcome(success=len(self.calls) > 1, duration=float(task.difficulty))


class TestRetries:
    def test_failed_attempt_is_retried(self) -> None:
        """With max_attempts=2 a failed task is assigned again and can then succeed."""
        manager = TaskManager([Task(id=1, difficulty=2)], max_attempts=2)
        model = FailsFirst()
        summary = run_all(manager, WorkerAgent("w", skill_level=5, model=model))
        assert (summary.ending, manager.finished_at) == ("complete", 4.0)
        assert [(r.task_id, r.success, r.attempt) for r in manager.task_results] == [(1, True, 2)]
        assert model.calls == ["1", "1"]


class TestSharedWorker:
    def test_two_managers_sharing_one_worker_both_finish(self) -> None:
        """Two managers with one common worker each get all their tasks done."""
        first = TaskManager([Task(id=1, difficulty=1), Task(id=2, difficulty=1)], name="A")
        second = TaskManager([Task(id=3, difficulty=1), Task(id=4, difficulty=1)], name="B")
        summary = run_all(first, second, WorkerAgent("shared", skill_level=5))
        assert summary.ending == "complete"
        assert sorted(placed(first)) == [(1, "shared", True), (2, "shared", True)]
        assert sorted(placed(second)) == [(3, "shared", True), (4, "shared", True)]


class TestSeedApi:
    def test_details_name_the_manager(self) -> None:
        """details() gives the id workers use as admin_peer, and the manager role."""
        detail = TaskManager([], name="Boss").details()
        assert (detail.id, detail.name, detail.role) == ("Boss", "Boss", "manager")

    def test_no_tasks_finishes_once_workers_are_there(self) -> None:
        """A manager without tasks completes as soon as its workers have connected."""
        manager = TaskManager([], expected_workers=2)
        summary = run_all(manager, WorkerAgent("a", 1), WorkerAgent("b", 1))
        assert (summary.ending, summary.t, manager.finished_at) == ("complete", 0.0, 0.0)


@dataclass
class Rogue:
    """A policy that makes one kind of impossible assignment."""

    mistake: str
    name: str = "rogue"

    def assign(self, snapshot: Any) -> list[Assignment]:
        first, worker = snapshot.pending[0].task.id, snapshot.workers[0].id
        if self.mistake == "unoffered":
            return [Assignment(99, worker)]
        if self.mistake == "full":
            return [Assignment(p.task.id, worker) for p in snapshot.pending]
        if self.mistake == "forbidden":
            return [Assignment(first, worker)]
        return [Assignment(first, worker), Assignment(first, worker)]


class TestPolicyChecks:
    @pytest.mark.parametrize(
        ("mistake", "message"),
        [
            ("unoffered", "policy 'rogue' assigned task 99, which was not offered"),
            ("full", "policy 'rogue' assigned task 2 to 'w', which has no free capacity"),
            ("twice", "policy 'rogue' assigned task 1 more often than it needs"),
            ("forbidden", "policy 'rogue' assigned task 1 to 'w', which may not take it"),
        ],
    )
    def test_an_impossible_assignment_is_refused(self, mistake: str, message: str) -> None:
        """The manager checks every assignment and names the policy, task and fault."""
        # "forbidden": the tasks are text work and w does vision only.
        skill = "text" if mistake == "forbidden" else None
        tasks = [Task(id=1, difficulty=1, skill=skill), Task(id=2, difficulty=1, skill=skill)]
        manager = TaskManager(tasks, expected_workers=2, policy=Rogue(mistake))
        # Two slots free, so both tasks are offered: w (capacity 1 or 2) comes first.
        specialties = ["vision"] if mistake == "forbidden" else None
        capacity = 2 if mistake == "twice" else 1
        workers = [WorkerAgent("w", 5, capacity=capacity, specialties=specialties)]
        workers.append(WorkerAgent("v", skill_level=5))
        with pytest.raises(PolicyError, match=rf"^{re.escape(message)}$"):
            run_all(manager, *workers)


@dataclass
class Believer:
    """Places first-come first-served and believes every worker is good at vision only."""

    name: str = "believer"
    seen: list[Any] = field(default_factory=list)

    def estimate(self, worker_id: str, category: str | None) -> float:
        return 7.0 if category == "vision" else 2.0

    def assign(self, snapshot: Any) -> list[Assignment]:
        self.seen.extend(snapshot.workers)
        return [
            Assignment(p.task.id, w.id)
            for p, w in zip(snapshot.pending, snapshot.workers, strict=False)
        ]


class TestEstimates:
    def test_the_policy_sees_its_estimate_for_every_category_at_stake(self) -> None:
        """A category the worker never declared still gets the policy's own estimate."""
        policy = Believer()
        manager = TaskManager([Task(id=1, difficulty=3, skill="vision")], policy=policy)
        run_all(manager, WorkerAgent("w", skill_level=4))
        view = policy.seen[0]
        assert (view.estimate, dict(view.estimates)) == (2.0, {"vision": 7.0})


class TestLongestIdle:
    def test_a_worker_with_room_left_does_not_keep_its_place(self) -> None:
        """B, idle since t=0, gets the task at t=3 before A, whose task ended at t=2."""
        manager = TaskManager(
            [Task(id="x", difficulty=2)],
            expected_workers=2,
            arrivals=[(3.0, Task(id="y", difficulty=1))],
        )
        workers = [WorkerAgent(n, skill_level=5, capacity=2) for n in ("A", "B")]
        run_all(manager, *workers)
        assert placed(manager) == [("x", "A", True), ("y", "B", True)]
