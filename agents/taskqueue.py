"""``TaskQueue``: the queue of work waiting for a worker, the part of the board it is.

Design:
    # Invariant: a non-terminal task with an open slot (needed responses minus
    # responses in hand minus holders > 0) has exactly one live entry in the queue.

    The queue is one heap per skill category keyed by ``(-priority, arrival seq)``, with
    lazy deletion (an entry carries the record's token). ``window`` pops the best ``k``
    live entries of each category and ``restore`` pushes back those still open, so a
    placement pass costs ``O(k log n)`` however long the queue is, and a specialist's
    category is never starved behind a long queue of another (with per-assignee
    queues, a pinned task waits in its worker's lane instead: ``agents.lanes``).
    :class:`~agents.board.TaskBoard` adds the tasks themselves and every change to one.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from agents.lanes import Lanes
from agents.record import TaskRecord
from protocol.messages import TaskId

__all__ = ["TaskQueue"]

_set = object.__setattr__


class TaskQueue:
    """The queue of open work: one heap per category, and the workers' own lanes.

    Args:
        assignee_queues: Queue a task pinned to a worker in that worker's lane.
    """

    def __init__(self, *, assignee_queues: bool = False) -> None:
        self._queues: dict[str | None, list[tuple[int, int, int, TaskRecord]]] = {}
        self.lanes = Lanes()  # the workers' own queues, used with ``assignee_queues``
        self._early = assignee_queues
        self._live = 0  # queued records
        self.laned: set[TaskId] = set()
        """Tasks that wait in their worker's lane when pinned, whatever ``assignee_queues``."""
        self.late: set[TaskId] = set()
        """Tasks placed from the central queue even with ``assignee_queues`` (not bound)."""

    @property
    def early(self) -> bool:
        """Whether every pinned task waits in its worker's lane (``assignee_queues``)."""
        return self._early

    def uses_lanes(self, task_id: TaskId) -> bool:
        """Whether the task waits in its worker's lane whenever it is pinned."""
        return self._early or task_id in self.laned

    def requeue(self, record: TaskRecord) -> None:
        """Queue ``record`` if it has an open slot and is not queued already."""
        if record._queued or record.terminal is not None or record.in_review:
            return
        holders = record._holders
        held = 0 if holders is None else len(holders)
        if record.required + record.overlap - record.counted - held <= 0:
            return
        token = record._token + 1
        _set(record, "_token", token)
        _set(record, "_queued", True)
        if record.designated is not None and (self._early or record.id in self.laned):
            self.lanes.push(record.designated, (-record.task.priority, record.seq, token, record))
            return
        self._live += 1
        heap = self._queues.get(record.task.skill)
        if heap is None:
            heap = self._queues[record.task.skill] = []
        heapq.heappush(heap, (-record.task.priority, record.seq, token, record))

    def window(self, per_category: int) -> list[TaskRecord]:
        """Take the best ``per_category`` queued tasks of each category off the queue.

        Returns:
            The tasks in placement order (priority, then arrival). Hand every one back
            with :meth:`restore` after the placement pass.
        """
        if not self._live:
            return []
        taken: list[tuple[int, int, TaskRecord]] = []
        pop = heapq.heappop
        for heap in self._queues.values():
            count = 0
            while heap and count < per_category:
                priority, seq, token, record = pop(heap)
                if token != record._token or not record._queued:
                    continue
                _set(record, "_queued", False)
                self._live -= 1
                taken.append((priority, seq, record))
                count += 1
        if len(self._queues) > 1:
            taken.sort(key=lambda entry: (entry[0], entry[1]))
        return [record for _, _, record in taken]

    def restore(self, records: Iterable[TaskRecord]) -> None:
        """Queue again the window's tasks that still have an open slot."""
        for record in records:
            self.requeue(record)

    def queued(self) -> int:
        """Tasks in the queue (live entries), the workers' own queues included."""
        return self._live + self.lanes.total()

    def _unqueue(self, record: TaskRecord) -> None:  # its live entry goes stale
        _set(record, "_queued", False)
        _set(record, "_token", record._token + 1)
        if record.designated is not None and (self._early or record.id in self.laned):
            self.lanes.dead(record.designated)
        else:
            self._live -= 1

    def lane_next(self, worker: str) -> TaskRecord | None:
        """Take the best task off ``worker``'s lane (``None``: empty); ``requeue`` returns it."""
        record = self.lanes.pop(worker)
        if record is not None:
            _set(record, "_queued", False)
        return record
