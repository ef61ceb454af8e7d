"""The task board: every task, the queue of work waiting for a worker, every change.

Design:
    The board is the only writer of task state. A :class:`TaskRecord` refuses
    assignment from outside; every change is one board method that checks its
    precondition and raises :class:`ValueError` (or :class:`KeyError` for a holder
    that is not there) when it does not hold, the way SimPy's ``Event.succeed`` is the
    only way to trigger an event. The queue itself (one heap per category, the
    workers' lanes) is the board's base, :class:`~agents.taskqueue.TaskQueue`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from agents.record import TERMINAL
from agents.record import BoardSnapshot as BoardSnapshot
from agents.record import Hold as Hold
from agents.record import TaskRecord as TaskRecord
from agents.record import TaskState as TaskState
from agents.taskqueue import TaskQueue
from protocol.messages import Task, TaskId, TaskResult

__all__ = ["TaskBoard"]

_set = object.__setattr__


def _open(record: TaskRecord) -> None:
    if record.terminal is not None:
        raise ValueError(f"task {record.id!r} is already {record.terminal}")


class TaskBoard(TaskQueue):
    """All tasks of a run, the queue of open work, and every change to a task."""

    def __init__(self, *, assignee_queues: bool = False) -> None:
        super().__init__(assignee_queues=assignee_queues)
        self._records: dict[TaskId, TaskRecord] = {}
        self._seq = itertools.count()
        self._terminal = {TaskState.COMPLETED: 0, TaskState.FAILED: 0, TaskState.REMOVED: 0}
        self._designated: dict[str, dict[TaskId, TaskRecord]] = {}
        self._tried_alone: dict[str, tuple[str]] = {}

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
            ValueError: if a task with the same id is on the board, or ``required`` is
                below 1 or ``overlap`` below 0.
        """
        if task.id in self._records:
            raise ValueError(f"duplicate task id {task.id!r}")
        if required < 1 or overlap < 0:
            raise ValueError(f"required must be >= 1 and overlap >= 0, got {required}/{overlap}")
        record = TaskRecord(task, next(self._seq), now, required, overlap)
        self._records[task.id] = record
        self.requeue(record)
        return record

    # -- holding -------------------------------------------------------------------

    def hold(self, record: TaskRecord, worker: str, now: float) -> Hold:
        """Record that ``worker`` got the task; return its hold.

        Raises:
            ValueError: if the task is terminal, has no open slot, or ``worker``
                holds it already.
        """
        _open(record)
        if record.open_slots <= 0:
            raise ValueError(f"task {record.id!r} has no open slot")
        holders = record._holders
        if holders is None:
            holders = {}
            _set(record, "_holders", holders)
        elif worker in holders:
            raise ValueError(f"worker {worker!r} holds task {record.id!r} already")
        # Numbered past every attempt finished or in hand, so that no two holders
        # share a number (and the draws that go with it).
        attempt = len(record.tried_by) + 1
        for other in holders.values():
            if other.attempt >= attempt:
                attempt = other.attempt + 1
        hold = Hold(worker, attempt, now)
        holders[worker] = hold
        if record.first_assigned is None:
            _set(record, "first_assigned", now)
        return hold

    def start(self, record: TaskRecord, worker: str, now: float) -> bool:
        """Record that ``worker`` started on the task.

        Returns:
            Whether anything changed (``False`` if it does not hold the task or has
            started already).
        """
        holders = record._holders
        if holders is None:
            return False
        hold = holders.get(worker)
        if hold is None or hold.started is not None:
            return False
        holders[worker] = Hold(worker, hold.attempt, hold.assigned, now)
        if record.first_started is None:
            _set(record, "first_started", now)
        return True

    def drop(self, record: TaskRecord, worker: str) -> Hold:
        """End ``worker``'s hold on the task (the caller decides what comes next).

        Raises:
            KeyError: if ``worker`` does not hold the task.
        """
        holders = record._holders
        if holders is None or worker not in holders:
            raise KeyError(f"worker {worker!r} does not hold task {record.id!r}")
        hold = holders.pop(worker)
        if not holders:
            _set(record, "_holders", None)
        return hold

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
        if not record.held_by(worker):
            return None
        hold = self.drop(record, worker)
        if reassigned:
            _set(record, "reassignments", record.reassignments + 1)
        self.requeue(record)
        return hold

    def reassigned(self, record: TaskRecord) -> None:
        """Count one reassignment: work taken from a worker to be placed again."""
        _set(record, "reassignments", record.reassignments + 1)

    # -- answers -------------------------------------------------------------------

    def respond(self, record: TaskRecord, result: TaskResult) -> None:
        """Keep a response (any status, also after the task is terminal).

        Raises:
            ValueError: if the result is for another task.
        """
        if result.task_id != record.id:
            raise ValueError(f"result for task {result.task_id!r} given to task {record.id!r}")
        _set(record, "responses", (*record.responses, result))
        if record.terminal is TaskState.COMPLETED and result.status == "submitted":
            _set(record, "overshoot", record.overshoot + 1)

    def attempted(self, record: TaskRecord, worker: str, *, counts: bool) -> None:
        """Record an attempt that ended with an answer; ``counts`` toward ``required``.

        Raises:
            ValueError: if the task is terminal.
        """
        _open(record)
        tried = record.tried_by
        _set(record, "tried_by", (*tried, worker) if tried else self._alone(worker))
        if counts:
            _set(record, "counted", record.counted + 1)

    def _alone(self, worker: str) -> tuple[str]:
        # A task's first answer: one shared 1-tuple per worker, not 48 bytes per task.
        alone = self._tried_alone.get(worker)
        if alone is None:
            alone = self._tried_alone[worker] = (worker,)
        return alone

    def void(self, record: TaskRecord, worker: str) -> None:
        """Stop counting ``worker``'s answers on the (labelled) task, and requeue it.

        Raises:
            ValueError: if the task is terminal.
        """
        _open(record)
        _set(record, "voided", voided := record.voided | {worker})
        answers = record.responses[record.rejected_upto :]
        kept = sum(r.status == "submitted" and r.worker not in voided for r in answers)
        _set(record, "counted", kept)
        self.requeue(record)

    def want_more(self, record: TaskRecord) -> None:
        """Want one answer more (dynamic overlap), and requeue the task.

        Raises:
            ValueError: if the task is terminal.
        """
        _open(record)
        _set(record, "required", record.required + 1)
        self.requeue(record)

    def require(self, record: TaskRecord, required: int, overlap: int) -> None:
        """Change the submitted responses the task needs, and its overlap.

        Raises:
            ValueError: if the task is final or has a response, or for bad counts.
        """
        _open(record)
        if record.responses:
            raise ValueError(f"task {record.id!r} has a response already")
        if required < 1 or overlap < 0:
            raise ValueError(f"required must be >= 1 and overlap >= 0, got {required}/{overlap}")
        _set(record, "required", required)
        _set(record, "overlap", overlap)
        self.requeue(record)

    def failed_by(self, record: TaskRecord, skill: float) -> None:
        """Note that a worker of estimated ``skill`` failed the task (retries escalate)."""
        if record.best_failed is None or skill > record.best_failed:
            _set(record, "best_failed", skill)

    def designate(self, record: TaskRecord, worker: str | None) -> None:
        """Pin the task to ``worker`` (``None``: anyone may take it) and queue it.

        Raises:
            ValueError: if the task is terminal.
        """
        _open(record)
        old = record.designated
        if old != worker and record._queued and self.uses_lanes(record.id):
            self._unqueue(record)  # it moves to another queue
        if old is not None:
            self._designated[old].pop(record.id, None)
        if worker is not None:
            self._designated.setdefault(worker, {})[record.id] = record
        _set(record, "designated", worker)
        self.requeue(record)

    def designated_to(self, worker: str) -> list[TaskRecord]:
        """Unfinished tasks pinned to ``worker``, in the order they were pinned."""
        pinned = self._designated.get(worker, {})
        return [r for r in pinned.values() if r.terminal is None]

    # -- review --------------------------------------------------------------------

    def to_review(self, record: TaskRecord) -> None:
        """Hold back an answer for a QA verdict (the task takes nobody meanwhile).

        Raises:
            ValueError: if the task is terminal.
        """
        _open(record)
        _set(record, "in_review", record.in_review + 1)

    def verdict(self, record: TaskRecord, *, approved: bool, rework: bool) -> None:
        """A QA verdict arrived; a rejection with ``rework`` voids the answer and requeues.

        Raises:
            ValueError: if the task is terminal or has no answer in review.
        """
        _open(record)
        if not record.in_review:
            raise ValueError(f"task {record.id!r} has no answer in review")
        _set(record, "in_review", record.in_review - 1)
        _set(record, "reviewed", True)
        if approved:
            return
        _set(record, "rejections", record.rejections + 1)
        if rework:
            _set(record, "counted", record.counted - 1)
            _set(record, "rejected_upto", len(record.responses))
            self.requeue(record)

    # -- the end -------------------------------------------------------------------

    def settle(
        self,
        record: TaskRecord,
        state: TaskState,
        now: float,
        *,
        success: bool | None = None,
        answer: str | None = None,
        answer_weighted: str | None = None,
    ) -> None:
        """Make the task terminal (``completed``, ``failed`` or ``removed``).

        Args:
            record: The task.
            state: The final state.
            now: Simulated time.
            success: The verdict (default: whether ``state`` is ``completed``).
            answer: The aggregated answer, for labelled tasks.
            answer_weighted: The skill-weighted vote's answer.

        Raises:
            ValueError: if the task is terminal already or ``state`` is not terminal.
        """
        if state not in TERMINAL:
            raise ValueError(f"{state} is not a final state")
        _open(record)
        if record._queued:
            self._unqueue(record)
        _set(record, "terminal", state)
        _set(record, "finished", now)
        _set(record, "success", state is TaskState.COMPLETED if success is None else success)
        _set(record, "answer", answer)
        _set(record, "answer_weighted", answer_weighted)
        self._terminal[state] += 1

    # -- views ---------------------------------------------------------------------

    def open_count(self) -> int:
        """Tasks not yet terminal."""
        return len(self._records) - sum(self._terminal.values())

    def count(self, state: TaskState) -> int:
        """Tasks that ended in the terminal ``state``."""
        return self._terminal[state]

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
