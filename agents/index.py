"""``FreeIndex``: the workers with free capacity, kept sorted by skill as they change.

Design:
    Placement asks, per task, for "the least skilled capable worker with room, ties to
    the longest idle" (``best_fit``) or "the most skilled one" (``most_skilled``). The
    index answers from lists kept up to date on every change instead of rebuilding a
    view of every idle worker at every event: one list per task category, of keys
    ``(skill in that category, idle since, connection order, id)`` of the workers with
    room that take the category, sorted. A look-up is a bisection; a worker that
    gains or loses room, or whose idle time moves, leaves and re-enters each list by
    bisection (``O(C log W)`` comparisons for ``C`` categories and ``W`` workers, plus
    the list's memmove).

    A category's list is built the first time a task of that category is placed, and
    kept from then on.

    # Invariant: for every built category, its list holds exactly the keys of the
    # members that take the category, each under the member's current idle time.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from agents.roster import WorkerRecord

__all__ = ["FreeIndex", "IndexKey"]

IndexKey = tuple[float, float, int, str]
"""``(skill, idle_since, order, id)``: how a worker is filed in one category's list."""

Allowed = Callable[[WorkerRecord], bool]
_Filing = tuple[list[IndexKey], IndexKey]


def _skill(worker: WorkerRecord, category: str | None) -> float:
    profile = worker.profile
    if category is None:
        return profile.skill_level
    return profile.skills.get(category, profile.skill_level)


class FreeIndex:
    """Workers with free capacity, by id, with per-category skill-ordered lists."""

    def __init__(self) -> None:
        self._members: dict[str, WorkerRecord] = {}
        self._free: dict[str, int] = {}
        # Per member: the idle time it is filed under, and each (list, key) filing.
        self._filed: dict[str, tuple[float, list[_Filing]]] = {}
        self._lists: dict[str | None, list[IndexKey]] = {}
        self.total = 0
        """Free capacity summed over the members."""

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, worker_id: object) -> bool:
        return worker_id in self._members

    def members(self) -> list[WorkerRecord]:
        """The workers with room, in the order they last entered."""
        return list(self._members.values())

    def free(self, worker_id: str) -> int:
        """The free capacity filed for ``worker_id`` (0 if it is not a member)."""
        return self._free.get(worker_id, 0)

    def categories(self) -> list[str | None]:
        """The categories whose list has been built."""
        return list(self._lists)

    def keys(self, category: str | None) -> list[IndexKey]:
        """A copy of the sorted keys of ``category`` (built if it was not)."""
        return list(self._list(category))

    def update(self, worker: WorkerRecord, free: int) -> None:
        """File ``worker`` with ``free`` room now (0 or less: it leaves the index)."""
        worker_id = worker.detail.id
        filed = self._filed.get(worker_id)
        if filed is not None:
            if free > 0 and filed[0] == worker.idle_since:
                self.total += free - self._free[worker_id]
                self._free[worker_id] = free
                return
            for keys, key in filed[1]:
                del keys[bisect.bisect_left(keys, key)]
            del self._filed[worker_id], self._members[worker_id]
            self.total -= self._free.pop(worker_id)
        if free > 0:
            self._insert(worker, worker_id, free)

    def _insert(self, worker: WorkerRecord, worker_id: str, free: int) -> None:
        since = worker.idle_since
        order = worker.order
        specialties = worker.specialties
        profile = worker.profile
        level, skills = profile.skill_level, profile.skills
        filings: list[_Filing] = []
        insort = bisect.insort
        for category, keys in self._lists.items():
            if category is None:
                key = (level, since, order, worker_id)
            elif specialties is None or category in specialties:
                key = (skills.get(category, level), since, order, worker_id)
            else:
                continue
            insort(keys, key)
            filings.append((keys, key))
        self._members[worker_id] = worker
        self._free[worker_id] = free
        self._filed[worker_id] = (since, filings)
        self.total += free

    def _list(self, category: str | None) -> list[IndexKey]:
        keys = self._lists.get(category)
        if keys is None:
            entries = []
            for worker_id, worker in self._members.items():
                if worker.takes(category):
                    since, filings = self._filed[worker_id]
                    key = (_skill(worker, category), since, worker.order, worker_id)
                    entries.append((key, filings))
            entries.sort(key=lambda entry: entry[0])
            keys = self._lists[category] = [key for key, _ in entries]
            for key, filings in entries:
                filings.append((keys, key))
        return keys

    def least_capable(
        self, category: str | None, at_least: float, allowed: Allowed | None = None
    ) -> WorkerRecord | None:
        """The least skilled member with skill >= ``at_least`` that is ``allowed``.

        Ties go to the longest idle, then to connection order. ``None`` if there is none.
        """
        keys = self._list(category)
        members = self._members
        for j in range(bisect.bisect_left(keys, (at_least,)), len(keys)):
            worker = members[keys[j][3]]
            if allowed is None or allowed(worker):
                return worker
        return None

    def most_skilled(
        self, category: str | None, allowed: Allowed | None = None
    ) -> WorkerRecord | None:
        """The most skilled member that is ``allowed``; ties to the longest idle."""
        keys = self._list(category)
        members = self._members
        end = len(keys)
        while end > 0:
            first = bisect.bisect_left(keys, (keys[end - 1][0],), 0, end)
            for j in range(first, end):
                worker = members[keys[j][3]]
                if allowed is None or allowed(worker):
                    return worker
            end = first
        return None
