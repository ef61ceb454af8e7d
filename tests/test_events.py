"""The event models: the union's dispatch, each model's own rules and its file-time check."""

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from agents.distribution import WorkloadUnit
from scenarios.events import (
    CrashEvent,
    JoinEvent,
    LeaveEvent,
    ReassignEvent,
    RedistributeEvent,
    SilenceEvent,
    SkillEvent,
)
from scenarios.spec import ScenarioSpec
from scenarios.task_events import (
    AddTasksEvent,
    RemoveTasksEvent,
    SetMinSubmittedEvent,
    SetStatusEvent,
)
from scenarios.workflow import ACTIONS, AnyEvent

EVENT = TypeAdapter(AnyEvent)

MINIMAL: dict[str, tuple[type, dict[str, Any]]] = {
    "leave": (LeaveEvent, {"worker": "a"}),
    "crash": (CrashEvent, {"worker": "a"}),
    "silence": (SilenceEvent, {"worker": "a"}),
    "join": (JoinEvent, {"worker": "c", "skill_level": 4}),
    "skill": (SkillEvent, {"worker": "a", "skill_level": 4}),
    "reassign": (ReassignEvent, {"worker": "a", "target": "b"}),
    "redistribute": (RedistributeEvent, {"workload": [{"assignee": "a", "load": 100}]}),
    "add_tasks": (AddTasksEvent, {"count": 2}),
    "remove_tasks": (RemoveTasksEvent, {"count": 1}),
    "set_status": (SetStatusEvent, {}),
    "set_min_submitted": (SetMinSubmittedEvent, {"min_submitted": 2}),
}
"""Each action, its model and the smallest valid fields besides at and action."""

TAKES = {
    "leave": "worker",
    "crash": "worker",
    "silence": "worker",
    "join": "capacity, skill_level, skills, specialties, worker",
    "skill": "skill_level, skills, worker",
    "reassign": "target, worker",
    "redistribute": "workload",
    "add_tasks": "count",
    "remove_tasks": "count, ids",
    "set_status": "ids, status",
    "set_min_submitted": "min_submitted",
}
"""The fields each action takes, as its error for an unknown field lists them."""


def event(action: str, **fields: Any) -> Any:
    return EVENT.validate_python({"at": 1.0, "action": action, **fields})


def problems(action: str, **fields: Any) -> list[tuple[tuple[int | str, ...], str]]:
    """The (location after the action's tag, message) pairs of a refused event."""
    with pytest.raises(ValidationError) as caught:
        event(action, **fields)
    return [(e["loc"][1:], e["msg"]) for e in caught.value.errors()]


