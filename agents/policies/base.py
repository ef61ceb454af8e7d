"""The policy interface: a frozen snapshot in, a list of assignments out.

A policy never sees live state. The manager builds a :class:`Snapshot` of the pending
tasks it offers (highest priority first, then oldest) and the workers with free
capacity (longest idle first), calls ``policy.assign(snapshot)``, checks every
:class:`Assignment` it gets back, and sends them. A policy may leave tasks or workers
unused; they are offered again at the next instant something changes.

Skill, as a policy sees it, is ``WorkerView.estimate``: the manager's belief, which is
the worker's declared profile unless a learning policy supplies its own estimates.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from agents.performance import PerformanceModel, ThresholdModel
from protocol.messages import Task, TaskId

__all__ = [
    "Assignment",
    "Observation",
    "PendingTask",
    "Policy",
    "Snapshot",
    "WorkerView",
    "can_take",
    "category_skill",
    "skill_for",
]


@dataclass(frozen=True, slots=True)
class PendingTask:
    """A task waiting for a worker.

    Attributes:
        task: The task.
        attempts: Attempts already made (0 for a fresh task).
        arrived: Simulated time it arrived.
        tried_by: Workers that already attempted it, oldest first.
        exclude: Workers that must not get it (e.g. already answered it).
        best_failed: The highest estimated skill among workers that failed it.
        only: The one worker that may get it (a workload split), if any.
    """

    task: Task
    attempts: int
    arrived: float
    tried_by: tuple[str, ...] = ()
    exclude: frozenset[str] = frozenset()
    best_failed: float | None = None
    only: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerView:
    """A worker with free capacity, as the manager sees it.

    Attributes:
        id: The worker's id.
        name: Its name.
        skill_level: Declared overall skill.
        skills: Declared per-category skills (override ``skill_level`` for a category).
        specialties: Categories it takes; ``None`` means any.
        capacity: Tasks it can hold at once.
        load: Tasks it holds now.
        idle_since: When its load last dropped (for "longest idle" ties).
        estimate: The manager's estimate of ``skill_level``.
        estimates: The manager's per-category estimates.
        order: Connection order, a stable tie-breaker.
        accuracy: The manager's golden-task accuracy estimate of the worker
            (``(correct + c) / (answered + 2c)``), ``None`` when golden tasks are off.
    """

    id: str
    name: str
    skill_level: float
    skills: Mapping[str, float]
    specialties: frozenset[str] | None
    capacity: int
    load: int
    idle_since: float
    estimate: float
    estimates: Mapping[str, float]
    order: int
    accuracy: float | None = None

    @property
    def free(self) -> int:
        """Free capacity."""
        return self.capacity - self.load


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a policy sees at one instant.

    Attributes:
        now: Simulated time.
        pending: Tasks offered, in placement order (priority, then age).
        workers: Workers with free capacity, longest idle first.
        random: The manager's random stream, for randomized policies.
        model: The run's performance model, for expected success.
    """

    now: float
    pending: tuple[PendingTask, ...]
    workers: tuple[WorkerView, ...]
    random: random.Random
    model: PerformanceModel = field(default_factory=ThresholdModel)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Give ``task_id`` to ``worker_id``."""

    task_id: TaskId
    worker_id: str


@dataclass(frozen=True, slots=True)
class Observation:
    """A finished attempt, for policies that learn.

    Attributes:
        task: The task.
        worker_id: Who did it.
        success: Whether it succeeded.
        duration: How long it took.
    """

    task: Task
    worker_id: str
    success: bool
    duration: float


@runtime_checkable
class Policy(Protocol):
    """Anything with ``assign(snapshot) -> assignments`` is a policy.

    A policy may also define ``observe(observation)`` to learn from results and
    ``estimate(worker_id, category)`` to tell the manager its skill belief.
    """

    def assign(self, snapshot: Snapshot) -> Sequence[Assignment]:
        """Choose assignments for this instant."""
        ...


def can_take(worker: WorkerView, pending: PendingTask) -> bool:
    """Whether ``worker`` may get ``pending`` at all (specialty and exclusions)."""
    if worker.id in pending.exclude or (pending.only is not None and pending.only != worker.id):
        return False
    category = pending.task.skill
    return worker.specialties is None or category is None or category in worker.specialties


def category_skill(worker: WorkerView, category: str | None) -> float:
    """The estimated skill of ``worker`` in ``category``, else its overall estimate."""
    if category is not None:
        value = worker.estimates.get(category)
        if value is not None:
            return value
    return worker.estimate


def skill_for(worker: WorkerView, task: Task) -> float:
    """The estimated skill that counts for ``task``: its category's, else the overall."""
    return category_skill(worker, task.skill)
