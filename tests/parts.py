"""A manager's parts wired without an agent or a runtime, for unit tests of each rule."""

import random
from dataclasses import replace
from typing import Any

from agents import (
    Dispatcher,
    Distribution,
    DynamicOverlap,
    EarlyBinding,
    Golden,
    Operations,
    Settlement,
    TaskBoard,
    TaskRecord,
    ThresholdModel,
    WorkerProfile,
    WorkerRecord,
    early_policies,
)
from agents.policies import make_policy
from protocol import AgentDetail, Message, Task, TaskAssignment, TaskResult


class Quiet:
    """A logger that keeps the events it is given."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def _keep(self, event: str, **fields: Any) -> None:
        self.events.append((event, fields))

    info = debug = warning = _keep


class Parts:
    """Board, dispatcher, settlement and operations, with a hand-moved clock."""

    def __init__(
        self,
        policy: Any = "best_fit",
        distribution: Distribution | None = None,
        max_attempts: int = 1,
        golden: Golden | None = None,
        dynamic: DynamicOverlap | None = None,
    ) -> None:
        self.now = 0.0
        self.sent: list[tuple[str, Message]] = []
        self.wakes = 0
        self.settled: list[TaskRecord] = []
        self.log = Quiet()
        self.random = random.Random(0)
        distribution = distribution or Distribution()
        self.board = TaskBoard(assignee_queues=distribution.queue == "assignee")
        wiring: dict[str, Any] = {"send": self._send, "clock": self._clock, "log": self.log}
        distribution = replace(distribution, golden=golden, dynamic_overlap=dynamic)
        self.dispatcher = Dispatcher(
            self.board,
            make_policy(policy),
            ThresholdModel(),
            distribution,
            rng=lambda: self.random,
            wake=self._wake,
            **wiring,
        )
        self.scores = self.dispatcher.golden
        self.dispatcher.ready = True
        self.settlement = Settlement(
            self.board,
            self.dispatcher,
            distribution,
            ThresholdModel(),
            max_attempts,
            rng=lambda: self.random,
            on_settled=self.settled.append,
            **wiring,
        )
        self.quality = self.settlement.quality
        self.operations = Operations(
            self.board, self.dispatcher, self.settlement, distribution, **wiring
        )
        if distribution.queue == "assignee":
            rule, _ = early_policies(policy, distribution.workload)
            early = EarlyBinding(self.board, self.dispatcher, rule, rng=lambda: self.random)
            self.dispatcher.early_pass = early.place

    def _send(self, to: str, message: Message) -> None:
        self.sent.append((to, message))

    def _clock(self) -> float:
        return self.now

    def _wake(self) -> None:
        self.wakes += 1

    def join(
        self,
        name: str,
        skill: float,
        *,
        capacity: int = 1,
        specialties: list[str] | None = None,
        role: str = "worker",
    ) -> WorkerRecord:
        profile = WorkerProfile(skill_level=skill, capacity=capacity, specialties=specialties)
        detail = AgentDetail(id=name, name=name, role=role, profile=profile.model_dump())
        if role == "reviewer":
            return self.dispatcher.connect_reviewer(detail)
        return self.dispatcher.connect(detail)

    def add(self, task_id: int, difficulty: int = 5, **fields: Any) -> TaskRecord:
        return self.operations.admit(Task(id=task_id, difficulty=difficulty, **fields), self.now)

    def place(self) -> list[tuple[str, Any]]:
        """Run one pass; return ``(worker, task id)`` of the assignments it sent."""
        before = len(self.sent)
        self.dispatcher.place()
        return [
            (to, m.task.id)
            for to, m in self.sent[before:]
            if isinstance(m, TaskAssignment) and m.review_of is None
        ]

    def answer(self, task_id: Any, worker: str, success: bool = True, **fields: Any) -> TaskResult:
        """The worker's answer to its hold on ``task_id``, handled by the settlement."""
        hold = self.board.get(task_id).holders[worker]
        result = TaskResult(
            task_id=task_id, worker=worker, success=success, attempt=hold.attempt, **fields
        )
        self.settlement.result(result, self.now)
        return result
