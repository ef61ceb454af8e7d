"""Data files: how a scenario names one, and reading its rows (for ``scenarios.datafiles``).

Each reader yields ``(number, record)``: the number a user would look for (the line
of a CSV or JSON lines file, counting the header; the 1-based row of a Parquet file)
and a dict of the row's cells. CSV cells are text, to be typed by the column they
are in; JSON and Parquet cells keep their own types. Nothing here holds more than a
row (or a Parquet batch) at a time, and no reader yields more than ``max_rows`` rows.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, field_validator, model_validator

from agents.filters import DQLFilter
from protocol.errors import SkillsimError
from scenarios._schema import _Spec

__all__ = ["MAX_BYTES", "MAX_ROWS", "DataFile", "DataFileError"]

Format = Literal["csv", "tsv", "jsonl", "parquet"]
SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
Record = dict[str, Any]
HeaderCheck = Callable[[list[str]], None]
"""Checks a file's column names; raises a ``ValueError`` with a ``column`` attribute."""


class DataFileError(SkillsimError):
    """A data file that cannot be read as items or annotators.

    The message names the file, where in it (``line 3`` of a text file, ``row 3`` of
    a Parquet file), the column, and what was expected.

    Attributes:
        file: The file, as it was named.
        row: The 1-based line (CSV, JSON lines: the header is line 1) or row
            (Parquet), or ``None`` for the whole file.
        column: The column (``metadata.camera.model``), or ``None``.
        problem: What is wrong, and what was expected.
        field: Where a scenario names the file (``tasks.file``), if one does.
    """

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        unit: str = "line",
    ) -> None:
        self.file, self.row, self.column, self.problem = file, row, column, problem
        self.field: str | None = None
        where = [file]
        if row is not None:
            where.append(f"{unit} {row}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {problem}")


MAX_ROWS = 200_000
"""Default row limit of a data file."""

MAX_BYTES = 100 * 2**20
"""Default size limit of a data file, in bytes (uncompressed, for Parquet): 100 MiB."""


class DataFile(_Spec):
    """A data file a scenario reads: ``file = "items.csv"`` or a table of these fields.

    Attributes:
        path: Relative to the scenario file, and inside its folder.
        format: ``csv``, ``tsv``, ``jsonl`` or ``parquet``; by default from the suffix.
        max_rows: Refuse a file with more rows.
        max_bytes: Refuse a larger file.
        where: Keep only the items this filter selects (``agents.filters``); items
            files only.
        epoch: What ``arrival`` and ``due`` count from. Without it they are simulated
            seconds. With a date (naive ones are UTC) or a number (Unix seconds),
            they may be dates or Unix seconds, counted from it. ``"first"``: from
            the earliest arrival of the items kept.
        rows: How many items or annotators the file gave (after ``where``): set by
            the loader, which puts them in ``items``. A spec that names a file
            nobody read is refused.
    """

    path: str = Field(min_length=1)
    format: Format | None = None
    max_rows: int = Field(default=MAX_ROWS, ge=1)
    max_bytes: int = Field(default=MAX_BYTES, ge=1)
    where: DQLFilter | None = None
    # An ISO date written as a string is read as one (the schema is otherwise strict).
    epoch: Literal["first"] | float | Annotated[datetime, Strict(False)] | None = None
    rows: int | None = Field(default=None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _path_alone(cls, value: Any) -> Any:
        return {"path": value} if isinstance(value, str) else value

    @field_validator("path")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\0" in value:
            raise ValueError("a path cannot hold a NUL character")
        return value

    @field_validator("epoch")
    @classmethod
    def _finite_epoch(cls, value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"epoch must be finite, got {value}")
        return value

    def epoch_seconds(self) -> float | None:
        """The epoch in Unix seconds (0 for ``"first"``, shifted after reading)."""
        if self.epoch is None or self.epoch == "first":
            return None if self.epoch is None else 0.0
        if isinstance(self.epoch, datetime):
            return as_utc(self.epoch).timestamp()
        return float(self.epoch)

    def file_format(self) -> Format:
        """The format given, or the one the suffix names."""
        if self.format is not None:
            return self.format
        fmt = SUFFIXES.get(Path(self.path).suffix.lower())
        if fmt is None:
            known = ", ".join(SUFFIXES)
            raise DataFileError(self.path, f"unknown suffix; give format, or name it {known}")
        return fmt


def as_utc(moment: datetime) -> datetime:
    """A date with a time zone: a naive one is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def shown(value: object, limit: int = 40) -> str:
    """A cell as an error message quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _too_many(name: str, max_rows: int, unit: str, row: int) -> DataFileError:
    return DataFileError(
        name, f"more than max_rows = {max_rows} rows; raise max_rows to read it", row=row, unit=unit
    )


def _check_header(check: HeaderCheck, header: list[str], name: str, unit: str) -> None:
    try:
        check(header)
    except ValueError as error:
        column = getattr(error, "column", None)
        row = 1 if unit == "line" else None
        raise DataFileError(name, str(error), row=row, column=column, unit=unit) from None


def read_csv(
    path: Path, name: str, max_rows: int, delimiter: str, check: HeaderCheck
) -> Iterator[tuple[int, Record]]:
    """The rows of a CSV (or TSV) file with a header line, as text cells."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream, delimiter=delimiter, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise DataFileError(name, "empty file: expected a header line")
            for i, column in enumerate(header):
                if not column.strip():
                    raise DataFileError(name, f"column {i + 1} has no name", row=1)
                if header.index(column) != i:
                    raise DataFileError(name, f"column {column!r} appears twice", row=1)
            _check_header(check, header, name, "line")
            count, last = 0, reader.line_num
            for cells in reader:
                line, last = last + 1, reader.line_num
                if not cells or cells == [""]:
                    continue  # a blank line
                if len(cells) != len(header):
                    raise DataFileError(
                        name, f"{len(cells)} cells, the header has {len(header)}", row=line
                    )
                count += 1
                if count > max_rows:
                    raise _too_many(name, max_rows, "line", line)
                yield line, {c: v for c, v in zip(header, cells, strict=True) if v != ""}
        except csv.Error as error:
            raise DataFileError(name, f"not valid CSV: {error}", row=reader.line_num) from None
        except UnicodeDecodeError:
            raise DataFileError(name, "not UTF-8 text", row=reader.line_num + 1) from None


def _no_constant(token: str) -> float:
    raise ValueError(f"{token} is not a finite number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice")
        out[key] = value
    return out


def read_jsonl(path: Path, name: str, max_rows: int) -> Iterator[tuple[int, Record]]:
    """The rows of a JSON lines file: one object per non-blank line."""
    count = 0
    with path.open(encoding="utf-8") as stream:
        line = 0
        try:
            for line, text in enumerate(stream, start=1):
                if not text.strip():
                    continue
                try:
                    row = json.loads(
                        text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates
                    )
                except ValueError as error:  # JSONDecodeError is one
                    raise DataFileError(name, f"not valid JSON: {error}", row=line) from None
                if not isinstance(row, dict):
                    raise DataFileError(name, f"expected a JSON object, got {shown(row)}", row=line)
                count += 1
                if count > max_rows:
                    raise _too_many(name, max_rows, "line", line)
                yield line, row
        except UnicodeDecodeError:
            raise DataFileError(name, "not UTF-8 text", row=line + 1) from None


def _plain(value: object, name: str, row: int, column: str) -> object:
    """A Parquet cell as JSON data: numbers, text, booleans, lists, objects, or None."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataFileError(
                name,
                f"expected a finite number, got {value!r}; leave a missing value null",
                row=row,
                column=column,
                unit="row",
            )
        return value
    if isinstance(value, datetime | date):  # Parquet dates and timestamps, as ISO text
        return (as_utc(value) if isinstance(value, datetime) else value).isoformat()
    if isinstance(value, list):
        return [_plain(v, name, row, column) for v in value]
    if isinstance(value, dict):
        # As for top-level cells, a null in a struct is a missing value.
        return {
            str(k): _plain(v, name, row, f"{column}.{k}") for k, v in value.items() if v is not None
        }
    raise DataFileError(
        name,
        f"expected numbers, text, booleans, lists or structs, got {type(value).__name__}",
        row=row,
        column=column,
        unit="row",
    )


