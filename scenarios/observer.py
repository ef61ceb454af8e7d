"""What the messages of a run show: who holds which task, and every attempt's story.

Design:
    The live view and the replay page see a run the same way: through the messages
    it delivered, in delivery order (a bus tap while it runs, the ``--trace`` lines
    afterwards). :class:`Observer` reads them one at a time and keeps each worker's
    lane (its profile and what it holds) and each attempt: assigned, started, ended,
    and how it ended. It only reads messages, so it works the same on any manager.

    :class:`scenarios.recorder.Recorder` reads the same stream into the run's frozen
    record at the end; the observer differs in what it keeps *during* the run (what
    each lane holds now, the latest events, each worker's profile), which the live view
    draws between steps. Outcomes use the recorder's words:

    * ``success`` / ``failure``: a submitted result, right or wrong;
    * ``discarded``: declined; ``lost``: the worker went while holding it (or sent a
      draft);
    * ``refused``: the worker refused it (``busy``, ``specialty``...);
    * ``withdrawn``: the manager took it back before it started;
    * ``approved`` / ``rejected``: a QA review's verdict;
    * ``None``: still open when the messages end.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from protocol.messages import (
    AgentConnected,
    AgentDisconnected,
    Message,
    ReviewResult,
    TaskAccepted,
    TaskAssignment,
    TaskId,
    TaskRejected,
    TaskResult,
    TaskWithdrawn,
    WorkerLeaving,
)
from scenarios.recorder import handback_outcome, result_outcome

__all__ = ["WATCHED", "Lane", "LaneAttempt", "Observer"]

WATCHED = frozenset(
    cls.model_fields["kind"].default
    for cls in (
        TaskAssignment,
        TaskAccepted,
        TaskResult,
        TaskRejected,
        TaskWithdrawn,
        ReviewResult,
        AgentConnected,
        AgentDisconnected,
        WorkerLeaving,
    )
)
"""The message kinds an :class:`Observer` reads; it ignores every other kind."""


@dataclass(slots=True)
class LaneAttempt:
    """One worker's go at one task, as the messages tell it.

    Attributes:
        task: The task's id.
        worker: The worker's id.
        attempt: The attempt number the manager gave it.
        difficulty: The task's difficulty.
        assigned: When it was assigned.
        review_of: For a QA review, whose answer is reviewed.
        labelled: Whether the task has a hidden truth (a labelling task, whose
            submitted answer counts whether right or wrong).
        started: When the worker started (``None``: never).
        ended: When it ended (``None``: still open).
        outcome: How it ended (see the module docstring).
    """

    task: TaskId
    worker: str
    attempt: int
    difficulty: float
    assigned: float
    review_of: str | None = None
    labelled: bool = False
    started: float | None = None
    ended: float | None = None
    outcome: str | None = None


@dataclass(slots=True)
class Lane:
    """One worker: its profile and what it holds now.

    Attributes:
        id: The worker's id.
        name: Its name.
        role: ``worker`` or ``reviewer``.
        skill: Its overall skill level.
        joined: When it connected.
        left: When it disconnected, if it did.
        leaving: Whether it announced it takes nothing new.
        holds: What it holds now, by task id, in assignment order.
        ended: Its finished attempts by outcome.
    """

    id: str
    name: str
    role: str
    skill: float
    joined: float
    left: float | None = None
    leaving: bool = False
    holds: dict[TaskId, LaneAttempt] = field(default_factory=dict)
    ended: dict[str, int] = field(default_factory=dict)

    @property
    def state(self) -> str:
        """``idle``, ``assigned``, ``working``, ``reviewing``, ``leaving`` or ``gone``."""
        if self.left is not None:
            return "gone"
        working = [a for a in self.holds.values() if a.started is not None]
        if working:
            return "reviewing" if working[0].review_of is not None else "working"
        if self.holds:
            return "assigned"
        return "leaving" if self.leaving else "idle"


class Observer:
    """Follows a run's deliveries and keeps the lanes and attempts they show.

    Args:
        events: How many recent events to keep in :attr:`recent`.
    """

    def __init__(self, events: int = 8) -> None:
        self.lanes: dict[str, Lane] = {}
        self.attempts: list[LaneAttempt] = []
        self.recent: deque[str] = deque(maxlen=events)
        self.t = 0.0

    def observe(self, t: float, sender: str, recipient: str, message: Message) -> None:
        """Take in one delivery, in delivery order.

        Args:
            t: Simulated time of the delivery.
            sender: The sender's id.
            recipient: The recipient's id.
            message: What was delivered.
        """
        self.t = t
        if isinstance(message, TaskAssignment):
            self._assigned(t, recipient, message)
        elif isinstance(message, TaskAccepted):
            held = self._held(message.worker, message.task_id)
            if held is not None and held.started is None:
                held.started = t
        elif isinstance(message, TaskResult):
            self._result(t, message)
        elif isinstance(message, TaskRejected):
            self._end(t, message.worker, message.task_id, handback_outcome(message))
            self._say(t, f"{message.worker} hands back task {message.task_id} ({message.reason})")
        elif isinstance(message, TaskWithdrawn):
            held = self._held(recipient, message.task_id)
            if held is not None and held.started is None:  # started work goes on
                self._end(t, recipient, message.task_id, "withdrawn")
                self._say(t, f"task {message.task_id} taken back from {recipient}")
        elif isinstance(message, ReviewResult):
            verdict = "approved" if message.approved else "rejected"
            self._end(t, message.reviewer, message.task_id, verdict)
            self._say(t, f"{message.reviewer} {verdict} task {message.task_id}")
        elif isinstance(message, AgentConnected):
            self._connected(t, message)
        elif isinstance(message, AgentDisconnected):
            lane = self.lanes.get(message.agent.id)
            if lane is not None and lane.left is None:
                lane.left = t
                for task in list(lane.holds):
                    self._end(t, lane.id, task, "lost")
                self._say(t, f"{lane.name} leaves ({message.reason})")
        elif isinstance(message, WorkerLeaving):
            lane = self.lanes.get(message.worker)
            if lane is not None and not lane.leaving:
                lane.leaving = True
                self._say(t, f"{lane.name} takes nothing new")

    def _connected(self, t: float, message: AgentConnected) -> None:
        agent = message.agent
        if agent.role not in ("worker", "reviewer") or agent.id in self.lanes:
            return
        skill = agent.profile.get("skill_level", 0.0)
        self.lanes[agent.id] = Lane(
            agent.id,
            agent.name,
            agent.role,
            float(skill) if isinstance(skill, int | float) else 0.0,
            t,
        )
        self._say(t, f"{agent.name} joins (skill {skill:g})")

    def _assigned(self, t: float, worker: str, message: TaskAssignment) -> None:
        task = message.task
        attempt = LaneAttempt(
            task.id,
            worker,
            message.attempt,
            float(task.difficulty),
            t,
            message.review_of,
            task.truth is not None,
        )
        self.attempts.append(attempt)
        lane = self.lanes.get(worker)
        if lane is not None:
            lane.holds[task.id] = attempt
        what = f"review of {message.review_of}" if message.review_of else f"try {message.attempt}"
        self._say(t, f"task {task.id} (difficulty {task.difficulty:g}) -> {worker}, {what}")

    def _result(self, t: float, message: TaskResult) -> None:
        outcome = result_outcome(message)
        self._end(t, message.worker, message.task_id, outcome)
        self._say(t, f"{message.worker} ends task {message.task_id}: {outcome}")

    def _held(self, worker: str, task: TaskId) -> LaneAttempt | None:
        lane = self.lanes.get(worker)
        return None if lane is None else lane.holds.get(task)

    def _end(self, t: float, worker: str, task: TaskId, outcome: str) -> None:
        lane = self.lanes.get(worker)
        if lane is None:
            return
        attempt = lane.holds.pop(task, None)
        if attempt is not None:
            attempt.ended = t
            attempt.outcome = outcome
            lane.ended[outcome] = lane.ended.get(outcome, 0) + 1

    def _say(self, t: float, text: str) -> None:
        self.recent.append(f"{t:>10g}  {text}")
