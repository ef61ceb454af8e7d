"""What a sweep's rows say: means with intervals, and paired differences.

For each cell, policy and metric, over the seeds whose run finished (and has the
metric): the mean, and the 95% Student-t interval ``mean ± t(0.975, n-1) s / sqrt(n)``
(``scenarios.stats.interval``, as ``compare`` prints; NaN for one seed). Paired
differences take, for each seed run by both, ``policy - baseline`` on that seed
(common random numbers make the two runs share tasks, workers and luck), and
summarise the differences the same way; an interval that excludes 0 is a difference
the seeds support. Rows come out sorted by cell, then policy, then metric, whatever
order the runs finished in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scenarios.extras import require
from scenarios.stats import interval
from scenarios.sweep.runner import METRICS

__all__ = ["RUN_COLUMNS", "paired_differences", "summarize_sweep", "swept_params"]

RUN_COLUMNS = ("key", "cell", "policy", "seed", "ending", "wall_time", "error")
"""The columns of a sweep's rows that are neither swept values nor metrics."""


def swept_params(runs: Any) -> list[str]:
    """The swept field paths among a DataFrame of rows' columns."""
    return [c for c in runs.columns if c not in RUN_COLUMNS and c not in METRICS]


def _stats(values: list[float]) -> dict[str, float | int]:
    s = interval(values)
    return {
        "n": s.n,
        "mean": s.mean,
        "half_width": s.half_width,
        "low": s.mean - s.half_width,
        "high": s.mean + s.half_width,
    }


def _chosen(metrics: Sequence[str] | None) -> Sequence[str]:
    chosen = METRICS if metrics is None else metrics
    unknown = [m for m in chosen if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric {unknown[0]!r}; known: {', '.join(METRICS)}")
    return chosen


def _records(runs: Any) -> list[dict[str, Any]]:
    pd = require("pandas", "data")
    ordered = runs.sort_values(["cell", "policy", "seed"], kind="stable")
    # pandas gives NaN for a missing number; summaries want None.
    return [
        {k: (None if v is not None and pd.isna(v) else v) for k, v in row.items()}
        for row in ordered.to_dict("records")
    ]


def _present(rows: Iterable[dict[str, Any]], metric: str) -> dict[int, float]:
    return {int(r["seed"]): float(r[metric]) for r in rows if r[metric] is not None}


def summarize_sweep(runs: Any, *, metrics: Sequence[str] | None = None) -> Any:
    """Mean and 95% interval of each metric per cell and policy.

    Args:
        runs: The rows (as :func:`~scenarios.sweep.engine.run_sweep` returns them).
        metrics: The metrics to summarise (default: all).

    Returns:
        A DataFrame: ``cell``, the swept values, ``policy``, ``metric``, ``n``,
        ``mean``, ``half_width``, ``low``, ``high``, and ``failed`` (runs of the cell
        and policy that failed). A metric no run of the group has is left out.

    Raises:
        ValueError: for an unknown metric.
    """
    pd = require("pandas", "data")
    chosen, params = _chosen(metrics), swept_params(runs)
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for row in _records(runs):
        groups.setdefault((int(row["cell"]), str(row["policy"])), []).append(row)
    out = []
    for (cell, policy), rows in sorted(groups.items()):
        ok = [r for r in rows if r["error"] is None]
        where = {"cell": cell, **{p: rows[0][p] for p in params}, "policy": policy}
        for metric in chosen:
            values = _present(ok, metric)
            if values:
                stats = _stats(list(values.values()))
                out.append({**where, "metric": metric, **stats, "failed": len(rows) - len(ok)})
    columns = ["cell", *params, "policy", "metric", "n", "mean", "half_width", "low", "high"]
    return pd.DataFrame(out, columns=[*columns, "failed"])


def paired_differences(runs: Any, *, baseline: str, metrics: Sequence[str] | None = None) -> Any:
    """Per cell and policy, the mean of ``policy - baseline`` over common seeds.

    Args:
        runs: The rows.
        baseline: The policy every other one is compared with.
        metrics: The metrics to compare (default: all).

    Returns:
        A DataFrame: ``cell``, the swept values, ``policy``, ``baseline``,
        ``metric``, ``n`` (seeds where both runs finished and have the metric),
        ``mean``, ``half_width``, ``low``, ``high``.

    Raises:
        ValueError: for an unknown metric, or a baseline no row has.
    """
    pd = require("pandas", "data")
    chosen, params = _chosen(metrics), swept_params(runs)
    records = _records(runs)
    if not any(r["policy"] == baseline for r in records):
        raise ValueError(f"no run of the baseline policy {baseline!r}")
    cells: dict[int, list[dict[str, Any]]] = {}
    for row in records:
        cells.setdefault(int(row["cell"]), []).append(row)
    out = []
    for cell, rows in sorted(cells.items()):
        ok = [r for r in rows if r["error"] is None]
        where = {"cell": cell, **{p: rows[0][p] for p in params}}
        base = [r for r in ok if r["policy"] == baseline]
        for policy in sorted({str(r["policy"]) for r in rows} - {baseline}):
            mine = [r for r in ok if r["policy"] == policy]
            for metric in chosen:
                a, b = _present(mine, metric), _present(base, metric)
                diffs = [a[seed] - b[seed] for seed in sorted(a.keys() & b.keys())]
                if diffs:
                    stats = _stats(diffs)
                    out.append(
                        {**where, "policy": policy, "baseline": baseline, "metric": metric} | stats
                    )
    columns = ["cell", *params, "policy", "baseline", "metric", "n", "mean", "half_width"]
    return pd.DataFrame(out, columns=[*columns, "low", "high"])
