"""Filters over items: which tasks a query selects, as data (after Dataloop's DQL).

A filter is a tree of frozen pydantic models, validated once and then applied by the
pure function :func:`select`. It is usually written in its DQL form, a JSON object::

    {"metadata.camera.model": "X100"}                  # equality
    {"priority": {"$gte": 2}, "category": "vision"}    # every key must hold ($and)
    {"metadata.dir": {"$in": ["/a", "/b"]}}            # membership
    {"$or": [{"metadata.dir": "/a"}, {"difficulty": {"$lt": 3}}]}

and read with :func:`parse_filter` (or through the :data:`DQLFilter` field type).

A *path* names an item field, ``id``, ``description``, ``difficulty``, ``category``
(the task's ``skill``), ``priority`` or ``due``, or a key inside its metadata,
``metadata.a.b``, walking nested objects. A field that is unset (``due`` without a
due time) or a metadata key that is absent is *missing*; a metadata ``null`` is
present. The operators:

* ``$eq`` (a plain value): the field is present and equal. Equality is JSON's:
  ``1 == 1.0``, but ``true`` is not ``1``; lists and objects compare deeply.
* ``$ne``: the field is present and not equal (missing fields do not match).
* ``$in`` / ``$nin``: present and equal to one of / none of a list of values.
* ``$gt``, ``$gte``, ``$lt``, ``$lte``: present, and ordered against the value; a
  number compares with numbers, a string with strings; anything else does not match.
* ``$exists``: ``true`` when present, ``false`` when missing.
* ``$and`` / ``$or``: every / at least one filter of a non-empty list.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, Protocol, TypeAlias, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue, model_validator

from protocol.errors import SkillsimError

__all__ = [
    "FILTER_FIELDS",
    "AllOf",
    "AnyOf",
    "Condition",
    "DQLFilter",
    "Filter",
    "FilterError",
    "Filterable",
    "Operator",
    "matches",
    "parse_filter",
    "select",
    "to_dql",
]

FILTER_FIELDS = ("id", "description", "difficulty", "category", "priority", "due")
"""The item fields a path may name besides ``metadata.<key>...``."""

Operator: TypeAlias = Literal["$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$exists"]
"""A condition's operator."""

_OPERATORS: frozenset[str] = frozenset(Operator.__args__)  # type: ignore[attr-defined]
_ORDER = {"$gt", "$gte", "$lt", "$lte"}
_LISTS = {"$in", "$nin"}


class FilterError(SkillsimError, ValueError):
    """Raised for a filter that is not well formed.

    The message starts with where in the filter the problem is (``$or.1.priority``).
    It is also a ``ValueError``, so a pydantic field of type :data:`DQLFilter`
    reports it as a validation error at that field.
    """


class Filterable(Protocol):
    """What a filter reads from an item: ``protocol.Task`` and ``TaskItem`` have it."""

    @property
    def id(self) -> int | str: ...  # noqa: D102
    @property
    def description(self) -> str: ...  # noqa: D102
    @property
    def difficulty(self) -> float: ...  # noqa: D102
    @property
    def skill(self) -> str | None: ...  # noqa: D102
    @property
    def priority(self) -> int: ...  # noqa: D102
    @property
    def due(self) -> float | None: ...  # noqa: D102
    @property
    def metadata(self) -> Mapping[str, JsonValue]: ...  # noqa: D102


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_path(path: str) -> None:
    parts = path.split(".")
    if parts[0] == "metadata":
        if len(parts) < 2 or not all(parts[1:]):
            raise ValueError(f"a metadata path names its keys, as metadata.a.b; got {path!r}")
    elif path not in FILTER_FIELDS:
        names = ", ".join(FILTER_FIELDS)
        raise ValueError(f"unknown field {path!r}; filter on {names} or metadata.<key>")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: JsonValue) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


class Condition(_Node):
    """One test of one field: ``path op value``."""

    path: str
    op: Operator = "$eq"
    value: JsonValue

    @model_validator(mode="after")
    def _well_formed(self) -> Condition:
        _check_path(self.path)
        if not _finite(self.value):
            raise ValueError(f"numbers must be finite, got {self.value!r}")
        if self.op in _LISTS and not isinstance(self.value, list):
            raise ValueError(f"{self.op} needs a list of values, got {self.value!r}")
        if self.op in _ORDER and not (_is_number(self.value) or isinstance(self.value, str)):
            raise ValueError(f"{self.op} needs a number or a string, got {self.value!r}")
        if self.op == "$exists" and not isinstance(self.value, bool):
            raise ValueError(f"$exists needs true or false, got {self.value!r}")
        return self


class AllOf(_Node):
    """Every one of ``filters`` holds (``$and``)."""

    filters: tuple[Filter, ...] = Field(min_length=1)


class AnyOf(_Node):
    """At least one of ``filters`` holds (``$or``)."""

    filters: tuple[Filter, ...] = Field(min_length=1)


Filter: TypeAlias = Condition | AllOf | AnyOf
"""A filter: a condition, or an ``$and`` / ``$or`` of filters."""

