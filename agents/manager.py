"""``TaskManager``: the task board, the workers it knows, and the placement loop.

Design:
    * Workers are tracked through connection hooks: a worker's profile arrives in its
      ``AgentDetail``. Placement starts once ``expected_workers`` have connected (the
      seed's rule); later arrivals are used at once.
    * Placement is batched per instant: anything that frees work or capacity asks for
      one pass at the end of the current simulated instant, so the policy sees every
      task and worker freed at that time together. The pass offers a window of the
      queue (the best tasks of each category, as many as there is free capacity) and
      sends each assignment to exactly one worker.
    * Every TaskResult is checked against the holder on record: a late or duplicate
      result (from a worker that no longer holds the task) is ignored and counted.
    * A failed attempt is retried until ``max_attempts``; the policy sees the attempts
      and who failed. The run ends when every task is terminal: the manager logs the
      success rate, broadcasts ``SimulationComplete`` and leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agents.base import BaseAgent
from agents.board import Hold, TaskBoard, TaskRecord, TaskState
from agents.errors import PolicyError
from agents.handlers import on, on_connect, on_disconnect
from agents.performance import PerformanceModel, ThresholdModel
from agents.policies.base import Assignment, Observation, PendingTask, Policy, Snapshot, WorkerView
from agents.policies.registry import make_policy
from agents.runtime import current_runtime
from agents.worker import WorkerProfile
from protocol.messages import (
    AgentDetail,
    SimulationComplete,
    Task,
    TaskAccepted,
    TaskAssignment,
    TaskId,
    TaskRejected,
    TaskResult,
    Undeliverable,
)

if TYPE_CHECKING:
    from agents.runtime import Runtime

__all__ = ["TaskManager", "WorkerRecord"]


@dataclass(slots=True, eq=False)
class WorkerRecord:
    """What the manager knows about one worker.

    Attributes:
        detail: The worker's connection detail.
        profile: Its declared profile.
        order: Connection order.
        load: Tasks it holds now.
        idle_since: When its load last dropped.
        connected: Whether it is on the bus.
        blocked: It refused work as busy; no new work until it reports a result.
        tasks: Attempts it finished.
        successes: Successful ones.
        busy_time: Simulated seconds spent working.
        held: Tasks it holds now.
    """

    detail: AgentDetail
    profile: WorkerProfile
    order: int
    load: int = 0
    idle_since: float = 0.0
    connected: bool = True
    blocked: bool = False
    tasks: int = 0
    successes: int = 0
    busy_time: float = 0.0
    held: dict[TaskId, None] = field(default_factory=dict)

    @property
    def free(self) -> int:
        """Free capacity, as the manager counts it."""
        if not self.connected or self.blocked:
            return 0
        return self.profile.capacity - self.load


class TaskManager(BaseAgent):
    """Assigns tasks to workers by policy and collects their results.

    Args:
        tasks: The tasks, placed highest priority first, then in the given order.
        expected_workers: Workers to wait for before placing anything (>= 1).
        name: The manager's name (and default id).
        policy: A policy name (``"best_fit"``, default), ``"module:Class"``, or object.
        max_attempts: Attempts per task before it fails for good (>= 1).
        model: The performance model the policy may reason with (expected success);
            the workers' own models decide outcomes.
        arrivals: Tasks that arrive later, as ``(simulated time, task)``.
        id: Overrides the id.

    Raises:
        ValueError: for ``expected_workers`` or ``max_attempts`` below 1, or a duplicate
            task id (naming the id and its position).
        TypeError: for an item of ``tasks`` that is not a ``Task``.
        PolicyError: for an unknown policy.
    """

    role = "manager"

    def __init__(
        self,
        tasks: Iterable[Task] = (),
        expected_workers: int = 1,
        *,
        name: str = "TaskManager",
        policy: str | Policy = "best_fit",
        max_attempts: int = 1,
        model: PerformanceModel | None = None,
        arrivals: Iterable[tuple[float, Task]] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(name, id=id)
        if not isinstance(expected_workers, int) or expected_workers < 1:
            raise ValueError(f"expected_workers must be an int >= 1, got {expected_workers!r}")
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError(f"max_attempts must be an int >= 1, got {max_attempts!r}")
        self.expected_workers = expected_workers
        self.max_attempts = max_attempts
        self.policy: Policy = make_policy(policy)
        self.model: PerformanceModel = model or ThresholdModel()
        self.board = TaskBoard()
        for position, task in enumerate(tasks):
            if not isinstance(task, Task):
                raise TypeError(f"tasks[{position}] is not a Task: {task!r}")
            if task.id in self.board:
                raise ValueError(f"duplicate task id {task.id!r} at tasks[{position}]")
            self.board.add(task, 0.0)
        self._arrivals = sorted(arrivals, key=lambda pair: pair[0])
        later = {task.id for _, task in self._arrivals}
        for position, (when, task) in enumerate(self._arrivals):
            if task.id in self.board or len(later) != len(self._arrivals):
                raise ValueError(f"duplicate task id {task.id!r} in arrivals")
            if when < 0:
                raise ValueError(f"arrival time of task {task.id!r} is negative: {when!r}")
            del position
        self._next_arrival = 0
        self.listeners: list[Callable[[TaskManager, TaskRecord], None]] = []
        self.task_results: list[TaskResult] = []
        self.workers: dict[str, WorkerRecord] = {}
        self.stale_results = 0
        self.finished_at: float | None = None
        self._available: dict[str, None] = {}
        self._ready = False
        self._pass_requested = False
        self._exclusions: dict[TaskId, set[str]] = {}

    # -- the seed's entry point -------------------------------------------------------

    async def start_agent(self, key: bytes = b"", peers: Iterable[BaseAgent] = ()) -> None:
        """Start this manager and ``peers`` in the current run; return when it stops.

        Args:
            key: The seed API's identity key. The in-process bus authenticates nobody,
                so it is accepted for compatibility and not used.
            peers: Agents to start with the manager (its workers).

        Raises:
            NoRuntimeError: outside :func:`agents.run`.
        """
        del key
        runtime = current_runtime()
        runtime.add(self, *peers)
        await self.wait_stopped()

    def _start(self, runtime: Runtime) -> None:
        super()._start(runtime)
        self._schedule_arrival()

    def _schedule_arrival(self) -> None:
        if self._next_arrival < len(self._arrivals):
            when = self._arrivals[self._next_arrival][0]
            self.call_later(max(0.0, when - self.now), self._arrive)

    def _arrive(self) -> None:
        now = self.now
        while self._next_arrival < len(self._arrivals):
            when, task = self._arrivals[self._next_arrival]
            if when > now:
                break
            self._next_arrival += 1
            self.board.add(task, now)
            self.log.debug("task_arrived", t=now, task=task.id)
        self._schedule_arrival()
        self._request_pass()

    def add_tasks(self, tasks: Iterable[Task]) -> None:
        """Put new tasks on the board now; they are placed at the end of this instant.

        Raises:
            ValueError: for a task id that is on the board already.
        """
        for task in tasks:
            self.board.add(task, self.now if self.started else 0.0)
            self.log.info("task_added", t=self.now if self.started else 0.0, task=task.id)
        if self.started:
            self._request_pass()

    @property
    def arrivals_left(self) -> int:
        """Tasks scheduled to arrive that have not arrived yet."""
        return len(self._arrivals) - self._next_arrival

    # -- workers ------------------------------------------------------------------------

    @on_connect("worker")
    async def handle_connection(self, topic: str, agent: AgentDetail) -> None:
        """Track a worker; start placing once the expected number is connected."""
        profile = WorkerProfile.model_validate(agent.profile)
        record = WorkerRecord(agent, profile, order=len(self.workers), idle_since=self.now)
        self.workers[agent.id] = record
        self._available[agent.id] = None
        connected = sum(1 for w in self.workers.values() if w.connected)
        self.log.info("worker_connected", t=self.now, worker=agent.id, connected=connected)
        if not self._ready and connected >= self.expected_workers:
            self._ready = True
            self.log.info("workers_ready", t=self.now, connected=connected)
            if not self.board.open_count() and not self.arrivals_left:
                self._finish()
                return
        self._request_pass()

    @on_disconnect("worker")
    async def handle_disconnection(self, topic: str, agent: AgentDetail) -> None:
        """Put back the work of a departed worker."""
        record = self.workers.get(agent.id)
        if record is None:
            return
        record.connected = False
        self._available.pop(agent.id, None)
        for task_id in list(record.held):
            task = self.board.get(task_id)
            self.board.release(task, agent.id, reassigned=True)
            self.log.info("work_requeued", t=self.now, task=task_id, worker=agent.id)
        record.held.clear()
        record.load = 0
        self._request_pass()

    # -- results ------------------------------------------------------------------------

    @on(TaskAccepted)
    async def handle_accepted(self, data: TaskAccepted, time: float, agent: AgentDetail) -> None:
        """Mark the task in progress."""
        record = self.board.find(data.task_id)
        if record is not None:
            self.board.start(record, data.worker, time)

    @on(TaskRejected)
    async def handle_rejected(self, data: TaskRejected, time: float, agent: AgentDetail) -> None:
        """Place a refused task again, elsewhere if the worker cannot take it."""
        record = self.board.find(data.task_id)
        if record is None or data.worker not in record.holders:
            self.stale_results += 1
            return
        self.log.info(
            "task_rejected", t=time, task=data.task_id, worker=data.worker, reason=data.reason
        )
        self._drop_hold(record, data.worker)
        worker = self.workers.get(data.worker)
        if data.reason == "busy" and worker is not None:
            worker.blocked = True
            self._available.pop(data.worker, None)
        else:
            self._exclusions.setdefault(data.task_id, set()).add(data.worker)
        self.board.requeue(record)
        self._request_pass()

    @on(TaskResult)
    async def handle_result(self, data: TaskResult, time: float, agent: AgentDetail) -> None:
        """Record a result; finish, retry or fail the task."""
        record = self.board.find(data.task_id)
        if record is None or data.worker not in record.holders:
            self.stale_results += 1
            self.log.info("stale_result", t=time, task=data.task_id, worker=data.worker)
            return
        hold = self._drop_hold(record, data.worker)
        worker = self.workers.get(data.worker)
        if worker is not None:
            worker.tasks += 1
            worker.successes += data.success
            worker.busy_time += time - (hold.started if hold.started is not None else hold.assigned)
            worker.blocked = False
        record.responses.append(data)
        record.tried_by.append(data.worker)
        record.attempts += 1
        observe = getattr(self.policy, "observe", None)
        if observe is not None:
            observe(Observation(record.task, data.worker, data.success, data.duration))
        if data.success:
            record.counted += 1
            self._settle(record, TaskState.COMPLETED, data)
        elif record.attempts < self.max_attempts:
            skill = self._estimate(worker, record.task) if worker is not None else None
            if skill is not None and (record.best_failed is None or skill > record.best_failed):
                record.best_failed = skill
            self.log.info(
                "task_retry", t=time, task=record.id, worker=data.worker, attempts=record.attempts
            )
            self.board.requeue(record)
        else:
            self._settle(record, TaskState.FAILED, data)
        self._request_pass()

    @on(Undeliverable)
    async def handle_undeliverable(
        self, data: Undeliverable, time: float, agent: AgentDetail
    ) -> None:
        """An assignment bounced: its worker is gone, so place the task again."""
        original = data.original
        if isinstance(original, TaskAssignment):
            record = self.board.find(original.task.id)
            if record is not None and data.recipient in record.holders:
                self._drop_hold(record, data.recipient)
                self.board.requeue(record)
                self._request_pass()
        self.log.warning(
            "undeliverable", t=time, recipient=data.recipient, message_kind=original.kind
        )

    def _drop_hold(self, record: TaskRecord, worker_id: str) -> Hold:
        """End ``worker_id``'s hold on the task and give the worker its room back."""
        hold = record.holders.pop(worker_id)
        worker = self.workers.get(worker_id)
        if worker is not None and worker.held.pop(record.id, 0) is None:
            worker.load -= 1
            worker.idle_since = self.now
            if worker.connected and not worker.blocked:
                self._available[worker_id] = None
        return hold

    def _settle(self, record: TaskRecord, state: TaskState, result: TaskResult) -> None:
        self.board.settle(record, state, self.now)
        record.success = state == TaskState.COMPLETED
        self.task_results.append(result)
        self.log.info(
            "task_result",
            t=self.now,
            task=record.id,
            worker=result.worker,
            success=result.success,
            attempts=record.attempts,
        )
        for listener in self.listeners:
            listener(self, record)
        if self._ready and not self.board.open_count() and not self.arrivals_left:
            self._finish()

    def _finish(self) -> None:
        if self.stopped or self.finished_at is not None:
            return
        snap = self.board.snapshot()
        self.finished_at = self.now
        decided = snap.completed + snap.failed
        rate = snap.completed / decided if decided else 0.0
        self.log.info(
            "run_complete",
            t=self.now,
            total=snap.total,
            completed=snap.completed,
            failed=snap.failed,
            success_rate=round(rate, 4),
        )
        self.runtime.bus.broadcast(
            self.id,
            SimulationComplete(total=snap.total, completed=snap.completed, failed=snap.failed),
        )
        self.stop("complete")

    # -- placement ------------------------------------------------------------------------

    def _request_pass(self) -> None:
        if self._ready and not self._pass_requested and not self.stopped:
            self._pass_requested = True
            self.runtime.at_instant_end(self._placement_pass)

    def _estimate(self, worker: WorkerRecord, task: Task) -> float:
        estimate = getattr(self.policy, "estimate", None)
        if estimate is not None:
            return float(estimate(worker.detail.id, task.skill))
        return worker.profile.skill_for(task.skill)

    def _view(self, worker: WorkerRecord) -> WorkerView:
        estimate = getattr(self.policy, "estimate", None)
        profile = worker.profile
        if estimate is not None:
            overall = float(estimate(worker.detail.id, None))
            per_category = {c: float(estimate(worker.detail.id, c)) for c in profile.skills}
        else:
            overall, per_category = profile.skill_level, profile.skills
        return WorkerView(
            id=worker.detail.id,
            name=worker.detail.name,
            skill_level=profile.skill_level,
            skills=profile.skills,
            specialties=None if profile.specialties is None else frozenset(profile.specialties),
            capacity=profile.capacity,
            load=worker.load,
            idle_since=worker.idle_since,
            estimate=overall,
            estimates=per_category,
            order=worker.order,
        )

    def _placement_pass(self) -> None:
        self._pass_requested = False
        if self.stopped:
            return
        workers = [self.workers[w] for w in self._available]
        workers = [w for w in workers if w.free > 0]
        free = sum(w.free for w in workers)
        if not free:
            return
        window = self.board.window(per_category=free)
        if not window:
            return
        try:
            self._place(window, workers)
        except Exception as error:
            self.runtime._handler_failed(self, "placement", error)
        finally:
            self.board.restore(window)

    def _place(self, window: list[TaskRecord], workers: list[WorkerRecord]) -> None:
        views = tuple(self._view(w) for w in workers)
        offered = {r.id: r for r in window}
        pending = tuple(
            PendingTask(
                task=r.task,
                attempts=r.attempts,
                arrived=r.arrived,
                tried_by=tuple(r.tried_by),
                exclude=frozenset(r.holders) | frozenset(self._exclusions.get(r.id, ())),
                best_failed=r.best_failed,
            )
            for r in window
        )
        snapshot = Snapshot(self.now, pending, views, self.random, self.model)
        for assignment in self.policy.assign(snapshot):
            self._apply(assignment, offered)

    def _apply(self, assignment: Assignment, offered: dict[TaskId, TaskRecord]) -> None:
        record = offered.get(assignment.task_id)
        worker = self.workers.get(assignment.worker_id)
        name = getattr(self.policy, "name", type(self.policy).__name__)
        if record is None:
            raise PolicyError(
                f"policy {name!r} assigned task {assignment.task_id!r}, which was not offered"
            )
        if worker is None or worker.free <= 0:
            raise PolicyError(
                f"policy {name!r} assigned task {assignment.task_id!r} to "
                f"{assignment.worker_id!r}, which has no free capacity"
            )
        if record.open_slots <= 0 or assignment.worker_id in record.holders:
            raise PolicyError(
                f"policy {name!r} assigned task {assignment.task_id!r} more often than it needs"
            )
        hold = self.board.hold(record, assignment.worker_id, self.now)
        worker.held[record.id] = None
        worker.load += 1
        if worker.free <= 0:
            self._available.pop(assignment.worker_id, None)
        self.log.info(
            "task_assigned",
            t=self.now,
            task=record.id,
            worker=assignment.worker_id,
            difficulty=record.task.difficulty,
            attempt=hold.attempt,
        )
        self.send_nowait(
            assignment.worker_id, TaskAssignment(task=record.task, attempt=hold.attempt)
        )

    # -- reporting ------------------------------------------------------------------------

    def progress(self, with_users_distribution: bool = False) -> dict[str, Any]:
        """Counts of tasks, in the shape of the annotation tool's ``dataset.progress``.

        Args:
            with_users_distribution: Add ``users``: per worker, its responses by status
                (``submitted``, ``draft``, ``discarded``) on tasks that are completed
                and on tasks still pending.

        Returns:
            ``{"total", "completed", "pending", "failed", "removed"}`` (pending: not
            yet terminal), and ``"users"`` when asked; completed + pending + failed +
            removed == total.
        """
        snap = self.board.snapshot()
        out: dict[str, Any] = {
            "total": snap.total,
            "completed": snap.completed,
            "pending": snap.total - snap.completed - snap.failed - snap.removed,
            "failed": snap.failed,
            "removed": snap.removed,
        }
        if with_users_distribution:
            users: dict[str, dict[str, dict[str, int]]] = {}
            for record in self.board:
                if record.terminal in (TaskState.FAILED, TaskState.REMOVED):
                    continue
                bucket = "completed" if record.terminal is TaskState.COMPLETED else "pending"
                for response in record.responses:
                    name = (
                        self.workers[response.worker].detail.name
                        if response.worker in self.workers
                        else response.worker
                    )
                    user = users.setdefault(
                        name,
                        {
                            "completed": {"submitted": 0, "draft": 0, "discarded": 0},
                            "pending": {"submitted": 0, "draft": 0, "discarded": 0},
                        },
                    )
                    user[bucket][response.status] += 1
            out["users"] = dict(sorted(users.items()))
        return out

    def waiting_for(self) -> str | None:
        """What keeps the run from ending, if anything."""
        if self.stopped:
            return None
        if not self._ready:
            connected = sum(1 for w in self.workers.values() if w.connected)
            return f"{self.expected_workers} expected workers, {connected} connected"
        snap = self.board.snapshot()
        open_tasks = snap.total - snap.completed - snap.failed - snap.removed
        if not open_tasks and not self.arrivals_left:
            return None
        return (
            f"{open_tasks} unfinished tasks ({snap.pending} pending that no connected "
            f"worker can take, {snap.assigned + snap.in_progress} held)"
        )
