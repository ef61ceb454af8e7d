"""Where a sweep's runs are done: in process, in a local process pool, or on Dask.

Each executor takes the runs and yields their rows as they finish, in any order; the
rows themselves do not depend on the executor (``execute_run`` is the same function
everywhere, and a run depends only on its scenario, policy and seed). Each keeps a
bounded number of runs in flight (a few per worker), so a sweep of a million runs
holds a few dozen at a time, and an interruption loses at most those.

* ``serial``: one run after another in this process.
* ``process``: a ``ProcessPoolExecutor`` of ``jobs`` worker processes, started once
  (forkserver, so a threaded parent is safe) and kept for every run; workers ignore
  Ctrl-C, which the sweep handles. A worker that dies breaks the pool: the runs it
  held are recorded as failed (a rerun retries them) and a new pool takes the rest.
* ``dask``: Dask distributed: a ``LocalCluster`` of ``jobs`` single-threaded worker
  processes, or the existing cluster whose scheduler is at ``scheduler``. A Dask task
  carries one run at first (key ``skillsim-<run key>``), then as many as take about
  a quarter of a second (at most 64), so that short runs do not pay the scheduler's
  cost one by one. A worker lost mid-task has its task redone on other workers by the
  scheduler, and each finished run is yielded once. A lost scheduler stops the sweep
  (:class:`~scenarios.sweep.spec.SchedulerLostError`): the runs it held are not done,
  not failed.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, Protocol

from scenarios.console import LevelName, configure_logging
from scenarios.extras import require
from scenarios.sweep.plan import RunTask
from scenarios.sweep.runner import Row, execute_run, execute_runs, failed_row
from scenarios.sweep.spec import SchedulerLostError, SweepError

__all__ = [
    "DaskExecutor",
    "Executor",
    "ExecutorName",
    "PoolExecutor",
    "SerialExecutor",
    "open_executor",
]

ExecutorName = Literal["serial", "process", "dask"]


class Executor(Protocol):
    """Runs tasks and yields their rows as they finish."""

    workers: int

    def results(self, tasks: Sequence[RunTask]) -> Iterator[Row]:
        """Each task's row, in the order the runs finish."""
        ...

    def close(self) -> None:
        """Stop the workers."""
        ...


class SerialExecutor:
    """Every run in this process, one after another."""

    workers = 1

    def results(self, tasks: Sequence[RunTask]) -> Iterator[Row]:
        """Each task's row, in task order."""
        for task in tasks:
            yield execute_run(task)

    def close(self) -> None:
        """Nothing to stop."""


def _start_worker(log_level: LevelName) -> None:
    # Ctrl-C goes to the whole process group; the parent decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(log_level)


_CHUNK_SECONDS = 0.25
_MAX_CHUNK = 64


def _chunk_key(chunk: Sequence[RunTask]) -> str:
    return hashlib.sha256("".join(task.key for task in chunk).encode()).hexdigest()[:32]


def _window(workers: int) -> int:
    return max(8, 4 * workers)


def _bounded(
    tasks: Sequence[RunTask], window: int, submit: Callable[[RunTask], Future[Row]]
) -> Iterator[tuple[RunTask, Future[Row]]]:
    """Keep ``window`` tasks in flight; yield each with its future as it finishes."""
    queue = iter(tasks)
    flying: dict[Future[Row], RunTask] = {}
    while True:
        while len(flying) < window:
            task = next(queue, None)
            if task is None:
                break
            flying[submit(task)] = task
        if not flying:
            return
        done, _ = wait(flying, return_when=FIRST_COMPLETED)
        for future in done:
            yield flying.pop(future), future


