"""A Python scenario with a policy of its own: ``skillsim run examples/hardest_first.py``.

This file is code: ``skillsim`` runs it because you named a ``.py`` file. It registers
a policy, then ``scenario()`` returns the scenario as data, so every option of
``skillsim run`` and ``compare`` applies (``--policy``, ``--seed``, ``--json``,
``--trace``, ``--live``).
"""

from agents.policies import Assignment, Snapshot, can_take, register_policy, skill_for
from scenarios import ScenarioSpec


class HardestFirst:
    """The hardest waiting task goes to the most skilled free worker that may take it."""

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        """Hardest task first, each to the most skilled free worker allowed to take it."""
        free = list(snapshot.workers)
        chosen = []
        for pending in sorted(snapshot.pending, key=lambda p: -p.task.difficulty):
            able = [w for w in free if can_take(w, pending)]
            if able:
                best = max(able, key=lambda w: (skill_for(w, pending.task), -w.order))
                chosen.append(Assignment(pending.task.id, best.id))
                free.remove(best)
        return chosen


register_policy("hardest_first", HardestFirst)


def scenario() -> ScenarioSpec:
    """Three teams of five, skills 3, 6 and 9; 300 tasks arriving over ten minutes."""
    workers = [
        {"name": f"{team}{i}", "skill_level": skill}
        for team, skill in (("junior", 3), ("mid", 6), ("senior", 9))
        for i in range(1, 6)
    ]
    return ScenarioSpec.model_validate(
        {
            "name": "teams",
            "seed": 1,
            "policy": "hardest_first",
            "model": {"name": "logistic"},
            "workers": {"items": workers},
            "tasks": {
                "generate": {
                    "count": 300,
                    "difficulty": {"dist": "uniform", "low": 1, "high": 10, "integer": True},
                    "arrival": {"process": "poisson", "rate": 0.5},
                }
            },
        }
    )
