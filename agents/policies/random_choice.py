"""``random``: a uniformly random free worker that may take the task.

The null model every other policy should beat. Draws come from the manager's seeded
stream, so a seed still fixes the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.policies.base import Assignment, Snapshot, can_take

__all__ = ["RandomChoice"]


@dataclass
class RandomChoice:
    """Uniform choice among eligible free workers."""

    name: str = field(default="random", init=False)

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Give each pending task to a random eligible free worker."""
        free = {w.id: w.free for w in snapshot.workers}
        chosen: list[Assignment] = []
        for pending in snapshot.pending:
            eligible = [w for w in snapshot.workers if free[w.id] > 0 and can_take(w, pending)]
            if not eligible:
                continue
            worker = snapshot.random.choice(eligible)
            free[worker.id] -= 1
            chosen.append(Assignment(pending.task.id, worker.id))
        return chosen
