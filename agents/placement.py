"""How a task finds its worker: from the free-worker index, or through a snapshot.

``best_fit`` and ``most_skilled`` choose straight from the dispatcher's
:class:`~agents.index.FreeIndex` (:func:`choose`), by the same rule as their
``assign``. Any other policy gets a :class:`~agents.policies.base.Snapshot` at every
placement pass; the other functions build its parts from the board's and the
dispatcher's records, and check every assignment it returns before it is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from agents.board import TaskRecord
from agents.errors import PolicyError
from agents.index import FreeIndex
from agents.policies.base import Assignment, PendingTask, Policy, WorkerView, can_take
from agents.policies.pool import next_above
from agents.roster import WorkerRecord
from protocol.messages import TaskId

__all__ = [
    "Estimator",
    "check_assignment",
    "choose",
    "exclusions",
    "pending_view",
    "worker_view",
]

Estimator = Callable[[str, str | None], float]
"""A policy's ``estimate(worker_id, category)``."""


def exclusions(
    record: TaskRecord, excluded: Mapping[TaskId, set[str]]
) -> tuple[frozenset[str], str | None]:
    """Who may not get ``record`` now, and the one worker that alone may (if any).

    Holders, workers excluded by the dispatcher (refused as a specialist, declined,
    rejected in QA) and, for a task wanting several answers, workers that answered
    it already. A designated worker that has done its part pins the task no more.
    """
    exclude = frozenset(record.holders).union(excluded.get(record.id, ()))
    only = record.designated
    distinct = record.required > 1 or bool(record.voided)
    if distinct or only is not None:
        answered = {r.worker for r in record.responses if r.status == "submitted"}
        if distinct:
            exclude |= answered  # consensus, dynamic overlap: distinct workers
        if only is not None and (only in answered or only in exclude):
            only = None
    return exclude, only


def pending_view(
    record: TaskRecord,
    excluded: Mapping[TaskId, set[str]],
    outsiders: frozenset[str] = frozenset(),
) -> PendingTask:
    """The frozen view of an offered task (``outsiders``: workers it is closed to)."""
    exclude, only = exclusions(record, excluded)
    exclude |= outsiders
    return PendingTask(
        task=record.task,
        attempts=record.attempts,
        arrived=record.arrived,
        tried_by=record.tried_by,
        exclude=exclude,
        best_failed=record.best_failed,
        only=only,
    )


def worker_view(
    worker: WorkerRecord,
    free: int,
    categories: Iterable[str],
    estimator: Estimator | None,
    accuracy: Callable[[str], float] | None = None,
) -> WorkerView:
    """The frozen view of a worker with ``free`` room, with the policy's estimates.

    ``accuracy``, when golden tasks are on, gives the worker's golden estimate.
    """
    profile = worker.profile
    if estimator is None:
        estimate, estimates = profile.skill_level, profile.skills
    else:
        # The policy's belief for every category at stake, declared or not.
        worker_id = worker.detail.id
        estimate = float(estimator(worker_id, None))
        wanted = dict.fromkeys([*profile.skills, *categories])
        estimates = {c: float(estimator(worker_id, c)) for c in wanted}
    return WorkerView(
        id=worker.detail.id,
        name=worker.detail.name,
        skill_level=profile.skill_level,
        skills=profile.skills,
        specialties=worker.specialties,
        capacity=worker.load + free,
        load=worker.load,
        idle_since=worker.idle_since,
        estimate=estimate,
        estimates=estimates,
        order=worker.order,
        accuracy=None if accuracy is None else accuracy(worker.detail.id),
    )


def check_assignment(
    policy: Policy,
    assignment: Assignment,
    offered: Mapping[TaskId, tuple[TaskRecord, PendingTask]],
    free: Mapping[str, WorkerView],
    room: Mapping[str, int],
) -> TaskRecord:
    """The record to hold for a policy's assignment, once it is checked.

    Raises:
        PolicyError: naming the policy and the task, for a task not offered, a worker
            without room or one that may not take it, or a task placed more often
            than it needs.
    """
    entry = offered.get(assignment.task_id)
    worker = assignment.worker_id
    view = free.get(worker)
    if entry is None:
        problem = ", which was not offered"
    elif view is None or room[worker] <= 0:
        problem = f" to {worker!r}, which has no free capacity"
    elif not can_take(view, entry[1]):
        problem = f" to {worker!r}, which may not take it"
    elif entry[0].open_slots <= 0 or entry[0].held_by(worker):
        problem = " more often than it needs"
    else:
        return entry[0]
    name = getattr(policy, "name", type(policy).__name__)
    raise PolicyError(f"policy {name!r} assigned task {assignment.task_id!r}{problem}")


def choose(
    index: FreeIndex,
    workers: Mapping[str, WorkerRecord],
    record: TaskRecord,
    excluded: Mapping[TaskId, set[str]],
    most_skilled: bool = False,
    outsiders: frozenset[str] = frozenset(),
) -> WorkerRecord | None:
    """The free worker ``best_fit`` (or ``most_skilled``) gives ``record`` to, if any.

    ``best_fit``: the least skilled worker at or above the difficulty, ties to the
    longest idle; a retry first looks strictly above the best skill that failed it;
    with nobody capable, the most skilled. Only workers that may take the task count
    (specialty, exclusions, the one designated worker, not one of ``outsiders``).
    """
    category = record.task.skill
    exclude: frozenset[str] = frozenset()
    only = None
    if record._holders is not None or record.designated is not None or record.responses:
        exclude, only = exclusions(record, excluded)
    elif record.id in excluded:
        exclude = frozenset(excluded[record.id])
    if outsiders:
        exclude = exclude | outsiders
    if only is not None:
        # One worker may take it: the index's answer is that worker or nobody.
        worker = workers.get(only)
        if worker is None or only not in index or only in exclude:
            return None
        return worker if worker.takes(category) else None
    allowed = None if not exclude else (lambda w: w.detail.id not in exclude)
    if most_skilled:
        return index.most_skilled(category, allowed)
    need = float(record.task.difficulty)
    worker = None
    if record.best_failed is not None:
        worker = index.least_capable(category, max(need, next_above(record.best_failed)), allowed)
    if worker is None:
        worker = index.least_capable(category, need, allowed)
    if worker is None:
        worker = index.most_skilled(category, allowed)
    return worker
