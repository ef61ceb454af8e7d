import re
from typing import Literal

import pydantic
import pytest
from conftest import error_locations
from hypothesis import given
from hypothesis import strategies as st

from protocol import (
    AgentDetail,
    CodecError,
    Message,
    SkillsimError,
    Task,
    TaskAssignment,
    TaskResult,
    compact,
    encode,
    message_kinds,
    message_type,
    trusted,
)

BUILT_IN_KINDS = [
    "agent_connected",
    "agent_disconnected",
    "review_result",
    "simulation_complete",
    "task",
    "task_accepted",
    "task_assignment",
    "task_rejected",
    "task_result",
    "task_withdrawn",
    "undeliverable",
    "work_request",
    "worker_leaving",
]


class Note(Message):
    """A user's own message, declared at module level."""

    kind: Literal["messages_note"] = "messages_note"
    text: str


class Shout(Message):
    """An abstract user base: no kind of its own."""

    text: str


class LoudShout(Shout):
    kind: Literal["messages_loud_shout"] = "messages_loud_shout"


class TestTask:
    @pytest.mark.parametrize("difficulty", [0, 0.5, 10.5, 11, -3])
    def test_difficulty_outside_scale_is_refused(self, difficulty: float) -> None:
        """A difficulty outside 1..10 raises a ValidationError naming `difficulty`."""
        with pytest.raises(pydantic.ValidationError, match=r"difficulty") as caught:
            Task(id=1, difficulty=difficulty)
        assert error_locations(caught.value) == [("difficulty",)]

    @pytest.mark.parametrize("difficulty", [1, 10, 5.5])
    def test_difficulty_on_scale_is_kept_as_given(self, difficulty: float) -> None:
        """Difficulties 1..10 are accepted and an int stays an int."""
        task = Task(id=1, difficulty=difficulty)
        assert task.difficulty == difficulty
        assert type(task.difficulty) is type(difficulty)

    def test_defaults_match_the_seed(self) -> None:
        """A task built like the seed's has priority 1, no category and no deadline."""
        task = Task(id=1, description="Simple calculation", difficulty=2)
        assert (task.kind, task.priority, task.skill, task.due, task.truth, task.metadata) == (
            "task",
            1,
            None,
            None,
            None,
            {},
        )

    def test_blank_string_id_is_refused(self) -> None:
        """A blank string id raises a ValidationError naming `id`."""
        with pytest.raises(pydantic.ValidationError, match=r"task id must not be blank") as caught:
            Task(id="  ", difficulty=1)
        assert error_locations(caught.value) == [("id",)]

    def test_messages_are_frozen(self) -> None:
        """Assigning to a message field raises a ValidationError."""
        task = Task(id=1, difficulty=1)
        with pytest.raises(pydantic.ValidationError, match=r"frozen"):
            task.difficulty = 2
        assert task.difficulty == 1

    def test_unknown_fields_are_refused(self) -> None:
        """An unknown field raises a ValidationError naming it."""
        with pytest.raises(pydantic.ValidationError) as caught:
            Task(id=1, difficulty=1, dificulty=2)  # type: ignore[call-arg]
        assert error_locations(caught.value) == [("dificulty",)]

    def test_truth_is_hidden_from_repr(self) -> None:
        """The ground-truth label does not appear in a task's repr."""
        assert "secret" not in repr(Task(id=1, difficulty=1, truth="secret"))


class TestOtherMessages:
    def test_attempts_count_from_one(self) -> None:
        """An attempt number below 1 raises a ValidationError naming `attempt`."""
        with pytest.raises(pydantic.ValidationError) as caught:
            TaskAssignment(task=Task(id=1, difficulty=1), attempt=0)
        assert error_locations(caught.value) == [("attempt",)]

    def test_negative_duration_is_refused(self) -> None:
        """A result with a negative duration raises a ValidationError naming `duration`."""
        with pytest.raises(pydantic.ValidationError) as caught:
            TaskResult(task_id=1, worker="w", success=True, duration=-1.0)
        assert error_locations(caught.value) == [("duration",)]

    def test_agent_detail_needs_an_id(self) -> None:
        """An empty agent id raises a ValidationError naming `id`."""
        with pytest.raises(pydantic.ValidationError) as caught:
            AgentDetail(id="", name="x")
        assert error_locations(caught.value) == [("id",)]

    def test_agent_detail_defaults(self) -> None:
        """An agent detail has role "agent" and an empty profile by default."""
        detail = AgentDetail(id="a", name="A")
        assert (detail.role, detail.profile) == ("agent", {})


