"""A task's record: what the board knows about one task, read-only to everyone else.

Design:
    A task may need several responses from distinct workers (consensus, minimum
    submissions); a plain task needs one. So a task's state is derived from its
    holders and responses rather than stored as one flag:

    * ``completed``, ``failed`` or ``removed``: terminal, set once and never left.
    * otherwise ``in_progress`` if a holder has started, ``assigned`` if it has
      holders, ``submitted`` if an answer waits for review, else ``pending``.

    A plain task is stored compactly: a slotted record whose holders are ``None``
    when nobody holds it and whose responses and attempts are tuples (no per-task
    dict or list). Assigning an attribute from outside raises ``AttributeError``:
    :class:`agents.board.TaskBoard` is the only writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from protocol.messages import Task, TaskId, TaskResult

__all__ = ["TERMINAL", "BoardSnapshot", "Hold", "TaskRecord", "TaskState"]


class TaskState(StrEnum):
    """Where a task is in its life."""

    PENDING = "pending"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    COMPLETED = "completed"
    FAILED = "failed"
    REMOVED = "removed"


TERMINAL = frozenset({TaskState.COMPLETED, TaskState.FAILED, TaskState.REMOVED})
"""The final states: a task in one never leaves it."""

_NOBODY: Mapping[str, Hold] = MappingProxyType({})
_set = object.__setattr__
_NONE_VOIDED: frozenset[str] = frozenset()  # shared: an empty frozenset is 216 bytes


class Hold(NamedTuple):
    """One worker holding one task (immutable; the board replaces it when it starts).

    Attributes:
        worker: The holder.
        attempt: The attempt number it was given.
        assigned: When it got the task.
        started: When it started (``None``: not yet).
    """

    worker: str
    attempt: int
    assigned: float
    started: float | None = None


class TaskRecord:
    """Everything the board knows about one task; read-only outside the board.

    Attributes:
        task: The task.
        id: The task's id.
        seq: Arrival order.
        arrived: Simulated arrival time.
        required: Submitted responses needed to complete it.
        overlap: Extra workers that may hold the task at once (overshoot allowed).
        responses: Every result received, in order.
        tried_by: Workers whose attempt counted, in order.
        terminal: The final state, once reached.
        first_assigned: When it was first assigned.
        first_started: When work on it first started.
        finished: When it reached its final state.
        success: The final verdict.
        reassignments: Times work on it was taken back from a worker and placed again.
        counted: Responses that count toward ``required``.
        in_review: Submitted answers waiting for a QA verdict.
        designated: The only worker that may get it (workload split), if any.
        overshoot: Submissions received after it was already complete.
        reviewed: Whether a QA reviewer gave a verdict on it.
        rejections: QA rejections it received.
        rejected_upto: Responses before this index were rejected by QA.
        answer: The aggregated answer (majority vote), for labelled tasks.
        answer_weighted: The skill-weighted vote's answer.
        best_failed: The highest estimated skill among workers that failed it.
        voided: Workers whose answers on it no longer count (golden-task discard).
    """

    __slots__ = (
        "_holders",
        "_queued",
        "_token",
        "answer",
        "answer_weighted",
        "arrived",
        "best_failed",
        "counted",
        "designated",
        "finished",
        "first_assigned",
        "first_started",
        "id",
        "in_review",
        "overlap",
        "overshoot",
        "reassignments",
        "rejected_upto",
        "rejections",
        "required",
        "responses",
        "reviewed",
        "seq",
        "success",
        "task",
        "terminal",
        "tried_by",
        "voided",
    )

    task: Task
    id: TaskId
    seq: int
    arrived: float
    required: int
    overlap: int
    responses: tuple[TaskResult, ...]
    tried_by: tuple[str, ...]
    terminal: TaskState | None
    first_assigned: float | None
    first_started: float | None
    finished: float | None
    success: bool | None
    reassignments: int
    counted: int
    in_review: int
    designated: str | None
    overshoot: int
    reviewed: bool
    rejections: int
    rejected_upto: int
    answer: str | None
    answer_weighted: str | None
    best_failed: float | None
    voided: frozenset[str]
    _holders: dict[str, Hold] | None
    _token: int
    _queued: bool

    def __init__(
        self, task: Task, seq: int, arrived: float, required: int = 1, overlap: int = 0
    ) -> None:
        # Written slot by slot: the record refuses plain assignment.
        set_ = _set
        set_(self, "task", task)
        set_(self, "id", task.id)
        set_(self, "seq", seq)
        set_(self, "arrived", arrived)
        set_(self, "required", required)
        set_(self, "overlap", overlap)
        set_(self, "responses", ())
        set_(self, "tried_by", ())
        set_(self, "reassignments", 0)
        set_(self, "counted", 0)
        set_(self, "in_review", 0)
        set_(self, "overshoot", 0)
        set_(self, "reviewed", False)
        set_(self, "rejections", 0)
        set_(self, "rejected_upto", 0)
        set_(self, "_token", 0)
        set_(self, "_queued", False)
        set_(self, "terminal", None)
        set_(self, "first_assigned", None)
        set_(self, "first_started", None)
        set_(self, "finished", None)
        set_(self, "success", None)
        set_(self, "designated", None)
        set_(self, "answer", None)
        set_(self, "answer_weighted", None)
        set_(self, "best_failed", None)
        set_(self, "voided", _NONE_VOIDED)
        set_(self, "_holders", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"task records are read-only: change {name!r} through TaskBoard")

    def __repr__(self) -> str:
        return f"<TaskRecord {self.id!r} {self.state}>"

    @property
    def holders(self) -> Mapping[str, Hold]:
        """Workers holding it now, by id (a read-only view)."""
        holders = self._holders
        return _NOBODY if holders is None else MappingProxyType(holders)

    @property
    def queued(self) -> bool:
        """Whether it has a live entry in the queue."""
        return self._queued

    @property
    def attempts(self) -> int:
        """Attempts that ended with an answer (one per entry of ``tried_by``)."""
        return len(self.tried_by)

    @property
    def state(self) -> TaskState:
        """The state derived from holders and the terminal flag."""
        if self.terminal is not None:
            return self.terminal
        holders = self._holders
        if not holders:
            return TaskState.SUBMITTED if self.in_review else TaskState.PENDING
        if any(h.started is not None for h in holders.values()):
            return TaskState.IN_PROGRESS
        return TaskState.ASSIGNED

    @property
    def open_slots(self) -> int:
        """Workers still wanted: needed responses minus those in hand and in work."""
        if self.terminal is not None or self.in_review:
            return 0
        holders = self._holders
        held = 0 if holders is None else len(holders)
        return self.required + self.overlap - self.counted - held

    def held_by(self, worker: str) -> bool:
        """Whether ``worker`` holds it now."""
        holders = self._holders
        return holders is not None and worker in holders


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    """Counts of tasks by state at one instant.

    Attributes:
        total: Every task ever added.
        pending: Waiting for a worker, held by nobody.
        assigned: Held, not yet started.
        in_progress: Started by at least one holder.
        submitted: Answered, waiting for a QA verdict.
        completed: Finished successfully (or with enough submissions).
        failed: Finished without success after the last allowed attempt.
        removed: Taken off the board before finishing.
    """

    total: int
    pending: int
    assigned: int
    in_progress: int
    submitted: int
    completed: int
    failed: int
    removed: int

    @property
    def unfinished(self) -> int:
        """Tasks not in a final state: pending, assigned, in progress or in review."""
        return self.total - self.completed - self.failed - self.removed
