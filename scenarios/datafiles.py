"""Items and annotators from the files a labelling platform exports.

Three formats: CSV (``.csv``, or ``.tsv`` for tabs) and JSON lines (``.jsonl``,
``.ndjson``) with the standard library, Parquet (``.parquet``, ``.pq``) with the
``data`` extra (``pip install 'skillsim[data]'``). The columns are documented in the
README ("Loading a platform export"); a column outside them is an error, never
silently dropped. Every problem is a :class:`DataFileError` naming the file, the
line (or Parquet row), the column and what was expected.

Memory is bounded: a file above ``max_bytes`` (checked before reading) or with more
than ``max_rows`` rows is refused, both overridable. A scenario names its files with
paths relative to itself, which must stay inside the scenario's folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import JsonValue, ValidationError

from agents.filters import Filter, select
from scenarios._columns import (
    ANNOTATOR_COLUMNS,
    ITEM_COLUMNS,
    CellError,
    annotator_from,
    header,
    item_from,
    nest,
)
from scenarios._records import (
    MAX_BYTES,
    MAX_ROWS,
    DataFile,
    DataFileError,
    Format,
    HeaderCheck,
    Record,
    read_records,
)
from scenarios.spec import TaskItem, WorkerItem

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "DataFile",
    "DataFileError",
    "read_annotators",
    "read_items",
    "with_data_files",
]


def _open(
    path: Path, name: str, fmt: Format, limits: tuple[int, int], check: HeaderCheck
) -> Iterator[tuple[int, Record]]:
    try:
        if not path.is_file():
            raise DataFileError(name, "no such file" if not path.exists() else "not a file")
        size = path.stat().st_size
    except OSError as error:
        raise DataFileError(name, f"cannot read: {error.strerror}") from None
    if size > limits[1]:
        raise DataFileError(name, f"{size} bytes, above max_bytes = {limits[1]}; raise max_bytes")
    try:
        yield from read_records(path, name, fmt, limits, check)
    except OSError as error:
        raise DataFileError(name, f"cannot read: {error.strerror}") from None


_Row = TypeVar("_Row", TaskItem, WorkerItem)


def _rows(
    spec: DataFile,
    path: Path,
    columns: tuple[str, ...],
    make: Callable[[Record, bool], _Row],
    key: Callable[[_Row], object],
) -> list[_Row]:
    fmt = spec.file_format()
    unit = "row" if fmt == "parquet" else "line"
    seen: dict[object, int] = {}
    out: list[_Row] = []
    limits = (spec.max_rows, spec.max_bytes)
    for number, record in _open(
        path, spec.path, fmt, limits, partial(header, columns, fmt in ("csv", "tsv"))
    ):
        try:
            row = make(nest(record, columns), fmt in ("csv", "tsv"))
        except CellError as error:
            raise DataFileError(
                spec.path, str(error), row=number, column=error.column, unit=unit
            ) from None
        first = seen.setdefault(str(key(row)), number)  # 1 and "1" are one id to a reader
        if first != number:
            column = columns[0]
            raise DataFileError(
                spec.path,
                f"{key(row)!r} is also on {unit} {first}",
                row=number,
                column=column,
                unit=unit,
            )
        out.append(row)
    if not out:
        raise DataFileError(spec.path, "no rows: expected at least one")
    return out


def read_items(
    path: str | Path,
    *,
    format: Format | None = None,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
    where: Filter | dict[str, JsonValue] | None = None,
    epoch: Literal["first"] | float | datetime | str | None = None,
) -> list[TaskItem]:
    """Read items (tasks) from a CSV, JSON lines or Parquet file.

    Args:
        path: The file.
        format: ``csv``, ``tsv``, ``jsonl`` or ``parquet``; by default from the suffix.
        max_rows: Refuse a file with more rows than this.
        max_bytes: Refuse a file larger than this (uncompressed, for Parquet).
        where: Keep only the items this filter selects (a filter or its DQL form).
        epoch: What ``arrival`` and ``due`` count from: a date (or its ISO text),
            Unix seconds, or ``"first"`` (the earliest arrival); see :class:`DataFile`.

    Returns:
        The items, in the file's order; put them in ``TasksSpec(items=...)``.

    Raises:
        DataFileError: naming the file, the line or row, the column and what was
            expected; also for a bad ``where`` filter.
    """
    spec = _spec(path, format, max_rows, max_bytes, where, epoch)
    return _read_items(spec, Path(path))


def read_annotators(
    path: str | Path,
    *,
    format: Format | None = None,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> list[WorkerItem]:
    """Read annotators (workers) from a CSV, JSON lines or Parquet file.

    Args:
        path: The file.
        format: As for :func:`read_items`.
        max_rows: As for :func:`read_items`.
        max_bytes: As for :func:`read_items`.

    Returns:
        The annotators, in the file's order; put them in ``WorkersSpec(items=...)``.

    Raises:
        DataFileError: naming the file, the line or row, the column and what was
            expected.
    """
    spec = _spec(path, format, max_rows, max_bytes, None, None)
    return _read_annotators(spec, Path(path))


def _spec(
    path: str | Path, fmt: Format | None, max_rows: int, max_bytes: int, where: Any, epoch: Any
) -> DataFile:
    try:
        return DataFile(
            path=str(path),
            format=fmt,
            max_rows=max_rows,
            max_bytes=max_bytes,
            where=where,
            epoch=epoch,
        )
    except ValidationError as error:
        item = error.errors()[0]
        column = ".".join(str(p) for p in item["loc"])
        problem = item["msg"].removeprefix("Value error, ")
        raise DataFileError(str(path), f"{column}: {problem}") from None


def _read_items(spec: DataFile, path: Path) -> list[TaskItem]:
    make = partial(item_from, epoch=spec.epoch_seconds())
    items = _rows(spec, path, ITEM_COLUMNS, make, lambda t: t.id)
    if spec.where is not None:
        items = select(items, spec.where)
    if spec.epoch == "first" and items:
        return _from_first_arrival(spec, items)
    return items


def _from_first_arrival(spec: DataFile, items: list[TaskItem]) -> list[TaskItem]:
    # Each row was refused if due before its own arrival, so no due falls before start.
    start = min(i.arrival for i in items)
    shifted = []
    for item in items:
        due = None if item.due is None else item.due - start
        shifted.append(item.model_copy(update={"arrival": item.arrival - start, "due": due}))
    return shifted


def _read_annotators(spec: DataFile, path: Path) -> list[WorkerItem]:
    if spec.where is not None or spec.epoch is not None:
        raise DataFileError(spec.path, "where and epoch are for items; not for annotators")
    return _rows(spec, path, ANNOTATOR_COLUMNS, annotator_from, lambda w: w.name)


def _inside(base: Path, spec: DataFile) -> Path:
    """The file a scenario names, which must stay inside the scenario's folder."""
    given = Path(spec.path)
    if given.is_absolute():
        raise DataFileError(spec.path, "give a path relative to the scenario file")
    root = base.resolve()
    path = (root / given).resolve()
    if not path.is_relative_to(root):
        raise DataFileError(spec.path, "the path leads outside the scenario's folder")
    return path