class TestDispatch:
    def test_actions_are_the_documented_eleven(self) -> None:
        """ACTIONS lists every action once, in the order a user is told them."""
        assert tuple(MINIMAL) == ACTIONS

    @pytest.mark.parametrize("action", list(MINIMAL))
    def test_each_action_validates_into_its_own_model(self, action: str) -> None:
        """A table is dispatched on its action to that action's model."""
        model, fields = MINIMAL[action]
        parsed = event(action, **fields)
        assert (type(parsed), parsed.action, parsed.at) == (model, action, 1.0)

    def test_unknown_action_names_the_allowed_ones(self) -> None:
        """An unknown action is refused at ``action``, listing the actions there are."""
        with pytest.raises(ValidationError) as caught:
            event("explode", worker="a")
        (error,) = caught.value.errors()
        assert error["loc"] == ()
        assert error["ctx"]["error"].field == "action"
        assert str(error["ctx"]["error"]) == (
            "Input should be 'leave', 'crash', 'silence', 'join', 'skill', 'reassign', "
            "'redistribute', 'add_tasks', 'remove_tasks', 'set_status' or 'set_min_submitted'"
        )

    @pytest.mark.parametrize("action", list(MINIMAL))
    def test_a_field_of_another_action_is_refused_naming_what_it_takes(self, action: str) -> None:
        """Each model holds only its fields; a stranger is refused with the list."""
        _, fields = MINIMAL[action]
        with pytest.raises(ValidationError) as caught:
            event(action, **fields, bogus=1)
        (error,) = caught.value.errors()
        assert (error["ctx"]["error"].field, str(error["ctx"]["error"])) == (
            "bogus",
            f"the {action} action takes no bogus (it takes {TAKES[action]})",
        )

    @given(st.sampled_from(list(MINIMAL)), st.data())
    def test_any_missing_required_field_is_named(self, action: str, data: st.DataObject) -> None:
        """Dropping a required field gives ``the <action> action needs <field>``."""
        model, fields = MINIMAL[action]
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        required = [n for n in required if n not in ("at", "action")]
        if not required:
            return
        dropped = data.draw(st.sampled_from(required))
        with pytest.raises(ValidationError) as caught:
            event(action, **{k: v for k, v in fields.items() if k != dropped})
        (error,) = caught.value.errors()
        assert str(error["ctx"]["error"]) == f"the {action} action needs {dropped}"

    def test_time_is_never_negative(self) -> None:
        """``at`` 0 is accepted and a negative one refused, for every action."""
        assert EVENT.validate_python({"at": 0, "action": "leave", "worker": "a"}).at == 0
        with pytest.raises(ValidationError, match="greater than or equal to 0"):
            EVENT.validate_python({"at": -0.5, "action": "leave", "worker": "a"})


