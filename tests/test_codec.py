import re
from typing import Any, Literal

import pydantic
import pytest

from protocol import (
    AgentConnected,
    AgentDetail,
    AgentDisconnected,
    CodecError,
    Message,
    ReviewResult,
    SimulationComplete,
    Task,
    TaskAccepted,
    TaskAssignment,
    TaskRejected,
    TaskResult,
    TaskWithdrawn,
    Undeliverable,
    WorkerLeaving,
    WorkRequest,
    decode,
    encode,
    message_kinds,
    roundtrip,
)

TASK = Task(
    id=7,
    description="label the image",
    difficulty=4.5,
    skill="vision",
    priority=3,
    due=12.5,
    truth="cat",
    metadata={"source": "batch-1", "sizes": [1, 2.5, None], "nested": {"ok": True}},
)
WORKER = AgentDetail(id="w1", name="Worker 1", role="worker", profile={"skill_level": 3.0})

SAMPLES: list[Message] = [
    TASK,
    Task(id="t-1", difficulty=1),
    TaskAssignment(task=TASK, attempt=2, review_of="w0", answer="dog"),
    TaskAccepted(task_id=7, worker="w1"),
    TaskRejected(task_id="t-1", worker="w1", reason="busy"),
    TaskResult(task_id=7, worker="w1", success=False, status="draft", answer="cat", duration=2.5),
    WorkRequest(worker="w1", capacity=2),
    WorkerLeaving(worker="w1"),
    TaskWithdrawn(task_id=7),
    ReviewResult(task_id=7, reviewer="r1", worker="w1", approved=True, attempt=3),
    SimulationComplete(total=3, completed=2, failed=1),
    AgentConnected(agent=WORKER),
    AgentDisconnected(agent=WORKER, reason="crashed"),
    Undeliverable(recipient="ghost", reason="unknown", original=TASK),
    Undeliverable(recipient="w1", reason="departed", original=TaskAssignment(task=TASK, attempt=1)),
]


class Memo(Message):
    """A user's own message with its own kind."""

    kind: Literal["codec_memo"] = "codec_memo"
    to: str
    lines: tuple[str, ...] = ()


class Blob(Message):
    """A user's message that can hold anything, JSON or not."""

    kind: Literal["codec_blob"] = "codec_blob"
    payload: Any = None


class TestRoundTrip:
    @pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.kind)
    def test_every_kind_reads_back_equal_and_typed(self, message: Message) -> None:
        """decode(encode(m)) equals m and has m's class."""
        back = decode(encode(message))
        assert back == message
        assert type(back) is type(message)

    def test_samples_cover_every_built_in_kind(self) -> None:
        """The round-trip samples include every kind that protocol.messages declares."""
        built_in = {
            k for k, cls in message_kinds().items() if cls.__module__ == "protocol.messages"
        }
        assert {m.kind for m in SAMPLES} == built_in

    def test_undeliverable_holding_a_task_reads_back_a_task(self) -> None:
        """The original message inside an Undeliverable comes back as its own class."""
        back = decode(encode(Undeliverable(recipient="ghost", reason="unknown", original=TASK)))
        assert isinstance(back, Undeliverable)
        assert type(back.original) is Task
        assert back.original == TASK

    def test_nested_original_keeps_its_type(self) -> None:
        """A TaskAssignment inside an Undeliverable reads back with its Task inside."""
        message = Undeliverable(
            recipient="w1", reason="departed", original=TaskAssignment(task=TASK)
        )
        back = roundtrip(message)
        assert isinstance(back, Undeliverable)
        assert isinstance(back.original, TaskAssignment)
        assert back.original.task == TASK

    def test_encode_writes_kind_first_in_compact_json(self) -> None:
        """The JSON line starts with the kind and has no spaces between tokens."""
        assert encode(TaskAccepted(task_id=1, worker="w")) == (
            '{"kind":"task_accepted","task_id":1,"worker":"w"}'
        )

    def test_task_ids_keep_their_type(self) -> None:
        """An int task id stays an int and a str id stays a str."""
        assert roundtrip(TaskAccepted(task_id=1, worker="w")) == TaskAccepted(task_id=1, worker="w")
        back = roundtrip(TaskAccepted(task_id="1", worker="w"))
        assert isinstance(back, TaskAccepted)
        assert back.task_id == "1"

    def test_user_message_with_its_own_kind_is_decodable(self) -> None:
        """A user-defined subclass with its own kind reads back as that class."""
        back = decode('{"kind":"codec_memo","to":"w1","lines":["a","b"]}')
        assert type(back) is Memo
        assert back == Memo(to="w1", lines=("a", "b"))

    def test_user_message_inside_undeliverable(self) -> None:
        """A user message bounced inside an Undeliverable reads back as its class."""
        back = roundtrip(Undeliverable(recipient="x", reason="unknown", original=Memo(to="x")))
        assert isinstance(back, Undeliverable)
        assert type(back.original) is Memo


