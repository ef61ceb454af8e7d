"""The timed events of a scenario: one small model per action, each its own rules.

An event happens at simulated time ``at``; its ``action`` names its model (the
discriminated union of ``scenarios.workflow``). Every model:

* holds only its own fields: any other key is refused with the fields it takes,
  and a missing one is named (``the reassign action needs target``);
* checks what it alone can tell (``reassign`` needs two different workers);
* carries its **file-time check** (:meth:`Event.check`): what the whole file shows
  to be impossible, walked in event order by ``scenarios.timeline``;
* carries its **run-time application** (:meth:`Event.apply`): what the director
  does at ``at``, see ``scenarios.director`` for the outcomes.

Adding an action is adding one class here (or in ``scenarios.task_events``) and
naming it in the union. This module holds the base and the events about workers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from agents.distribution import WorkloadUnit
from scenarios._schema import FieldProblemError, _Spec
from scenarios.timeline import RESERVED_NAMES, check_units

if TYPE_CHECKING:
    from agents.worker import WorkerAgent
    from scenarios.director import Director
    from scenarios.timeline import Walk

__all__ = [
    "CrashEvent",
    "Event",
    "EventSkipped",
    "JoinEvent",
    "LeaveEvent",
    "ReassignEvent",
    "RedistributeEvent",
    "SilenceEvent",
    "SkillEvent",
]


class EventSkipped(Exception):  # noqa: N818 (an outcome of the run, not an error)
    """An event that cannot apply in this run, with the reason."""


def _non_negative_skills(value: dict[str, float]) -> dict[str, float]:
    """Refuse a negative per-category skill, naming the category.

    Raises:
        FieldProblemError: at the category.
    """
    for category, skill in value.items():
        if skill < 0:
            raise FieldProblemError(category, f"must be >= 0, got {skill:g}")
    return value


class Event(_Spec, ABC):
    """What every event has: its time ``at`` (>= 0) and its ``action``.

    Subclasses declare ``action: Literal["name"]`` and their own fields, and
    implement :meth:`apply` (and :meth:`check` where the file can be wrong).
    """

    at: float = Field(ge=0)
    action: str

    @model_validator(mode="before")
    @classmethod
    def _own_fields_only(cls, data: Any) -> Any:
        # Named here, with what the action takes, rather than pydantic's bare
        # "Extra inputs are not permitted" / "Field required".
        if not isinstance(data, dict):
            return data
        action = data.get("action")
        own = {name: f for name, f in cls.model_fields.items() if name not in ("at", "action")}
        extra = sorted(k for k in data if k not in own and k not in ("at", "action"))
        if extra:
            takes = ", ".join(sorted(own))
            raise FieldProblemError(
                extra[0], f"the {action} action takes no {extra[0]} (it takes {takes})"
            )
        for name, field in own.items():
            if field.is_required() and name not in data:
                raise FieldProblemError(name, f"the {action} action needs {name}")
        return data

    @property
    def new_tasks(self) -> int:
        """How many tasks the event adds (``add_tasks``: its count)."""
        return 0

    @property
    def joiner(self) -> str | None:
        """The name of the worker the event brings in (``join``), else None."""
        return None

    def declare(self, index: int, walk: Walk) -> None:
        """Record, in file order, what later events may name (``join``: the joiner).

        Raises:
            FieldProblemError: at ``events[index].<field>``.
        """

    def check(self, index: int, walk: Walk) -> None:
        """Refuse what the file shows this event could never apply to, in event order.

        Raises:
            FieldProblemError: at ``events[index].<field>``, saying why.
        """

    @abstractmethod
    def apply(self, director: Director) -> str:
        """Carry the event out at its time; return what could not be done ("" for none).

        Raises:
            EventSkipped: when nothing of it can apply in this run.
        """


class _WorkerEvent(Event):
    """An event about one worker present at its time."""

    worker: str = Field(min_length=1)

    departs: ClassVar[bool] = False
    """Whether the worker is gone after it (for later events of the file)."""

    def check(self, index: int, walk: Walk) -> None:
        walk.need_worker(index, self.at, self.worker, "worker")
        if self.departs:
            walk.depart(self.worker, index, self.at, self.action)

    def apply(self, director: Director) -> str:
        worker = director.workers.get(self.worker)
        if worker is None or worker.stopped:
            raise EventSkipped(f"worker {self.worker!r} has already left the run")
        self.act(worker)
        return ""

    @abstractmethod
    def act(self, worker: WorkerAgent) -> None:
        """Do the event to ``worker``, who is still in the run."""


class LeaveEvent(_WorkerEvent):
    """``leave``: the worker finishes what it holds, takes nothing new and goes."""

    action: Literal["leave"]
    departs: ClassVar[bool] = True

    def act(self, worker: WorkerAgent) -> None:
        """Make the worker leave."""
        worker.leave()


class CrashEvent(_WorkerEvent):
    """``crash``: the worker vanishes with what it holds; the manager re-queues it."""

    action: Literal["crash"]
    departs: ClassVar[bool] = True

    def act(self, worker: WorkerAgent) -> None:
        """Make the worker crash."""
        worker.crash()


class SilenceEvent(_WorkerEvent):
    """``silence``: the worker keeps what it holds and answers nothing more.

    The manager is not told (a reservation's ``ttl`` is what frees the work).
    """

    action: Literal["silence"]

    def act(self, worker: WorkerAgent) -> None:
        """Make the worker go silent."""
        worker.silence()


class SkillEvent(_WorkerEvent):
    """``skill``: the worker's ``skill_level`` and/or per-category ``skills`` change.

    The manager is not told; it learns from the answers.
    """

    action: Literal["skill"]
    skill_level: float | None = Field(default=None, ge=0)
    skills: dict[str, float] | None = None

    @field_validator("skills")
    @classmethod
    def _skills_non_negative(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return None if value is None else _non_negative_skills(value)

    @model_validator(mode="after")
    def _something_changes(self) -> SkillEvent:
        if self.skill_level is None and self.skills is None:
            raise FieldProblemError("skill_level", "the skill action needs skill_level or skills")
        return self

    def act(self, worker: WorkerAgent) -> None:
        """Change the worker's skills."""
        worker.set_skill(self.skill_level, self.skills)


class JoinEvent(Event):
    """``join``: a new worker named ``worker`` comes in with its skills and capacity."""

    action: Literal["join"]
    worker: str = Field(min_length=1)
    skill_level: float = Field(ge=0)
    skills: dict[str, float] = Field(default_factory=dict)
    specialties: list[str] | None = None
    capacity: int = Field(default=1, ge=1)

    @field_validator("skills")
    @classmethod
    def _skills_non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        return _non_negative_skills(value)

    @property
    def joiner(self) -> str | None:
        """The joiner's name."""
        return self.worker

    def declare(self, index: int, walk: Walk) -> None:
        """Refuse a reserved, existing or already joining name; record the joiner."""
        name = self.worker
        field = f"events[{index}].worker"
        if name in RESERVED_NAMES:
            raise FieldProblemError(field, f"{name!r} is the name of the {name}")
        if walk.spec.has_worker(name):
            raise FieldProblemError(
                field, f"worker {name!r} exists already; a joiner needs a new name"
            )
        if name in walk.joins:
            raise FieldProblemError(
                field, f"worker {name!r} joins already at events[{walk.joins[name][0]}]"
            )
        walk.joins[name] = (index, self.at)

    def check(self, index: int, walk: Walk) -> None:
        """From here on the joiner may be named."""
        walk.present.add(self.worker)

    def apply(self, director: Director) -> str:
        """Bring the joiner in."""
        director.join(self)
        return ""


class ReassignEvent(Event):
    """``reassign``: the work ``worker`` holds moves to ``target``.

    The source may have left or crashed already (its work is still to move); the
    target must be there.
    """

    action: Literal["reassign"]
    worker: str = Field(min_length=1)
    target: str = Field(min_length=1)

    @model_validator(mode="after")
    def _two_workers(self) -> ReassignEvent:
        if self.worker == self.target:
            raise FieldProblemError("target", "reassign needs two different workers")
        return self

    def check(self, index: int, walk: Walk) -> None:
        """Both workers must be in the file; the target must be there at ``at``."""
        walk.need_worker(index, self.at, self.worker, "worker", may_be_gone=True)
        walk.need_worker(index, self.at, self.target, "target")

    def apply(self, director: Director) -> str:
        """Move the work; skipped if the target takes no new work."""
        director.check_usable(self.target, source=self.worker)
        director.manager.reassign(self.worker, self.target)
        return ""


class RedistributeEvent(Event):
    """``redistribute``: the unfinished work is split again by ``workload`` shares.

    A worker who has left may keep a share of 0; the shares must sum to 100.
    """

    action: Literal["redistribute"]
    workload: list[WorkloadUnit] = Field(min_length=1)

    def check(self, index: int, walk: Walk) -> None:
        """Loads sum to 100, each worker named once and there (or given 0)."""
        check_units(f"events[{index}].workload", self.workload, walk.exists)
        for n, unit in enumerate(self.workload):
            field = f"workload[{n}].assignee"
            walk.need_worker(index, self.at, unit.assignee_id, field, may_be_gone=unit.load == 0)

    def apply(self, director: Director) -> str:
        """Split again; skipped as a whole if a worker given a share takes no work."""
        for unit in self.workload:
            if unit.load > 0:
                director.check_usable(unit.assignee_id)
            elif unit.assignee_id not in director.manager.workers:
                raise EventSkipped(f"worker {unit.assignee_id!r} has not connected")
        director.manager.redistribute(list(self.workload))
        return ""
