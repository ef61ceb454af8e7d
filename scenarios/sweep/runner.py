"""One run of a sweep, as a worker does it, and the row it gives.

This is the only code that runs in worker processes (local or Dask): it imports no
optional extra, catches every exception of the run into the row's ``error``, and
keeps each cell's validated scenario so that a worker validates a cell once.

A row is a flat dict: ``key``, ``cell``, the swept values by field path, ``policy``,
``seed``, ``ending``, every metric of :class:`~scenarios.metrics.Metrics`,
``wall_time`` (seconds, the only column that differs between two executions of the
same run) and ``error`` (None for a run that finished). A swept value that is a table
or list is stored as its JSON text, so every column holds scalars.

A worker does thousands of runs in one process. Each run leaves reference cycles
behind; the ordinary collections free them (``agents.memory.eased_gc`` freezes
nothing), so a worker's heap, and its time per run, stay flat without help.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import JsonValue

from scenarios.console import LevelName, configure_logging
from scenarios.loader import LoadedScenario
from scenarios.metrics import Metrics
from scenarios.run import run_scenario
from scenarios.spec import ScenarioSpec
from scenarios.sweep.plan import RunTask

__all__ = ["METRICS", "Row", "execute_run", "execute_runs", "failed_row"]

Row = dict[str, Any]
"""One run's record (see the module docstring)."""

METRICS = tuple(Metrics.model_fields)
"""Every metric, in the order of :class:`~scenarios.metrics.Metrics`."""

_CACHE_SIZE = 64
_PATH = Path("<sweep>")
_scenarios: dict[str, LoadedScenario] = {}
_configured: list[LevelName] = []


def _scalar(value: JsonValue) -> JsonValue:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _row(task: RunTask, metrics: Mapping[str, Any], ending: str | None, error: str | None) -> Row:
    row: Row = {"key": task.key, "cell": task.cell}
    row.update((path, _scalar(value)) for path, value in task.params)
    row.update(policy=task.policy, seed=task.seed, ending=ending)
    row.update((name, metrics.get(name)) for name in METRICS)
    row.update(wall_time=0.0, error=error)
    return row


def failed_row(task: RunTask, error: str) -> Row:
    """The row of a run that could not be done (no metrics, ``error`` set)."""
    return _row(task, {}, None, error)


def _loaded(task: RunTask) -> LoadedScenario:
    loaded = _scenarios.get(task.digest)
    if loaded is None:
        if len(_scenarios) >= _CACHE_SIZE:
            _scenarios.pop(next(iter(_scenarios)))
        spec = ScenarioSpec.model_validate(task.scenario)
        loaded = _scenarios[task.digest] = LoadedScenario(task.name, _PATH, spec)
    return loaded


def execute_run(task: RunTask, log_level: LevelName | None = None) -> Row:
    """Do one run and describe it as a row; never raises for a failing run.

    Args:
        task: The run.
        log_level: In a worker process, send skillsim's log events at this level
            and above to standard error (configured once per process); None leaves
            logging as it is (in-process runs).

    Returns:
        The row; a run that raised has ``error`` set to the exception's type and
        message, and no metrics.
    """
    if log_level is not None and log_level not in _configured:
        configure_logging(log_level)
        _configured[:] = [log_level]
    if task.error is not None or task.scenario is None:
        return failed_row(task, task.error or "no scenario")
    start = time.perf_counter()
    try:
        result = run_scenario(_loaded(task), seed=task.seed, policy=task.policy).result
    except Exception as error:  # a failing run is data: recorded in its row
        row = failed_row(task, f"{type(error).__name__}: {error}")
    else:
        row = _row(task, result.metrics.model_dump(), result.ending, None)
    row["wall_time"] = round(time.perf_counter() - start, 6)
    return row


def execute_runs(tasks: Sequence[RunTask], log_level: LevelName | None = None) -> list[Row]:
    """Several runs in one call (a Dask task carries a chunk of short runs).

    Args:
        tasks: The runs, done in order.
        log_level: As for :func:`execute_run`.

    Returns:
        Their rows, in the same order.
    """
    return [execute_run(task, log_level) for task in tasks]
