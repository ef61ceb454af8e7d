"""``skillsim sweep SPEC``: the command line of sweeps.

Exit codes: 0 every run finished; 1 some runs failed (their rows carry the error;
the others are done), or the Dask scheduler was lost (finished runs kept); 2 bad
input, nothing written; 130 interrupted (every finished
run is kept; the same command again does the rest).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from protocol.errors import SkillsimError
from scenarios.extras import require
from scenarios.sweep.engine import SweepProgress, run_sweep
from scenarios.sweep.executors import ExecutorName
from scenarios.sweep.plan import plan_sweep
from scenarios.sweep.plot import plot_sweep
from scenarios.sweep.runner import METRICS
from scenarios.sweep.spec import MAX_RUNS, SchedulerLostError, SweepError, load_sweep
from scenarios.sweep.summary import paired_differences, summarize_sweep

__all__ = ["add_sweep_parser", "sweep_command"]

_SHOWN = ("success_rate", "makespan", "wait_mean")
_MAX_ROWS = 40


def add_sweep_parser(sub: Any) -> None:
    """Add the ``sweep`` subcommand to the ``skillsim`` parser's subparsers."""
    sweep = sub.add_parser("sweep", help="run policies x parameters x seeds from a sweep file")
    sweep.add_argument("spec", type=Path, help="the sweep file (TOML)")
    sweep.add_argument("--out", type=Path, help="rows go here (default: SPEC with .parquet)")
    sweep.add_argument(
        "--executor",
        choices=["process", "serial", "dask"],
        help="process pool (default), in this process, or Dask (default with --scheduler)",
    )
    sweep.add_argument("--jobs", type=int, help="worker processes (default: the CPUs)")
    sweep.add_argument("--scheduler", help="join the Dask cluster at tcp://HOST:PORT")
    sweep.add_argument(
        "--connect-timeout", type=float, default=10.0, help="seconds to reach the scheduler"
    )
    sweep.add_argument("--yes", action="store_true", help=f"allow more than {MAX_RUNS:,} runs")
    sweep.add_argument(
        "--metric",
        action="append",
        help=f"a metric to show (repeat; default: {', '.join(_SHOWN)})",
    )
    sweep.add_argument("--summary", type=Path, help="write the summary here (.csv or .parquet)")
    sweep.add_argument(
        "--plot",
        nargs=2,
        metavar=("METRIC:PARAM", "IMAGE"),
        help="draw METRIC against the swept PARAM, with intervals, to IMAGE",
    )


def _number(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:,.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"


def _table(title: str, frame: Any, params: list[str], metrics: list[str], extra: str) -> Table:
    table = Table(title=title, header_style="bold")
    for column in ["cell", *params, "policy", *metrics]:
        table.add_column(column, justify="left" if column == "policy" else "right")
    wide = frame.pivot_table(
        index=["cell", "policy"], columns="metric", values=["mean", "half_width"], sort=True
    )
    lookup = frame.drop_duplicates(["cell"]).set_index("cell")
    for count, (cell, policy) in enumerate(wide.index):
        if count == _MAX_ROWS:
            table.caption = f"{len(wide.index) - _MAX_ROWS} more rows in --summary"
            break
        cells = []
        for metric in metrics:
            if ("mean", metric) not in wide.columns or math.isnan(
                wide.loc[(cell, policy), ("mean", metric)]
            ):
                cells.append("-")
                continue
            mean = wide.loc[(cell, policy), ("mean", metric)]
            half = wide.loc[(cell, policy), ("half_width", metric)]
            cells.append(f"{extra if mean >= 0 else ''}{_number(mean)} ± {_number(half)}")
        values = [str(lookup.loc[cell, p]) for p in params]
        table.add_row(str(cell), *values, str(policy), *cells)
    return table


def _write(frame: Any, diffs: Any, path: Path) -> None:
    pd = require("pandas", "data")
    parts = [frame.assign(kind="summary"), diffs.assign(kind="difference")]
    both = pd.concat([p for p in parts if len(p)], ignore_index=True) if len(frame) else parts[1]
    if path.suffix == ".parquet":
        both.to_parquet(path, index=False)
    else:
        both.to_csv(path, index=False)


def _run(args: argparse.Namespace, console: Console) -> int:
    spec = load_sweep(args.spec)
    plan = plan_sweep(spec, yes=args.yes)
    metrics = list(args.metric or _SHOWN)
    for name in metrics:
        if name not in METRICS:
            raise SweepError("", [("", f"--metric: unknown metric {name!r}")])
    plot = None
    if args.plot is not None:
        metric, _, param = args.plot[0].partition(":")
        if metric not in METRICS or param not in plan.params:
            raise SweepError(
                "",
                [("", f"--plot {args.plot[0]}: give METRIC:PARAM, a metric and a swept path "
                      f"({', '.join(plan.params) or 'nothing is swept'})")],
            )  # fmt: skip
        values = [cell.params[param] for cell in plan.cells]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise SweepError("", [("", f"--plot: {param} does not hold numbers only")])
        require("matplotlib", "plot")
        plot = (metric, param, args.plot[1])
    executor: ExecutorName = args.executor or ("dask" if args.scheduler else "process")
    out = args.out or args.spec.with_suffix(".parquet")
    progress = SweepProgress(console, spec.base.name)
    try:
        runs = run_sweep(
            spec,
            out=out,
            executor=executor,
            jobs=args.jobs,
            scheduler=args.scheduler,
            yes=args.yes,
            log_level=args.log_level,
            timeout=args.connect_timeout,
            progress=progress,
        )
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are kept in {out}; run again to do the rest",
              file=sys.stderr)  # fmt: skip
        return 130
    except SchedulerLostError as error:
        print(f"error: {error}: finished runs are kept in {out}; run again to do the rest",
              file=sys.stderr)  # fmt: skip
        return 1
    params = list(plan.params)
    summary = summarize_sweep(runs)
    diffs = paired_differences(runs, baseline=spec.baseline)
    shown = summary[summary.metric.isin(metrics)]
    console.print(
        _table(f"{spec.base.name}: mean ± 95% interval over seeds", shown, params, metrics, "")
    )
    if len(diffs):
        title = f"paired difference against {spec.baseline} (same seeds)"
        console.print(_table(title, diffs[diffs.metric.isin(metrics)], params, metrics, "+"))
    failed = int(runs["error"].notna().sum())
    console.print(
        f"{len(runs)} runs in {out}" + (f", [red]{failed} failed[/red]" if failed else "")
    )
    if failed:
        for message in runs.loc[runs["error"].notna(), "error"].drop_duplicates().head(5):
            print(f"failed: {message}", file=sys.stderr)
    if args.summary is not None:
        _write(summary, diffs, args.summary)
    if plot is not None:
        plot_sweep(runs, plot[0], plot[1], plot[2])
    return 1 if failed else 0


def sweep_command(args: argparse.Namespace, console: Console) -> int:
    """Run ``skillsim sweep``; return the exit code (see the module docstring)."""
    try:
        return _run(args, console)
    except (SkillsimError, ValueError, OSError) as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
