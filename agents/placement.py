"""Placement: which task goes to which worker, and when.

The manager's placement half. Anything that frees work or capacity asks for one pass
at the end of the current simulated instant, so the policy sees every task and worker
freed at that time together.

* Push: the pass offers a window of the queue (the best tasks of each category, as
  many as there is free capacity) and the free workers to the policy, checks each
  assignment and sends it to exactly one worker.
* Pull: each worker that asked for work gets a batch, chosen by the policy from a
  snapshot holding only that worker, up to ``batch_size`` and never beyond
  ``max_batch_workload`` held; a request nothing can answer waits for new work.
* QA: answers sampled for review wait in a FIFO queue for a free reviewer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from agents.base import BaseAgent
from agents.board import Hold, TaskBoard, TaskRecord
from agents.distribution import Distribution
from agents.errors import PolicyError
from agents.performance import PerformanceModel
from agents.policies.base import (
    Assignment,
    PendingTask,
    Policy,
    Snapshot,
    WorkerView,
    can_take,
)
from agents.worker import WorkerProfile
from protocol.messages import AgentDetail, TaskAssignment, TaskId

__all__ = ["Placement", "ReviewJob", "WorkerRecord", "review_key"]


def review_key(task_id: TaskId, attempt: int) -> str:
    """How a reviewer's hold on one review is filed."""
    return f"review:{task_id!r}:{attempt}"


@dataclass(frozen=True, slots=True)
class ReviewJob:
    """An answer waiting for a QA verdict."""

    task_id: TaskId
    worker: str
    answer: str | None
    attempt: int


@dataclass(slots=True, eq=False)
class WorkerRecord:
    """What the manager knows about one worker or reviewer.

    Attributes:
        detail: The worker's connection detail.
        profile: Its declared profile.
        order: Connection order.
        idle_since: When its load last dropped.
        connected: Whether it is on the bus.
        blocked: It refused work as busy; nothing new until it asks again.
        leaving: It announced it is leaving; nothing new, ever.
        tasks: Attempts it finished.
        successes: Successful ones.
        busy_time: Simulated seconds spent working.
        held: What it holds now: tasks, or for a reviewer its reviews by key.
        specialties: The profile's specialties as a frozenset (``None``: any).
    """

    detail: AgentDetail
    profile: WorkerProfile
    order: int
    idle_since: float = 0.0
    connected: bool = True
    blocked: bool = False
    leaving: bool = False
    tasks: int = 0
    successes: int = 0
    busy_time: float = 0.0
    held: dict[TaskId, ReviewJob | None] = field(default_factory=dict)
    specialties: frozenset[str] | None = field(init=False)

    def __post_init__(self) -> None:
        specialties = self.profile.specialties
        self.specialties = None if specialties is None else frozenset(specialties)

    @property
    def load(self) -> int:
        """How much it holds now."""
        return len(self.held)

    @property
    def usable(self) -> bool:
        """Whether it may get new work at all."""
        return self.connected and not self.blocked and not self.leaving


