"""``round_robin``: workers take turns in connection order, blind to skill.

This is the seed's ``zip(tasks, workers)`` order made continuous: task 1 to the first
worker, task 2 to the second, and so on, wrapping around; a worker without room (or
without the task's specialty) is skipped for that task. The skill-blind baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.policies.base import Assignment, Snapshot, can_take

__all__ = ["RoundRobin"]


@dataclass
class RoundRobin:
    """Turn-taking in connection order."""

    name: str = field(default="round_robin", init=False)
    _last: int = field(default=-1, init=False, repr=False)

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Give each pending task to the next worker in turn that may take it."""
        workers = sorted(snapshot.workers, key=lambda w: w.order)
        free = {w.id: w.free for w in workers}
        chosen: list[Assignment] = []
        for pending in snapshot.pending:
            start = next((i for i, w in enumerate(workers) if w.order > self._last), 0)
            for step in range(len(workers)):
                worker = workers[(start + step) % len(workers)]
                if free[worker.id] > 0 and can_take(worker, pending):
                    free[worker.id] -= 1
                    self._last = worker.order
                    chosen.append(Assignment(pending.task.id, worker.id))
                    break
        return chosen
