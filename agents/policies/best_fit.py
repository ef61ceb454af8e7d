"""``best_fit``: the least skilled capable worker, keeping seniors free for hard tasks.

For each task in placement order, pick the idle worker with the smallest
``skill - difficulty >= 0``; ties go to the longest idle. With nobody capable idle,
pick the most skilled (the best chance there is). A retried task escalates: it needs
a worker strictly more skilled than the best one that already failed it, when one is
free. This is best-fit bin packing applied to skills, and the issue's "seed made
right": the seed broadcast every task and let workers grab them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.policies.base import Assignment, Snapshot
from agents.policies.pool import WorkerPool, next_above

__all__ = ["BestFit"]


@dataclass
class BestFit:
    """Least skilled capable worker; most skilled when none is capable."""

    name: str = field(default="best_fit", init=False)

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Place each pending task on its best-fitting free worker."""
        pool = WorkerPool(snapshot.workers)
        chosen: list[Assignment] = []
        for pending in snapshot.pending:
            if not pool:
                break
            need = float(pending.task.difficulty)
            rank = None
            if pending.best_failed is not None:
                rank = pool.least_capable(pending, max(need, next_above(pending.best_failed)))
            if rank is None:
                rank = pool.least_capable(pending, need)
            if rank is None:
                rank = pool.most_skilled(pending)
            if rank is not None:
                chosen.append(Assignment(pending.task.id, pool.take(rank).id))
        return chosen