def parquet_rows(path: Path, name: str, max_rows: int, max_bytes: int) -> int:
    """Check a Parquet file's size before reading it; return its row count."""
    try:
        import pyarrow.parquet as pq  # an optional extra
    except ImportError:
        raise DataFileError(
            name, "reading Parquet needs pyarrow: pip install 'skillsim[data]'"
        ) from None
    try:
        meta = pq.ParquetFile(path).metadata
    except (OSError, ValueError) as error:  # pyarrow's errors are these
        raise DataFileError(name, f"not a readable Parquet file: {error}") from None
    rows: int = meta.num_rows
    if rows > max_rows:
        raise DataFileError(name, f"{rows} rows, above max_rows = {max_rows}; raise max_rows")
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > max_bytes:
        raise DataFileError(
            name, f"{size} bytes uncompressed, above max_bytes = {max_bytes}; raise max_bytes"
        )
    return rows


def read_parquet(
    path: Path, name: str, max_rows: int, max_bytes: int, check: HeaderCheck
) -> Iterator[tuple[int, Record]]:
    """The rows of a Parquet file, a batch at a time, cells as JSON data."""
    parquet_rows(path, name, max_rows, max_bytes)
    import pyarrow.parquet as pq  # an optional extra

    source = pq.ParquetFile(path)
    _check_header(check, list(source.schema_arrow.names), name, "row")
    number = 0
    for batch in source.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            number += 1
            yield (
                number,
                {k: _plain(v, name, number, k) for k, v in row.items() if v is not None},
            )


def read_records(
    path: Path, name: str, fmt: Format, limits: tuple[int, int], check: HeaderCheck
) -> Iterator[tuple[int, Record]]:
    """The rows of a data file in any of the formats (``limits``: max rows, max bytes).

    ``check`` sees the column names of a CSV or Parquet file before any row is read.
    """
    max_rows, max_bytes = limits
    if fmt == "parquet":
        return read_parquet(path, name, max_rows, max_bytes, check)
    if fmt == "jsonl":
        return read_jsonl(path, name, max_rows)
    return read_csv(path, name, max_rows, "\t" if fmt == "tsv" else ",", check)
