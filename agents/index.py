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


def _key(worker: WorkerRecord, category: str | None, idle_since: float) -> IndexKey:
    return (worker.profile.skill_for(category), idle_since, worker.order, worker.detail.id)


class FreeIndex:
    """Workers with free capacity, by id, with per-category skill-ordered lists."""

    def __init__(self) -> None:
        self._members: dict[str, WorkerRecord] = {}
        self._free: dict[str, int] = {}
        self._since: dict[str, float] = {}
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
        since = self._since.get(worker_id)
        if since is not None:
            if free > 0 and since == worker.idle_since:
                self.total += free - self._free[worker_id]
                self._free[worker_id] = free
                return
            self._remove(worker, since)
        if free > 0:
            self._insert(worker, free)

    def _insert(self, worker: WorkerRecord, free: int) -> None:
        worker_id = worker.detail.id
        since = worker.idle_since
        self._members[worker_id] = worker
        self._free[worker_id] = free
        self._since[worker_id] = since
        self.total += free
        for category, keys in self._lists.items():
            if worker.takes(category):
                bisect.insort(keys, _key(worker, category, since))

    def _remove(self, worker: WorkerRecord, since: float) -> None:
        worker_id = worker.detail.id
        del self._members[worker_id], self._since[worker_id]
        self.total -= self._free.pop(worker_id)
        for category, keys in self._lists.items():
            if worker.takes(category):
                key = _key(worker, category, since)
                del keys[bisect.bisect_left(keys, key)]

    def _list(self, category: str | None) -> list[IndexKey]:
        keys = self._lists.get(category)
        if keys is None:
            since = self._since
            keys = sorted(
                _key(w, category, since[i]) for i, w in self._members.items() if w.takes(category)
            )
            self._lists[category] = keys
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
