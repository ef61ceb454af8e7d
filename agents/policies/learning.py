"""``learning``: assign on skills it has to learn from results.

The policy does not read the workers' declared skills. Each worker starts at a prior
estimate; every result updates it with a Rasch (one-parameter logistic) step, the
rule behind Elo ratings:

    p = sigmoid((estimate - difficulty) / scale)
    estimate += rate * (outcome - p)

so a success on a hard task raises the estimate a lot, a failure on an easy one
lowers it a lot, and expected outcomes change little. Estimates are kept per skill
category, falling back to the overall one. Placement is ``best_fit`` on the
estimates, plus an exploration share: with probability ``explore`` a task goes to a
random eligible worker, so that low estimates can be corrected.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from agents.performance import sigmoid
from agents.policies.base import Assignment, Observation, Snapshot, can_take
from agents.policies.best_fit import BestFit

__all__ = ["Learning"]


@dataclass
class Learning:
    """Rasch/Elo skill estimates from results, best-fit placement on them.

    Attributes:
        prior: Starting estimate for every worker.
        rate: Learning rate of the update.
        scale: Logistic scale of the update's expectation.
        explore: Share of tasks given to a random eligible worker.
    """

    prior: float = 5.0
    rate: float = 0.5
    scale: float = 1.0
    explore: float = 0.1
    name: str = field(default="learning", init=False)
    _estimates: dict[tuple[str, str | None], float] = field(default_factory=dict, repr=False)
    _counts: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise ValueError(f"scale must be > 0, got {self.scale!r}")
        if not 0 <= self.explore <= 1:
            raise ValueError(f"explore must be within 0..1, got {self.explore!r}")

    def estimate(self, worker_id: str, category: str | None) -> float:
        """The current estimate of a worker's skill (per category if known)."""
        if category is not None:
            value = self._estimates.get((worker_id, category))
            if value is not None:
                return value
        return self._estimates.get((worker_id, None), self.prior)

    def observations(self, worker_id: str) -> int:
        """How many results of this worker the policy has seen."""
        return self._counts.get(worker_id, 0)

    def observe(self, observation: Observation) -> None:
        """Update the worker's estimate (overall and for the task's category)."""
        task = observation.task
        worker = observation.worker_id
        self._counts[worker] = self._counts.get(worker, 0) + 1
        categories = [None] if task.skill is None else [None, task.skill]
        # Read every estimate before writing any: each updates from the same start.
        currents = [self.estimate(worker, category) for category in categories]
        for category, current in zip(categories, currents, strict=True):
            expected = sigmoid((current - task.difficulty) / self.scale)
            updated = current + self.rate * (float(observation.success) - expected)
            self._estimates[(worker, category)] = updated

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Best fit on the estimates, with some random exploration."""
        explored: list[Assignment] = []
        free = {w.id: w.free for w in snapshot.workers}
        rest = []
        for pending in snapshot.pending:
            if snapshot.random.random() < self.explore:
                eligible = [w for w in snapshot.workers if free[w.id] > 0 and can_take(w, pending)]
                if eligible:
                    worker = snapshot.random.choice(eligible)
                    free[worker.id] -= 1
                    explored.append(Assignment(pending.task.id, worker.id))
                    continue
            rest.append(pending)
        remaining = tuple(
            replace(w, load=w.capacity - free[w.id]) for w in snapshot.workers if free[w.id] > 0
        )
        inner = Snapshot(snapshot.now, tuple(rest), remaining, snapshot.random, snapshot.model)
        return explored + BestFit().assign(inner)
