"""``WorkerAgent``: takes assignments, works for a simulated while, reports results.

* Push (default): the worker holds at most ``capacity`` tasks; a further assignment is
  refused with ``TaskRejected(reason="busy")``, one outside its specialties with
  ``reason="specialty"``.
* Pull: the worker asks for work (``WorkRequest``) when it has none, receives a batch,
  keeps it in a queue and works ``capacity`` tasks at a time; it reports
  ``TaskAccepted`` when it *starts* each one.
* Outcomes come from the performance model and the task's own random draws; a task
  with a hidden ``truth`` is answered with the truth on success and with another label
  otherwise. A worker declines (``discarded``) a task whose success chance is below
  its ``discard_below``.
* ``leave()`` finishes what it works on, hands back what it has not started, and then
  disconnects; ``crash()`` disconnects at once.
* ``silence()`` makes it go silent for good: it stays connected and keeps what it
  is given, but answers nothing and asks for nothing, so the manager is never told.
  A worker with ``silence`` = p goes silent at each assignment with chance p, drawn
  from the attempt's own seeded draws (the same for every policy on a seed).
* A worker with role ``"reviewer"`` reviews answers (QA): a right answer is approved;
  a wrong one is caught with the model's success chance of the reviewer's skill.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.base import BaseAgent
from agents.handlers import on
from agents.performance import Draws, Outcome, PerformanceModel, ThresholdModel, task_draws
from protocol.messages import (
    AgentDetail,
    ReviewResult,
    SimulationComplete,
    Task,
    TaskAccepted,
    TaskAssignment,
    TaskId,
    TaskRejected,
    TaskResult,
    TaskWithdrawn,
    WorkerLeaving,
    WorkRequest,
    compact,
    trusted,
)

__all__ = ["WorkerAgent", "WorkerProfile", "answer_for"]

REVIEW_SHARE = 0.5
"""A review takes this share of the time the work itself takes."""


class WorkerProfile(BaseModel):
    """A worker's declared abilities, validated.

    Attributes:
        skill_level: Overall skill on the difficulty scale (>= 0).
        skills: Per-category skills, e.g. ``{"vision": 7}``; they override
            ``skill_level`` for tasks of that category.
        specialties: Categories the worker takes; ``None`` means any. A task without
            a category goes to anyone.
        capacity: Tasks worked on at once (>= 1).
        discard_below: Decline tasks whose success chance is below this (0..1).
        silence: Chance, at each assignment, of going silent for good (0..1).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    skill_level: float = Field(ge=0)
    skills: dict[str, float] = Field(default_factory=dict)
    specialties: list[str] | None = None
    capacity: int = Field(default=1, ge=1)
    discard_below: float = Field(default=0.0, ge=0, le=1)
    silence: float = Field(default=0.0, ge=0, le=1)

    def skill_for(self, category: str | None) -> float:
        """The skill that counts for a task of ``category``."""
        if category is not None and category in self.skills:
            return self.skills[category]
        return self.skill_level


def answer_for(task: Task, correct: bool, draws: Draws) -> str | None:
    """The label a worker gives: the truth if ``correct``, else another label.

    Returns:
        ``None`` for a task without a truth.
    """
    if task.truth is None:
        return None
    if correct:
        return task.truth
    wrong = [label for label in task.labels if label != task.truth]
    if not wrong:
        return f"not {task.truth}"
    return wrong[min(len(wrong) - 1, int(draws.answer * len(wrong)))]


