"""Typed messages: frozen pydantic models, each with a literal ``kind``.

Every concrete message class declares ``kind: Literal["..."]`` and is registered by
that kind when the class is created, so the codec can read any message back to its
own type, including messages that users define in their own modules. A kind names
exactly one class: declaring a second, different class with a taken kind raises
:class:`~protocol.errors.CodecError` at class creation.

Messages carry domain data only. Who sent a message and when is the envelope's
business (:class:`~protocol.envelope.Envelope`), not the payload's.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    SerializeAsAny,
    field_validator,
)

from protocol.errors import CodecError

__all__ = [
    "AgentConnected",
    "AgentDetail",
    "AgentDisconnected",
    "AnyMessage",
    "Level",
    "Message",
    "ResponseStatus",
    "ReviewResult",
    "SimulationComplete",
    "Task",
    "TaskAccepted",
    "TaskAssignment",
    "TaskId",
    "TaskRejected",
    "TaskResult",
    "TaskWithdrawn",
    "Undeliverable",
    "WorkRequest",
    "WorkerLeaving",
    "compact",
    "message_kinds",
    "message_type",
    "trusted",
]

TaskId = int | str
"""A task's id: an int as in the seed, or a string."""

Level = Annotated[int | float, Field(ge=1, le=10)]
"""A difficulty on the seed's scale, 1 (trivial) to 10 (hardest); ints stay ints."""

ResponseStatus = Literal["submitted", "discarded", "draft"]
"""What became of one worker's response to a task (the statuses of seed 002)."""

_KINDS: dict[str, type[Message]] = {}
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
_TRUSTED_SETS: dict[frozenset[str], set[str]] = {}  # names with kind -> shared set without
_new = object.__new__
_setattr = object.__setattr__
M = TypeVar("M", bound="Message")


class Message(BaseModel):
    """Base of every message that travels on the bus.

    Subclasses declare ``kind: Literal["name"] = "name"``; a subclass without its own
    ``kind`` is abstract and is not registered with the codec. No number in a message
    may be NaN or infinite (``Task(due=float("nan"))`` raises ``ValidationError``).
    """

    # Every number a message carries is finite: NaN compares false with everything
    # and would slip through every range check after it.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: str

    abstract: ClassVar[bool] = True

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "kind" not in inspect.get_annotations(cls):
            # Not inherited: a subclass of a concrete message without a kind of its own
            # would be written as its base's kind and read back as the base class.
            cls.abstract = True
            return
        kind = cls.model_fields["kind"].default
        if not isinstance(kind, str):
            raise CodecError(f"{cls.__qualname__}.kind must default to its literal name")
        known = _KINDS.get(kind)
        if known is not None and (known.__module__, known.__qualname__) != (
            cls.__module__,
            cls.__qualname__,
        ):
            raise CodecError(
                f"message kind {kind!r} of {cls.__module__}.{cls.__qualname__} is taken "
                f"by {known.__module__}.{known.__qualname__}"
            )
        cls.abstract = False
        _KINDS[kind] = cls


def compact(message: M) -> M:
    """Let ``message`` share its record of given fields with others that gave the same.

    Pydantic keeps, per instance, the set of field names given at construction
    (``model_fields_set``): about 730 bytes for seven names, more than the values. A
    message is frozen, so that set never changes; messages kept by the thousand
    (tasks, results) share one equal set instead. Nothing observable changes:
    ``model_fields_set`` is equal, and ``model_copy`` copies the set before updating it.

    Returns:
        ``message`` itself.
    """
    names = message.__pydantic_fields_set__
    shared = _FIELDS_SETS.setdefault(frozenset(names), names)
    if shared is not names:
        object.__setattr__(message, "__pydantic_fields_set__", shared)
    return message


