"""The workflow sections: how work is handed out, and what happens during the run.

* ``consensus``, ``qa``, ``pulling`` and ``workload`` switch on the seed platforms'
  distribution modes; ``agents.distribution`` checks the seed's bounds again when the
  run is built.
* ``[[events]]`` script the run: workers leaving, crashing, joining or changing skill,
  work moving between workers, tasks added or removed, all at simulated times.

Each table checks only itself. Whether the workers it names exist, and which modes
combine, is checked by ``ScenarioSpec``, which sees the whole file.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from scenarios._schema import FieldProblemError, _Spec

__all__ = ["ConsensusSpec", "EventSpec", "PullingSpec", "QASpec", "WorkloadSpec"]


class ConsensusSpec(_Spec):
    """``percentage`` of tasks each go to ``assignees`` distinct workers."""

    percentage: float = Field(default=100.0, ge=0, le=100)
    assignees: int = Field(default=2, ge=2)


class QASpec(_Spec):
    """Review a ``sample`` (0..1) of completed tasks by the named ``reviewers``."""

    reviewers: list[str] = Field(min_length=1)
    sample: float = Field(default=1.0, ge=0, le=1)


class PullingSpec(_Spec):
    """Batches on request (the seed's bounds: batch_size 3..100, workload >= size + 2)."""

    batch_size: int = Field(default=10, ge=3, le=100)
    max_batch_workload: int = 15

    @model_validator(mode="after")
    def _room_for_a_batch(self) -> PullingSpec:
        if self.max_batch_workload < self.batch_size + 2:
            raise FieldProblemError(
                "max_batch_workload",
                f"must be at least batch_size + 2 ({self.batch_size + 2}), "
                f"got {self.max_batch_workload}",
            )
        return self


class WorkloadSpec(_Spec):
    """One worker's share of a workload split, in percent."""

    assignee: str
    load: float = Field(ge=0, le=100)


_FIELDS: dict[str, set[str]] = {
    "leave": {"worker"},
    "crash": {"worker"},
    "join": {"worker", "skill_level", "skills", "specialties", "capacity"},
    "skill": {"worker", "skill_level", "skills"},
    "reassign": {"worker", "target"},
    "redistribute": {"workload"},
    "add_tasks": {"count"},
    "remove_tasks": {"ids", "count"},
    "set_status": {"ids", "status"},
    "silence": {"worker"},
    "set_min_submitted": {"min_submitted"},
}
"""The fields each action takes; any other is refused, never ignored."""


class EventSpec(_Spec):
    """Something that happens at simulated time ``at``.

    Actions and their fields:
        ``leave``, ``crash``, ``silence``: ``worker`` (``silence``: it keeps what it
            holds and answers nothing more, and the manager is not told).
        ``join``: ``worker`` (the new name), ``skill_level``, ``skills``,
            ``specialties``, ``capacity``.
        ``skill``: ``worker``, ``skill_level`` and/or ``skills`` (the manager is not told).
        ``reassign``: ``worker`` (from) and ``target`` (to).
        ``redistribute``: ``workload``.
        ``add_tasks``: ``count`` more tasks drawn like ``tasks.generate``.
        ``remove_tasks``: ``ids``, or ``count`` of the newest unfinished tasks.
        ``set_status``: ``status`` for ``ids`` (default: every unfinished task).
        ``set_min_submitted``: ``min_submitted``, the new minimum of submitted
            responses; skipped, with the reason, once a task has a response or for a
            value above the annotators who may answer (the seed's rule).
    """

    at: float = Field(ge=0)
    action: Literal[
        "leave",
        "crash",
        "silence",
        "join",
        "skill",
        "reassign",
        "redistribute",
        "add_tasks",
        "remove_tasks",
        "set_status",
        "set_min_submitted",
    ]
    worker: str | None = None
    target: str | None = None
    skill_level: float | None = Field(default=None, ge=0)
    skills: dict[str, float] | None = None
    specialties: list[str] | None = None
    capacity: int = Field(default=1, ge=1)
    workload: list[WorkloadSpec] = Field(default_factory=list)
    count: int | None = Field(default=None, ge=1)
    ids: list[int | str] | None = None
    status: Literal["completed", "failed", "removed"] = "completed"
    min_submitted: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _fields_for_action(self) -> EventSpec:
        allowed = _FIELDS[self.action]
        extra = sorted(self.model_fields_set - allowed - {"at", "action"})
        if extra:
            takes = ", ".join(sorted(allowed))
            raise FieldProblemError(
                extra[0], f"the {self.action} action takes no {extra[0]} (it takes {takes})"
            )
        needs_worker = {"leave", "crash", "silence", "join", "skill", "reassign"}
        if self.action in needs_worker and not self.worker:
            raise FieldProblemError("worker", f"the {self.action} action needs a worker")
        if self.action == "reassign" and not self.target:
            raise FieldProblemError("target", "the reassign action needs a target worker")
        if self.action == "redistribute" and not self.workload:
            raise FieldProblemError("workload", "the redistribute action needs a workload")
        if self.action == "add_tasks" and self.count is None:
            raise FieldProblemError("count", "the add_tasks action needs a count")
        if self.action == "remove_tasks" and self.count is None and self.ids is None:
            raise FieldProblemError("ids", "the remove_tasks action needs ids or a count")
        if self.action == "remove_tasks" and self.count is not None and self.ids is not None:
            raise FieldProblemError("ids", "the remove_tasks action takes ids or a count, not both")
        if self.action == "set_min_submitted" and self.min_submitted is None:
            raise FieldProblemError(
                "min_submitted", "the set_min_submitted action needs min_submitted"
            )
        if self.action == "join" and self.skill_level is None:
            raise FieldProblemError("skill_level", "the join action needs a skill_level")
        if self.action == "skill" and self.skill_level is None and self.skills is None:
            raise FieldProblemError("skill_level", "the skill action needs skill_level or skills")
        for category, skill in (self.skills or {}).items():
            if skill < 0:
                raise FieldProblemError(f"skills.{category}", f"must be >= 0, got {skill:g}")
        return self