class TestRegistry:
    def test_built_in_kinds_are_registered_in_sorted_order(self) -> None:
        """message_kinds() lists every built-in kind, sorted by kind."""
        kinds = message_kinds()
        built_in = [k for k, cls in kinds.items() if cls.__module__ == "protocol.messages"]
        assert built_in == BUILT_IN_KINDS
        assert list(kinds) == sorted(kinds)

    def test_message_kinds_returns_a_copy(self) -> None:
        """Changing the dict message_kinds() returned changes nothing."""
        message_kinds().clear()
        assert message_type("task") is Task

    def test_message_type_of_unknown_kind(self) -> None:
        """An unknown kind raises CodecError listing the known kinds."""
        expected = f"unknown message kind 'nope'; known kinds: {', '.join(message_kinds())}"
        with pytest.raises(CodecError, match=rf"^{re.escape(expected)}$"):
            message_type("nope")

    def test_user_message_is_registered_by_its_kind(self) -> None:
        """A user's subclass with its own kind is registered under that kind."""
        assert message_type("messages_note") is Note
        assert message_type("messages_loud_shout") is LoudShout

    def test_subclass_without_kind_is_abstract(self) -> None:
        """A subclass that declares no kind is abstract; one that declares a kind is not."""
        assert (Message.abstract, Shout.abstract, LoudShout.abstract, Note.abstract) == (
            True,
            True,
            False,
            False,
        )

    def test_subclass_of_concrete_message_without_kind_is_abstract(self) -> None:
        """Subclassing a concrete message without a new kind gives an abstract class."""

        class UrgentTask(Task):
            pass

        assert (Task.abstract, UrgentTask.abstract) == (False, True)
        assert message_type("task") is Task

    def test_taken_kind_raises_at_class_creation(self) -> None:
        """Declaring a different class with an existing kind raises CodecError."""
        expected = (
            f"message kind 'task' of {__name__}.TestRegistry."
            "test_taken_kind_raises_at_class_creation.<locals>.Impostor "
            "is taken by protocol.messages.Task"
        )
        with pytest.raises(CodecError, match=rf"^{re.escape(expected)}$"):

            class Impostor(Message):
                kind: Literal["task"] = "task"

        assert message_type("task") is Task

    def test_redeclaring_the_same_class_keeps_the_kind(self) -> None:
        """Re-creating a class with the same module and name (a reload) replaces it."""

        def declare() -> type[Message]:
            class Reloaded(Message):
                kind: Literal["messages_reloaded"] = "messages_reloaded"

            return Reloaded

        first, second = declare(), declare()
        assert first is not second
        assert message_type("messages_reloaded") is second

    def test_kind_without_default_raises(self) -> None:
        """A kind with no literal default raises CodecError at class creation."""
        expected = (
            "TestRegistry.test_kind_without_default_raises.<locals>.NoDefault.kind "
            "must default to its literal name"
        )
        with pytest.raises(CodecError, match=rf"^{re.escape(expected)}$"):

            class NoDefault(Message):
                kind: Literal["messages_no_default"]

    def test_codec_error_is_a_skillsim_error(self) -> None:
        """Every error skillsim raises on purpose descends from SkillsimError."""
        assert issubclass(CodecError, SkillsimError)


