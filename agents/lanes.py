"""``Lanes``: the workers' own queues (early binding), as heaps with live counts.

Each worker's lane is a heap of ``(-priority, arrival seq, token, record)``, keyed as
the board's central heaps are, with the same lazy deletion: an entry is live while
its token is the record's token and the record is queued. The board owns the
records' queue flags and tokens (it is their only writer); the lanes keep the heaps
and, per worker, the count of live entries, so a queue's length costs nothing.

# Invariant: ``length(w)`` is the number of live entries in ``w``'s heap.
"""

from __future__ import annotations

import heapq

from agents.record import TaskRecord

__all__ = ["Entry", "Lanes"]

Entry = tuple[int, int, int, TaskRecord]
"""``(-priority, arrival seq, token, record)``: a task's place in a queue."""


class Lanes:
    """One heap of queue entries per worker, with the number of live entries."""

    def __init__(self) -> None:
        self._heaps: dict[str, list[Entry]] = {}
        self._live: dict[str, int] = {}

    def push(self, owner: str, entry: Entry) -> None:
        """File a live entry in ``owner``'s lane."""
        heapq.heappush(self._heaps.setdefault(owner, []), entry)
        self._live[owner] = self._live.get(owner, 0) + 1

    def pop(self, owner: str) -> TaskRecord | None:
        """Take the best live entry off ``owner``'s lane; its record (``None``: empty).

        Stale entries met on the way are dropped. The caller marks the record as no
        longer queued.
        """
        heap = self._heaps.get(owner)
        while heap:
            _, _, token, record = heapq.heappop(heap)
            if token == record._token and record._queued:
                self._live[owner] -= 1
                return record
        return None

    def dead(self, owner: str) -> None:
        """One live entry of ``owner``'s lane went stale (its task moved or closed)."""
        self._live[owner] -= 1

    def length(self, owner: str) -> int:
        """Live entries in ``owner``'s lane."""
        return self._live.get(owner, 0)

    def owners(self) -> list[str]:
        """Workers with a live entry, in the order their lanes began."""
        return [w for w, n in self._live.items() if n > 0]

    def total(self) -> int:
        """Live entries over all lanes."""
        return sum(self._live.values())
