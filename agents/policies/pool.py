"""``WorkerPool``: the free capacity of one snapshot, indexed by skill.

Greedy policies place tasks one by one and need, per task, "the least skilled
capable worker" or "the most skilled one" among workers that still have room. The
pool keeps, per skill category, the workers with room sorted by ``(estimated skill,
idle rank)`` and answers with a bisection; a worker whose room runs out leaves every
index. A pass over ``n`` tasks and ``m`` workers so costs ``O(n log m + m log m)``
plus the list deletions, rather than ``O(n * m)``.
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
        # Per category: sorted keys (skill, rank) of workers with room, and the skills.
        self._index: dict[str | None, tuple[list[tuple[float, int]], list[float]]] = {}

    def __bool__(self) -> bool:
        return self._total > 0

    def take(self, rank: int) -> WorkerView:
        """Use one unit of a worker's free capacity; return the worker."""
        self.free[rank] -= 1
        self._total -= 1
        worker = self.workers[rank]
        if self.free[rank] == 0:
            for category, (keys, skills) in self._index.items():
                key = (category_skill(worker, category), rank)
                j = bisect.bisect_left(keys, key)
                del keys[j], skills[j]
        return worker

    def _sorted(self, category: str | None) -> tuple[list[tuple[float, int]], list[float]]:
        entry = self._index.get(category)
        if entry is None:
            keys = sorted(
                (category_skill(w, category), i)
                for i, w in enumerate(self.workers)
                if self.free[i] > 0
            )
            entry = self._index[category] = (keys, [k for k, _ in keys])
        return entry

    def least_capable(self, pending: PendingTask, at_least: float) -> int | None:
        """Rank of the least skilled worker with room and skill >= ``at_least``.

        Ties go to the longest idle. ``None`` if no such worker has room.
        """
        keys, skills = self._sorted(pending.task.skill)
        workers = self.workers
        for j in range(bisect.bisect_left(skills, at_least), len(keys)):
            rank = keys[j][1]
            if can_take(workers[rank], pending):
                return rank
        return None

    def most_skilled(self, pending: PendingTask) -> int | None:
        """Rank of the most skilled worker with room that may take the task.

        Ties go to the longest idle. ``None`` if none has room.
        """
        keys, skills = self._sorted(pending.task.skill)
        workers = self.workers
        end = len(keys)
        while end > 0:
            first = bisect.bisect_left(skills, skills[end - 1], 0, end)
            for j in range(first, end):
                rank = keys[j][1]
                if can_take(workers[rank], pending):
                    return rank
            end = first
        return None


def next_above(value: float) -> float:
    """The smallest float above ``value`` (for "strictly more skilled than")."""
    return math.nextafter(value, math.inf)
