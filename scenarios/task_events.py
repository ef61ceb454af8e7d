"""The timed events about tasks and how they are answered (see ``scenarios.events``).

* ``add_tasks``: ``count`` more tasks, drawn like ``tasks.generate``, arrive from
  ``at`` on, with ids ``e<n>-1``, ``e<n>-2``, ... for the n-th ``add_tasks`` event.
* ``remove_tasks``: the tasks ``ids``, or the ``count`` newest unfinished ones.
* ``set_status``: ``status`` for ``ids`` (default: every unfinished task).
* ``set_min_submitted``: the new minimum of submitted responses (Argilla's rule:
  skipped once a task has a response, or above the annotators who may answer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from agents.errors import DistributionError
from protocol.messages import TaskId
from scenarios._schema import FieldProblemError
from scenarios.events import Event, EventSkipped

if TYPE_CHECKING:
    from scenarios.director import Director
    from scenarios.timeline import Walk

__all__ = ["AddTasksEvent", "RemoveTasksEvent", "SetMinSubmittedEvent", "SetStatusEvent"]


class AddTasksEvent(Event):
    """``add_tasks``: ``count`` (>= 1) more tasks arrive from ``at`` on.

    The builder gives them to the manager as timed arrivals, so that it knows more
    work is coming; the event itself only marks that their time came.
    """

    action: Literal["add_tasks"]
    count: int = Field(ge=1)

    @property
    def new_tasks(self) -> int:
        """The tasks it adds: its count."""
        return self.count

    def apply(self, director: Director) -> str:
        """Nothing to do: the builder scheduled the tasks."""
        return ""


def _check_ids(index: int, walk: Walk, at: float, ids: list[int | str] | None) -> None:
    seen: set[tuple[type, int | str]] = set()
    for n, task_id in enumerate(ids or []):
        if (type(task_id), task_id) in seen:
            raise FieldProblemError(f"events[{index}].ids[{n}]", f"task {task_id!r} is named twice")
        seen.add((type(task_id), task_id))
        walk.need_task(index, at, n, task_id)


Status = Literal["completed", "failed", "removed"]


def _close(director: Director, status: Status, chosen: list[TaskId], notes: list[str]) -> str:
    if not chosen:
        raise EventSkipped("; ".join(notes) or "no unfinished task to close")
    director.manager.set_status(status, chosen)
    return "; ".join(notes)


def _named(director: Director, ids: list[int | str]) -> tuple[list[TaskId], list[str]]:
    """The ids on the board and unfinished, and notes on the others."""
    board = director.manager.board
    missing = [i for i in ids if i not in board]
    finished = [i for i in ids if i in board and board.get(i).terminal is not None]
    chosen: list[TaskId] = [i for i in ids if i not in missing and i not in finished]
    notes = []
    if missing:
        notes.append(f"not on the board yet: {', '.join(map(repr, missing))}")
    if finished:
        notes.append(f"already finished: {', '.join(map(repr, finished))}")
    return chosen, notes


class RemoveTasksEvent(Event):
    """``remove_tasks``: the tasks ``ids``, or the ``count`` newest unfinished ones.

    Give one of ``ids`` and ``count``, not both.
    """

    action: Literal["remove_tasks"]
    ids: list[int | str] | None = None
    count: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _ids_or_count(self) -> RemoveTasksEvent:
        if self.count is None and self.ids is None:
            raise FieldProblemError("ids", "the remove_tasks action needs ids or a count")
        if self.count is not None and self.ids is not None:
            raise FieldProblemError("ids", "the remove_tasks action takes ids or a count, not both")
        return self

    def check(self, index: int, walk: Walk) -> None:
        """Each id named once, of a task that is there at ``at``."""
        _check_ids(index, walk, self.at, self.ids)

    def apply(self, director: Director) -> str:
        """Remove the tasks still unfinished (``partial``: which were not)."""
        if self.ids is not None:
            return _close(director, "removed", *_named(director, self.ids))
        unfinished = [r.id for r in director.manager.board if r.terminal is None]
        wanted = self.count or 0
        chosen = unfinished[max(0, len(unfinished) - wanted) :]
        notes = []
        if len(chosen) < wanted:
            notes.append(f"only {len(chosen)} of {wanted} tasks were unfinished")
        return _close(director, "removed", chosen, notes)


class SetStatusEvent(Event):
    """``set_status``: ``status`` (default ``completed``) for ``ids``.

    Without ``ids``: every unfinished task.
    """

    action: Literal["set_status"]
    ids: list[int | str] | None = None
    status: Status = "completed"

    def check(self, index: int, walk: Walk) -> None:
        """Each id named once, of a task that is there at ``at``."""
        _check_ids(index, walk, self.at, self.ids)

    def apply(self, director: Director) -> str:
        """Set the status of the tasks still unfinished."""
        if self.ids is not None:
            return _close(director, self.status, *_named(director, self.ids))
        unfinished = [r.id for r in director.manager.board if r.terminal is None]
        return _close(director, self.status, unfinished, [])


class SetMinSubmittedEvent(Event):
    """``set_min_submitted``: the new minimum (>= 1) of submitted responses.

    Skipped, with the reason, once a task has a response or for a value above the
    annotators who may answer (the seed's rule, ``agents.min_submitted``).
    """

    action: Literal["set_min_submitted"]
    min_submitted: int = Field(ge=1)

    def apply(self, director: Director) -> str:
        """Change the minimum; skipped, with the reason, where the seed refuses it."""
        try:
            director.manager.operations.set_min_submitted(self.min_submitted)
        except DistributionError as error:  # the seed's rule: skipped, with the reason
            raise EventSkipped(str(error)) from None
        return ""
