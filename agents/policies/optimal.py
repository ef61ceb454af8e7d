"""``optimal``: a maximum-weight matching of each instant's batch.

At every placement instant the pending window (tasks) and the free capacity
(workers, one column per free slot) form a bipartite graph; the weight of a pair is
the expected success of that worker on that task under the run's performance model
(on the manager's skill estimate). Ties are broken lexicographically, never traded
against success: among matchings with the same expected successes (to 1e-9), the one
with the most placements and the least over-qualification wins, keeping seniors free.
The keys are integers combined into one cost, so the comparison is exact. A pair that
is not allowed costs what leaving it out costs, so the solver maximises weight, not
the number of pairs. Priority is not a weight: the offered window already holds the
most urgent tasks.

``scipy.optimize.linear_sum_assignment`` (the Jonker-Volgenant algorithm) solves it;
pairs that are not allowed (specialty, exclusion) are pruned from the answer. The
batch is bounded by the free capacity, so one instant costs O(k^3) in the batch size
k, never in the queue length.

This is the offline optimum per instant, not over time: it cannot hold a senior back
for a hard task that has not arrived yet.

Requires the ``optimal`` extra (scipy, numpy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.errors import PolicyError
from agents.policies.base import Assignment, Snapshot, can_take, category_skill

__all__ = ["Optimal"]

_FORBIDDEN = 0.0  # the cost of leaving a pair out; every allowed pair costs less
_SUCCESS_STEPS = 10**9  # expected success is compared to 1e-9
_OVER_STEPS = 100  # over-qualification is compared to 0.01 skill points
_OVER_MAX = 10 * _OVER_STEPS  # skills and difficulties live on a 0..10 scale


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
        slots = [w for w in snapshot.workers for _ in range(w.free)]
        if not pending or not slots:
            return []
        probability = snapshot.model.success_probability
        cost: Any = np.full((len(pending), len(slots)), _FORBIDDEN)
        base = _OVER_MAX + 1  # makes every allowed pair better than leaving it out
        scale = 2 * base * len(pending) + 1  # more than any sum of the lower keys
        column_of: dict[str, list[int]] = {}
        for j, worker in enumerate(slots):
            column_of.setdefault(worker.id, []).append(j)
        for i, item in enumerate(pending):
            task = item.task
            for worker in snapshot.workers:
                if not can_take(worker, item):
                    continue
                skill = category_skill(worker, task.skill)
                success = round(probability(skill, task.difficulty) * _SUCCESS_STEPS)
                over = min(_OVER_MAX, round(max(0.0, skill - task.difficulty) * _OVER_STEPS))
                # Lexicographic in integers: expected success first (never traded for
                # anything), then more placements and less over-qualification.
                cost[i, column_of[worker.id]] = -(success * scale + base - over)
        rows, cols = linear_sum_assignment(cost)
        return [
            Assignment(pending[i].task.id, slots[j].id)
            for i, j in sorted(zip(rows.tolist(), cols.tolist(), strict=True))
            if cost[i, j] < _FORBIDDEN
        ]