class TestOwnRules:
    @pytest.mark.parametrize("action", ["join", "skill"])
    def test_skill_level_is_at_least_0(self, action: str) -> None:
        """A skill level of 0 is accepted and below 0 refused."""
        fields = MINIMAL[action][1] | {"skill_level": 0}
        assert event(action, **fields).skill_level == 0
        fields["skill_level"] = -0.5
        assert problems(action, **fields) == [
            (("skill_level",), "Input should be greater than or equal to 0")
        ]

    @pytest.mark.parametrize("action", ["join", "skill"])
    def test_category_skills_are_at_least_0(self, action: str) -> None:
        """A category skill of 0 is accepted; a negative one is refused naming the category."""
        fields = MINIMAL[action][1] | {"skills": {"vision": 0}}
        assert event(action, **fields).skills == {"vision": 0}
        with pytest.raises(ValidationError) as caught:
            event(action, **(fields | {"skills": {"vision": -2}}))
        (error,) = caught.value.errors()
        assert (error["ctx"]["error"].field, error["msg"]) == (
            "vision",
            "Value error, must be >= 0, got -2",
        )

    def test_skill_needs_a_level_or_skills(self) -> None:
        """``skill`` with neither is refused; either one alone is enough."""
        assert event("skill", worker="a", skills={"nlp": 3}).skill_level is None
        assert event("skill", worker="a", skill_level=3).skills is None
        assert problems("skill", worker="a") == [
            ((), "Value error, the skill action needs skill_level or skills")
        ]

    def test_join_capacity_is_at_least_1(self) -> None:
        """A joiner's capacity defaults to 1; 0 is refused."""
        assert event("join", worker="c", skill_level=2).capacity == 1
        assert problems("join", worker="c", skill_level=2, capacity=0) == [
            (("capacity",), "Input should be greater than or equal to 1")
        ]

    def test_reassign_needs_two_workers(self) -> None:
        """Reassigning a worker's work to itself is refused at ``target``."""
        assert event("reassign", worker="a", target="b").target == "b"
        with pytest.raises(ValidationError) as caught:
            event("reassign", worker="a", target="a")
        (error,) = caught.value.errors()
        assert (error["ctx"]["error"].field, str(error["ctx"]["error"])) == (
            "target",
            "reassign needs two different workers",
        )

    @pytest.mark.parametrize("action", ["add_tasks", "remove_tasks"])
    def test_count_is_at_least_1(self, action: str) -> None:
        """A count of 1 is accepted and 0 refused."""
        assert event(action, count=1).count == 1
        assert problems(action, count=0) == [
            (("count",), "Input should be greater than or equal to 1")
        ]

    def test_remove_takes_ids_or_a_count(self) -> None:
        """``remove_tasks`` takes exactly one of ids and count."""
        assert event("remove_tasks", ids=[1, "x"]).ids == [1, "x"]
        assert problems("remove_tasks") == [
            ((), "Value error, the remove_tasks action needs ids or a count")
        ]
        assert problems("remove_tasks", ids=[1], count=1) == [
            ((), "Value error, the remove_tasks action takes ids or a count, not both")
        ]

    def test_set_status_defaults_to_completed_for_every_task(self) -> None:
        """Without fields, set_status completes every unfinished task; a status is checked."""
        parsed = event("set_status")
        assert (parsed.status, parsed.ids) == ("completed", None)
        assert problems("set_status", status="done") == [
            (("status",), "Input should be 'completed', 'failed' or 'removed'")
        ]

    def test_min_submitted_is_at_least_1(self) -> None:
        """``set_min_submitted`` of 1 is accepted and 0 refused."""
        assert event("set_min_submitted", min_submitted=1).min_submitted == 1
        assert problems("set_min_submitted", min_submitted=0) == [
            (("min_submitted",), "Input should be greater than or equal to 1")
        ]

    def test_redistribute_units_are_the_agents_workload_units(self) -> None:
        """A redistribute's workload is agents' WorkloadUnit, with its bounds, non-empty."""
        parsed = event("redistribute", workload=[{"assignee": "a", "load": 100}])
        assert parsed.workload == [WorkloadUnit("a", 100)]
        assert problems("redistribute", workload=[{"assignee": "a", "load": 101}]) == [
            (("workload", 0, "load"), "Input should be less than or equal to 100")
        ]
        assert problems("redistribute", workload=[]) == [
            (("workload",), "List should have at least 1 item after validation, not 0")
        ]

    def test_what_an_event_adds(self) -> None:
        """add_tasks adds its count of tasks and join one worker; the others add nothing."""
        added = {a: event(a, **f).new_tasks for a, (_, f) in MINIMAL.items()}
        joiners = {a: event(a, **f).joiner for a, (_, f) in MINIMAL.items()}
        assert {a: n for a, n in added.items() if n} == {"add_tasks": 2}
        assert {a: n for a, n in joiners.items() if n is not None} == {"join": "c"}


def spec(*events: dict[str, Any]) -> ScenarioSpec:
    """A scenario of workers a and b, tasks 1 (at t=0) and 2 (at t=30), and ``events``."""
    return ScenarioSpec.model_validate(
        {
            "workers": {
                "items": [{"name": "a", "skill_level": 5}, {"name": "b", "skill_level": 5}]
            },
            "tasks": {
                "items": [{"id": 1, "difficulty": 3}, {"id": 2, "difficulty": 3, "arrival": 30}]
            },
            "events": list(events),
        }
    )


def refusal(*events: dict[str, Any]) -> tuple[str, str]:
    """The (field, message) the file-time check refuses ``events`` with."""
    with pytest.raises(ValidationError) as caught:
        spec(*events)
    (error,) = caught.value.errors()
    problem = error["ctx"]["error"]
    return problem.field, str(problem)


