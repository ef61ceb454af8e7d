"""A run's tables as pandas DataFrames, and as Parquet or CSV files (the ``data`` extra).

Frames: ``tasks``, ``attempts``, ``workers``, ``series``, ``events`` (one row each, the
columns of the JSON document) and ``metrics`` (one row). Written files are named
``<frame>.parquet`` or ``<frame>.csv``. In files, a column of mappings (a worker's
``skills``) is written as JSON text, and a column mixing numbers and text (task ids
of a scenario that adds named tasks) as text, so that every format can hold it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scenarios.extras import require
from scenarios.metrics import RunResult

if TYPE_CHECKING:
    import pandas

__all__ = ["FRAMES", "to_frames", "write_frames"]

FRAMES = ("tasks", "attempts", "workers", "series", "events", "metrics")
"""The frames of a run, in the order they are written."""


def _rows(result: RunResult, name: str) -> list[dict[str, Any]]:
    if name == "metrics":
        return [
            result.model_dump(include={"scenario", "policy", "seed"}) | result.metrics.model_dump()
        ]
    return [asdict(row) for row in getattr(result, name)]


def _columns(name: str) -> list[str]:
    """A frame's columns, so that an empty table still has them."""
    from scenarios.metrics import TaskRow, WorkerRow
    from scenarios.recorder import Attempt, RunEvent
    from scenarios.series import SeriesPoint

    kinds = {
        "tasks": TaskRow,
        "attempts": Attempt,
        "workers": WorkerRow,
        "series": SeriesPoint,
        "events": RunEvent,
    }
    return [f.name for f in fields(kinds[name])]


def to_frames(result: RunResult) -> dict[str, pandas.DataFrame]:
    """The run's tables as DataFrames.

    Args:
        result: A run's result.

    Returns:
        One DataFrame per name of :data:`FRAMES`.

    Raises:
        MissingExtraError: if pandas is not installed (the ``data`` extra).
    """
    pd = require("pandas", "data")
    frames = {}
    for name in FRAMES:
        rows = _rows(result, name)
        columns = None if name == "metrics" else _columns(name)
        frames[name] = pd.DataFrame(rows, columns=columns)
    return frames


def _for_files(frame: pandas.DataFrame) -> pandas.DataFrame:
    out = frame.copy()
    for column in out.columns:
        values = out[column].tolist()
        if any(isinstance(v, dict | list) for v in values):
            out[column] = [json.dumps(v, sort_keys=True) for v in values]
        elif len({type(v) for v in values if v is not None}) > 1 and any(
            isinstance(v, str) for v in values
        ):
            out[column] = [None if v is None else str(v) for v in values]
    return out


def write_frames(result: RunResult, directory: Path, fmt: Literal["parquet", "csv"]) -> list[Path]:
    """Write every frame of ``result`` into ``directory`` (created if needed).

    Args:
        result: A run's result.
        directory: Where the files go.
        fmt: ``parquet`` (needs pyarrow) or ``csv``.

    Returns:
        The files written, in the order of :data:`FRAMES`.

    Raises:
        MissingExtraError: if pandas (or, for Parquet, pyarrow) is not installed.
    """
    if fmt == "parquet":
        require("pyarrow", "data")
    frames = to_frames(result)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        path = directory / f"{name}.{fmt}"
        if fmt == "parquet":
            _for_files(frame).to_parquet(path, index=False)
        else:
            _for_files(frame).to_csv(path, index=False)
        paths.append(path)
    return paths
