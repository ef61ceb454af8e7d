"""Filters over items (DQL): exact selections, error paths, and algebraic invariants."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from agents.filters import (
    AllOf,
    AnyOf,
    Condition,
    DQLFilter,
    Filter,
    FilterError,
    parse_filter,
    select,
    to_dql,
)
from protocol.messages import Task

ITEMS = [
    Task(id=1, difficulty=2, priority=1, skill="vision", metadata={"dir": "/a", "size": 10}),
    Task(id=2, difficulty=5, priority=3, skill="text", metadata={"dir": "/b", "size": 2.5}),
    Task(id=3, difficulty=8, priority=2, due=50.0, metadata={"dir": "/a", "cam": {"model": "X"}}),
    Task(id="t4", difficulty=3, metadata={"dir": None, "size": "big", "flag": True}),
    Task(id=5, difficulty=9, metadata={"size": 1, "tags": ["x", "y"]}),
]


def ids(query: dict[str, Any]) -> list[int | str]:
    return [t.id for t in select(ITEMS, parse_filter(query))]


class TestSelect:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"metadata.dir": "/a"}, [1, 3]),
            ({"metadata.cam.model": "X"}, [3]),
            ({"metadata.cam.model.deeper": "X"}, []),
            ({"metadata.dir": None}, ["t4"]),
            ({"metadata.dir": {"$ne": "/a"}}, [2, "t4"]),
            ({"metadata.dir": {"$in": ["/b", None]}}, [2, "t4"]),
            ({"metadata.dir": {"$nin": ["/b"]}}, [1, 3, "t4"]),
            ({"metadata.dir": {"$exists": False}}, [5]),
            ({"metadata.size": {"$gt": 2}}, [1, 2]),
            ({"metadata.size": {"$gte": 1, "$lt": 10}}, [2, 5]),
            ({"metadata.size": {"$lte": 2.5}}, [2, 5]),
            ({"metadata.size": {"$gt": "a"}}, ["t4"]),
            ({"metadata.size": 10.0}, [1]),
            ({"metadata.flag": 1}, []),
            ({"metadata.flag": True}, ["t4"]),
            ({"metadata.size": True}, []),
            ({"metadata.tags": ["x", "y"]}, [5]),
            ({"metadata.tags": ["y", "x"]}, []),
            ({"metadata.cam": {"model": "X"}}, [3]),
            ({"category": "vision"}, [1]),
            ({"category": {"$exists": False}}, [3, "t4", 5]),
            ({"due": {"$exists": True}}, [3]),
            ({"priority": {"$gte": 2}, "difficulty": {"$lt": 8}}, [2]),
            ({"id": {"$in": [1, "t4"]}}, [1, "t4"]),
            ({"id": {"$gt": "a"}}, ["t4"]),
            ({"$or": [{"metadata.dir": "/b"}, {"difficulty": {"$gte": 8}}]}, [2, 3, 5]),
            ({"$and": [{"metadata.dir": "/a"}, {"priority": 2}]}, [3]),
        ],
    )
    def test_selects_exactly(self, query: dict[str, Any], expected: list[int | str]) -> None:
        """Each query selects exactly these items, in their order."""
        assert ids(query) == expected

    def test_select_leaves_the_items_alone(self) -> None:
        """select returns a new list and does not change the one it was given."""
        items = list(ITEMS)
        chosen = select(items, parse_filter({"metadata.dir": "/a"}))
        chosen.clear()
        assert items == ITEMS


class TestErrors:
    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({}, r"^a filter is a non-empty object, got \{\}$"),
            (
                {"skill": "vision"},
                r"^skill: unknown field 'skill'; filter on id, description, difficulty, "
                r"category, priority, due or metadata.<key>$",
            ),
            ({"metadata": 1}, r"^metadata: a metadata path names its keys, as metadata.a.b;"),
            ({"metadata.a..b": 1}, r"^metadata.a..b: a metadata path names its keys"),
            ({"$or": []}, r"^\$or: needs a non-empty list of filters, got \[\]$"),
            ({"$and": {"a": 1}}, r"^\$and: needs a non-empty list of filters"),
            ({"$not": [{"due": 1}]}, r"^\$not: only \$and and \$or may stand for a field$"),
            (
                {"$or": [{"due": 1}, {"priority": {"$in": 3}}]},
                r"^\$or.1.priority.\$in: \$in needs a list of values, got 3$",
            ),
            ({"due": {"$gt": [1]}}, r"^due.\$gt: \$gt needs a number or a string, got \[1\]$"),
            ({"due": {"$lt": None}}, r"^due.\$lt: \$lt needs a number or a string, got None$"),
            ({"due": {"$exists": 1}}, r"^due.\$exists: \$exists needs true or false, got 1$"),
            ({"due": {"$gt": float("inf")}}, r"^due.\$gt: numbers must be finite, got inf$"),
            ({"due": {"$regex": "x"}}, r"^due.\$regex: unknown operator '\$regex'; known: "),
            ({"due": {"$gt": 1, "x": 2}}, r"^due: an object of operators cannot also hold"),
            ({"$and": [{"due": 1}, []]}, r"^\$and.1: a filter is a non-empty object, got \[\]$"),
        ],
    )
    def test_a_bad_filter_names_where_it_is_wrong(
        self, query: dict[str, Any], message: str
    ) -> None:
        """A malformed filter is refused with its path inside the filter and the reason."""
        with pytest.raises(FilterError, match=message):
            parse_filter(query)

    def test_a_model_field_reports_the_filter_error(self) -> None:
        """As a pydantic field type, a bad DQL filter is a validation error at that field."""

        class Holder(BaseModel):
            where: DQLFilter

        with pytest.raises(ValidationError) as caught:
            Holder.model_validate({"where": {"due": {"$regex": 1}}})
        [error] = caught.value.errors()
        assert (error["loc"], error["msg"].partition(";")[0]) == (
            ("where",),
            "Value error, due.$regex: unknown operator '$regex'",
        )
        held = Holder.model_validate({"where": {"due": {"$gt": 1}}})
        assert held.where == Condition(path="due", op="$gt", value=1)


# Hypothesis: items over a few keys and values, filters over the same.
KEYS = ["a", "b"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from([0.5, 1.0]), st.sampled_from("xy")
)
METADATA = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=2)
TASKS = st.lists(METADATA, max_size=8).map(
    lambda rows: [Task(id=i, difficulty=1 + i % 10, metadata=m) for i, m in enumerate(rows)]
)
PATHS = st.sampled_from(["metadata.a", "metadata.b", "difficulty", "id"])
SCALARS = st.one_of(st.integers(-2, 2), st.sampled_from([0.5, "x", "y"]))


def conditions() -> st.SearchStrategy[Filter]:
    plain = st.builds(Condition, path=PATHS, op=st.sampled_from(["$eq", "$ne"]), value=VALUES)
    listed = st.builds(
        Condition, path=PATHS, op=st.sampled_from(["$in", "$nin"]), value=st.lists(VALUES)
    )
    ordered = st.builds(
        Condition, path=PATHS, op=st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), value=SCALARS
    )
    exists = st.builds(Condition, path=PATHS, op=st.just("$exists"), value=st.booleans())
    return st.one_of(plain, listed, ordered, exists)


FILTERS: st.SearchStrategy[Filter] = st.recursive(
    conditions(),
    lambda inner: st.one_of(
        st.builds(AllOf, filters=st.lists(inner, min_size=1, max_size=3).map(tuple)),
        st.builds(AnyOf, filters=st.lists(inner, min_size=1, max_size=3).map(tuple)),
    ),
    max_leaves=6,
)


def keys(items: list[Task]) -> list[int | str]:
    return [t.id for t in items]


class TestInvariants:
    @given(TASKS, st.lists(FILTERS, min_size=1, max_size=3))
    def test_and_is_the_intersection(self, tasks: list[Task], parts: list[Filter]) -> None:
        """$and of filters selects exactly the items every one of them selects."""
        chosen = [set(keys(select(tasks, f))) for f in parts]
        both = set.intersection(*chosen)
        assert keys(select(tasks, AllOf(filters=tuple(parts)))) == [
            t.id for t in tasks if t.id in both
        ]

    @given(TASKS, st.lists(FILTERS, min_size=1, max_size=3))
    def test_or_is_the_union(self, tasks: list[Task], parts: list[Filter]) -> None:
        """$or of filters selects exactly the items one of them selects."""
        either = set().union(*(set(keys(select(tasks, f))) for f in parts))
        assert keys(select(tasks, AnyOf(filters=tuple(parts)))) == [
            t.id for t in tasks if t.id in either
        ]

    @given(TASKS, PATHS, VALUES)
    def test_ne_is_the_complement_of_eq_among_items_with_the_field(
        self, tasks: list[Task], path: str, value: Any
    ) -> None:
        """$ne selects the items that have the field and that $eq does not select."""
        has = keys(select(tasks, Condition(path=path, op="$exists", value=True)))
        equal = set(keys(select(tasks, Condition(path=path, op="$eq", value=value))))
        assert keys(select(tasks, Condition(path=path, op="$ne", value=value))) == [
            i for i in has if i not in equal
        ]

    @given(TASKS, PATHS, st.lists(VALUES))
    def test_nin_is_the_complement_of_in_among_items_with_the_field(
        self, tasks: list[Task], path: str, values: list[Any]
    ) -> None:
        """$nin selects the items that have the field and that $in does not select."""
        has = keys(select(tasks, Condition(path=path, op="$exists", value=True)))
        inside = set(keys(select(tasks, Condition(path=path, op="$in", value=values))))
        assert keys(select(tasks, Condition(path=path, op="$nin", value=values))) == [
            i for i in has if i not in inside
        ]

    @given(TASKS, PATHS, st.lists(VALUES))
    def test_in_is_the_or_of_equalities(
        self, tasks: list[Task], path: str, values: list[Any]
    ) -> None:
        """$in of a list selects what the $or of one equality per value selects."""
        listed = select(tasks, Condition(path=path, op="$in", value=values))
        if not values:
            assert listed == []
            return
        equalities = tuple(Condition(path=path, value=v) for v in values)
        assert listed == select(tasks, AnyOf(filters=equalities))

    @given(TASKS, PATHS, st.integers(-2, 2))
    def test_gt_and_lte_split_the_numbers(self, tasks: list[Task], path: str, pivot: int) -> None:
        """Against a number, $gt and $lte split the items whose field is a number."""
        above = keys(select(tasks, Condition(path=path, op="$gt", value=pivot)))
        below = keys(select(tasks, Condition(path=path, op="$lte", value=pivot)))

        def value(task: Task) -> object:
            if path.startswith("metadata."):
                return task.metadata.get(path.removeprefix("metadata."))
            return getattr(task, path)

        numbers = {t.id: value(t) for t in tasks}
        numbers = {i: v for i, v in numbers.items() if type(v) in (int, float)}
        assert above == [i for i, v in numbers.items() if v > pivot]  # type: ignore[operator]
        assert below == [i for i, v in numbers.items() if v <= pivot]  # type: ignore[operator]

    @given(FILTERS)
    def test_dql_round_trips(self, filter_: Filter) -> None:
        """A filter written in its DQL form reads back to the same filter."""
        assert parse_filter(to_dql(filter_)) == filter_
