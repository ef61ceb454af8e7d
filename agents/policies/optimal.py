"""``optimal``: a maximum-weight matching of each instant's batch.

At every placement instant the pending window (tasks) and the free capacity
(workers, one column per free slot) form a bipartite graph; the weight of a pair is
the expected success of that worker on that task under the run's performance model
(on the manager's skill estimate), minus a small penalty for over-qualification so
that among equally likely matchings the one that keeps seniors free wins, plus a small
bonus for priority. ``scipy.optimize.linear_sum_assignment`` (the Jonker-Volgenant
algorithm) solves it. Pairs that are not allowed (specialty, exclusion) are pruned to
a prohibitive cost and dropped from the answer. The batch is bounded by the free
capacity, so one instant costs O(k^3) in the batch size k, never in the queue length.

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

_FORBIDDEN = 1e6
_OVERQUALIFIED = 1e-3  # per skill point: breaks ties, never outweighs success
_PRIORITY = 1e-4  # per priority point: breaks ties toward urgent work


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
        column_of: dict[str, list[int]] = {}
        for j, worker in enumerate(slots):
            column_of.setdefault(worker.id, []).append(j)
        for i, item in enumerate(pending):
            task = item.task
            bonus = _PRIORITY * task.priority
            for worker in snapshot.workers:
                if not can_take(worker, item):
                    continue
                skill = category_skill(worker, task.skill)
                weight = (
                    probability(skill, task.difficulty)
                    - _OVERQUALIFIED * max(0.0, skill - task.difficulty)
                    + bonus
                )
                cost[i, column_of[worker.id]] = -weight
        rows, cols = linear_sum_assignment(cost)
        return [
            Assignment(pending[i].task.id, slots[j].id)
            for i, j in sorted(zip(rows.tolist(), cols.tolist(), strict=True))
            if cost[i, j] < _FORBIDDEN / 2
        ]