class WorkerAgent(BaseAgent):
    """A worker with a skill profile (the seed's ``WorkerAgent``).

    The first three arguments are the seed's, positional as there:
    ``WorkerAgent("ana", 5, ["vision"])`` is a worker of skill 5 who takes only vision
    tasks; everything else is keyword-only.

    Args:
        name: The worker's name (and default id).
        skill_level: Overall skill, >= 0 and finite.
        specialties: Categories it takes (``None``: any); a list, not a string.
        admin_peer: The manager's id, where results go; by default the sender of
            each assignment (required for ``pull``).
        skills: Per-category skills.
        capacity: Tasks worked on at once.
        discard_below: Decline tasks with a lower success chance (0..1).
        silence: Chance, at each assignment, of going silent for good (0..1).
        model: The performance model (default: the seed's threshold rule).
        pull: Ask for batches of work instead of waiting for assignments.
        role: ``"worker"`` (default) or ``"reviewer"`` for a QA reviewer.
        id: Overrides the id.

    Raises:
        pydantic.ValidationError: naming the field, for a negative, NaN or infinite
            skill, a capacity below 1, or a skill that is not a number.
        TypeError: for ``specialties`` given as one string, or an ``admin_peer`` that is
            not an agent id.
        ValueError: for ``pull`` without ``admin_peer``.
    """

    role = "worker"

    def __init__(
        self,
        name: str,
        skill_level: float = 0.0,
        specialties: Iterable[str] | None = None,
        *,
        admin_peer: str | None = None,
        skills: Mapping[str, float] | None = None,
        capacity: int = 1,
        discard_below: float = 0.0,
        silence: float = 0.0,
        model: PerformanceModel | None = None,
        pull: bool = False,
        role: str | None = None,
        id: str | None = None,
    ) -> None:
        if isinstance(specialties, str):
            raise TypeError(
                f"specialties must be a list of categories, not the string {specialties!r} "
                "(the manager's id goes in admin_peer=, by keyword)"
            )
        if admin_peer is not None and not isinstance(admin_peer, str):
            raise TypeError(f"admin_peer must be the manager's id (a str), got {admin_peer!r}")
        self.profile_data = WorkerProfile(
            skill_level=skill_level,
            skills=dict(skills or {}),
            specialties=None if specialties is None else list(specialties),
            capacity=capacity,
            discard_below=discard_below,
            silence=silence,
        )
        if pull and admin_peer is None:
            raise ValueError("a pulling worker needs admin_peer: whom to ask for work")
        super().__init__(name, id=id, role=role)
        self.admin_peer = admin_peer
        self.model: PerformanceModel = model or ThresholdModel()
        self.pull = pull
        self.active: dict[TaskId, TaskAssignment] = {}
        self.queue: deque[TaskAssignment] = deque()
        self.completed: list[TaskResult] = []
        self.leaving = False
        self.silent = False
        self._asked = False
        self._refused: dict[str, None] = {}  # managers told "busy", to tell when free
        self._managers: dict[str, None] = {}  # managers that gave work, until they finish

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
        """Tasks worked on at once."""
        return self.profile_data.capacity

    def profile(self) -> dict[str, Any]:
        """The declared profile, visible to the manager on connection."""
        return self.profile_data.model_dump()

    def set_skill(
        self, skill_level: float | None = None, skills: Mapping[str, float] | None = None
    ) -> None:
        """Change the worker's true skill (the manager is not told).

        Raises:
            pydantic.ValidationError: for a negative skill.
        """
        update: dict[str, Any] = self.profile_data.model_dump()
        if skill_level is not None:
            update["skill_level"] = skill_level
        if skills is not None:
            update["skills"] = dict(skills)
        self.profile_data = WorkerProfile(**update)
        self.log.info("skill_changed", t=self.now, skill_level=self.profile_data.skill_level)

    # -- lifecycle ---------------------------------------------------------------------

    def _start(self, runtime: Any) -> None:
        super()._start(runtime)
        if self.pull:
            self.call_later(0.0, self._ask_for_work)

    def leave(self) -> None:
        """Take nothing new, hand back unstarted work, finish the rest, then go."""
        if self.leaving or self.stopped:
            return
        self.leaving = True
        self.log.info("worker_leaving", t=self.now)
        managers = [self.admin_peer] if self.admin_peer is not None else list(self._managers)
        for manager in managers:
            self.send_nowait(manager, WorkerLeaving(worker=self.id))
        while self.queue:
            data = self.queue.popleft()
            self.send_nowait(
                managers[0],  # only a pulling worker queues, and it has an admin_peer
                TaskRejected(task_id=data.task.id, worker=self.id, reason="leaving"),
            )
        if not self.active:
            self.stop("left")

    def silence(self) -> None:
        """Go silent for good: answer nothing, ask for nothing, say nothing."""
        if not self.silent:
            self.silent = True
            self.log.info("worker_silent", t=self.now, held=len(self.active) + len(self.queue))

    def crash(self) -> None:
        """Disappear at once: unfinished work is lost and goes back to the manager."""
        self.log.info("worker_crashed", t=self.now, held=len(self.active) + len(self.queue))
        self.stop("crashed")

    # -- work --------------------------------------------------------------------------

    @on(TaskAssignment)
    async def handle_task(self, data: TaskAssignment, time: float, agent: AgentDetail) -> None:
        """Accept the assignment if there is room and the specialty fits; else refuse."""
        task = data.task
        manager = self.admin_peer or agent.id
        self._managers[manager] = None
        if not self.silent and self.profile_data.silence:
            luck = task_draws(self.runtime.seed, task.id, data.attempt, f"{self.id}|silence")
            if luck.success < self.profile_data.silence:
                self.silence()
        if self.silent:
            return  # kept, never answered
        specialties = self.profile_data.specialties
        reason = None
        if self.leaving:
            reason = "leaving"
        elif not self.pull and len(self.active) >= self.profile_data.capacity:
            reason = "busy"
            self._refused[manager] = None
        elif specialties is not None and task.skill is not None and task.skill not in specialties:
            reason = "specialty"
        if reason is not None:
            self.send_nowait(manager, TaskRejected(task_id=task.id, worker=self.id, reason=reason))
            return
        if self.pull:
            self._asked = False
            self.queue.append(data)
            self._work_next(manager)
        else:
            self._begin(data, manager)

    def _work_next(self, manager: str) -> None:
        while self.queue and len(self.active) < self.profile_data.capacity:
            self._begin(self.queue.popleft(), manager)
        if self.pull and not self.queue and not self.active and not self.leaving:
            self._ask_for_work()

    def _ask_for_work(self) -> None:
        if self._asked or self.silent or self.stopped or self.leaving or self.admin_peer is None:
            return
        self._asked = True
        self.send_nowait(self.admin_peer, WorkRequest(worker=self.id, capacity=self.capacity))

    def _begin(self, data: TaskAssignment, manager: str) -> None:
        task = data.task
        self.active[task.id] = data
        self.send_nowait(manager, TaskAccepted(task_id=task.id, worker=self.id))
        skill = self.profile_data.skill_for(task.skill)
        if data.review_of is not None:
            # The reviewer's luck must not be the reviewed worker's: own draws.
            self._review(
                data, manager, skill, task_draws(self.runtime.seed, task.id, data.attempt, self.id)
            )
            return
        draws = task_draws(self.runtime.seed, task.id, data.attempt)
        threshold = self.profile_data.discard_below
        if threshold and self.model.success_probability(skill, task.difficulty) < threshold:
            self._finish(data, manager, Outcome(False, 0.0), "discarded", draws)
            return
        outcome = self.model.outcome(skill, task, draws)
        self.call_later(outcome.duration, self._finish, data, manager, outcome, "submitted", draws)

    def _finish(
        self, data: TaskAssignment, manager: str, outcome: Outcome, status: Any, draws: Draws
    ) -> None:
        task = data.task
        del self.active[task.id]
        if self.silent:
            return
        success, duration = outcome.success, outcome.duration
        answer = (
            None
            if task.truth is None or status != "submitted"
            else answer_for(task, success, draws)
        )
        fields = {
            "task_id": task.id,
            "worker": self.id,
            "success": success,
            "status": status,
            "answer": answer,
            "duration": duration,
            "attempt": data.attempt,
        }
        typed = type(success) is bool and type(duration) is float and type(self.id) is str
        if typed and 0.0 <= duration < math.inf:
            # Every value is already of its field's type (the ids and the attempt come
            # from validated messages): build it without validating again.
            result = trusted(TaskResult, {"kind": "task_result", **fields})
        else:  # a user's model gave another type: validate (and convert, or refuse)
            result = compact(TaskResult(**fields))
        self.completed.append(result)
        self.send_nowait(manager, result)
        self._after_work(manager)

    def _after_work(self, manager: str) -> None:
        if self.leaving and not self.active:
            self.stop("left")
        elif self.pull:
            self._work_next(manager)
        elif self._refused:
            # A manager that was told "busy" stopped offering work; say there is room.
            refused, self._refused = self._refused, {}
            for other in refused:
                self.send_nowait(other, WorkRequest(worker=self.id, capacity=self.capacity))

    def _review(self, data: TaskAssignment, manager: str, skill: float, draws: Draws) -> None:
        task = data.task
        right = task.truth is None or data.answer == task.truth
        catch = self.model.success_probability(skill, task.difficulty)
        approved = right or draws.success >= catch
        duration = REVIEW_SHARE * self.model.outcome(skill, task, draws).duration
        verdict = ReviewResult(
            task_id=task.id,
            reviewer=self.id,
            worker=data.review_of or "",
            approved=approved,
            attempt=data.attempt,
        )
        self.call_later(duration, self._verdict, data, manager, verdict)

    def _verdict(self, data: TaskAssignment, manager: str, verdict: ReviewResult) -> None:
        del self.active[data.task.id]
        if self.silent:
            return
        self.send_nowait(manager, verdict)
        self._after_work(manager)

    @on(TaskWithdrawn)
    async def handle_withdrawn(self, data: TaskWithdrawn, time: float, agent: AgentDetail) -> None:
        """Drop a withdrawn task that has not started; finish one that has."""
        if self.silent:
            return
        for queued in self.queue:
            if queued.task.id == data.task_id:
                self.queue.remove(queued)
                self.send_nowait(
                    agent.id, TaskRejected(task_id=data.task_id, worker=self.id, reason="withdrawn")
                )
                self._work_next(self.admin_peer or agent.id)
                return

    @on(SimulationComplete)
    async def handle_complete(
        self, data: SimulationComplete, time: float, agent: AgentDetail
    ) -> None:
        """Leave the bus once every manager this worker served is done.

        A worker with an ``admin_peer`` leaves when that manager is done.
        """
        if self.admin_peer is not None:
            if agent.id == self.admin_peer:
                self.stop("complete")
            return
        self._managers.pop(agent.id, None)
        if not self._managers:
            self.stop("complete")
