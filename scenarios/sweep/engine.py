"""Run a sweep: plan it, skip what is done, run the rest, keep every row.

:func:`run_sweep` is the Python face of ``skillsim sweep``. Everything that can be
refused (the sweep file, the grid, the size, a missing extra, an unreachable
scheduler, an output file that is not a sweep's) is refused before the first row is
written. Then each finished run's row is recorded as it arrives (see
:mod:`scenarios.sweep.store`), so an interruption keeps every finished run and the
same call again does only the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from scenarios.console import LevelName
from scenarios.extras import require
from scenarios.sweep.executors import ExecutorName, open_executor
from scenarios.sweep.plan import plan_sweep
from scenarios.sweep.runner import Row
from scenarios.sweep.spec import SweepSpec, load_sweep
from scenarios.sweep.store import RunStore

__all__ = ["SweepProgress", "run_sweep"]


class SweepProgress:
    """A progress bar: runs done of the total, runs failed, time left.

    It reads the wall clock only to draw; runs are not affected.

    Args:
        console: Where to draw (nothing is drawn unless it is a terminal).
        label: Shown before the bar.
    """

    def __init__(self, console: Console, label: str) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs, [red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self._label = label
        self._task = TaskID(0)
        self.failed = 0
        self.done = 0
        self._last = 0.0

    def start(self, total: int, skipped: int) -> None:
        """Show the bar; ``skipped`` runs were done before (a resumed sweep)."""
        self._bar.start()
        self._task = self._bar.add_task(self._label, total=total - skipped, failed=0)

    def advance(self, row: Row) -> None:
        """Count one finished run."""
        self.done += 1
        self.failed += row.get("error") is not None
        now = time.monotonic()
        if now - self._last >= 0.1:
            self._last = now
            self._bar.update(self._task, completed=self.done, failed=self.failed)

    def close(self) -> None:
        """Draw the final state and stop."""
        self._bar.update(self._task, completed=self.done, failed=self.failed)
        self._bar.stop()


def run_sweep(
    sweep: SweepSpec | str | Path,
    *,
    out: str | Path | None = None,
    executor: ExecutorName = "process",
    jobs: int | None = None,
    scheduler: str | None = None,
    yes: bool = False,
    log_level: LevelName = "warning",
    timeout: float = 10.0,
    progress: SweepProgress | None = None,
    on_row: Callable[[Row], None] | None = None,
) -> Any:
    """Run every policy on every cell and seed of a sweep; return one row per run.

    Args:
        sweep: A sweep, or the path of a sweep file.
        out: The Parquet file rows go to as runs finish; runs already in it (without
            an error) are skipped. None keeps rows in memory only.
        executor: ``process`` (default), ``serial`` or ``dask``.
        jobs: Worker processes (default: the machine's CPUs).
        scheduler: A Dask scheduler's address (``tcp://HOST:PORT``).
        yes: Allow more than :data:`~scenarios.sweep.spec.MAX_RUNS` runs.
        log_level: Worker processes' log level.
        timeout: Seconds to wait for a Dask scheduler.
        progress: Shows runs done, failed and time left.
        on_row: Called with each new row once it is recorded.

    Returns:
        A pandas DataFrame, one row per run of this sweep (those done before
        included), sorted by cell, policy and seed. Failed runs have ``error``.

    Raises:
        SweepError: for bad input (before anything is written).
        MissingExtraError: without the ``data`` extra (or ``dask`` for Dask).
        SchedulerLostError: when the Dask scheduler is lost mid-sweep, after recording
            every run finished so far.
        KeyboardInterrupt: after recording every run finished so far.
    """
    spec = sweep if isinstance(sweep, SweepSpec) else load_sweep(sweep)
    plan = plan_sweep(spec, yes=yes)
    require("pandas", "data")
    store = RunStore(Path(out)) if out is not None else RunStore(None)
    done = store.done()
    todo = [task for task in plan.tasks if task.key not in done]
    pool = open_executor(
        executor, jobs=jobs, scheduler=scheduler, log_level=log_level, timeout=timeout
    )
    if progress is not None:
        progress.start(len(plan.tasks), len(plan.tasks) - len(todo))
    try:
        for row in pool.results(todo):
            store.add(row)
            if progress is not None:
                progress.advance(row)
            if on_row is not None:
                on_row(row)
    finally:
        store.close()  # first: whatever stops the sweep, finished runs are kept
        if progress is not None:
            progress.close()
        pool.close()
    keys = {task.key for task in plan.tasks}
    rows = [row for row in store.rows() if row["key"] in keys]
    frame = store.table(rows).to_pandas()
    return frame.sort_values(["cell", "policy", "seed"], kind="stable").reset_index(drop=True)
