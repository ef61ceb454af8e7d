"""What ``compare`` runs: policies on one scenario, or several scenarios side by side.

Every column runs on the same seeds. Seed ``k`` gives every scenario file with the same
``[workers]`` and ``[tasks]`` sections the same workers and the same tasks, and every
attempt the same luck (see ``scenarios.build``), so the columns differ only by what the
files set differently: a paired comparison, as between policies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agents.policies.registry import make_policy
from scenarios.compare import Comparison, compare_runs
from scenarios.loader import LoadedScenario
from scenarios.metrics import Metrics
from scenarios.run import run_scenario

__all__ = ["Column", "columns", "compare_files"]


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


def compare_files(
    scenarios: Sequence[LoadedScenario],
    policies: Sequence[str],
    seeds: Sequence[int],
    *,
    baseline: str | None = None,
    isolate: bool = False,
    max_runs: int | None = None,
) -> tuple[Comparison, list[dict[str, Any]]]:
    """Run every column (see :func:`columns`) on every seed and compare them.

    Returns:
        The comparison, titled ``A vs B ...``, and the runs in which a handler failed
        (``policy`` names the column).

    Raises:
        ValueError: as :func:`columns`, for more runs than ``max_runs``, or a baseline
            that is not a column.
        PolicyError: for an unknown policy.
    """
    chosen = columns(list(scenarios), list(policies))
    if max_runs is not None and len(chosen) * len(seeds) > max_runs:
        raise ValueError(
            f"--seeds {len(seeds)} x {len(chosen)} columns is {len(chosen) * len(seeds)} "
            f"runs, over the limit of {max_runs}; raise it with --max-runs"
        )
    runs: dict[str, list[Metrics]] = {c.label: [] for c in chosen}
    failed: list[dict[str, Any]] = []
    for seed in seeds:
        for column in chosen:
            result = run_scenario(
                column.scenario, seed=seed, policy=column.policy, isolate=isolate
            ).result
            runs[column.label].append(result.metrics)
            if result.failures:
                errors = [f.error for f in result.failures]
                failed.append({"policy": column.label, "seed": seed, "failures": errors})
    title = " vs ".join(s.name for s in scenarios)
    return compare_runs(title, seeds, runs, baseline), failed
