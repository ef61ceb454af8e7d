"""``optimal``: a maximum-weight matching of each instant's batch.

At every placement instant the pending window (tasks) and the free capacity
(workers, one slot per unit of free capacity) form a bipartite graph; the weight of a
pair is the expected success of that worker on that task under the run's performance
model (on the manager's skill estimate). Ties are broken lexicographically, never
traded against success: a pair is worth ``(success, 1001 - over)``, with the success
probability in steps of 1e-9 and the over-qualification ``skill - difficulty`` in
steps of 0.01 (capped at 10), and matchings are compared on their summed successes
first, then on their summed second keys: among matchings with the same expected
successes, placing a task is worth more than leaving it out, and less
over-qualification wins, keeping seniors free. The comparison is exact in integers
at any batch size. Pairs that are not allowed (specialty, exclusion, ``only``) are
never made. Priority is not a weight: the offered window already holds the most
urgent tasks.

The matching is solved on classes, not on tasks and slots. Tasks of the same category
and difficulty (and the same exclusions and ``only`` among the free workers) are
interchangeable; so are free workers whose pairs are worth the same with every task
class of the batch (and that no task names in an exclusion or ``only``). The policy
solves the transportation problem between those classes exactly
(:func:`agents.policies.transport.max_weight_transport`) and then hands out tasks and slots
within each class. 10,000 free workers and 10,000 tasks of 10 difficulties under the
threshold model make a 10 x ~1,100 problem, never a 10,000 x 10,000 matrix.

Among matchings that are equally good on both keys the answer is a pure function of
the snapshot, chosen so:

* within a task class the most urgent tasks (earliest in the snapshot) are placed,
  and the ones left out are the last;
* within a worker class the longest idle workers (earliest in the snapshot) are used,
  each down to its last free slot before the next;
* within a worker class, its tasks in snapshot order get its slots in that order;
* between classes, the solver prefers the earlier class (see :mod:`agents.policies.transport`).

When nearly every task is a class of its own (more than 48 classes, e.g. consensus
tasks that each exclude the workers who answered them), the class problem is as
large as the matrix and the policy solves the tasks x slots matrix with scipy's
``linear_sum_assignment`` instead, as long as it has at most 25 M cells; the class
counts of that answer are handed out by the same rules, so only the choice between
classes may differ. That matrix compares matchings in float64, exactly while the
window holds at most about 4,500 tasks.

This is the offline optimum per instant, not over time: it cannot hold a senior back
for a hard task that has not arrived yet.

Requires the ``optimal`` extra (numpy, and scipy for the matrix).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from agents.errors import PolicyError
from agents.performance import PerformanceModel
from agents.policies.base import Assignment, PendingTask, Snapshot, WorkerView, category_skill

__all__ = ["Optimal"]

_SUCCESS_STEPS = 10**9  # expected success is compared to 1e-9
_OVER_STEPS = 100  # over-qualification is compared to 0.01 skill points
_OVER_MAX = 10 * _OVER_STEPS  # skills and difficulties live on a 0..10 scale
_BASE = _OVER_MAX + 1  # the second key of a pair, _BASE - over, is >= 1

_DENSE_ABOVE = 48  # above this many task classes, solve the tasks x slots matrix
_DENSE_MAX = 25_000_000  # cells (200 MB of float64): never a larger matrix

_TaskKey = tuple[str | None, float, frozenset[str], str | None]


def _pair_key(success: float, skill: float, difficulty: float) -> tuple[int, int]:
    """The worth of one allowed pair: ``(success steps, 1001 - over steps)``.

    Args:
        success: The model's success probability for the pair.
        skill: The worker's estimated skill in the task's category.
        difficulty: The task's difficulty.

    Returns:
        Two integers, compared (summed over a matching) lexicographically.
    """
    over = min(_OVER_MAX, round(max(0.0, skill - difficulty) * _OVER_STEPS))
    return round(success * _SUCCESS_STEPS), _BASE - over


@dataclass
class Optimal:
    """Maximum expected successes per instant (exact, on classes of tasks and workers)."""

    name: str = field(default="optimal", init=False)

    def __post_init__(self) -> None:
        try:
            import numpy  # noqa: F401
            import scipy.optimize  # noqa: F401
        except ImportError:  # pragma: no cover - exercised without the extra
            raise PolicyError(
                "policy 'optimal' needs numpy and scipy: pip install 'skillsim[optimal]'"
            ) from None

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Match the batch for the most expected successes."""
        from agents.policies.transport import dense_transport, max_weight_transport

        workers = [w for w in snapshot.workers if w.free > 0]
        present = {w.id for w in workers}
        tasks: dict[_TaskKey, list[int]] = {}
        for i, item in enumerate(snapshot.pending):
            if item.only is not None and item.only not in present:
                continue  # its one worker has no room now
            tasks.setdefault(_task_key(item, present), []).append(i)
        if not tasks or not workers:
            return []
        keys = list(tasks)
        named = {w for key in keys for w in key[2]} | {key[3] for key in keys if key[3]}
        # A scale for the first key that no sum of second keys along a solver's chain
        # (at most 2 * (classes + 1) pairs) can reach: the pair worths embed the
        # lexicographic order in one integer.
        scale = 2 * _BASE * (2 * len(keys) + 6) + 1
        price = _Prices(snapshot.model, scale, keys)
        columns: dict[Hashable, int] = {}
        members: list[list[int]] = []
        weights: list[tuple[int | None, ...]] = []
        for j, worker in enumerate(workers):
            if worker.id in named:  # its pairs differ by name: it stays alone
                group: Hashable = ("named", j)
                column = price.named_column(worker)
            else:
                column = price.column(worker)
                group = column
            c = columns.setdefault(group, len(columns))
            if c == len(members):
                members.append([])
                weights.append(column)
            members[c].append(j)
        supply = [sum(workers[j].free for j in group_members) for group_members in members]
        demand = [len(tasks[key]) for key in keys]
        if len(keys) <= _DENSE_ABOVE or sum(demand) * sum(supply) > _DENSE_MAX:
            table = [list(row) for row in zip(*weights, strict=True)]
            flow = max_weight_transport(table, demand, supply)
        else:
            flow = dense_transport(_dense_worth(weights, scale, sum(demand)), demand, supply)
        return _hand_out(snapshot.pending, workers, [tasks[k] for k in keys], members, flow)


