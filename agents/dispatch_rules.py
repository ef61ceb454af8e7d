"""Dispatch rules: which worker's own queue a task joins (early binding).

With per-assignee queues (``Distribution(queue="assignee")``) every task is bound to
one worker when it arrives and waits in that worker's queue. A dispatch rule makes
that choice from a list of :class:`QueueCandidate` (the workers that may take the
task, in connection order, each with the length of its queue) and the manager's
seeded random stream; it never sees live state.

* ``round_robin``: the next candidate in connection order after the last one chosen.
* ``random``: a uniformly random candidate.
* ``least_loaded``: join the shortest queue (JSQ): the fewest tasks bound and
  unfinished per unit of capacity; ties to connection order.
* ``power_of_two``: two candidates drawn at random, the shorter queue of the two
  (Mitzenmacher's "power of two choices").
* ``workload``: by percentage, the named worker furthest behind its share of the
  tasks bound so far (the seed's ``WorkloadUnit`` loads).
* ``skill_aware``: among the capable candidates (skill >= difficulty), the shortest
  queue, ties to the least skilled (the seniors stay free for hard work); when nobody
  is capable, the most skilled candidate.

A queue's length is what a textbook dispatcher sees: tasks waiting in it plus tasks
its worker holds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

from agents.distribution import WorkloadUnit
from agents.errors import PolicyError
from protocol.messages import Task

__all__ = [
    "DispatchRule",
    "LeastLoadedQueue",
    "QueueCandidate",
    "RandomQueue",
    "RoundRobinQueue",
    "SkillAwareQueue",
    "TwoChoicesQueue",
    "WorkloadQueue",
    "dispatch_rule_names",
    "make_dispatch_rule",
]


@dataclass(frozen=True, slots=True)
class QueueCandidate:
    """A worker whose queue a task may join.

    Attributes:
        id: The worker's id.
        order: Its connection order (a stable tie-breaker).
        length: Tasks bound to it and unfinished: waiting in its queue or held.
        capacity: Tasks it works on at once.
        skill: Its skill in the task's category.
    """

    id: str
    order: int
    length: int
    capacity: int
    skill: float

    @property
    def load(self) -> Fraction:
        """Queue length per unit of capacity (exact, so equal loads tie)."""
        return Fraction(self.length, self.capacity)


class DispatchRule(Protocol):
    """Anything with ``choose(task, candidates, rng)`` picks a queue."""

    def choose(
        self, task: Task, candidates: Sequence[QueueCandidate], rng: random.Random
    ) -> QueueCandidate:
        """The candidate whose queue ``task`` joins (``candidates`` is not empty)."""
        ...


def _shortest(candidates: Sequence[QueueCandidate]) -> QueueCandidate:
    return min(candidates, key=lambda c: (c.load, c.order))


@dataclass
class RoundRobinQueue:
    """Each task to the next candidate in connection order, wrapping around."""

    _last: int = field(default=-1, repr=False)

    def choose(
        self, task: Task, candidates: Sequence[QueueCandidate], rng: random.Random
    ) -> QueueCandidate:
        """The first candidate after the last one chosen, else the first."""
        after = [c for c in candidates if c.order > self._last]
        chosen = min(after or candidates, key=lambda c: c.order)
        self._last = chosen.order
        return chosen


@dataclass
class RandomQueue:
    """A uniformly random queue: the null model."""

    def choose(
        self, task: Task, candidates: Sequence[QueueCandidate], rng: random.Random
    ) -> QueueCandidate:
        """One candidate drawn uniformly from the run's stream."""
        return candidates[rng.randrange(len(candidates))]


@dataclass
class LeastLoadedQueue:
    """Join the shortest queue (JSQ)."""

    def choose(
        self, task: Task, candidates: Sequence[QueueCandidate], rng: random.Random
    ) -> QueueCandidate:
        """The candidate with the least load; ties to connection order."""
        return _shortest(candidates)


@dataclass
class TwoChoicesQueue:
    """The shorter of two queues drawn at random (power of two choices)."""

    def choose(
        self, task: Task, candidates: Sequence[QueueCandidate], rng: random.Random
    ) -> QueueCandidate:
        """Two distinct candidates drawn from the run's stream; the less loaded."""
        if len(candidates) == 1:
            return candidates[0]
        first, second = rng.sample(range(len(candidates)), 2)
        return _shortest((candidates[first], candidates[second]))


@dataclass
class WorkloadQueue:
    """By percentage: the named worker furthest behind its share.

    Args:
        units: The shares (loads sum to 100).
    """

    units: tuple[WorkloadUnit, ...]
    _given: dict[str, int] = field(default_factory=dict, repr=False)

    def choose(
        self, task: Task, candidates: Sequence[QueueCandidate], rng: random.Random
    ) -> QueueCandidate:
        """The candidate with a share whose deficit is largest; else the shortest queue.

        The deficit of a unit is ``load / 100 * (n + 1) - given``, for the ``n`` tasks
        bound so far; ties go to the listing order of the units.
        """
        shares = {u.assignee_id: Fraction(str(u.load)) / 100 for u in self.units}
        named = [c for c in candidates if shares.get(c.id, 0) > 0]
        if not named:
            return _shortest(candidates)
        n = sum(self._given.values()) + 1
        position = {u.assignee_id: i for i, u in enumerate(self.units)}
        chosen = max(
            named,
            key=lambda c: (shares[c.id] * n - self._given.get(c.id, 0), -position[c.id]),
        )
        self._given[chosen.id] = self._given.get(chosen.id, 0) + 1
        return chosen


@dataclass
class SkillAwareQueue:
    """The shortest queue among capable workers, ties to the least skilled."""

    def choose(
        self, task: Task, candidates: Sequence[QueueCandidate], rng: random.Random
    ) -> QueueCandidate:
        """Shortest capable queue (ties: least skilled, then order); else most skilled."""
        capable = [c for c in candidates if c.skill >= task.difficulty]
        if capable:
            return min(capable, key=lambda c: (c.load, c.skill, c.order))
        return min(candidates, key=lambda c: (-c.skill, c.load, c.order))


_RULES: dict[str, Callable[[tuple[WorkloadUnit, ...]], DispatchRule]] = {
    "least_loaded": lambda units: LeastLoadedQueue(),
    "power_of_two": lambda units: TwoChoicesQueue(),
    "random": lambda units: RandomQueue(),
    "round_robin": lambda units: RoundRobinQueue(),
    "skill_aware": lambda units: SkillAwareQueue(),
    "workload": lambda units: WorkloadQueue(units),
}


def dispatch_rule_names() -> list[str]:
    """The dispatch rules by name, sorted."""
    return sorted(_RULES)


def make_dispatch_rule(name: str, units: tuple[WorkloadUnit, ...] = ()) -> DispatchRule:
    """The dispatch rule called ``name``.

    Args:
        name: One of :func:`dispatch_rule_names`.
        units: The workload shares (for ``workload``; given shares select it whatever
            ``name`` says).

    Raises:
        PolicyError: for an unknown name (listing the known ones), or ``workload``
            without shares.
    """
    if units:
        return WorkloadQueue(units)
    if name == "workload":
        raise PolicyError("the workload dispatch rule needs workload shares")
    factory = _RULES.get(name)
    if factory is None:
        raise PolicyError(
            f"{name!r} cannot choose a worker's own queue; per-assignee queues take one of: "
            f"{', '.join(dispatch_rule_names())}"
        )
    return factory(units)
