"""The columns of items and annotators files, typed (a helper of ``scenarios.datafiles``).

A row is first made *nested*: a dotted column (``metadata.camera.model``) becomes a
key inside ``metadata``, as a JSON lines file would write it. Each documented column
is then typed by one small converter that says what it expected. CSV cells are text:
a number column reads a decimal number (``12``, ``-0.5``, ``1e3``), an integer column
an integer, a boolean ``true`` or ``false``, a list its entries separated by ``|``; a
metadata cell reads as JSON's ``true``/``false`` or a JSON number when it is one, and
as text otherwise. JSON and Parquet cells must already have the column's type.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import ValidationError

from scenarios._records import Record, as_utc, shown
from scenarios.spec import TaskItem, WorkerItem

__all__: list[str] = []

ITEM_COLUMNS = (
    "id",
    "description",
    "difficulty",
    "category",
    "priority",
    "due",
    "arrival",
    "truth",
    "labels",
    "metadata",
)
ANNOTATOR_COLUMNS = (
    "name",
    "skill",
    "skills",
    "capacity",
    "specialties",
    "reviewer",
    "discard_below",
)
_NESTED = {"metadata", "skills"}
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class CellError(ValueError):
    """A cell that does not fit its column: the column and what was expected."""

    def __init__(self, column: str, problem: str) -> None:
        super().__init__(problem)
        self.column = column


@lru_cache(maxsize=4096)
def _column_path(key: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    root, _, rest = key.partition(".")
    if root not in columns or (rest and root not in _NESTED):
        allowed = ", ".join(f"{c}.<key>" if c in _NESTED else c for c in columns)
        raise CellError(key, f"unknown column; expected one of {allowed}")
    parts = (root, *rest.split(".")) if rest else (root,)
    if not all(parts):
        raise CellError(key, "a dotted column has an empty key")
    return parts


def nest(record: Record, columns: tuple[str, ...]) -> Record:
    """Fold dotted columns into nested objects; refuse columns not in ``columns``."""
    out: Record = {}
    whole: set[str] = set()  # roots given as one value, not as dotted columns
    for key, value in record.items():
        parts = _column_path(key, columns)
        root = parts[0]
        if (len(parts) == 1 and root in out) or (len(parts) > 1 and root in whole):
            raise CellError(key, "given both as a column and as dotted columns")
        if len(parts) == 1:
            out[root] = value
            whole.add(root)
            continue
        node = out.setdefault(root, {})
        for part in parts[1:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else None
        if not isinstance(node, dict) or parts[-1] in node:
            raise CellError(key, "clashes with another dotted column")
        node[parts[-1]] = value
    return out


def header(columns: tuple[str, ...], text: bool, names: list[str]) -> None:
    """Check a file's column names: known ones, and the required one(s) present.

    A CSV file gives ``metadata`` and ``skills`` as dotted columns only.
    """
    nest(dict.fromkeys(names, ""), columns)
    for name in names:
        if text and name in _NESTED:
            raise CellError(name, f"give it as dotted columns, {name}.<key>")
    roots = {n.partition(".")[0] for n in names}
    for required in ("id", "difficulty") if columns == ITEM_COLUMNS else ("name",):
        if required not in roots:
            raise CellError(required, "a required column is missing")


def _number(column: str, value: Any, text: bool, low: float, high: float) -> float:
    if text:
        if not _NUMBER.fullmatch(value.strip()):
            raise CellError(column, f"expected a number, got {shown(value)}")
        value = float(value)
        value = int(value) if value.is_integer() else value
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise CellError(column, f"expected a number, got {shown(value)}")
    if not math.isfinite(value):
        raise CellError(column, f"expected a finite number, got {shown(value)}")
    if not low <= value <= high:
        bound = f"from {low:g} to {high:g}" if high < math.inf else f">= {low:g}"
        raise CellError(column, f"expected a number {bound}, got {value:g}")
    number: float = value  # an int stays an int
    return number


def _time(column: str, value: Any, text: bool, epoch: float | None) -> float:
    """Seconds: a number, or a date (ISO 8601) counted from the epoch."""
    if not isinstance(value, str) or (text and _NUMBER.fullmatch(value.strip())):
        if epoch is None:
            return _number(column, value, text, 0, math.inf)
        seconds = _number(column, value, text, -math.inf, math.inf) - epoch
    else:
        try:
            moment = as_utc(datetime.fromisoformat(value.strip()))
        except ValueError:
            raise CellError(
                column, f"expected a number or a date (ISO 8601), got {shown(value)}"
            ) from None
        if epoch is None:
            raise CellError(column, "a date needs an epoch to count seconds from: give epoch")
        seconds = moment.timestamp() - epoch
    if seconds < 0:
        raise CellError(column, f"{shown(value)} is before the epoch")
    return seconds


def _integer(column: str, value: Any, text: bool, low: int | None = None) -> int:
    if text:
        if not _INTEGER.fullmatch(value.strip()):
            raise CellError(column, f"expected an integer, got {shown(value)}")
        value = int(value)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise CellError(column, f"expected an integer, got {shown(value)}")
    if low is not None and value < low:
        raise CellError(column, f"expected an integer >= {low}, got {value}")
    return int(value)


def _text(column: str, value: Any) -> str:
    if not isinstance(value, str):
        raise CellError(column, f"expected text, got {shown(value)}")
    return value


def _boolean(column: str, value: Any, text: bool) -> bool:
    if text and value.strip().lower() in ("true", "false"):
        return bool(value.strip().lower() == "true")
    if not text and isinstance(value, bool):
        return value
    raise CellError(column, f"expected true or false, got {shown(value)}")


def _names(column: str, value: Any, text: bool) -> list[str]:
    if text:
        parts = [p.strip() for p in value.split("|")]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        parts = list(value)
    else:
        raise CellError(column, f"expected a list of text, got {shown(value)}")
    if not all(parts):
        raise CellError(column, f"expected names separated by '|', got {shown(value)}")
    return parts


def _metadata_cell(value: str) -> Any:
    cell = value.strip()
    if cell in ("true", "false"):
        return cell == "true"
    if _INTEGER.fullmatch(cell):
        return int(cell)
    if _NUMBER.fullmatch(cell):
        number = float(cell)
        if not math.isfinite(number):
            raise ValueError(f"expected a finite number, got {shown(value)}")
        return number
    return value


def _metadata(value: Any, text: bool, column: str = "metadata") -> Any:
    if isinstance(value, dict):
        return {k: _metadata(v, text, f"{column}.{k}") for k, v in value.items()}
    if text:
        try:
            return _metadata_cell(value)
        except ValueError as error:
            raise CellError(column, str(error)) from None
    if column == "metadata":
        raise CellError(column, f"expected an object, got {shown(value)}")
    return value


def _item_id(value: Any, text: bool) -> int | str:
    if text:
        value = value.strip()
        return int(value) if _INTEGER.fullmatch(value) else value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise CellError("id", f"expected an integer or text, got {shown(value)}")
    return value


def _skills(value: Any, text: bool) -> dict[str, float]:
    if not isinstance(value, dict):
        raise CellError("skills", f"expected an object of category skills, got {shown(value)}")
    return {k: _number(f"skills.{k}", v, text, 0, math.inf) for k, v in value.items()}


def _present(row: Record, column: str) -> Any:
    value = row.get(column)
    if value is None:
        raise CellError(column, "a value is required")
    return value


_Model = TypeVar("_Model", TaskItem, WorkerItem)


def _validated(model: type[_Model], fields: dict[str, Any]) -> _Model:
    try:
        return model(**fields)
    except ValidationError as error:
        item = error.errors()[0]
        cause = item.get("ctx", {}).get("error")
        # A field the model names: where pydantic put it, or a whole-row check's own.
        field = item["loc"][0] if item["loc"] else getattr(cause, "field", None)
        column = str(field or model.__name__)
        column = {"skill": "category", "skill_level": "skill"}.get(column, column)
        raise CellError(column, item["msg"].removeprefix("Value error, ")) from None


def item_from(row: Record, text: bool, epoch: float | None = None) -> TaskItem:
    """One item from a nested row; raises :class:`CellError` naming the column.

    ``epoch`` (Unix seconds) is what dates in ``arrival`` and ``due`` count from.
    """
    fields: dict[str, Any] = {
        "id": _item_id(_present(row, "id"), text),
        "difficulty": _number("difficulty", _present(row, "difficulty"), text, 1, 10),
    }
    for column, key in (("description", "description"), ("category", "skill")):
        if row.get(column) is not None:
            fields[key] = _text(column, row[column])
    if row.get("truth") is not None:
        fields["truth"] = _text("truth", row["truth"])
    if row.get("priority") is not None:
        fields["priority"] = _integer("priority", row["priority"], text)
    for column in ("due", "arrival"):
        if row.get(column) is not None:
            fields[column] = _time(column, row[column], text, epoch)
    if row.get("labels") is not None:
        fields["labels"] = _names("labels", row["labels"], text)
        if fields.get("truth") is not None and fields["truth"] not in fields["labels"]:
            raise CellError("truth", f"{fields['truth']!r} is not one of the labels")
    if row.get("metadata") is not None:
        fields["metadata"] = _metadata(row["metadata"], text)
    if isinstance(fields["id"], str) and not fields["id"].strip():
        raise CellError("id", "a value is required")
    return _validated(TaskItem, fields)


def annotator_from(row: Record, text: bool) -> WorkerItem:
    """One annotator from a nested row; raises :class:`CellError` naming the column."""
    fields: dict[str, Any] = {"name": _text("name", _present(row, "name")).strip()}
    if not fields["name"]:
        raise CellError("name", "a value is required")
    if row.get("skill") is not None:
        fields["skill_level"] = _number("skill", row["skill"], text, 0, math.inf)
    if row.get("skills") is not None:
        fields["skills"] = _skills(row["skills"], text)
    if row.get("capacity") is not None:
        fields["capacity"] = _integer("capacity", row["capacity"], text, 1)
    if row.get("specialties") is not None:
        fields["specialties"] = _names("specialties", row["specialties"], text)
    if row.get("reviewer") is not None:
        fields["reviewer"] = _boolean("reviewer", row["reviewer"], text)
    if row.get("discard_below") is not None:
        fields["discard_below"] = _number("discard_below", row["discard_below"], text, 0, 1)
    return _validated(WorkerItem, fields)