class Placement(BaseAgent):
    """The manager's placement state and passes (a base of ``TaskManager``)."""

    board: TaskBoard
    policy: Policy
    model: PerformanceModel
    distribution: Distribution
    workers: dict[str, WorkerRecord]
    reviewers: dict[str, WorkerRecord]

    def _init_placement(self) -> None:
        # The policy's optional hooks, looked up once rather than per worker and task.
        self._estimator = getattr(self.policy, "estimate", None)
        self._observer = getattr(self.policy, "observe", None)
        self._available: dict[str, None] = {}
        self._requests: dict[str, None] = {}
        self._reviews: deque[ReviewJob] = deque()
        self._exclusions: dict[TaskId, set[str]] = {}
        self._ready = False
        self._pass_requested = False

    # -- capacity ------------------------------------------------------------------------

    def _limit(self, worker: WorkerRecord) -> int:
        pulling = self.distribution.pulling
        if pulling is not None and worker.detail.role == "worker":
            return pulling.max_batch_workload
        return worker.profile.capacity

    def _free(self, worker: WorkerRecord) -> int:
        # ``usable`` and ``load`` spelled out: this runs several times per task.
        if not worker.connected or worker.blocked or worker.leaving:
            return 0
        return self._limit(worker) - len(worker.held)

    def _refresh(self, worker: WorkerRecord) -> None:
        if self._free(worker) > 0 and worker.detail.role == "worker":
            self._available[worker.detail.id] = None
        else:
            self._available.pop(worker.detail.id, None)

    def _drop_hold(self, record: TaskRecord, worker_id: str) -> Hold:
        """End ``worker_id``'s hold on the task and give the worker its room back."""
        hold = record.holders.pop(worker_id)
        worker = self.workers.get(worker_id)
        if worker is not None and record.id in worker.held:
            del worker.held[record.id]
            worker.idle_since = self.now
            self._refresh(worker)
        return hold

    # -- passes --------------------------------------------------------------------------

    def _request_pass(self) -> None:
        if self._ready and not self._pass_requested and not self.stopped:
            self._pass_requested = True
            self.runtime.at_instant_end(self._placement_pass)

    def _placement_pass(self) -> None:
        self._pass_requested = False
        if self.stopped:
            return
        try:
            if self.distribution.pulling is None:
                self._push_pass()
            else:
                self._pull_pass()
            self._review_pass()
        except Exception as error:
            self.runtime._handler_failed(self, "placement", error)

    def _push_pass(self) -> None:
        # Longest idle first, as the snapshot promises: a worker with room left keeps
        # its place among the available while its idle time moves on.
        workers = sorted(
            (self.workers[w] for w in self._available), key=lambda w: (w.idle_since, w.order)
        )
        room = {w.detail.id: self._free(w) for w in workers}
        # A policy places each offered task once per offer, so a task that wants
        # several workers at once (consensus) is offered again while an offer places
        # something and room is left.
        while free := sum(room.values()):
            if not self._offer(free, workers, room):
                return
            workers = [w for w in workers if room[w.detail.id] > 0]

    def _pull_pass(self) -> None:
        pulling = self.distribution.pulling
        assert pulling is not None
        for worker_id in list(self._requests):
            worker = self.workers.get(worker_id)
            if worker is None or not worker.usable:
                self._requests.pop(worker_id, None)
                continue
            room = min(pulling.batch_size, self._free(worker))
            if room > 0 and self._offer(room * 2, [worker], {worker_id: room}):
                self._requests.pop(worker_id, None)

    def _offer(self, width: int, workers: list[WorkerRecord], room: dict[str, int]) -> int:
        window = self.board.window(per_category=width)
        if not window:
            return 0
        try:
            categories = dict.fromkeys(r.task.skill for r in window if r.task.skill is not None)
            views = tuple(self._view(w, room[w.detail.id], categories) for w in workers)
            pending = tuple(self._pending(r) for r in window)
            offered = {r.id: (r, p) for r, p in zip(window, pending, strict=True)}
            free = {v.id: v for v in views}
            snapshot = Snapshot(self.now, pending, views, self.random, self.model)
            given = 0
            for assignment in self.policy.assign(snapshot):
                self._apply(assignment, offered, free, room)
                given += 1
            return given
        finally:
            self.board.restore(window)

    def _pending(self, record: TaskRecord) -> PendingTask:
        exclude = frozenset(record.holders).union(self._exclusions.get(record.id, ()))
        only = record.designated
        if record.required > 1 or only is not None:
            answered = {r.worker for r in record.responses if r.status == "submitted"}
            if record.required > 1:
                exclude |= answered  # consensus: distinct workers
            if only is not None and (only in answered or only in exclude):
                only = None  # the designated worker has done its part
        return PendingTask(
            task=record.task,
            attempts=record.attempts,
            arrived=record.arrived,
            tried_by=tuple(record.tried_by),
            exclude=exclude,
            best_failed=record.best_failed,
            only=only,
        )

    def _estimate(self, worker: WorkerRecord, category: str | None) -> float:
        if self._estimator is not None:
            return float(self._estimator(worker.detail.id, category))
        return worker.profile.skill_for(category)

    def _view(self, worker: WorkerRecord, free: int, categories: Iterable[str]) -> WorkerView:
        profile = worker.profile
        if self._estimator is None:
            estimate, estimates = profile.skill_level, profile.skills
        else:
            # The policy's belief for every category at stake, declared or not.
            estimate = self._estimate(worker, None)
            wanted = dict.fromkeys([*profile.skills, *categories])
            estimates = {c: self._estimate(worker, c) for c in wanted}
        return WorkerView(
            id=worker.detail.id,
            name=worker.detail.name,
            skill_level=profile.skill_level,
            skills=profile.skills,
            specialties=worker.specialties,
            capacity=worker.load + free,
            load=worker.load,
            idle_since=worker.idle_since,
            estimate=estimate,
            estimates=estimates,
            order=worker.order,
        )

    def _apply(
        self,
        assignment: Assignment,
        offered: dict[TaskId, tuple[TaskRecord, PendingTask]],
        free: dict[str, WorkerView],
        room: dict[str, int],
    ) -> None:
        entry = offered.get(assignment.task_id)
        worker = assignment.worker_id
        view = free.get(worker)
        if entry is None:
            problem = ", which was not offered"
        elif view is None or room[worker] <= 0:
            problem = f" to {worker!r}, which has no free capacity"
        elif not can_take(view, entry[1]):
            problem = f" to {worker!r}, which may not take it"
        elif entry[0].open_slots <= 0 or worker in entry[0].holders:
            problem = " more often than it needs"
        else:
            room[worker] -= 1
            self._assign(entry[0], worker)
            return
        name = getattr(self.policy, "name", type(self.policy).__name__)
        raise PolicyError(f"policy {name!r} assigned task {assignment.task_id!r}{problem}")

    def _assign(self, record: TaskRecord, worker_id: str) -> None:
        worker = self.workers[worker_id]
        hold = self.board.hold(record, worker_id, self.now)
        worker.held[record.id] = None
        self._refresh(worker)
        self.log.info(
            "task_assigned",
            t=self.now,
            task=record.id,
            worker=worker_id,
            difficulty=record.task.difficulty,
            attempt=hold.attempt,
        )
        self.send_nowait(worker_id, TaskAssignment(task=record.task, attempt=hold.attempt))

    def _review_pass(self) -> None:
        while self._reviews:
            free = [r for r in self.reviewers.values() if self._free(r) > 0]
            if not free:
                return
            reviewer = min(free, key=lambda r: (r.load, r.idle_since, r.order))
            job = self._reviews.popleft()
            record = self.board.get(job.task_id)
            reviewer.held[review_key(job.task_id, job.attempt)] = job
            self.log.info(
                "review_assigned",
                t=self.now,
                task=job.task_id,
                reviewer=reviewer.detail.id,
                worker=job.worker,
            )
            self.send_nowait(
                reviewer.detail.id,
                TaskAssignment(
                    task=record.task, attempt=job.attempt, review_of=job.worker, answer=job.answer
                ),
            )
