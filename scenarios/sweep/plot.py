"""A metric against a swept parameter, with its intervals, as a PNG.

One line per policy (per policy and value of the other swept parameters, when there
are others: colour by policy, line style by the other values), through the mean of
each cell, with error bars of its 95% interval over seeds. Drawn with matplotlib's
Agg backend: no screen needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scenarios.extras import require
from scenarios.sweep.summary import summarize_sweep, swept_params

__all__ = ["plot_sweep"]

_STYLES = ("-", "--", ":", "-.")


def plot_sweep(runs: Any, metric: str, param: str, path: str | Path) -> None:
    """Draw ``metric`` against ``param`` for every policy and save it.

    Args:
        runs: The rows (as :func:`~scenarios.sweep.engine.run_sweep` returns them).
        metric: A metric name (``success_rate``).
        param: A swept field path with numeric values.
        path: The image file (its suffix picks the format, e.g. ``.png``).

    Raises:
        ValueError: for a parameter that is not swept or not numeric, or an
            unknown metric.
    """
    matplotlib = require("matplotlib", "plot")
    params = swept_params(runs)
    if param not in params:
        raise ValueError(f"{param!r} is not swept; swept: {', '.join(params) or 'nothing'}")
    summary = summarize_sweep(runs, metrics=[metric])
    if not summary.empty and summary[param].dtype.kind not in "iuf":
        raise ValueError(f"{param!r} does not hold numbers; it cannot be an axis")
    matplotlib.use("Agg")
    pyplot = require("matplotlib.pyplot", "plot")
    others = [p for p in params if p != param]
    policies = sorted(set(summary["policy"]))
    combos = sorted({tuple(row) for row in summary[others].itertuples(index=False)})
    figure, axes = pyplot.subplots(figsize=(7.2, 4.4), dpi=120)
    for label, group in summary.groupby(["policy", *others], sort=True):
        parts = label if isinstance(label, tuple) else (label,)
        name = ", ".join(
            [str(parts[0])] + [f"{p}={v}" for p, v in zip(others, parts[1:], strict=True)]
        )
        ordered = group.sort_values(param)
        # Colour by policy, line style by the other swept values.
        axes.errorbar(
            ordered[param],
            ordered["mean"],
            yerr=ordered["half_width"],
            color=f"C{policies.index(parts[0]) % 10}",
            linestyle=_STYLES[combos.index(tuple(parts[1:])) % len(_STYLES)],
            marker="o",
            capsize=3,
            label=name,
        )
    axes.set_title(f"{metric} against {param}")
    axes.set_xlabel(param)
    axes.set_ylabel(f"{metric} (mean, 95% interval)")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