def trusted(cls: type[M], values: dict[str, Any], given: frozenset[str] | None = None) -> M:
    """Build a ``cls`` message from values that already have its field types, unvalidated.

    For messages the simulation's own agents make by the thousand from values that were
    validated where they came from (a worker's result: ids from a validated task, a
    bool and a finite float from the performance model). ``values`` holds every field,
    ``kind`` first, in declaration order. What comes out equals (``==``) the validated
    message, has the same ``model_fields_set`` (``given``; shared, as :func:`compact`
    does) and the same dump; a test checks it. It costs a third of a validation.
    Anything not known to be typed goes through the constructor.

    Args:
        cls: The message class.
        values: Every field's value.
        given: The names the same message built by its constructor would have been
            given; by default every field but ``kind``.

    Returns:
        The message.
    """
    message = _new(cls)
    _setattr(message, "__dict__", values)
    if given is None:
        names = frozenset(values)
        fields_set = _TRUSTED_SETS.get(names)
        if fields_set is None:
            fields_set = _TRUSTED_SETS[names] = _shared_set(names - {"kind"})
    else:
        fields_set = _shared_set(given)
    _setattr(message, "__pydantic_fields_set__", fields_set)
    _setattr(message, "__pydantic_extra__", None)
    _setattr(message, "__pydantic_private__", None)
    return message


def _shared_set(names: frozenset[str]) -> set[str]:
    shared = _FIELDS_SETS.get(names)
    if shared is None:
        shared = _FIELDS_SETS[names] = set(names)
    return shared


def message_kinds() -> dict[str, type[Message]]:
    """Return every registered message kind and its class, sorted by kind.

    Returns:
        A new dict; changing it changes nothing.
    """
    return dict(sorted(_KINDS.items()))


def message_type(kind: str) -> type[Message]:
    """Return the message class registered for ``kind``.

    Args:
        kind: A message's ``kind`` field.

    Returns:
        The class that declares that kind.

    Raises:
        CodecError: if no class declares ``kind``; the message lists the known kinds.
    """
    try:
        return _KINDS[kind]
    except KeyError:
        known = ", ".join(sorted(_KINDS))
        raise CodecError(f"unknown message kind {kind!r}; known kinds: {known}") from None


def _coerce_message(value: object) -> object:
    if isinstance(value, dict) and isinstance(value.get("kind"), str):
        return message_type(value["kind"]).model_validate(value)
    return value


AnyMessage = Annotated[SerializeAsAny[Message], BeforeValidator(_coerce_message)]
"""A field that holds any registered message and reads back to its own type."""


