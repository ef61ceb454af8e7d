"""``skillsim run SCENARIO``: one run, its report, and its results written to files.

Exit codes: 0 the run completed (or reached ``until``); 1 it stalled; 3 a handler
raised (``--isolate`` keeps the run's own ending); 130 a live run interrupted.
Results (``--json``, ``--trace``, tables) are written before the report is drawn,
so a report that fails loses nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from scenarios.commands._common import (
    add_loading_options,
    check_outputs,
    load,
    non_negative,
    report_console,
    write_output,
)
from scenarios.live import run_live
from scenarios.metrics import RunResult
from scenarios.report import render_run
from scenarios.run import Outcome, run_scenario

__all__ = ["add_run_parser", "run_command"]

_EXIT = {"complete": 0, "until": 0, "stalled": 1, "failed": 3}


class _LazyProgress:
    """A progress bar that appears only once a run has taken more than a second.

    It reads the wall clock to decide when to draw; it only observes the simulation.
    """

    def __init__(self, console: Console, label: str) -> None:
        self._console = console
        self._label = label
        self._start = time.perf_counter()
        self._last = self._start
        self._bar: Progress | None = None
        self._task = TaskID(0)

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        if self._bar is None:
            if now - self._start < 1.0 or not self._console.is_terminal:
                return
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} tasks"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=total)
        self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def add_run_parser(sub: Any) -> None:
    """Add the ``run`` subcommand to the ``skillsim`` parser's subparsers."""
    run = sub.add_parser("run", help="run one scenario and print a report")
    run.add_argument("scenario", help="a scenario file or a bundled name (see `list`)")
    run.add_argument("--policy", help="override the scenario's policy (name or module:Class)")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--json", help="write the result as JSON here ('-': standard output)")
    run.add_argument("--trace", type=Path, help="write every message as JSON lines here")
    run.add_argument(
        "--workers", type=non_negative, default=20, help="worker rows to show (0: all)"
    )
    run.add_argument(
        "--isolate",
        action="store_true",
        help="a handler that raises does not fail the run (it is still listed)",
    )
    run.add_argument("--parquet", type=Path, metavar="DIR", help="write the tables as Parquet")
    run.add_argument("--csv", type=Path, metavar="DIR", help="write the tables as CSV")
    run.add_argument("--live", action="store_true", help="run in real time with a dashboard")
    run.add_argument(
        "--speed", type=float, default=1.0, help="with --live: simulated seconds per second"
    )
    add_loading_options(run)


def run_command(
    args: argparse.Namespace,
    console: Console,
    *,
    live: Callable[..., Outcome] = run_live,
    render: Callable[..., None] = render_run,
) -> int:
    """Run ``skillsim run``; return its exit code.

    Args:
        args: The parsed command line.
        console: Where the report is drawn.
        live: Runs with the dashboard (:func:`scenarios.live.run_live`'s signature).
        render: Draws the report (:func:`scenarios.report.render_run`'s signature).

    Returns:
        0 for a run that completed, 1 for one that stalled, 3 for one in which a
        handler failed, 130 for a live run interrupted with Ctrl-C.

    Raises:
        ValueError: for a bad value or an output directory that does not exist.
        SkillsimError: for a bad scenario or policy.
    """
    check_outputs(args, "--json", "--trace")
    loaded = load(args, [args.policy] if args.policy else [])
    if args.live and args.speed <= 0:
        raise ValueError(f"--speed must be > 0, got {args.speed:g}")
    progress = _LazyProgress(report_console(args, console), loaded.name)
    try:
        if args.live:
            try:
                outcome = live(
                    loaded,
                    console,
                    speed=args.speed,
                    seed=args.seed,
                    policy=args.policy,
                    trace=args.trace is not None,
                    max_workers=args.workers,
                    isolate=args.isolate,
                )
            except KeyboardInterrupt:  # Ctrl-C: the dashboard's last frame stays on screen
                print("interrupted: the run was stopped before its end", file=sys.stderr)
                return 130
        else:
            outcome = run_scenario(
                loaded,
                seed=args.seed,
                policy=args.policy,
                trace=args.trace is not None,
                on_progress=progress,
                isolate=args.isolate,
            )
    finally:
        progress.close()
    result = outcome.result
    # Results first: a report that fails to draw must not lose them.
    if args.json is not None:
        write_output(args.json, result.model_dump_json(indent=2) + "\n")
    if args.trace is not None and outcome.trace is not None:
        args.trace.write_text("".join(line + "\n" for line in outcome.trace), encoding="utf-8")
    _write_tables(args, result, console)
    render(result, report_console(args, console), max_workers=args.workers)
    _notes(result)
    return _EXIT.get(result.ending, 1)


def _write_tables(args: argparse.Namespace, result: RunResult, console: Console) -> None:
    from scenarios.frames import write_frames

    for fmt in ("parquet", "csv"):
        directory = getattr(args, fmt, None)
        if directory is not None:
            paths = write_frames(result, directory, fmt)
            console.print(f"wrote {len(paths)} {fmt} tables to {directory}")


def _notes(result: RunResult) -> None:
    # What did not go as written, on standard error, after the report.
    for row in result.events_skipped:
        print(
            f"warning: events[{row.index}] ({row.action} at t={row.at:g}) skipped: {row.reason}",
            file=sys.stderr,
        )
    for row in result.events_partial:
        print(
            f"warning: events[{row.index}] ({row.action} at t={row.at:g}) applied in part: "
            f"{row.reason}",
            file=sys.stderr,
        )
    for failure in result.failures:
        print(
            f"error: a handler failed at t={failure.t:g} in {failure.agent} "
            f"({failure.where}): {failure.error}",
            file=sys.stderr,
        )
