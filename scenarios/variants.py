"""What ``compare`` runs: policies on one scenario, or several scenarios side by side.

Every column runs on the same seeds. Seed ``k`` gives every scenario file with the same
``[workers]`` and ``[tasks]`` sections the same workers and the same tasks, and every
attempt the same luck (see ``scenarios.build``), so the columns differ only by what the
files set differently: a paired comparison, as between policies.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.policies.registry import make_policy
from scenarios.loader import LoadedScenario
from scenarios.metrics import Metrics
from scenarios.run import run_scenario

__all__ = ["Column", "columns", "run_columns"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a comparison: a scenario under a policy (``None``: the file's)."""

    label: str
    scenario: LoadedScenario
    policy: str | None


def columns(scenarios: list[LoadedScenario], policies: list[str]) -> list[Column]:
    """The columns to compare, each labelled by what tells it apart.

    One scenario: a column per policy. Several: a column per scenario (under its own
    policy when none is given, else one per scenario and policy).

    Raises:
        ValueError: for one scenario and fewer than one policy, or a repeated label.
        PolicyError: for an unknown policy name (before any run).
    """
    for name in policies:
        make_policy(name)  # fail fast on an unknown name, before any run
    if len(scenarios) == 1:
        if not policies:
            raise ValueError("compare needs --policy (one or more) for a single scenario")
        out = [Column(p, scenarios[0], p) for p in policies]
    elif len(policies) <= 1:
        policy = policies[0] if policies else None
        out = [Column(s.name, s, policy) for s in scenarios]
    else:
        out = [Column(f"{s.name}/{p}", s, p) for s in scenarios for p in policies]
    labels = [c.label for c in out]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ValueError(f"compare columns must differ, got {', '.join(repeated)} twice")
    return out


def run_columns(chosen: list[Column], seeds: list[int]) -> dict[str, list[Metrics]]:
    """Run every column on every seed; per column label, the metrics in seed order."""
    grid: dict[str, list[Metrics]] = {c.label: [] for c in chosen}
    for seed in seeds:
        for column in chosen:
            outcome = run_scenario(column.scenario, seed=seed, policy=column.policy)
            grid[column.label].append(outcome.result.metrics)
    return grid
