"""``least_loaded`` and ``power_of_two``: queueing policies for workers with capacity > 1.

``least_loaded`` is join-the-shortest-queue (JSQ): among capable workers with room,
the one with the lowest load relative to its capacity; with nobody capable, among
all eligible. ``power_of_two`` samples two capable workers at random and takes the
less loaded (Mitzenmacher's "power of two choices"): nearly JSQ's balance while
looking at only two queues, which is what a real dispatcher can afford.
Ties go to the more skilled worker, then to the longest idle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agents.policies.base import (
    Assignment,
    PendingTask,
    Snapshot,
    WorkerView,
    can_take,
    category_skill,
)

__all__ = ["LeastLoaded", "PowerOfTwo"]


def _candidates(
    pending: PendingTask, workers: tuple[WorkerView, ...], load: dict[str, int]
) -> list[WorkerView]:
    eligible = [w for w in workers if load[w.id] < w.capacity and can_take(w, pending)]
    capable = [
        w for w in eligible if category_skill(w, pending.task.skill) >= pending.task.difficulty
    ]
    return capable or eligible


def _key(worker: WorkerView, load: dict[str, int], pending: PendingTask) -> tuple[float, ...]:
    return (
        load[worker.id] / worker.capacity,
        -category_skill(worker, pending.task.skill),
        worker.idle_since,
        worker.order,
    )


Choose = Callable[[list[WorkerView], dict[str, int], PendingTask, Snapshot], WorkerView]


def _place(snapshot: Snapshot, choose: Choose) -> list[Assignment]:
    load = {w.id: w.load for w in snapshot.workers}
    chosen: list[Assignment] = []
    for pending in snapshot.pending:
        candidates = _candidates(pending, snapshot.workers, load)
        if not candidates:
            continue
        worker = choose(candidates, load, pending, snapshot)
        load[worker.id] += 1
        chosen.append(Assignment(pending.task.id, worker.id))
    return chosen


def _least(
    candidates: list[WorkerView], load: dict[str, int], pending: PendingTask, snapshot: Snapshot
) -> WorkerView:
    return min(candidates, key=lambda w: _key(w, load, pending))


def _better_of_two(
    candidates: list[WorkerView], load: dict[str, int], pending: PendingTask, snapshot: Snapshot
) -> WorkerView:
    sample = snapshot.random.sample(candidates, min(2, len(candidates)))
    return min(sample, key=lambda w: _key(w, load, pending))


@dataclass
class LeastLoaded:
    """Join the shortest queue among capable workers."""

    name: str = field(default="least_loaded", init=False)

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Give each task to the least loaded capable worker."""
        return _place(snapshot, _least)


@dataclass
class PowerOfTwo:
    """The less loaded of two random capable workers."""

    name: str = field(default="power_of_two", init=False)

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Give each task to the less loaded of two sampled capable workers."""
        return _place(snapshot, _better_of_two)
