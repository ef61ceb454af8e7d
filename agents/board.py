"""The task board: every task's state, and the queue of work waiting for a worker.

Design:
    A task may need several responses from distinct workers (consensus, minimum
    submissions); a plain task needs one. So a task's state is derived from its
    holders and responses rather than stored as one flag:

    * ``completed``, ``failed`` or ``removed``: terminal, set once and never left.
    * otherwise ``in_progress`` if a holder has started, ``assigned`` if it has
      holders, else ``pending``.

    # Invariant: a non-terminal task with an open slot (needed responses minus
    # responses in hand minus holders > 0) has exactly one live entry in the queue.

    The queue is one heap per skill category keyed by ``(-priority, arrival seq)``, with
    lazy deletion (an entry carries the record's token). ``window`` pops the best ``k``
    live entries of each category and ``restore`` pushes back those still open, so a
    placement pass costs ``O(k log n)`` however long the queue is, and a specialist's
    category is never starved behind a long queue of another.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from protocol.messages import Task, TaskId, TaskResult

__all__ = ["BoardSnapshot", "Hold", "TaskBoard", "TaskRecord", "TaskState"]


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


@dataclass(slots=True)
class Hold:
    """One worker holding one task."""

    worker: str
    attempt: int
    assigned: float
    started: float | None = None


@dataclass(slots=True, eq=False)
class TaskRecord:
    """Everything the board knows about one task (mutable; policies never see it).

    Attributes:
        task: The task.
        seq: Arrival order.
        arrived: Simulated arrival time.
        required: Submitted responses needed to complete it.
        holders: Workers holding it now.
        responses: Every result received, in order.
        tried_by: Workers that attempted it, in order.
        terminal: The final state, once reached.
        first_assigned: When it was first assigned.
        first_started: When work on it first started.
        finished: When it reached its final state.
        success: The final verdict.
        reassignments: Times work on it was taken back from a worker and requeued.
        counted: Responses that count toward ``required`` (the manager decides which:
            a successful one for plain work, any submitted one for consensus).
        overlap: Extra workers that may hold the task at once (overshoot allowed).
        in_review: Submitted answers waiting for a QA verdict.
        designated: The only worker that may get it (workload split), if any.
        overshoot: Submissions received after it was already complete.
        reviewed: Whether a QA reviewer gave a verdict on it.
        rejections: QA rejections it received.
        rejected_upto: Responses before this index were rejected by QA.
        answer: The aggregated answer (majority vote), for labelled tasks.
        answer_weighted: The skill-weighted vote's answer.
        id: The task's id (a copy of ``task.id``: it is read on every step).
    """

    task: Task
    seq: int
    arrived: float
    required: int = 1
    holders: dict[str, Hold] = field(default_factory=dict)
    responses: list[TaskResult] = field(default_factory=list)
    tried_by: list[str] = field(default_factory=list)
    terminal: TaskState | None = None
    first_assigned: float | None = None
    first_started: float | None = None
    finished: float | None = None
    success: bool | None = None
    reassignments: int = 0
    counted: int = 0
    overlap: int = 0
    in_review: int = 0
    designated: str | None = None
    overshoot: int = 0
    reviewed: bool = False
    rejections: int = 0
    rejected_upto: int = 0
    answer: str | None = None
    answer_weighted: str | None = None
    best_failed: float | None = None
    token: int = 0
    queued: bool = False
    id: TaskId = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.task.id

    @property
    def attempts(self) -> int:
        """Attempts that ended with an answer (one per entry of ``tried_by``)."""
        return len(self.tried_by)

    @property
    def state(self) -> TaskState:
        """The state derived from holders and the terminal flag."""
        if self.terminal is not None:
            return self.terminal
        if not self.holders:
            return TaskState.SUBMITTED if self.in_review else TaskState.PENDING
        if any(h.started is not None for h in self.holders.values()):
            return TaskState.IN_PROGRESS
        return TaskState.ASSIGNED

    @property
    def open_slots(self) -> int:
        """Workers still wanted: needed responses minus those in hand and in work."""
        if self.terminal is not None or self.in_review:
            return 0
        return self.required + self.overlap - self.counted - len(self.holders)


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


class TaskBoard:
    """All tasks of a run and the queue of open work."""

    def __init__(self) -> None:
        self._records: dict[TaskId, TaskRecord] = {}
        self._queues: dict[str | None, list[tuple[int, int, int, TaskRecord]]] = {}
        self._seq = itertools.count()
        self._terminal = {TaskState.COMPLETED: 0, TaskState.FAILED: 0, TaskState.REMOVED: 0}

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._records

    def __iter__(self) -> Iterator[TaskRecord]:
        return iter(self._records.values())

    def get(self, task_id: TaskId) -> TaskRecord:
        """The record of ``task_id``.

        Raises:
            KeyError: naming the id, if there is no such task.
        """
        try:
            return self._records[task_id]
        except KeyError:
            raise KeyError(f"no task with id {task_id!r}") from None

    def find(self, task_id: TaskId) -> TaskRecord | None:
        """The record of ``task_id``, or ``None``."""
        return self._records.get(task_id)

    def add(self, task: Task, now: float, required: int = 1, overlap: int = 0) -> TaskRecord:
        """Put a new task on the board and queue it.

        Raises:
            ValueError: if a task with the same id is on the board.
        """
        if task.id in self._records:
            raise ValueError(f"duplicate task id {task.id!r}")
        record = TaskRecord(task, next(self._seq), now, required=required, overlap=overlap)
        self._records[task.id] = record
        self.requeue(record)
        return record

    # -- the queue -----------------------------------------------------------------

    def requeue(self, record: TaskRecord) -> None:
        """Queue ``record`` if it has an open slot and is not queued already."""
        if record.queued or record.open_slots <= 0:
            return
        record.token += 1
        record.queued = True
        heap = self._queues.setdefault(record.task.skill, [])
        heapq.heappush(heap, (-record.task.priority, record.seq, record.token, record))

    def window(self, per_category: int) -> list[TaskRecord]:
        """Take the best ``per_category`` queued tasks of each category off the queue.

        Returns:
            The tasks in placement order (priority, then arrival). Hand every one back
            with :meth:`restore` after the placement pass.
        """
        taken: list[tuple[int, int, TaskRecord]] = []
        for heap in self._queues.values():
            count = 0
            while heap and count < per_category:
                priority, seq, token, record = heapq.heappop(heap)
                if token != record.token or not record.queued:
                    continue
                record.queued = False
                taken.append((priority, seq, record))
                count += 1
        taken.sort(key=lambda entry: (entry[0], entry[1]))
        return [record for _, _, record in taken]

    def restore(self, records: Iterable[TaskRecord]) -> None:
        """Queue again the window's tasks that still have an open slot."""
        for record in records:
            self.requeue(record)

    def queued(self) -> int:
        """Tasks in the queue (live entries)."""
        return sum(1 for r in self._records.values() if r.queued)

    # -- transitions ------------------------------------------------------------------

    def hold(self, record: TaskRecord, worker: str, now: float) -> Hold:
        """Record that ``worker`` got the task."""
        # Numbered past every attempt finished or in hand, so that no two holders
        # share a number (and the draws that go with it).
        attempt = record.attempts + 1
        for other in record.holders.values():
            if other.attempt >= attempt:
                attempt = other.attempt + 1
        hold = Hold(worker, attempt, now)
        record.holders[worker] = hold
        if record.first_assigned is None:
            record.first_assigned = now
        return hold

    def start(self, record: TaskRecord, worker: str, now: float) -> None:
        """Record that ``worker`` started on the task (no-op if it does not hold it)."""
        hold = record.holders.get(worker)
        if hold is not None and hold.started is None:
            hold.started = now
            if record.first_started is None:
                record.first_started = now

    def release(self, record: TaskRecord, worker: str, *, reassigned: bool) -> Hold | None:
        """Take the task back from ``worker`` and queue it again.

        Args:
            record: The task.
            worker: The holder.
            reassigned: Count this as a reassignment (work was taken away, as on a
                crash), not a plain refusal.

        Returns:
            The hold that ended, or ``None`` if ``worker`` did not hold the task.
        """
        hold = record.holders.pop(worker, None)
        if hold is not None:
            if reassigned:
                record.reassignments += 1
            self.requeue(record)
        return hold

    def settle(self, record: TaskRecord, state: TaskState, now: float) -> None:
        """Make the task terminal (``completed``, ``failed`` or ``removed``).

        Raises:
            ValueError: if the task is terminal already or ``state`` is not terminal.
        """
        if state not in TERMINAL:
            raise ValueError(f"{state} is not a final state")
        if record.terminal is not None:
            raise ValueError(f"task {record.id!r} is already {record.terminal}")
        record.terminal = state
        record.finished = now
        record.queued = False
        self._terminal[state] += 1

    # -- views ---------------------------------------------------------------------------

    def open_count(self) -> int:
        """Tasks not yet terminal."""
        return len(self._records) - sum(self._terminal.values())

    def snapshot(self) -> BoardSnapshot:
        """Counts by state, frozen."""
        counts = dict.fromkeys(TaskState, 0)
        counts.update(self._terminal)
        for record in self._records.values():
            if record.terminal is None:
                counts[record.state] += 1
        return BoardSnapshot(
            total=len(self._records),
            pending=counts[TaskState.PENDING],
            assigned=counts[TaskState.ASSIGNED],
            in_progress=counts[TaskState.IN_PROGRESS],
            submitted=counts[TaskState.SUBMITTED],
            completed=counts[TaskState.COMPLETED],
            failed=counts[TaskState.FAILED],
            removed=counts[TaskState.REMOVED],
        )
