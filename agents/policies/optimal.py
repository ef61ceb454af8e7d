"""``optimal``: a maximum-weight matching of each instant's batch.

At every placement instant the pending window (tasks) and the free capacity
(workers, one column per free slot) form a bipartite graph; the weight of a pair is
the expected success of that worker on that task under the run's performance model
(on the manager's skill estimate). Ties are broken lexicographically, never traded
against success: among matchings with the same expected successes (to 1e-9), the one
with the most placements and the least over-qualification wins, keeping seniors free.
The keys are integers combined into one cost, so the comparison is exact (float64
holds the combined cost exactly up to about 4,500 tasks in a batch). A pair that
is not allowed costs what leaving it out costs, so the solver maximises weight, not
the number of pairs. Priority is not a weight: the offered window already holds the
most urgent tasks.

The cost matrix is built with numpy, not pair by pair: tasks are grouped by category
and difficulty, worker ids by their skill in that category, and the model is called
once per distinct (skill, difficulty); each task's row is gathered from that small
table. Pairs that are not allowed (specialty, exclusion, ``only``) are never priced:
they keep the cost of leaving them out. No row or column is dropped, even one that
cannot be matched: the solver breaks ties between equal matchings by position, so the
whole matrix keeps the answer exactly that of the pairwise definition.

``scipy.optimize.linear_sum_assignment`` (the Jonker-Volgenant algorithm) solves it;
pairs that are not allowed are pruned from the answer. The batch is bounded by the
free capacity, so one instant costs O(k^3) in the batch size k, never in the queue
length.

This is the offline optimum per instant, not over time: it cannot hold a senior back
for a hard task that has not arrived yet.

Requires the ``optimal`` extra (scipy, numpy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.errors import PolicyError
from agents.policies.base import Assignment, Snapshot, category_skill

__all__ = ["Optimal"]

_FORBIDDEN = 0.0  # the cost of leaving a pair out; every allowed pair costs less
_SUCCESS_STEPS = 10**9  # expected success is compared to 1e-9
_OVER_STEPS = 100  # over-qualification is compared to 0.01 skill points
_OVER_MAX = 10 * _OVER_STEPS  # skills and difficulties live on a 0..10 scale
_BASE = _OVER_MAX + 1  # makes every allowed pair better than leaving it out


@dataclass
class Optimal:
    """Maximum expected successes per instant (linear_sum_assignment)."""

    name: str = field(default="optimal", init=False)

    def __post_init__(self) -> None:
        try:
            import numpy  # noqa: F401
            from scipy.optimize import linear_sum_assignment  # noqa: F401
        except ImportError:  # pragma: no cover - exercised without the extra
            raise PolicyError(
                "policy 'optimal' needs scipy: pip install 'skillsim[optimal]'"
            ) from None

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Match the batch for the most expected successes."""
        import numpy as np
        from scipy.optimize import linear_sum_assignment

        pending = snapshot.pending
        free = [max(0, w.free) for w in snapshot.workers]
        if not pending or not any(free):
            return []
        # Columns are free slots, named by worker id: a worker listed twice shares its
        # columns with its namesake, and the last one in the list that may take a task
        # sets their cost.
        index: dict[str, int] = {}
        for worker in snapshot.workers:
            index.setdefault(worker.id, len(index))
        slots = [w for w in snapshot.workers for _ in range(w.free)]
        column_id = np.repeat([index[w.id] for w in snapshot.workers], free)
        scale = 2 * _BASE * len(pending) + 1  # more than any sum of the lower keys
        rows_of: dict[str | None, list[int]] = {}
        for i, item in enumerate(pending):
            rows_of.setdefault(item.task.skill, []).append(i)
        cost: Any = np.empty((len(pending), len(column_id)))
        for category, members in rows_of.items():
            levels: dict[float, int] = {}
            level_of = [levels.setdefault(pending[i].task.difficulty, len(levels)) for i in members]
            table = _category_costs(snapshot, category, list(levels), index, scale)
            cost[members] = table[level_of][:, column_id]
        for i, item in enumerate(pending):
            if item.exclude or item.only is not None:
                allowed = np.full(len(index), item.only is None)
                if item.only in index:
                    allowed[index[item.only]] = True
                allowed[[index[w] for w in item.exclude if w in index]] = False
                cost[i, ~allowed[column_id]] = _FORBIDDEN
        rows, cols = linear_sum_assignment(cost)
        return [
            Assignment(pending[i].task.id, slots[j].id)
            for i, j in sorted(zip(rows.tolist(), cols.tolist(), strict=True))
            if cost[i, j] < _FORBIDDEN
        ]


def _category_costs(
    snapshot: Snapshot,
    category: str | None,
    levels: list[float],
    index: dict[str, int],
    scale: int,
) -> Any:
    """The cost of each difficulty in ``levels`` (rows) for each worker id (columns).

    Ignores exclusions and ``only``; an id none of whose workers takes ``category``
    costs ``_FORBIDDEN``. The model is called once per distinct (skill, difficulty).
    """
    import numpy as np

    skills: dict[float, int] = {}
    skill_of = [-1] * len(index)  # -1: the forbidden column appended below
    for worker in snapshot.workers:
        if worker.specialties is None or category is None or category in worker.specialties:
            skill = category_skill(worker, category)
            skill_of[index[worker.id]] = skills.setdefault(skill, len(skills))
    probability = snapshot.model.success_probability
    values = [
        [*(_cost(probability(s, d), s, d, scale) for s in skills), _FORBIDDEN] for d in levels
    ]
    return np.array(values, dtype=np.float64)[:, skill_of]


def _cost(success: float, skill: float, difficulty: float, scale: int) -> float:
    """One allowed pair's cost, from the model's success probability; always < 0."""
    over = min(_OVER_MAX, round(max(0.0, skill - difficulty) * _OVER_STEPS))
    # Lexicographic in integers: expected success first (never traded for anything),
    # then more placements and less over-qualification. Exact Python ints, rounded
    # once to float64 (as storing them in the matrix would).
    return float(-(round(success * _SUCCESS_STEPS) * scale + _BASE - over))