class TestDecodeErrors:
    def test_unknown_kind(self) -> None:
        """An unknown kind raises CodecError naming it and the known kinds."""
        expected = f"unknown message kind 'nope'; known kinds: {', '.join(message_kinds())}"
        with pytest.raises(CodecError, match=rf"^{re.escape(expected)}$"):
            decode('{"kind":"nope"}')

    def test_malformed_payload_names_the_field(self) -> None:
        """A difficulty off the scale raises CodecError naming `difficulty`."""
        with pytest.raises(
            CodecError,
            match=r"^malformed 'task' message: difficulty: Input should be less than or equal "
            r"to 10$",
        ):
            decode('{"kind":"task","id":1,"difficulty":11}')

    def test_missing_field_names_the_field(self) -> None:
        """A missing required field raises CodecError naming it."""
        with pytest.raises(
            CodecError, match=r"^malformed 'task' message: difficulty: Field required$"
        ):
            decode('{"kind":"task","id":1}')

    def test_nested_field_is_named_by_its_path(self) -> None:
        """An error inside a nested message names the dotted path to the field."""
        with pytest.raises(
            CodecError,
            match=r"^malformed 'task_assignment' message: task\.difficulty: Input should be "
            r"greater than or equal to 1$",
        ):
            decode('{"kind":"task_assignment","task":{"kind":"task","id":1,"difficulty":0}}')

    def test_invalid_json(self) -> None:
        """Text that is not JSON raises CodecError with the parser's reason."""
        with pytest.raises(
            CodecError, match=r"^not JSON: Expecting value: line 1 column 9 \(char 8\)$"
        ):
            decode('{"kind":')

    def test_json_that_is_not_an_object(self) -> None:
        """A JSON array raises CodecError saying a message is an object."""
        with pytest.raises(CodecError, match=r"^a message is a JSON object, got list$"):
            decode("[1, 2]")

    def test_missing_kind(self) -> None:
        """An object without a string kind raises CodecError."""
        with pytest.raises(CodecError, match=r"^message has no 'kind' field$"):
            decode('{"id": 1}')

    def test_bytes_are_accepted(self) -> None:
        """decode reads UTF-8 bytes as well as text."""
        assert decode(b'{"kind":"task","id":1,"difficulty":2}') == Task(id=1, difficulty=2)


class TestEncodeErrors:
    def test_unserializable_value(self) -> None:
        """A value with no JSON form raises CodecError naming the kind and the field."""
        with pytest.raises(
            CodecError,
            match=r"^cannot encode 'codec_blob' message: payload: Unable to serialize unknown "
            r"type: <class 'object'>$",
        ):
            encode(Blob(payload=object()))

    def test_abstract_message(self) -> None:
        """A message without a kind of its own raises CodecError."""
        with pytest.raises(CodecError, match=r"^Message has no kind of its own$"):
            encode(Message(kind="task"))

    def test_subclass_of_concrete_message_without_kind(self) -> None:
        """A subclass that inherits its kind would decode as its base, so encode refuses it."""

        class TaggedTask(Task):
            tag: str = ""

        with pytest.raises(
            CodecError,
            match=r"^TestEncodeErrors\.test_subclass_of_concrete_message_without_kind\."
            r"<locals>\.TaggedTask has no kind of its own$",
        ):
            encode(TaggedTask(id=1, difficulty=1, tag="x"))


class TestTakenKind:
    def test_different_class_with_existing_kind_raises(self) -> None:
        """A second class claiming the kind "codec_memo" raises CodecError at creation."""
        expected = (
            f"message kind 'codec_memo' of {__name__}.TestTakenKind."
            "test_different_class_with_existing_kind_raises.<locals>.Memo is taken by "
            f"{__name__}.Memo"
        )
        with pytest.raises(CodecError, match=rf"^{re.escape(expected)}$"):

            class Memo(Message):
                kind: Literal["codec_memo"] = "codec_memo"

        assert type(decode('{"kind":"codec_memo","to":"x"}')).__module__ == __name__


class TestTaskValidation:
    def test_difficulty_outside_scale_raises_validation_error(self) -> None:
        """Building a Task with difficulty 11 raises a pydantic ValidationError on `difficulty`."""
        with pytest.raises(pydantic.ValidationError, match=r"difficulty") as caught:
            Task(id=1, difficulty=11)
        assert [e["loc"] for e in caught.value.errors()] == [("difficulty",)]