class AgentDetail(BaseModel):
    """Who an agent is: what connection events and envelopes carry.

    Attributes:
        id: Unique on the bus; by default the agent's name.
        name: Human name, shown in reports.
        role: ``"manager"``, ``"worker"``, ``"reviewer"`` or a user's own role;
            ``@on_connect(role)`` selects on it.
        profile: Public facts about the agent, e.g. a worker's skills and capacity.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    role: str = "agent"
    profile: dict[str, JsonValue] = Field(default_factory=dict)


class Task(Message):
    """A unit of work, as in the seed, with priority, category and hidden truth.

    Attributes:
        id: Unique within a run.
        description: What the work is.
        difficulty: 1..10; a worker's skill is compared with it.
        skill: Optional category (``"vision"``); a specialist takes only its own.
        priority: Higher is more urgent; placed first. Default 1.
        due: Simulated time by which the task should be finished, if any.
        truth: Hidden ground-truth label, for consensus experiments.
        labels: The label set an answer is chosen from (a wrong answer is one of
            the others).
        metadata: Free JSON data carried along.
    """

    kind: Literal["task"] = "task"
    id: TaskId
    description: str = ""
    difficulty: Level
    skill: str | None = None
    priority: int = 1
    due: float | None = None
    truth: str | None = Field(default=None, repr=False)
    labels: list[str] = Field(default_factory=list)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id_not_bool(cls, value: object) -> object:
        if isinstance(value, bool):  # True would otherwise become task 1
            raise ValueError(f"task id must be an int or a str, not {value!r}")  # noqa: TRY004 (pydantic reports ValueError)
        return value

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: TaskId) -> TaskId:
        if isinstance(value, str) and not value.strip():
            raise ValueError("task id must not be blank")
        return value


class TaskAssignment(Message):
    """The manager gives one task to one worker (``attempt`` counts from 1)."""

    kind: Literal["task_assignment"] = "task_assignment"
    task: Task
    attempt: int = Field(default=1, ge=1)
    review_of: str | None = None
    """For a QA review: the worker whose answer is under review."""
    answer: str | None = None
    """For a QA review: the answer under review."""


class TaskAccepted(Message):
    """A worker starts on an assignment."""

    kind: Literal["task_accepted"] = "task_accepted"
    task_id: TaskId
    worker: str


class TaskRejected(Message):
    """A worker refuses an assignment (``reason``: ``"busy"``, ``"specialty"``...)."""

    kind: Literal["task_rejected"] = "task_rejected"
    task_id: TaskId
    worker: str
    reason: str


class TaskResult(Message):
    """A worker reports how an assignment ended.

    Attributes:
        task_id: The task.
        worker: The worker's id.
        success: Whether the work succeeded (for labels: the answer is right).
        status: ``submitted``, ``discarded`` (declined) or ``draft`` (unfinished).
        answer: The label given, for tasks with a truth.
        duration: Simulated seconds the work took.
        attempt: Which attempt this was, from the assignment.
    """

    kind: Literal["task_result"] = "task_result"
    task_id: TaskId
    worker: str
    success: bool
    status: ResponseStatus = "submitted"
    answer: str | None = None
    duration: float = Field(default=0.0, ge=0)
    attempt: int = Field(default=1, ge=1)


class TaskWithdrawn(Message):
    """The manager takes back an assignment the worker has not started.

    A worker that has not started it drops it and answers ``TaskRejected`` with
    reason ``"withdrawn"``; one that has started finishes it (its result then counts
    as an overshoot or a stale result).
    """

    kind: Literal["task_withdrawn"] = "task_withdrawn"
    task_id: TaskId


class WorkerLeaving(Message):
    """A worker will take nothing new; it finishes what it holds, then leaves."""

    kind: Literal["worker_leaving"] = "worker_leaving"
    worker: str


class WorkRequest(Message):
    """An idle worker asks for work (pulling distribution)."""

    kind: Literal["work_request"] = "work_request"
    worker: str
    capacity: int = Field(default=1, ge=1)


class ReviewResult(Message):
    """A reviewer's verdict on another worker's answer (QA)."""

    kind: Literal["review_result"] = "review_result"
    task_id: TaskId
    reviewer: str
    worker: str
    approved: bool
    attempt: int = Field(default=1, ge=1)


class SimulationComplete(Message):
    """The manager announces that every task is terminal."""

    kind: Literal["simulation_complete"] = "simulation_complete"
    total: int = Field(ge=0)
    completed: int = Field(ge=0)
    failed: int = Field(ge=0)


class AgentConnected(Message):
    """An agent joined the bus (delivered to every other agent)."""

    kind: Literal["agent_connected"] = "agent_connected"
    agent: AgentDetail


class AgentDisconnected(Message):
    """An agent left the bus (delivered to every remaining agent)."""

    kind: Literal["agent_disconnected"] = "agent_disconnected"
    agent: AgentDetail
    reason: str = "left"


class Undeliverable(Message):
    """A message came back: its recipient is unknown or has left.

    Attributes:
        recipient: The id the message was addressed to.
        reason: ``"unknown"`` (never connected) or ``"departed"``.
        original: The message that could not be delivered.
    """

    kind: Literal["undeliverable"] = "undeliverable"
    recipient: str
    reason: Literal["unknown", "departed"]
    original: AnyMessage
