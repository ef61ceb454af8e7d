"""Pictures of a run and of a comparison (the ``plot`` extra: matplotlib, headless).

Each function takes a result and returns a ``matplotlib.figure.Figure`` built without
pyplot (no global state, no display needed); :func:`write_figures` saves them.

* :func:`timeline`: one lane per worker, one bar per started attempt, from its start
  to its end (the run's end if it never ended), coloured by outcome.
* :func:`occupancy_chart`: tasks queued and workers busy over time (step functions).
* :func:`assignment_heatmap`: started work attempts counted by the worker's skill
  for the task (rows) and the task's difficulty (columns), with the line
  skill = difficulty: above it, over-qualified work; below it, work beyond the worker.
* :func:`comparison_chart`: one panel per metric (but those zero everywhere), each
  policy's mean with its 95% interval; the significant winner (if any) drawn in its own colour.
* :func:`differences_chart`: one panel per metric, each policy's paired difference to
  the baseline with its 95% interval, green (better) or red (worse) only when the
  interval excludes zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scenarios.compare import HIGHER_IS_BETTER, Comparison
from scenarios.extras import require
from scenarios.metrics import RunResult, WorkerRow
from scenarios.stats import Interval

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "OUTCOME_COLOURS",
    "assignment_heatmap",
    "comparison_chart",
    "differences_chart",
    "occupancy_chart",
    "run_figures",
    "save_figure",
    "timeline",
    "write_figures",
]

OUTCOME_COLOURS = {
    "success": "#2e7d32",
    "failure": "#c62828",
    "discarded": "#9e9e9e",
    "lost": "#6a1b9a",
    "withdrawn": "#bdbdbd",
    "refused": "#e0e0e0",
    "unfinished": "#f9a825",
    "approved": "#1565c0",
    "rejected": "#ef6c00",
}
"""The colour of each attempt outcome in :func:`timeline`."""


def _figure(width: float, height: float) -> Figure:
    require("matplotlib", "plot")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _end(result: RunResult) -> float:
    ends = [a.finished for a in result.attempts if a.finished is not None]
    ends += [p.t for p in result.series]
    return max(ends, default=0.0)


def timeline(result: RunResult) -> Figure:
    """Per-worker lanes of attempts coloured by outcome (one bar per started attempt)."""
    lanes = [w.id or w.name for w in result.workers]
    lanes += sorted({a.worker for a in result.attempts} - set(lanes))
    row = {name: i for i, name in enumerate(lanes)}
    end = _end(result)
    bars: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for a in result.attempts:
        if a.started is not None:
            stop = end if a.finished is None else a.finished
            bars[(a.worker, a.outcome)].append((a.started, stop - a.started))
    fig = _figure(10, max(2.5, 0.22 * len(lanes) + 1.2))
    ax = fig.add_subplot()
    shown: set[str] = set()
    for (worker, outcome), spans in bars.items():
        label = None if outcome in shown else outcome
        shown.add(outcome)
        colour = OUTCOME_COLOURS.get(outcome, "#424242")
        ax.broken_barh(spans, (row[worker] - 0.4, 0.8), facecolors=colour, label=label)
    ax.set_yticks(range(len(lanes)), lanes, fontsize=7 if len(lanes) > 30 else 9)
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.set_xlim(0, end or 1.0)
    ax.set_xlabel("simulated time (s)")
    ax.set_title(f"{result.scenario} ({result.policy}, seed {result.seed}): attempts per worker")
    if shown:
        ax.legend(loc="upper right", fontsize=8)
    return fig


def occupancy_chart(result: RunResult) -> Figure:
    """Tasks queued (top) and workers busy (bottom) over time, on a shared time axis."""
    fig = _figure(10, 4.5)
    queue, busy = fig.subplots(2, 1, sharex=True)
    times = [p.t for p in result.series]
    queue.step(times, [p.queued for p in result.series], where="post", color="#1565c0")
    busy.step(times, [p.busy for p in result.series], where="post", color="#ef6c00")
    queue.set_ylabel("tasks queued")
    busy.set_ylabel("workers busy")
    busy.set_ylim(bottom=0)
    busy.set_xlabel("simulated time (s)")
    queue.set_title(
        f"{result.scenario} ({result.policy}, seed {result.seed}): queue and busy workers"
    )
    return fig


def _skill(worker: WorkerRow | None, category: str | None) -> float | None:
    if worker is None:
        return None
    if category is not None and category in worker.skills:
        return worker.skills[category]
    return worker.skill_level


def assignment_heatmap(result: RunResult, bins: int = 10) -> Figure:
    """Started work attempts by worker skill (rows) and task difficulty (columns)."""
    np = require("numpy", "plot")
    workers = {w.id or w.name: w for w in result.workers}
    tasks = {t.id: t for t in result.tasks}
    points = []
    for a in result.attempts:
        task = tasks.get(a.task)
        if a.kind != "work" or a.started is None or task is None:
            continue
        skill = _skill(workers.get(a.worker), task.skill)
        if skill is not None:
            points.append((task.difficulty, skill))
    fig = _figure(6, 5)
    ax = fig.add_subplot()
    values = [v for p in points for v in p] or [0.0, 1.0]
    low, high = min(values), max(values)
    high = high if high > low else low + 1.0
    edges = np.linspace(low, high, bins + 1)
    counts, _, _ = np.histogram2d(
        [p[1] for p in points], [p[0] for p in points], bins=[edges, edges]
    )
    image = ax.imshow(
        counts,
        origin="lower",
        extent=(low, high, low, high),
        aspect="auto",
        cmap="viridis",
        interpolation="nearest",
    )
    ax.plot([low, high], [low, high], color="white", linestyle="--", linewidth=1)
    fig.colorbar(image, ax=ax, label="attempts")
    ax.set_xlabel("task difficulty")
    ax.set_ylabel("worker skill for the task")
    ax.set_title(f"{result.policy}: who got what ({len(points)} attempts)")
    return fig


def _panels(
    title: str,
    panels: dict[str, dict[str, Interval]],
    colour: Callable[[str, str, Interval], str],
    zero_line: bool = False,
) -> Figure:
    """One panel per metric: each policy's point with its interval, coloured by ``colour``."""
    # A metric that is zero everywhere (no deadlines, no QA...) says nothing: left out.
    panels = {
        m: d
        for m, d in panels.items()
        if any(i.mean != 0 or (i.n > 1 and i.half_width > 0) for i in d.values())
    }
    columns = 3
    rows = max(1, -(-len(panels) // columns))
    fig = _figure(11, 2.4 * rows + 0.6)
    for index, (metric, per_policy) in enumerate(panels.items()):
        ax = fig.add_subplot(rows, columns, index + 1)
        names = list(per_policy)
        means = [per_policy[p].mean for p in names]
        errors = [0.0 if per_policy[p].n < 2 else per_policy[p].half_width for p in names]
        if zero_line:
            ax.axhline(0.0, color="#424242", linewidth=0.8)
        ax.errorbar(range(len(names)), means, yerr=errors, fmt="none", ecolor="#424242", capsize=4)
        ax.scatter(
            range(len(names)), means, c=[colour(metric, p, per_policy[p]) for p in names], zorder=3
        )
        ax.set_xticks(range(len(names)), names, fontsize=8, rotation=20)
        ax.set_title(f"{metric} {'↑' if HIGHER_IS_BETTER[metric] else '↓'}", fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(title)
    return fig


def comparison_chart(comparison: Comparison) -> Figure:
    """Each metric's mean and 95% interval per policy; the significant winner in green."""

    def colour(metric: str, policy: str, _: Interval) -> str:
        return "#2e7d32" if comparison.winners.get(metric) == policy else "#1565c0"

    title = (
        f"{comparison.scenario}: mean and 95% interval over {len(comparison.seeds)} seeds "
        "(green: significantly best)"
    )
    return _panels(title, comparison.summary, colour)


def differences_chart(comparison: Comparison) -> Figure:
    """Each metric's paired difference to the baseline, per policy, with its 95% interval."""

    def colour(metric: str, _: str, gap: Interval) -> str:
        if not gap.excludes_zero():
            return "#9e9e9e"
        return "#2e7d32" if (gap.mean > 0) == HIGHER_IS_BETTER[metric] else "#c62828"

    title = (
        f"{comparison.scenario}: difference to {comparison.baseline} on the same seeds, "
        "95% interval (green better, red worse, grey: no difference shown)"
    )
    panels = {m: d for m, d in comparison.differences.items() if d}
    return _panels(title, panels, colour, zero_line=True)


def run_figures(result: RunResult) -> dict[str, Figure]:
    """The pictures of one run, by file stem."""
    return {
        "timeline": timeline(result),
        "occupancy": occupancy_chart(result),
        "heatmap": assignment_heatmap(result),
    }


def save_figure(fig: Figure, path: Path) -> None:
    """Save ``fig`` reproducibly: no date in the file, a fixed SVG id salt."""
    require("matplotlib", "plot")
    import matplotlib

    metadata: dict[str, Any] = {"Date": None} if path.suffix == ".svg" else {}
    with matplotlib.rc_context({"svg.hashsalt": "skillsim", "svg.fonttype": "path"}):
        fig.savefig(path, dpi=110, metadata=metadata)


def write_figures(
    source: RunResult | Comparison, directory: Path, fmt: Literal["png", "svg"] = "png"
) -> list[Path]:
    """Write the pictures of a run or of a comparison into ``directory``.

    Args:
        source: A run's result, or a comparison.
        directory: Where the files go (created if needed).
        fmt: ``png`` or ``svg``.

    Returns:
        The files written: ``timeline``, ``occupancy`` and ``heatmap`` for a run,
        ``comparison`` and ``differences`` for a comparison.

    Raises:
        MissingExtraError: if matplotlib is not installed (the ``plot`` extra).
    """
    figures = (
        {"comparison": comparison_chart(source), "differences": differences_chart(source)}
        if isinstance(source, Comparison)
        else run_figures(source)
    )
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, fig in figures.items():
        path = directory / f"{stem}.{fmt}"
        save_figure(fig, path)
        paths.append(path)
    return paths
