"""``[[events]]``: the union of the timed events, one model per ``action``.

An event table is dispatched on its ``action`` to one model of
``scenarios.events`` or ``scenarios.task_events``, which validates its own fields
and rules, checks itself against the file (``Event.check``) and applies itself to
the run (``Event.apply``). An unknown or missing action is refused here, naming the
actions there are.

The distribution modes (``consensus``, ``qa``, ``pulling``, ``workload``) are
``agents.distribution``'s own classes, used as they are by ``ScenarioSpec``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union, get_args

from pydantic import BeforeValidator, Field

from scenarios._schema import FieldProblemError
from scenarios.events import (
    CrashEvent,
    Event,
    JoinEvent,
    LeaveEvent,
    ReassignEvent,
    RedistributeEvent,
    SilenceEvent,
    SkillEvent,
)
from scenarios.task_events import (
    AddTasksEvent,
    RemoveTasksEvent,
    SetMinSubmittedEvent,
    SetStatusEvent,
)

__all__ = ["ACTIONS", "EVENT_TYPES", "AnyEvent"]

EVENT_TYPES = (
    LeaveEvent,
    CrashEvent,
    SilenceEvent,
    JoinEvent,
    SkillEvent,
    ReassignEvent,
    RedistributeEvent,
    AddTasksEvent,
    RemoveTasksEvent,
    SetStatusEvent,
    SetMinSubmittedEvent,
)
"""Every event model, in the order the actions are listed to a user."""

ACTIONS: tuple[str, ...] = tuple(
    get_args(t.model_fields["action"].annotation)[0] for t in EVENT_TYPES
)
"""The action names, in the order of :data:`EVENT_TYPES`."""


def _known_action(value: Any) -> Any:
    # Before the dispatch: pydantic would report a bad tag at the event, not at
    # ``action``, and without a list a reader can scan.
    if not isinstance(value, dict):
        # pydantic reports a ValueError (not a TypeError) as a problem of the input
        raise ValueError(f"an event should be a table with an action, got {value!r:.40}")  # noqa: TRY004
    if value.get("action") not in ACTIONS:
        names = [repr(a) for a in ACTIONS]
        one_of = f"{', '.join(names[:-1])} or {names[-1]}"
        if "action" not in value:
            raise FieldProblemError("action", f"an event needs an action: {one_of}")
        raise FieldProblemError("action", f"Input should be {one_of}")
    return value


if TYPE_CHECKING:  # to a type checker, every event is an Event
    AnyEvent = Event
else:
    AnyEvent = Annotated[
        Union[EVENT_TYPES],  # noqa: UP007 (a union of a tuple of classes)
        Field(discriminator="action"),
        BeforeValidator(_known_action),
    ]
"""One ``[[events]]`` table: the model its ``action`` names."""
