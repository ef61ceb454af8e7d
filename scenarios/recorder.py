"""The attempts and events of a run, read from the messages that travel.

A :class:`Recorder` watches the bus (``MessageBus.watch``) and only observes: it sees each
assignment, acceptance, refusal, result and verdict as it is delivered, and turns them
into one :class:`Attempt` per assignment a worker received, from the worker's side.
It never reads an agent, so the manager may keep its state however it likes.

* An attempt opens with a ``TaskAssignment`` (``assigned``), starts with the worker's
  ``TaskAccepted`` (``started``) and closes with its ``TaskResult`` or
  ``ReviewResult`` (``finished``), a ``TaskRejected`` (``refused``, or ``withdrawn``
  when the manager took it back), or the worker's disconnection (``lost``).
* Attempts still open when the run stops are ``unfinished``.
* Outcomes: ``success``, ``failure``, ``discarded`` (declined), ``refused``,
  ``withdrawn``, ``lost``, ``unfinished``, and for QA reviews ``approved`` or
  ``rejected``.

Events are the run's changes of cast: an agent ``connected``, a worker ``leaving``
(it announced it), and ``disconnected`` with the bus's reason (``left``, ``crashed``,
``complete``...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents.runtime import Runtime
from protocol.envelope import Envelope
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

__all__ = ["Attempt", "Recorder", "RunEvent", "handback_outcome", "result_outcome"]


_Handle = Callable[[Any, str, float], None]
"""A recorder's handler of one message type: ``(message, recipient, t)``."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One assignment one worker received, and what became of it.

    Attributes:
        task: The task's id.
        worker: The worker's id.
        attempt: The attempt number the manager gave it (1 for the first).
        kind: ``work``, or ``review`` for a QA review of another worker's answer.
        assigned: When the assignment was sent.
        started: When the worker started on it (``None``: never).
        finished: When it ended: result, refusal, loss (``None``: still open at the end).
        outcome: What became of it (see the module docstring).
        answer: The label the worker gave, for labelled tasks.
    """

    task: TaskId
    worker: str
    attempt: int
    kind: str
    assigned: float
    started: float | None
    finished: float | None
    outcome: str
    answer: str | None = None


@dataclass(frozen=True, slots=True)
class RunEvent:
    """A change of cast: who connected, announced leaving, or disconnected, and when."""

    t: float
    agent: str
    event: str
    reason: str | None = None


@dataclass(slots=True)
class _Open:
    index: int
    attempt: int
    kind: str
    assigned: float
    started: float | None = None


def result_outcome(result: TaskResult) -> str:
    """How a result ends its attempt: ``success``, ``failure``, ``discarded`` or ``lost``."""
    if result.status == "discarded":
        return "discarded"
    if result.status == "draft":
        return "lost"
    return "success" if result.success else "failure"


def handback_outcome(rejection: TaskRejected) -> str:
    """How a hand-back ends its attempt: ``withdrawn`` or ``refused``.

    ``withdrawn``: the manager took it back; ``refused``: busy, specialty, leaving...
    """
    return "withdrawn" if rejection.reason == "withdrawn" else "refused"


class Recorder:
    """Collects attempts and events from the bus; call :meth:`attempts` at the end.

    Attach it before the run with :meth:`attach` (it watches the bus:
    ``MessageBus.watch``), or feed it a kept trace
    (``for envelope in runtime.trace: recorder(envelope)``): both see the same stream.
    """

    def __init__(self) -> None:
        self._rows: list[Attempt | None] = []
        self._open: dict[tuple[TaskId, str], _Open] = {}
        self._events: list[RunEvent] = []
        self._seen: set[tuple[str, str, float]] = set()
        # Per concrete message type, its handler (None: not recorded), found once.
        self._handlers: dict[type, _Handle | None] = {}

    @classmethod
    def attach(cls, runtime: Runtime) -> Recorder:
        """A recorder watching ``runtime``'s bus (before it runs)."""
        recorder = cls()
        runtime.bus.watch(recorder.observe)
        return recorder

    def __call__(self, envelope: Envelope) -> None:
        """Observe one delivered envelope."""
        self.observe(envelope.recipient, envelope.t, envelope.message)

    def observe(self, recipient: str, t: float, message: Message) -> None:
        """Observe one delivery: ``message`` reached ``recipient`` at ``t``."""
        kind = type(message)
        try:
            handle = self._handlers[kind]
        except KeyError:
            handle = self._handlers[kind] = self._resolve(kind)
        if handle is not None:
            handle(message, recipient, t)

    def _resolve(self, kind: type) -> _Handle | None:
        """The handler of a message type: that of its nearest recorded base, if any."""
        table: dict[type, _Handle] = {
            TaskAssignment: self._assigned,
            TaskAccepted: self._accepted,
            TaskResult: self._result,
            ReviewResult: self._verdict,
            TaskRejected: self._rejected,
            TaskWithdrawn: self._withdrawn,
            WorkerLeaving: self._leaving,
            AgentConnected: self._connected,
            AgentDisconnected: self._disconnected,
        }
        return next((table[base] for base in kind.__mro__ if base in table), None)

    def _assigned(self, message: TaskAssignment, recipient: str, t: float) -> None:
        kind = "work" if message.review_of is None else "review"
        self._open[(message.task.id, recipient)] = _Open(len(self._rows), message.attempt, kind, t)
        self._rows.append(None)

    def _accepted(self, message: TaskAccepted, recipient: str, t: float) -> None:
        held = self._open.get((message.task_id, message.worker))
        if held is not None and held.started is None:
            held.started = t

    def _result(self, message: TaskResult, recipient: str, t: float) -> None:
        self._close(message.task_id, message.worker, t, result_outcome(message), message.answer)

    def _verdict(self, message: ReviewResult, recipient: str, t: float) -> None:
        verdict = "approved" if message.approved else "rejected"
        self._close(message.task_id, message.reviewer, t, verdict)

    def _rejected(self, message: TaskRejected, recipient: str, t: float) -> None:
        self._close(message.task_id, message.worker, t, handback_outcome(message))

    def _withdrawn(self, message: TaskWithdrawn, recipient: str, t: float) -> None:
        # Work not started ends here (a silent worker never answers the withdrawal);
        # started work goes on until its result.
        held = self._open.get((message.task_id, recipient))
        if held is not None and held.started is None:
            self._close(message.task_id, recipient, t, "withdrawn")

    def _leaving(self, message: WorkerLeaving, recipient: str, t: float) -> None:
        self._event(t, message.worker, "leaving")

    def _connected(self, message: AgentConnected, recipient: str, t: float) -> None:
        self._event(t, message.agent.id, "connected")

    def _disconnected(self, message: AgentDisconnected, recipient: str, t: float) -> None:
        gone = message.agent.id
        if self._event(t, gone, "disconnected", message.reason):
            for task, worker in [k for k in self._open if k[1] == gone]:
                self._close(task, worker, t, "lost")

    def _event(self, t: float, agent: str, event: str, reason: str | None = None) -> bool:
        # A presence event reaches every listener; it happened once.
        key = (agent, event, t)
        if key in self._seen:
            return False
        self._seen.add(key)
        self._events.append(RunEvent(t, agent, event, reason))
        return True

    def _close(
        self, task: TaskId, worker: str, t: float, outcome: str, answer: str | None = None
    ) -> None:
        held = self._open.pop((task, worker), None)
        if held is None:
            return  # a refusal of something never assigned through the bus
        self._rows[held.index] = Attempt(
            task, worker, held.attempt, held.kind, held.assigned, held.started, t, outcome, answer
        )

    def attempts(self) -> tuple[Attempt, ...]:
        """Every attempt in assignment order; those still open are ``unfinished``."""
        if not self._open:  # every row is filled in: no copy to patch
            return tuple(self._rows)  # type: ignore[arg-type]
        rows = list(self._rows)
        for (task, worker), held in self._open.items():
            rows[held.index] = Attempt(
                task,
                worker,
                held.attempt,
                held.kind,
                held.assigned,
                held.started,
                None,
                "unfinished",
            )
        return tuple(row for row in rows if row is not None)

    def events(self) -> tuple[RunEvent, ...]:
        """Connections, announced departures and disconnections, in order."""
        return tuple(self._events)
