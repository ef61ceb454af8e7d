"""``WorkerAgent``: takes assignments, works for a simulated while, reports results.

The worker holds at most ``capacity`` tasks; a further assignment is refused with
``TaskRejected(reason="busy")``, one outside its specialties with
``reason="specialty"``. Each accepted task is worked on beside the mailbox: the performance
model gives its success and duration from the task's own random draws, and a timer
(``call_later``) sends the ``TaskResult`` when that much simulated time has passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.base import BaseAgent
from agents.handlers import on
from agents.performance import Outcome, PerformanceModel, ThresholdModel, task_draws
from protocol.messages import (
    AgentDetail,
    SimulationComplete,
    TaskAccepted,
    TaskAssignment,
    TaskId,
    TaskRejected,
    TaskResult,
)

__all__ = ["WorkerAgent", "WorkerProfile"]


class WorkerProfile(BaseModel):
    """A worker's declared abilities, validated.

    Attributes:
        skill_level: Overall skill on the difficulty scale (>= 0).
        skills: Per-category skills, e.g. ``{"vision": 7}``; they override
            ``skill_level`` for tasks of that category.
        specialties: Categories the worker takes; ``None`` means any. A task without
            a category goes to anyone.
        capacity: Tasks held at once (>= 1).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    skill_level: float = Field(ge=0)
    skills: dict[str, float] = Field(default_factory=dict)
    specialties: list[str] | None = None
    capacity: int = Field(default=1, ge=1)

    def skill_for(self, category: str | None) -> float:
        """The skill that counts for a task of ``category``."""
        if category is not None and category in self.skills:
            return self.skills[category]
        return self.skill_level


class WorkerAgent(BaseAgent):
    """A worker with a skill profile (the seed's ``WorkerAgent``).

    Args:
        name: The worker's name (and default id).
        skill_level: Overall skill, >= 0.
        admin_peer: The manager's id, where results go; by default the sender of
            each assignment.
        skills: Per-category skills.
        specialties: Categories it takes (``None``: any).
        capacity: Tasks held at once.
        model: The performance model (default: the seed's threshold rule).
        id: Overrides the id.

    Raises:
        pydantic.ValidationError: naming the field, for a negative skill, a capacity
            below 1, or a skill that is not a number.
    """

    role = "worker"

    def __init__(
        self,
        name: str,
        skill_level: float = 0.0,
        admin_peer: str | None = None,
        *,
        skills: Mapping[str, float] | None = None,
        specialties: Iterable[str] | None = None,
        capacity: int = 1,
        model: PerformanceModel | None = None,
        id: str | None = None,
    ) -> None:
        self.profile_data = WorkerProfile(
            skill_level=skill_level,
            skills=dict(skills or {}),
            specialties=None if specialties is None else list(specialties),
            capacity=capacity,
        )
        super().__init__(name, id=id)
        self.admin_peer = admin_peer
        self.model: PerformanceModel = model or ThresholdModel()
        self.active: dict[TaskId, TaskAssignment] = {}
        self.completed: list[TaskResult] = []

    @property
    def skill_level(self) -> float:
        """Overall skill (the seed's attribute)."""
        return self.profile_data.skill_level

    @property
    def specialties(self) -> list[str] | None:
        """Categories taken, or ``None`` for any (the seed's attribute)."""
        return self.profile_data.specialties

    @property
    def capacity(self) -> int:
        """Tasks held at once."""
        return self.profile_data.capacity

    def profile(self) -> dict[str, Any]:
        """The declared profile, visible to the manager on connection."""
        return self.profile_data.model_dump()

    def waiting_for(self) -> str | None:
        """Workers wait for nothing in particular: they serve whoever asks."""
        return None

    @on(TaskAssignment)
    async def handle_task(self, data: TaskAssignment, time: float, agent: AgentDetail) -> None:
        """Accept the assignment if there is room and the specialty fits; else refuse."""
        task = data.task
        manager = self.admin_peer or agent.id
        specialties = self.profile_data.specialties
        if len(self.active) >= self.profile_data.capacity:
            self.send_nowait(manager, TaskRejected(task_id=task.id, worker=self.id, reason="busy"))
            return
        if specialties is not None and task.skill is not None and task.skill not in specialties:
            self.send_nowait(
                manager, TaskRejected(task_id=task.id, worker=self.id, reason="specialty")
            )
            return
        self.active[task.id] = data
        self.send_nowait(manager, TaskAccepted(task_id=task.id, worker=self.id))
        skill = self.profile_data.skill_for(task.skill)
        draws = task_draws(self.runtime.seed, task.id, data.attempt)
        outcome = self.model.outcome(skill, task, draws)
        self.call_later(outcome.duration, self._finish, data, manager, outcome)

    def _finish(self, data: TaskAssignment, manager: str, outcome: Outcome) -> None:
        task = data.task
        del self.active[task.id]
        result = TaskResult(
            task_id=task.id,
            worker=self.id,
            success=outcome.success,
            duration=outcome.duration,
            attempt=data.attempt,
        )
        self.completed.append(result)
        self.send_nowait(manager, result)

    @on(SimulationComplete)
    async def handle_complete(
        self, data: SimulationComplete, time: float, agent: AgentDetail
    ) -> None:
        """The manager is done: leave the bus."""
        self.stop("complete")