AllOf.model_rebuild()
AnyOf.model_rebuild()


def _conditions(path: str, spec: JsonValue, where: str) -> list[Filter]:
    if not (isinstance(spec, dict) and any(k.startswith("$") for k in spec)):
        return [_condition(path, "$eq", spec, where)]
    if not all(k.startswith("$") for k in spec):
        raise FilterError(f"{where}: an object of operators cannot also hold plain keys")
    return [_condition(path, op, value, f"{where}.{op}") for op, value in spec.items()]


def _condition(path: str, op: str, value: JsonValue, where: str) -> Condition:
    if op not in _OPERATORS:
        known = ", ".join(sorted(_OPERATORS))
        raise FilterError(f"{where}: unknown operator {op!r}; known: {known}")
    try:
        return Condition(path=path, op=op, value=value)  # type: ignore[arg-type]
    except ValueError as error:  # pydantic's ValidationError is one
        errors = getattr(error, "errors", None)
        message = errors()[0]["msg"].removeprefix("Value error, ") if errors else str(error)
        raise FilterError(f"{where}: {message}") from None


def _parse(data: object, where: str) -> Filter:
    if not isinstance(data, dict) or not data:
        problem = f"a filter is a non-empty object, got {data!r}"
        raise FilterError(f"{where}: {problem}" if where else problem)
    parts: list[Filter] = []
    for key, value in data.items():
        at = f"{where}.{key}" if where else key
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise FilterError(f"{at}: needs a non-empty list of filters, got {value!r}")
            inner = tuple(_parse(item, f"{at}.{i}") for i, item in enumerate(value))
            parts.append(AllOf(filters=inner) if key == "$and" else AnyOf(filters=inner))
        elif isinstance(key, str) and key.startswith("$"):
            raise FilterError(f"{at}: only $and and $or may stand for a field")
        else:
            parts.extend(_conditions(key, value, at))
    return parts[0] if len(parts) == 1 else AllOf(filters=tuple(parts))


def parse_filter(data: Mapping[str, Any] | Filter) -> Filter:
    """Read a filter from its DQL form (a model is returned as it is).

    Args:
        data: A JSON object: keys are paths (all must hold) or ``$and``/``$or``;
            a path's value is a plain value (equality) or an object of operators.

    Returns:
        The validated filter.

    Raises:
        FilterError: naming where in the filter it is wrong and what was expected.
    """
    if isinstance(data, Condition | AllOf | AnyOf):
        return data
    return _parse(dict(data) if isinstance(data, Mapping) else data, "")


def to_dql(filter_: Filter) -> dict[str, JsonValue]:
    """The DQL form of a filter; ``parse_filter(to_dql(f)) == f`` for a parsed one."""
    if isinstance(filter_, Condition):
        return {filter_.path: {filter_.op: filter_.value}}
    key = "$and" if isinstance(filter_, AllOf) else "$or"
    return {key: [to_dql(f) for f in filter_.filters]}


DQLFilter = Annotated[Filter, BeforeValidator(parse_filter)]
"""A pydantic field type that reads a filter in its DQL form."""

_MISSING = object()


def _lookup(item: Filterable, path: str) -> object:
    if not path.startswith("metadata."):
        value = item.skill if path == "category" else getattr(item, path)
        return _MISSING if value is None else value
    node: object = item.metadata
    for key in path.split(".")[1:]:
        if not isinstance(node, Mapping) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _ordered(op: str, have: object, want: JsonValue) -> bool:
    if not (
        (_is_number(have) and _is_number(want)) or (isinstance(have, str) and isinstance(want, str))
    ):
        return False
    a: Any = have
    if op == "$gt":
        return bool(a > want)
    if op == "$gte":
        return bool(a >= want)
    if op == "$lt":
        return bool(a < want)
    return bool(a <= want)


def _holds(condition: Condition, item: Filterable) -> bool:
    have = _lookup(item, condition.path)
    op, want = condition.op, condition.value
    if op == "$exists":
        return (have is not _MISSING) == want
    if have is _MISSING:
        return False
    if op in _ORDER:
        return _ordered(op, have, want)
    if op in _LISTS:
        found = any(_same(have, x) for x in want)  # type: ignore[union-attr]
        return found if op == "$in" else not found
    return _same(have, want) == (op == "$eq")


def matches(item: Filterable, filter_: Filter) -> bool:
    """Whether ``item`` passes ``filter_``."""
    if isinstance(filter_, Condition):
        return _holds(filter_, item)
    if isinstance(filter_, AllOf):
        return all(matches(item, f) for f in filter_.filters)
    return any(matches(item, f) for f in filter_.filters)


_T = TypeVar("_T", bound=Filterable)


def select(items: Iterable[_T], filter_: Filter) -> list[_T]:
    """The items that pass ``filter_``, in their order (a pure function).

    Args:
        items: Tasks, task items, or anything :class:`Filterable`.
        filter_: A filter, e.g. from :func:`parse_filter`.

    Returns:
        A new list; ``items`` is not changed.
    """
    return [item for item in items if matches(item, filter_)]
