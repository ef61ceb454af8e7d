"""``TaskManager``: the task board and the workers it knows.

Design:
    * Workers (and QA reviewers) are tracked through connection hooks: a worker's
      profile arrives in its ``AgentDetail``. Placement starts once
      ``expected_workers`` have connected (the seed's rule); later arrivals are used at
      once. Placement itself lives in ``agents.placement``, live operations in
      ``agents.operations``, results and their settlement in ``agents.settlement``.
    * Tasks join the board at the start or at their arrival time. Consensus goes to
      an exact, evenly spread share of them, with no randomness; a workload split pins
      each starting task to its worker.
    * A departed worker's tasks go back on the board; what it had started stays as a
      ``draft`` response, which never counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from agents.board import TaskBoard, TaskRecord, TaskState
from agents.distribution import Distribution, split
from agents.handlers import on, on_connect, on_disconnect
from agents.performance import PerformanceModel, ThresholdModel
from agents.placement import WorkerRecord
from agents.policies.base import Policy
from agents.policies.registry import make_policy
from agents.runtime import current_runtime
from agents.settlement import Settlement
from agents.worker import WorkerProfile
from protocol.messages import AgentDetail, Task, TaskResult, WorkerLeaving, WorkRequest

if TYPE_CHECKING:
    from agents.base import BaseAgent
    from agents.runtime import Runtime

__all__ = ["TaskManager"]


class TaskManager(Settlement):
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
        distribution: Consensus, minimum submissions, QA, pulling or workload split.
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
        distribution: Distribution | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name, id=id)
        if not isinstance(expected_workers, int) or expected_workers < 1:
            raise ValueError(f"expected_workers must be an int >= 1, got {expected_workers!r}")
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError(f"max_attempts must be an int >= 1, got {max_attempts!r}")
        self.expected_workers = expected_workers
        self.max_attempts = max_attempts
        self.policy = make_policy(policy)
        self.model = model or ThresholdModel()
        self.distribution = distribution or Distribution()
        self.board = TaskBoard()
        self.workers: dict[str, WorkerRecord] = {}
        self.reviewers: dict[str, WorkerRecord] = {}
        self._init_placement()
        self._consensus_seen = 0
        self._init_settlement()
        tasks = list(tasks)
        for position, task in enumerate(tasks):
            if not isinstance(task, Task):
                raise TypeError(f"tasks[{position}] is not a Task: {task!r}")
            if task.id in self.board:
                raise ValueError(f"duplicate task id {task.id!r} at tasks[{position}]")
            self._add(task, 0.0)
        self._arrivals = sorted(arrivals, key=lambda pair: pair[0])
        seen = set()
        for when, task in self._arrivals:
            if task.id in self.board or task.id in seen:
                raise ValueError(f"duplicate task id {task.id!r} in arrivals")
            if not (math.isfinite(when) and when >= 0):
                raise ValueError(f"arrival time of task {task.id!r} must be >= 0, got {when!r}")
            seen.add(task.id)
        self._next_arrival = 0
        units = self.distribution.workload
        if units:
            for record, assignee in zip(
                list(self.board), split(len(self.board), units), strict=True
            ):
                record.designated = assignee

    # -- tasks -------------------------------------------------------------------------

    def _add(self, task: Task, now: float) -> TaskRecord:
        required = self.distribution.min_submitted
        consensus = self.distribution.consensus
        if consensus is not None:
            # Every task whose share of the running count crosses a whole number gets
            # consensus: an exact, evenly spread percentage without randomness.
            self._consensus_seen += 1
            n = self._consensus_seen
            if math.floor(n * consensus.percentage / 100) > math.floor(
                (n - 1) * consensus.percentage / 100
            ):
                required = max(required, consensus.assignees)
        overlap = self.distribution.overlap if required > 1 or task.truth is not None else 0
        return self.board.add(task, now, required=required, overlap=overlap)

    @property
    def arrivals_left(self) -> int:  # type: ignore[override]
        """Tasks scheduled to arrive that have not arrived yet."""
        return len(self._arrivals) - self._next_arrival

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
            self._add(task, now)
            self.log.debug("task_arrived", t=now, task=task.id)
        self._schedule_arrival()
        self._request_pass()

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
        current_runtime().add(self, *peers)
        await self.wait_stopped()

    # -- workers ------------------------------------------------------------------------

    @on_connect("worker")
    async def handle_connection(self, topic: str, agent: AgentDetail) -> None:
        """Track a worker; start placing once the expected number is connected."""
        record = WorkerRecord(
            agent, WorkerProfile.model_validate(agent.profile), len(self.workers), self.now
        )
        self.workers[agent.id] = record
        self._refresh(record)
        connected = sum(1 for w in self.workers.values() if w.connected)
        self.log.info("worker_connected", t=self.now, worker=agent.id, connected=connected)
        if not self._ready and connected >= self.expected_workers:
            self._ready = True
            self.log.info("workers_ready", t=self.now, connected=connected)
            self._maybe_finish()
        self._request_pass()

    @on_connect("reviewer")
    async def handle_reviewer(self, topic: str, agent: AgentDetail) -> None:
        """Track a QA reviewer named in the QA settings."""
        qa = self.distribution.qa
        if qa is None or agent.id not in qa.reviewers:
            return
        self.reviewers[agent.id] = WorkerRecord(
            agent, WorkerProfile.model_validate(agent.profile), len(self.reviewers), self.now
        )
        self._request_pass()

    @on_disconnect("worker")
    async def handle_disconnection(self, topic: str, agent: AgentDetail) -> None:
        """Put back the work of a departed worker; its unfinished work becomes drafts."""
        record = self.workers.get(agent.id)
        if record is None:
            return
        record.connected = False
        self._available.pop(agent.id, None)
        self._requests.pop(agent.id, None)
        self._undesignate(agent.id)
        for task_id in list(record.held):
            task = self.board.get(task_id)
            hold = self._drop_hold(task, agent.id)
            if hold.started is not None:
                task.responses.append(
                    TaskResult(
                        task_id=task_id,
                        worker=agent.id,
                        success=False,
                        status="draft",
                        attempt=hold.attempt,
                    )
                )
            if task.terminal is None:
                task.reassignments += 1
                self.board.requeue(task)
                self.log.info("work_requeued", t=self.now, task=task_id, worker=agent.id)
        self._request_pass()

    @on_disconnect("reviewer")
    async def handle_reviewer_gone(self, topic: str, agent: AgentDetail) -> None:
        """A reviewer left: its reviews go back to the front of the queue."""
        reviewer = self.reviewers.get(agent.id)
        if reviewer is None:
            return
        reviewer.connected = False
        for job in reversed(list(reviewer.held.values())):
            if job is not None:
                self._reviews.appendleft(job)
        reviewer.held.clear()
        self._request_pass()

    @on(WorkerLeaving)
    async def handle_leaving(self, data: WorkerLeaving, time: float, agent: AgentDetail) -> None:
        """Give a leaving worker nothing new."""
        worker = self.workers.get(data.worker)
        if worker is not None:
            self._mark_leaving(worker)

    @on(WorkRequest)
    async def handle_request(self, data: WorkRequest, time: float, agent: AgentDetail) -> None:
        """A worker asks for work: a batch (pulling), or room again after a refusal."""
        worker = self.workers.get(data.worker)
        if worker is None:
            return
        worker.blocked = False
        self._refresh(worker)
        if self.distribution.pulling is not None:
            self._requests[data.worker] = None
        self._request_pass()

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
            "pending": snap.unfinished,
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
                    worker = self.workers.get(response.worker)
                    name = worker.detail.name if worker is not None else response.worker
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
        open_tasks = snap.unfinished
        if not open_tasks and not self.arrivals_left:
            return None
        review = f", {snap.submitted} awaiting review" if snap.submitted else ""
        return (
            f"{open_tasks} unfinished tasks ({snap.pending} pending that no connected "
            f"worker can take, {snap.assigned + snap.in_progress} held{review})"
        )
