"""``most_skilled``: the most skilled free worker first.

The naive "give it to the best" rule. It maximises each task's own chance but spends
senior time on easy work, so hard tasks wait: the baseline ``best_fit`` improves on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.policies.base import Assignment, Snapshot
from agents.policies.pool import WorkerPool

__all__ = ["MostSkilled"]


@dataclass
class MostSkilled:
    """Most skilled free worker that may take the task; ties to the longest idle."""

    name: str = field(default="most_skilled", init=False)

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Place each pending task on the most skilled free worker."""
        pool = WorkerPool(snapshot.workers)
        chosen: list[Assignment] = []
        for pending in snapshot.pending:
            if not pool:
                break
            rank = pool.most_skilled(pending)
            if rank is not None:
                chosen.append(Assignment(pending.task.id, pool.take(rank).id))
        return chosen
