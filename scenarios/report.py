"""Tables for people: a run's summary and workers, and a policy comparison.

Everything printed here comes from the same :class:`~scenarios.metrics.RunResult`
that ``--json`` writes, so the screen and the file never disagree.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from scenarios.metrics import Metrics, RunResult

__all__ = [
    "HIGHER_IS_BETTER",
    "MetricSummary",
    "render_comparison",
    "render_run",
    "summarize",
]

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
    "answers_bought": False,
    "accuracy_ds_one_coin": True,
    "accuracy_ds_full": True,
    "cost_per_correct_weighted": False,
    "cost_per_correct_ds_one_coin": False,
    "cost_per_correct_ds_full": False,
    "krippendorff_alpha": True,
}
"""The compared metrics, and whether more is better."""

# Two-sided 95% Student t quantiles for 1..30 degrees of freedom; normal beyond.
_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]  # fmt: skip


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """Mean and 95% confidence half-width of one metric over seeds."""

    mean: float
    half_width: float
    n: int


def summarize(values: list[float]) -> MetricSummary:
    """Mean and Student-t 95% half-width (0 for a single value)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return MetricSummary(mean, 0.0, len(values))
    df = len(values) - 1
    t = _T95[df - 1] if df <= len(_T95) else 1.96
    return MetricSummary(mean, t * statistics.stdev(values) / math.sqrt(len(values)), len(values))


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:,.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"


def render_run(result: RunResult, console: Console, *, max_workers: int = 20) -> None:
    """Print the summary table and the per-worker table of one run."""
    title = f"{result.scenario} - policy {result.policy}, seed {result.seed}"
    summary = Table(title=title, show_header=True, header_style="bold")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    for name, value in result.metrics.model_dump().items():
        if value is not None:
            summary.add_row(name, _fmt(value))
    console.print(summary)
    for name, reason in result.quality_notes.items():
        console.print(f"{name}: not computed ({reason})")
    if result.ending != "complete":
        console.print(f"[yellow]run ended: {result.ending}[/yellow]")
        for line in result.waiting_for:
            console.print(f"  waiting for: {line}")
    workers = Table(title="workers", header_style="bold")
    learning = any(w.estimate is not None for w in result.workers)
    for column in ("name", "skill", "tasks", "successes", "success %", "busy", "utilization"):
        workers.add_column(column, justify="left" if column == "name" else "right")
    if learning:
        workers.add_column("estimate", justify="right")
        workers.add_column("error", justify="right")
    golden = any(w.golden_answered is not None for w in result.workers)
    if golden:
        for column in ("golden", "golden acc.", "flagged"):
            workers.add_column(column, justify="right")
    shown = result.workers if max_workers <= 0 else result.workers[:max_workers]
    for w in shown:
        skill = _fmt(w.skill_level)
        if w.skills:
            skill += " (" + ", ".join(f"{k} {_fmt(v)}" for k, v in w.skills.items()) + ")"
        row = [
            w.name,
            skill,
            str(w.tasks),
            str(w.successes),
            f"{100 * w.successes / w.tasks:.0f}" if w.tasks else "-",
            _fmt(w.busy_time),
            f"{100 * w.utilization:.0f}%",
        ]
        if learning:
            row += [_fmt(w.estimate), _fmt(w.estimate_error)]
        if golden:
            row += [f"{w.golden_correct}/{w.golden_answered}", _fmt(w.golden_accuracy)]
            row.append("yes" if w.flagged else "")
        workers.add_row(*row)
    if len(shown) < len(result.workers):
        workers.caption = f"{len(result.workers) - len(shown)} more workers in --json"
    console.print(workers)


def render_comparison(
    scenario: str, grid: dict[str, list[Metrics]], console: Console
) -> dict[str, dict[str, MetricSummary]]:
    """Print mean and 95% interval per metric and policy, best marked with ``*``.

    Args:
        scenario: Shown in the title.
        grid: Per policy, the metrics of each seed (same seeds for all).
        console: Where to print.

    Returns:
        The summaries, per metric then per policy.
    """
    table = Table(title=f"{scenario}: mean ± 95% interval over seeds", header_style="bold")
    table.add_column("metric")
    for policy in grid:
        table.add_column(policy, justify="right")
    summaries: dict[str, dict[str, MetricSummary]] = {}
    for metric, higher in HIGHER_IS_BETTER.items():
        per_policy = {}
        for policy, runs in grid.items():
            values = [getattr(m, metric) for m in runs]
            if any(v is None for v in values):
                continue
            per_policy[policy] = summarize([float(v) for v in values])
        if not per_policy:
            continue
        summaries[metric] = per_policy
        means = [s.mean for s in per_policy.values()]
        best = max(means) if higher else min(means)
        cells = []
        for policy in grid:
            s = per_policy.get(policy)
            if s is None:
                cells.append("-")
                continue
            mark = " *" if len(per_policy) > 1 and math.isclose(s.mean, best) else ""
            cells.append(f"{_fmt(s.mean)} ± {_fmt(s.half_width)}{mark}")
        table.add_row(metric + (" ↑" if higher else " ↓"), *cells)
    table.caption = "* best mean per metric; ↑ higher is better, ↓ lower is better"
    console.print(table)
    return summaries