def _merge(table: dict[str, Any], spec: DataFile, rows: Iterable[Any], ids: Any) -> dict[str, Any]:
    rows = list(rows)
    inline = table.get("items", [])
    if not isinstance(inline, list):
        return table  # the spec reports it
    listed = {str(ids(r)) for r in inline if isinstance(r, dict)}
    for row in rows:
        if str(ids(row)) in listed:
            raise DataFileError(spec.path, f"{ids(row)!r} is also given in items")
    done = spec.model_copy(update={"rows": len(rows)})
    return {**table, "file": done, "items": [*inline, *rows]}


def with_data_files(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """A scenario document with the rows of its data files put into ``items``.

    ``[tasks] file`` and ``[workers] file`` are read relative to ``base`` (the
    scenario's folder); rows follow the items listed in the file. A ``file`` entry
    that is not well formed is left for the scenario's validation to report.

    Args:
        data: The parsed scenario (TOML) document; it is not changed.
        base: The folder of the scenario file.

    Returns:
        A new document.

    Raises:
        DataFileError: for a file that cannot be read, or a row that is wrong.
    """
    out = dict(data)
    for section, read, ids in (
        ("tasks", _read_items, lambda r: r.get("id") if isinstance(r, dict) else r.id),
        ("workers", _read_annotators, lambda r: r.get("name") if isinstance(r, dict) else r.name),
    ):
        table = data.get(section)
        if not isinstance(table, dict) or "file" not in table:
            continue
        try:
            spec = DataFile.model_validate(table["file"])
        except ValidationError:
            continue
        try:
            out[section] = _merge(table, spec, read(spec, _inside(base, spec)), ids)
        except DataFileError as error:
            error.field = f"{section}.file"
            raise
    return out
