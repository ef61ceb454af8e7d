"""``WorkerPool``: the free capacity of one snapshot, indexed by skill.

Greedy policies place tasks one by one and need, per task, "the least skilled
capable worker" or "the most skilled one" among workers that still have room. The
pool keeps, per skill category, the workers sorted by ``(estimated skill, idle rank)``
and answers with a bisection, so a pass over ``n`` tasks and ``m`` workers costs
``O((n + m) log m)`` rather than ``O(n * m)``. Full workers are skipped lazily.
"""

from __future__ import annotations

import bisect
import math

from agents.policies.base import PendingTask, WorkerView, can_take, category_skill

__all__ = ["WorkerPool", "next_above"]


class WorkerPool:
    """Free capacity of a snapshot's workers, with skill-ordered look-ups.

    Args:
        workers: Workers with free capacity, longest idle first (the snapshot's order).
    """

    def __init__(self, workers: tuple[WorkerView, ...]) -> None:
        self.workers = workers
        self.free = [w.free for w in workers]
        self._total = sum(self.free)
        self._rank = {w.id: i for i, w in enumerate(workers)}
        self._index: dict[str | None, tuple[list[tuple[float, int]], list[float]]] = {}

    def __bool__(self) -> bool:
        return self._total > 0

    def rank(self, worker_id: str) -> int:
        """Position of a worker in the snapshot (0 = longest idle)."""
        return self._rank[worker_id]

    def take(self, rank: int) -> WorkerView:
        """Use one unit of a worker's free capacity; return the worker."""
        self.free[rank] -= 1
        self._total -= 1
        return self.workers[rank]

    def _sorted(self, category: str | None) -> tuple[list[tuple[float, int]], list[float]]:
        entry = self._index.get(category)
        if entry is None:
            keys = sorted((category_skill(w, category), i) for i, w in enumerate(self.workers))
            entry = self._index[category] = (keys, [k for k, _ in keys])
        return entry

    def least_capable(self, pending: PendingTask, at_least: float) -> int | None:
        """Rank of the least skilled worker with room and skill >= ``at_least``.

        Ties go to the longest idle. ``None`` if no such worker has room.
        """
        keys, skills = self._sorted(pending.task.skill)
        for j in range(bisect.bisect_left(skills, at_least), len(keys)):
            rank = keys[j][1]
            if self.free[rank] > 0 and can_take(self.workers[rank], pending):
                return rank
        return None

    def most_skilled(self, pending: PendingTask) -> int | None:
        """Rank of the most skilled worker with room that may take the task.

        Ties go to the longest idle. ``None`` if none has room.
        """
        keys, skills = self._sorted(pending.task.skill)
        j = len(keys) - 1
        while j >= 0:
            top = skills[j]
            first = bisect.bisect_left(skills, top, 0, j + 1)
            for k in range(first, j + 1):
                rank = keys[k][1]
                if self.free[rank] > 0 and can_take(self.workers[rank], pending):
                    return rank
            j = first - 1
        return None


def next_above(value: float) -> float:
    """The smallest float above ``value`` (for "strictly more skilled than")."""
    return math.nextafter(value, math.inf)
