"""Tables for people: a run's summary and workers, and a policy comparison.

Everything printed here comes from the same :class:`~scenarios.metrics.RunResult`
that ``--json`` writes, so the screen and the file never disagree.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from scenarios.compare import HIGHER_IS_BETTER, Comparison
from scenarios.metrics import RunResult
from scenarios.stats import Interval

__all__ = ["render_comparison", "render_run"]


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
        workers.add_row(*row)
    if len(shown) < len(result.workers):
        workers.caption = f"{len(result.workers) - len(shown)} more workers in --json"
    console.print(workers)


def _difference(metric: str, i: Interval) -> str:
    text = i.text(signed=True)
    if not i.excludes_zero():
        return text
    better = (i.mean > 0) == HIGHER_IS_BETTER[metric]
    return f"{text} [green]better[/green]" if better else f"{text} [red]worse[/red]"


def render_comparison(comparison: Comparison, console: Console) -> None:
    """Print each policy's mean and interval, then the paired differences to the baseline.

    A policy's mean is marked ``*`` only when it is the metric's winner: its paired
    interval against every other policy excludes zero in its favour.
    """
    n = len(comparison.seeds)
    table = Table(
        title=f"{comparison.scenario}: mean ± 95% interval over {n} seeds", header_style="bold"
    )
    table.add_column("metric")
    for policy in comparison.policies:
        table.add_column(policy, justify="right")
    for metric, per_policy in comparison.summary.items():
        cells = []
        for policy in comparison.policies:
            i = per_policy.get(policy)
            mark = " *" if comparison.winners.get(metric) == policy else ""
            cells.append("-" if i is None else i.text() + mark)
        table.add_row(metric + (" ↑" if HIGHER_IS_BETTER[metric] else " ↓"), *cells)
    table.caption = (
        "* significantly best: its paired 95% interval against every other policy "
        "excludes zero; ↑ higher is better, ↓ lower is better"
    )
    console.print(table)
    others = [p for p in comparison.policies if p != comparison.baseline]
    if not others:
        return
    diffs = Table(
        title=f"paired differences against {comparison.baseline} (same seeds), 95% interval",
        header_style="bold",
    )
    diffs.add_column("metric")
    for policy in others:
        diffs.add_column(f"{policy} - {comparison.baseline}", justify="right")
    for metric, per_policy in comparison.differences.items():
        cells = ["-" if p not in per_policy else _difference(metric, per_policy[p]) for p in others]
        diffs.add_row(metric, *cells)
    diffs.caption = "better / worse: the interval excludes zero; otherwise no difference is shown"
    console.print(diffs)
