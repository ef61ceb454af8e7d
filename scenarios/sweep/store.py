"""A sweep's rows on disk: a Parquet file, and a journal of the rows not yet in it.

A Parquet file is only readable once its footer is written, so rows cannot be added
to it one by one and survive a crash. Each finished run's row is therefore first
appended to a journal (``runs.parquet.journal``, JSON lines, flushed per row); every
few seconds, and when the sweep ends or is interrupted, the Parquet file is rewritten
with every row (to a temporary file, then renamed over the old one, so it is always
whole) and the journal emptied. Reading back takes both, so a run whose row reached
the journal is never lost, whatever stops the sweep, and a key appears once: the
latest row for a key replaces an earlier one (a failed run that is tried again).

Nothing is created before the first row arrives, so a sweep refused as bad input
writes nothing.
"""

from __future__ import annotations

import json
import os
import time
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from scenarios.extras import require
from scenarios.metrics import Metrics
from scenarios.sweep.runner import Row
from scenarios.sweep.spec import SweepError

__all__ = ["RunStore"]

_FIXED = {
    "key": "string",
    "cell": "int64",
    "policy": "string",
    "seed": "int64",
    "ending": "string",
    "wall_time": "float64",
    "error": "string",
}


def _metric_types() -> dict[str, str]:
    hints = typing.get_type_hints(Metrics)
    return {name: "int64" if hints[name] is int else "float64" for name in Metrics.model_fields}


def _param_type(values: Iterable[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int64"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "float64"
    return "string"


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else json.dumps(value)


class RunStore:
    """The rows of one output file: those read back, then those added.

    Args:
        path: The Parquet file (need not exist); None keeps rows in memory only.
        checkpoint: Seconds between rewrites of the Parquet file while rows arrive
            (0: after every row).

    Raises:
        SweepError: when the file exists but is not a sweep's Parquet file.
    """

    def __init__(self, path: Path | None, *, checkpoint: float = 2.0) -> None:
        self._pa = require("pyarrow", "data")
        self._pq = require("pyarrow.parquet", "data")
        self.path = path
        self.journal = None if path is None else path.with_name(path.name + ".journal")
        self._base = self._every = checkpoint
        self._rows: dict[str, Row] = {}
        self._file: IO[str] | None = None
        self._dirty = False
        self._last = time.monotonic()
        if path is not None and path.exists():
            try:
                rows = self._pq.read_table(path).to_pylist()
            except (OSError, self._pa.ArrowException) as error:
                raise SweepError(
                    str(path), [("", f"not a readable Parquet file: {error}")]
                ) from None
            if rows and "key" not in rows[0]:
                raise SweepError(str(path), [("", "not a sweep's output (no key column)")])
            self._rows.update((row["key"], row) for row in rows)
        if self.journal is not None and self.journal.exists():
            for line in self.journal.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the last line of a journal cut off mid-write
                self._rows[row["key"]] = row
                self._dirty = True

    def __len__(self) -> int:
        return len(self._rows)

    def done(self) -> set[str]:
        """The keys of runs that finished without error (a resumed sweep skips them)."""
        return {key for key, row in self._rows.items() if row.get("error") is None}

    def rows(self) -> list[Row]:
        """Every row, in the order the runs first finished."""
        return list(self._rows.values())

    def add(self, row: Row) -> None:
        """Record a finished run: in the journal at once, in the Parquet file soon.

        A row for a key already present replaces it.
        """
        self._rows[row["key"]] = row
        if self.path is None or self.journal is None:
            return
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.journal.open("a", encoding="utf-8")
        self._file.write(json.dumps(row, separators=(",", ":")) + "\n")
        self._file.flush()
        self._dirty = True
        if time.monotonic() - self._last >= self._every:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Rewrite the Parquet file with every row, then empty the journal."""
        if not self._dirty or self.path is None or self.journal is None:
            return
        start = time.monotonic()
        table = self.table(self.rows())
        temporary = self.path.with_name(self.path.name + ".tmp")
        self._pq.write_table(table, temporary)
        os.replace(temporary, self.path)
        if self._file is not None:
            self._file.close()
            self._file = None
        self.journal.unlink(missing_ok=True)
        self._dirty = False
        self._last = time.monotonic()
        if self._base > 0:  # a large file is rewritten less often: a tenth of the time at most
            self._every = max(self._base, 10 * (self._last - start))

    def close(self) -> None:
        """Write what is left; the journal is gone afterwards."""
        self.checkpoint()
        if self._file is not None:
            self._file.close()
            self._file = None

    def table(self, rows: list[Row]) -> Any:
        """The rows as a ``pyarrow.Table`` with one stable type per column."""
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        known = {**_FIXED, **_metric_types()}
        fields = [
            (name, known.get(name) or _param_type(row.get(name) for row in rows))
            for name in columns
        ]
        schema = self._pa.schema([(name, getattr(self._pa, kind)()) for name, kind in fields])
        text = [name for name, kind in fields if kind == "string" and name not in known]
        if text:  # a swept column of mixed values keeps each as its JSON text
            rows = [{**row, **{n: _text(row.get(n)) for n in text}} for row in rows]
        return self._pa.Table.from_pylist(rows, schema=schema)