class TestCompact:
    def test_equal_given_fields_share_one_set(self) -> None:
        """Two results that gave the same fields share one set of names, equal to before."""
        first = TaskResult(task_id=1, worker="a", success=True, duration=1.0)
        second = TaskResult(task_id=2, worker="b", success=False, duration=2.0)
        names = set(second.model_fields_set)
        assert compact(first) is first
        assert compact(second) is second
        assert second.model_fields_set is first.model_fields_set
        assert second.model_fields_set == names == {"task_id", "worker", "success", "duration"}
        assert (second.task_id, second.worker, second.success) == (2, "b", False)

    def test_different_given_fields_keep_their_own(self) -> None:
        """A message that gave other fields keeps its own set."""
        plain = compact(Task(id=1, difficulty=3))
        due = compact(Task(id=2, difficulty=3, due=4.0))
        assert plain.model_fields_set == {"id", "difficulty"}
        assert due.model_fields_set == {"id", "difficulty", "due"}

    def test_a_copy_with_updates_leaves_the_shared_set_alone(self) -> None:
        """``model_copy(update=...)`` of a compacted message changes no other message."""
        first = compact(Task(id=1, difficulty=3))
        second = compact(Task(id=2, difficulty=4))
        changed = second.model_copy(update={"due": 9.0})
        assert changed.model_fields_set == {"id", "difficulty", "due"}
        assert first.model_fields_set == second.model_fields_set == {"id", "difficulty"}


RESULT_VALUES = st.fixed_dictionaries(
    {
        "kind": st.just("task_result"),
        "task_id": st.one_of(st.integers(), st.text(min_size=1).filter(str.strip)),
        "worker": st.text(min_size=1),
        "success": st.booleans(),
        "status": st.sampled_from(["submitted", "discarded", "draft"]),
        "answer": st.none() | st.text(),
        "duration": st.floats(min_value=0.0, allow_infinity=False, allow_nan=False),
        "attempt": st.integers(min_value=1),
    }
)


class TestTrusted:
    @given(RESULT_VALUES)
    def test_equals_the_validated_message(self, values: dict[str, object]) -> None:
        """Typed values give what validation gives: equal, same given fields, dump, JSON."""
        built = trusted(TaskResult, {name: values[name] for name in TaskResult.model_fields})
        checked = TaskResult.model_validate({k: v for k, v in values.items() if k != "kind"})
        assert type(built) is TaskResult
        assert built == checked
        assert hash(built) == hash(checked)
        assert built.model_fields_set == checked.model_fields_set
        assert built.model_dump() == checked.model_dump()
        assert encode(built) == encode(checked)
        assert repr(built) == repr(checked)

    def test_is_frozen_and_shares_its_set_of_given_fields(self) -> None:
        """Like any message it refuses changes; like ``compact`` it shares the names."""
        values = {
            "kind": "task_result",
            "task_id": 1,
            "worker": "w",
            "success": True,
            "status": "submitted",
            "answer": None,
            "duration": 1.0,
            "attempt": 1,
        }
        first = trusted(TaskResult, dict(values))
        second = trusted(TaskResult, values | {"task_id": 2})
        given = {k: v for k, v in values.items() if k != "kind"}
        validated = compact(TaskResult.model_validate(given))
        assert first.model_fields_set is second.model_fields_set
        assert validated.model_fields_set is first.model_fields_set
        with pytest.raises(pydantic.ValidationError, match=r"frozen"):
            first.success = False  # type: ignore[misc]
        changed = first.model_copy(update={"answer": "a"})
        assert (changed.answer, first.answer) == ("a", None)

    @given(st.integers(min_value=1), st.integers(min_value=1, max_value=10))
    def test_given_names_the_fields_set(self, attempt: int, difficulty: int) -> None:
        """With ``given``, the message has those names set, as the constructor gives."""
        task = Task(id=1, difficulty=difficulty)
        values = {
            "kind": "task_assignment",
            "task": task,
            "attempt": attempt,
            "review_of": None,
            "answer": None,
        }
        built = trusted(TaskAssignment, values, frozenset({"task", "attempt"}))
        checked = TaskAssignment(task=task, attempt=attempt)
        assert built == checked
        assert built.model_fields_set == checked.model_fields_set == {"task", "attempt"}
        assert encode(built) == encode(checked)
