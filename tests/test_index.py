"""The free-capacity index alone: filing, look-ups, and every kind of change."""

from agents import FreeIndex, WorkerProfile, WorkerRecord
from protocol import AgentDetail


def worker(
    name: str,
    skill: float,
    order: int,
    idle_since: float = 0.0,
    specialties: list[str] | None = None,
    skills: dict[str, float] | None = None,
) -> WorkerRecord:
    profile = WorkerProfile(skill_level=skill, specialties=specialties, skills=skills or {})
    detail = AgentDetail(id=name, name=name, role="worker", profile=profile.model_dump())
    return WorkerRecord(detail, profile, order, idle_since)


def filed(index: FreeIndex, category: str | None = None) -> list[str]:
    return [key[3] for key in index.keys(category)]


class TestLookups:
    def test_least_capable_is_the_lowest_skill_at_or_above_the_need(self) -> None:
        """Skill exactly the need counts; lower skills do not."""
        index = FreeIndex()
        for i, skill in enumerate([3, 5, 7, 9]):
            index.update(worker(f"w{skill}", skill, i), 1)
        found = [index.least_capable(None, need) for need in (1, 5, 5.5, 9, 9.5)]
        assert [None if w is None else w.id for w in found] == ["w3", "w5", "w7", "w9", None]

    def test_ties_go_to_the_longest_idle_then_connection_order(self) -> None:
        """Equal skill: earliest idle_since wins, then the earlier connection."""
        index = FreeIndex()
        index.update(worker("late", 5, 0, idle_since=4.0), 1)
        index.update(worker("second", 5, 2, idle_since=1.0), 1)
        index.update(worker("first", 5, 1, idle_since=1.0), 1)
        assert index.least_capable(None, 5) is not None
        assert [index.least_capable(None, 5).id, index.most_skilled(None).id] == [  # type: ignore[union-attr]
            "first",
            "first",
        ]

    def test_most_skilled_skips_the_disallowed(self) -> None:
        """most_skilled walks down the skill groups past workers not allowed."""
        index = FreeIndex()
        for i, (name, skill) in enumerate([("a", 9), ("b", 9), ("c", 4)]):
            index.update(worker(name, skill, i), 1)
        assert index.most_skilled(None, lambda w: w.id != "a").id == "b"  # type: ignore[union-attr]
        assert index.most_skilled(None, lambda w: w.id == "c").id == "c"  # type: ignore[union-attr]
        assert index.most_skilled(None, lambda w: False) is None
        assert index.least_capable(None, 5, lambda w: w.id != "a").id == "b"  # type: ignore[union-attr]

    def test_categories_file_only_workers_that_take_them(self) -> None:
        """A specialist is filed under its category and under no other; skills count."""
        index = FreeIndex()
        index.update(worker("any", 5, 0, skills={"v": 2}), 1)
        index.update(worker("vis", 6, 1, specialties=["v"]), 1)
        index.update(worker("txt", 4, 2, specialties=["t"]), 1)
        assert filed(index, "v") == ["any", "vis"]
        assert [k[0] for k in index.keys("v")] == [2, 6]
        assert filed(index, "t") == ["txt", "any"]
        assert filed(index, None) == ["txt", "any", "vis"]
        assert index.categories() == ["v", "t", None]


class TestChanges:
    def test_join_files_in_every_built_category(self) -> None:
        """A worker joining after a list was built enters it."""
        index = FreeIndex()
        index.update(worker("a", 5, 0), 1)
        assert filed(index, "v") == ["a"]
        index.update(worker("b", 3, 1), 2)
        assert (filed(index, "v"), filed(index, None), index.total, len(index)) == (
            ["b", "a"],
            ["b", "a"],
            3,
            2,
        )

    def test_no_room_leaves_every_list(self) -> None:
        """A worker with no room (full, gone, leaving) leaves the index."""
        index = FreeIndex()
        a = worker("a", 5, 0)
        index.update(a, 1)
        filed(index, "v")
        index.update(a, 0)
        assert (filed(index, "v"), filed(index, None), index.total, "a" in index) == (
            [],
            [],
            0,
            False,
        )
        index.update(a, -1)
        assert len(index) == 0

    def test_a_new_idle_time_refiles_the_worker(self) -> None:
        """When its load drops, a worker moves behind those idle longer."""
        index = FreeIndex()
        a, b = worker("a", 5, 0), worker("b", 5, 1)
        index.update(a, 2)
        index.update(b, 1)
        assert filed(index) == ["a", "b"]
        a.idle_since = 3.0
        index.update(a, 2)
        assert filed(index) == ["b", "a"]
        assert index.keys(None)[1][1] == 3.0

    def test_a_capacity_change_moves_the_total_not_the_place(self) -> None:
        """More or less room with the same idle time keeps the key."""
        index = FreeIndex()
        a = worker("a", 5, 0)
        index.update(a, 1)
        index.update(a, 3)
        assert (index.total, index.free("a"), filed(index)) == (3, 3, ["a"])
        index.update(a, 2)
        assert (index.total, index.free("a"), index.free("zz")) == (2, 2, 0)