class TestFileTimeChecks:
    def test_work_may_move_from_a_worker_who_left(self) -> None:
        """A reassign's source may have left already; its target may not."""
        gone = {"at": 1, "action": "leave", "worker": "a"}
        moved = spec(gone, {"at": 2, "action": "reassign", "worker": "a", "target": "b"})
        assert len(moved.events) == 2
        assert refusal(gone, {"at": 2, "action": "reassign", "worker": "b", "target": "a"}) == (
            "events[1].target",
            "worker 'a' left at t=1 (events[0]), before this event at t=2",
        )

    def test_a_worker_who_left_may_keep_a_zero_share_only(self) -> None:
        """Redistributing gives a departed worker 0 at most."""
        gone = {"at": 1, "action": "crash", "worker": "a"}

        def split(share: int) -> dict[str, Any]:
            units = [{"assignee": "a", "load": share}, {"assignee": "b", "load": 100 - share}]
            return {"at": 2, "action": "redistribute", "workload": units}

        assert len(spec(gone, split(0)).events) == 2
        assert refusal(gone, split(1)) == (
            "events[1].workload[0].assignee",
            "worker 'a' crashed at t=1 (events[0]), before this event at t=2",
        )

    def test_silence_does_not_remove_the_worker(self) -> None:
        """After ``silence`` the worker may still be named (it is there, mute)."""
        mute = {"at": 1, "action": "silence", "worker": "a"}
        assert len(spec(mute, {"at": 2, "action": "leave", "worker": "a"}).events) == 2

    def test_a_task_is_named_from_its_arrival_on(self) -> None:
        """A task may be named at its arrival time, not before."""
        at_arrival = {"at": 30, "action": "set_status", "ids": [2]}
        assert len(spec(at_arrival).events) == 1
        assert refusal(at_arrival | {"at": 29}) == (
            "events[0].ids[0]",
            "task 2 arrives at t=30, after this event at t=29",
        )

    def test_a_joiner_is_named_from_its_join_on(self) -> None:
        """A joiner may be named at its join time (after it in the file), not before."""
        join = {"at": 5, "action": "join", "worker": "c", "skill_level": 3}
        leave = {"at": 5, "action": "leave", "worker": "c"}
        assert len(spec(join, leave).events) == 2
        assert refusal(join, leave | {"at": 4}) == (
            "events[1].worker",
            "worker 'c' joins at t=5 (events[0]), after this event at t=4",
        )

    def test_added_tasks_may_be_named_once_added(self) -> None:
        """``add_tasks`` ids ``e<n>-<k>`` exist from the event on, up to its count."""
        add = {"at": 3, "action": "add_tasks", "count": 2}
        assert len(spec(add, {"at": 3, "action": "remove_tasks", "ids": ["e1-2"]}).events) == 2
        assert refusal(add, {"at": 3, "action": "remove_tasks", "ids": ["e1-3"]}) == (
            "events[1].ids[0]",
            "no task has id 'e1-3'",
        )


README = Path(__file__).parent.parent / "README.md"


def fields_table() -> list[tuple[list[str], set[str]]]:
    """The README's table of event fields: (actions, backticked words of the fields)."""
    text = README.read_text(encoding="utf-8")
    start = text.index("| action | its fields |")
    rows = text[start:].split("\n\n", 1)[0].splitlines()[2:]
    out = []
    for row in rows:
        actions, fields = row.strip("| ").split(" | ", 1)
        out.append((re.findall(r"`(\w+)`", actions), set(re.findall(r"`(\w+)`", fields))))
    return out


class TestReadme:
    def test_fields_table_lists_every_action_once(self) -> None:
        """Each action has exactly one row of the README's fields table."""
        listed = [a for actions, _ in fields_table() for a in actions]
        assert sorted(listed) == sorted(ACTIONS)

    def test_fields_table_gives_each_action_its_fields_exactly(self) -> None:
        """A row names every field of its actions and no field of another action."""
        own = {a: set(m.model_fields) - {"at", "action"} for a, (m, _) in MINIMAL.items()}
        anyone = set().union(*own.values())
        wrong = [
            (action, sorted(own[action] - words), sorted((words & anyone) - own[action]))
            for actions, words in fields_table()
            for action in actions
            if own[action] - words or (words & anyone) - own[action]
        ]
        assert wrong == []