def _dense_worth(weights: list[tuple[int | None, ...]], scale: int, tasks: int) -> Any:
    """The (task classes x worker classes) worths for the matrix, as float64.

    The matrix compares whole matchings, so the first key's scale must outweigh the
    second keys of a whole matching (not of one chain): it is rescaled here.
    """
    import numpy as np

    columns = np.array(weights, dtype=object).T
    allowed = columns != None  # noqa: E711 - elementwise on an object array
    raw = np.where(allowed, columns, 0).astype(np.int64)
    first, second = np.divmod(raw, scale)
    return np.where(allowed, first * float(2 * _BASE * tasks + 1) + second, 0.0)


def _task_key(item: PendingTask, present: set[str]) -> _TaskKey:
    exclude = item.exclude
    if exclude:
        exclude = frozenset(w for w in exclude if w in present)
    return item.task.skill, float(item.task.difficulty), exclude, item.only


class _Prices:
    """Pair worths, each computed once.

    The model is called once per distinct (skill, difficulty), and a worker's column
    built once per distinct (category skills, specialties) at stake.
    """

    def __init__(self, model: PerformanceModel, scale: int, keys: list[_TaskKey]) -> None:
        self.model = model
        self.scale = scale
        self.keys = keys
        self.categories = list(dict.fromkeys(key[0] for key in keys))
        self._worths: dict[tuple[float, float], int] = {}
        self._columns: dict[Hashable, tuple[int | None, ...]] = {}
        # Per named worker: the rows that exclude it, and the rows designated to it.
        self._named: dict[str, tuple[list[int], list[int]]] | None = None

    def column(self, worker: WorkerView) -> tuple[int | None, ...]:
        """A worker's worth with each task class, for a worker no task names."""
        at_stake = tuple(
            category_skill(worker, c) if _takes(worker, c) else None for c in self.categories
        )
        column = self._columns.get(at_stake)
        if column is None:
            skill_in = dict(zip(self.categories, at_stake, strict=True))
            column = self._columns[at_stake] = tuple(
                None if only is not None else self._worth(skill_in[category], difficulty)
                for category, difficulty, _, only in self.keys
            )
        return column

    def named_column(self, worker: WorkerView) -> tuple[int | None, ...]:
        """A worker's worth with each task class, exclusions and ``only`` applied."""
        if self._named is None:
            self._named = {}
            for r, (_, _, exclude, only) in enumerate(self.keys):
                for name in exclude:
                    self._named.setdefault(name, ([], []))[0].append(r)
                if only is not None:
                    self._named.setdefault(only, ([], []))[1].append(r)
        column = list(self.column(worker))
        excluded, designated = self._named.get(worker.id, ([], []))
        for r in designated:
            category, difficulty, _, _ = self.keys[r]
            if _takes(worker, category):
                column[r] = self._worth(category_skill(worker, category), difficulty)
        for r in excluded:
            column[r] = None
        return tuple(column)

    def _worth(self, skill: float | None, difficulty: float) -> int | None:
        if skill is None:
            return None
        value = self._worths.get((skill, difficulty))
        if value is None:
            success, second = _pair_key(
                self.model.success_probability(skill, difficulty), skill, difficulty
            )
            value = self._worths[skill, difficulty] = success * self.scale + second
        return value


def _takes(worker: WorkerView, category: str | None) -> bool:
    return worker.specialties is None or category is None or category in worker.specialties


def _hand_out(
    pending: tuple[PendingTask, ...],
    workers: list[WorkerView],
    task_classes: list[list[int]],
    worker_classes: list[list[int]],
    flow: list[list[int]],
) -> list[Assignment]:
    """Turn class counts into pairs, by the tie rules of the module docstring."""
    given: list[list[int]] = [[] for _ in worker_classes]
    for rows, counts in zip(task_classes, flow, strict=True):
        start = 0
        for c in itertools.compress(range(len(counts)), counts):
            given[c] += rows[start : start + counts[c]]
            start += counts[c]
    chosen: list[tuple[int, str]] = []
    for rows, group in zip(given, worker_classes, strict=True):
        slots = (workers[j].id for j in group for _ in range(workers[j].free))
        chosen += zip(sorted(rows), slots, strict=False)
    return [Assignment(pending[i].task.id, worker_id) for i, worker_id in sorted(chosen)]