class PoolExecutor:
    """A pool of ``jobs`` worker processes that live as long as the sweep.

    Args:
        jobs: Worker processes (default: the machine's CPUs).
        log_level: The workers' log level.
    """

    def __init__(self, jobs: int | None = None, log_level: LevelName = "warning") -> None:
        self.workers = jobs or os.cpu_count() or 1
        self._log_level = log_level
        self._owner: dict[Future[Row], ProcessPoolExecutor] = {}
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        return ProcessPoolExecutor(
            self.workers, context, initializer=_start_worker, initargs=(self._log_level,)
        )

    def results(self, tasks: Sequence[RunTask]) -> Iterator[Row]:
        """Each task's row, as the runs finish."""
        for task, future in _bounded(tasks, _window(self.workers), self._submit):
            pool = self._owner.pop(future)
            try:
                yield future.result()
            except BrokenProcessPool:
                yield failed_row(task, "BrokenProcessPool: a worker process died during the run")
                if pool is self._pool:  # unusable now: the runs still to start get a new one
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._start()

    def _submit(self, task: RunTask) -> Future[Row]:
        future = self._pool.submit(execute_run, task)
        self._owner[future] = self._pool
        return future

    def close(self) -> None:
        """Stop the workers (runs not yet started are cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Runs on Dask distributed: a new ``LocalCluster`` or an existing scheduler.

    Args:
        jobs: Worker processes of the local cluster (ignored with ``scheduler``).
        scheduler: ``tcp://HOST:PORT`` of a running scheduler.
        log_level: The workers' log level.
        timeout: Seconds to wait for the scheduler.

    Raises:
        MissingExtraError: without the ``dask`` extra.
        SweepError: when the scheduler cannot be reached in time.
    """

    def __init__(
        self,
        jobs: int | None = None,
        scheduler: str | None = None,
        log_level: LevelName = "warning",
        timeout: float = 10.0,
    ) -> None:
        distributed = require("distributed", "dask")
        self._dd = distributed
        self._log_level = log_level
        self._cluster: Any = None
        if scheduler is not None:
            try:
                self._client = distributed.Client(scheduler, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as error:
                message = f"cannot reach the Dask scheduler at {scheduler}: {error}"
                raise SweepError("", [("", message)]) from None
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=jobs or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address="127.0.0.1:0",  # a free port: never 8787, taken or not
            )
            self._client = distributed.Client(self._cluster)
        self.workers = max(1, sum(self._client.nthreads().values()))

    def results(self, tasks: Sequence[RunTask]) -> Iterator[Row]:
        """Each task's row, as the runs finish; a run Dask gives up on is a failed row."""
        # Results come back in batches with their futures, without a round trip each.
        completed = self._dd.as_completed(with_results=True, raise_errors=False)
        flying: dict[str, list[RunTask]] = {}
        queue = iter(tasks)
        size = 1  # runs per Dask task: grows until a task takes about _CHUNK_SECONDS

        def refill() -> None:
            while len(flying) < 4 * _window(self.workers):
                chunk = list(itertools.islice(queue, size))
                if not chunk:
                    return
                key = "skillsim-" + (chunk[0].key if size == 1 else _chunk_key(chunk))
                flying[key] = chunk
                completed.add(
                    self._client.submit(execute_runs, chunk, self._log_level, key=key, pure=False)
                )

        refill()
        for future, result in completed:
            chunk = flying.pop(future.key)
            if future.status == "finished":
                rows: list[Row] = result
                spent = sum(row["wall_time"] for row in rows) / len(rows)
                size = max(1, min(_MAX_CHUNK, int(_CHUNK_SECONDS / max(spent, 1e-6))))
            elif self._client.status != "running":
                raise SchedulerLostError(f"lost the Dask scheduler ({self._client.status})")
            else:  # e.g. KilledWorker after too many lost workers: recorded, the sweep goes on
                error = result[1] if isinstance(result, tuple) else result
                rows = [failed_row(task, f"{type(error).__name__}: {error}") for task in chunk]
            future.release()
            yield from rows
            refill()

    def close(self) -> None:
        """Disconnect; a local cluster is shut down, an existing one is left running."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def open_executor(
    name: ExecutorName,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    log_level: LevelName = "warning",
    timeout: float = 10.0,
) -> Executor:
    """Start an executor by name.

    Args:
        name: ``serial``, ``process`` or ``dask``.
        jobs: Worker processes (``process`` and a local Dask cluster).
        scheduler: A Dask scheduler's address (implies ``dask``).
        log_level: Worker processes' log level.
        timeout: Seconds to wait for a Dask scheduler.

    Returns:
        The executor; close it when done.

    Raises:
        SweepError: for ``jobs < 1``, a scheduler without Dask, a missing extra or
            an unreachable scheduler.
    """
    if jobs is not None and jobs < 1:
        raise SweepError("", [("", f"--jobs must be >= 1, got {jobs}")])
    if scheduler is not None and name != "dask":
        raise SweepError("", [("", "--scheduler needs --executor dask")])
    if name == "serial":
        return SerialExecutor()
    if name == "process":
        return PoolExecutor(jobs, log_level)
    return DaskExecutor(jobs, scheduler, log_level, timeout)
