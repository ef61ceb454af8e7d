"""Policies run on common seeds, summarized with paired differences against a baseline.

* Each policy's metric over seeds: mean and 95% Student-t interval.
* Each other policy against the baseline: the per-seed differences (policy minus
  baseline), their mean and 95% Student-t interval. The difference is *better* or
  *worse* only when that interval excludes zero.
* The *winner* of a metric is the policy with the best mean, named only when its
  paired interval against every other policy excludes zero in its favour; otherwise
  there is none (the data cannot tell the best from the rest).

Intervals are per comparison, at 95%, not adjusted for multiplicity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scenarios.loader import LoadedScenario
from scenarios.metrics import Metrics, RunResult
from scenarios.run import run_scenario
from scenarios.stats import Interval, interval, paired

__all__ = ["HIGHER_IS_BETTER", "Comparison", "compare_runs", "run_comparison"]

HIGHER_IS_BETTER = {
    "success_rate": True,
    "throughput": True,
    "utilization_mean": True,
    "fairness_jain": True,
    "completed": True,
    "makespan": False,
    "wait_mean": False,
    "wait_p95": False,
    "overqualification_mean": False,
    "deadline_misses": False,
    "failed": False,
    "reassignments": False,
    "retries": False,
    "estimate_mae": False,
    "accuracy_majority": True,
    "accuracy_weighted": True,
    "answers_per_correct": False,
    "qa_escaped": False,
}
"""The compared metrics, and whether more is better."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """Policies compared on the same seeds.

    Attributes:
        scenario: The scenario's name.
        seeds: The seeds, the same for every policy.
        baseline: The policy the others are compared with.
        runs: Per policy, the metrics of each seed in the order of ``seeds``.
        summary: Per metric then policy: mean and interval over seeds.
        differences: Per metric then non-baseline policy: the paired difference
            (policy minus baseline) and its interval.
        winners: Per metric, the policy significantly best, or ``None``.
    """

    scenario: str
    seeds: tuple[int, ...]
    baseline: str
    runs: dict[str, list[Metrics]]
    summary: dict[str, dict[str, Interval]]
    differences: dict[str, dict[str, Interval]]
    winners: dict[str, str | None]

    @property
    def policies(self) -> list[str]:
        """The policies, in the order given."""
        return list(self.runs)

    def to_document(self) -> dict[str, Any]:
        """The JSON document ``compare --json`` writes (read back by :meth:`from_document`)."""

        def cell(i: Interval) -> dict[str, float | int | None]:
            half = None if i.n < 2 else i.half_width
            low, high = (None, None) if half is None else (i.low, i.high)
            return {"mean": i.mean, "half_width": half, "low": low, "high": high, "n": i.n}

        return {
            "scenario": self.scenario,
            "seeds": list(self.seeds),
            "policies": self.policies,
            "baseline": self.baseline,
            "summary": {m: {p: cell(i) for p, i in s.items()} for m, s in self.summary.items()},
            "differences": {
                m: {p: cell(i) for p, i in d.items()} for m, d in self.differences.items()
            },
            "winners": self.winners,
            "runs": {p: [m.model_dump() for m in runs] for p, runs in self.runs.items()},
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Comparison:
        """A comparison from its JSON document (intervals are computed again).

        Raises:
            KeyError: naming a missing key; ``pydantic.ValidationError`` for bad metrics.
        """
        runs = {
            policy: [Metrics.model_validate(m) for m in rows]
            for policy, rows in document["runs"].items()
        }
        return compare_runs(document["scenario"], document["seeds"], runs, document.get("baseline"))


def _winner(
    metric: str, values: dict[str, list[float]], summary: dict[str, Interval]
) -> str | None:
    higher = HIGHER_IS_BETTER[metric]
    sign = 1.0 if higher else -1.0
    best = max(summary, key=lambda p: sign * summary[p].mean)
    for other in values:
        if other == best:
            continue
        gap = paired(values[best], values[other])
        if not (gap.excludes_zero() and sign * gap.mean > 0):
            return None
    return best if len(values) > 1 else None


def compare_runs(
    scenario: str,
    seeds: Sequence[int],
    runs: dict[str, list[Metrics]],
    baseline: str | None = None,
) -> Comparison:
    """Summarize per-seed metrics of several policies.

    Args:
        scenario: The scenario's name.
        seeds: The seeds, in the order of each policy's list.
        runs: Per policy, one ``Metrics`` per seed.
        baseline: The policy to compare the others with (default: the first).

    Returns:
        The comparison.

    Raises:
        ValueError: if ``baseline`` is not among the policies, or a policy's runs do
            not match the seeds.
    """
    if not runs:
        raise ValueError("no policies to compare")
    base = next(iter(runs)) if baseline is None else baseline
    if base not in runs:
        raise ValueError(f"baseline {base!r} is not among the policies: {', '.join(runs)}")
    for policy, rows in runs.items():
        if len(rows) != len(seeds):
            raise ValueError(f"policy {policy!r} has {len(rows)} runs for {len(seeds)} seeds")
    summary: dict[str, dict[str, Interval]] = {}
    differences: dict[str, dict[str, Interval]] = {}
    winners: dict[str, str | None] = {}
    for metric in HIGHER_IS_BETTER:
        raw = {p: [getattr(m, metric) for m in rows] for p, rows in runs.items()}
        values = {p: [float(v) for v in vs] for p, vs in raw.items() if None not in vs}
        if not values or not seeds:
            continue
        summary[metric] = {p: interval(vs) for p, vs in values.items()}
        if base in values:
            differences[metric] = {
                p: paired(vs, values[base]) for p, vs in values.items() if p != base
            }
        winners[metric] = _winner(metric, values, summary[metric])
    return Comparison(scenario, tuple(seeds), base, runs, summary, differences, winners)


def run_comparison(
    loaded: LoadedScenario,
    policies: Sequence[str],
    seeds: Sequence[int],
    *,
    baseline: str | None = None,
    isolate: bool = False,
    on_run: Callable[[str, int, RunResult], None] | None = None,
) -> Comparison:
    """Run every policy on every seed and compare them.

    Args:
        loaded: The scenario.
        policies: Policy names, in the order to show them.
        seeds: The common seeds.
        baseline: See :func:`compare_runs`.
        isolate: Passed to each run: a handler failure does not fail it.
        on_run: Called with ``(policy, seed, result)`` after each run (for progress and
            for the runs in which a handler failed).

    Returns:
        The comparison.

    Raises:
        PolicyError: for an unknown policy.
        ValueError: for a baseline that is not among ``policies``.
    """
    if baseline is not None and baseline not in policies:
        raise ValueError(f"baseline {baseline!r} is not among the policies: {', '.join(policies)}")
    runs: dict[str, list[Metrics]] = {name: [] for name in policies}
    for seed in seeds:
        for name in policies:
            result = run_scenario(loaded, seed=seed, policy=name, isolate=isolate).result
            runs[name].append(result.metrics)
            if on_run is not None:
                on_run(name, seed, result)
    return compare_runs(loaded.name, seeds, runs, baseline)
