"""``TaskManager``: the task board, the workers it knows, and the results it gets.

Design:
    * Workers (and QA reviewers) are tracked through connection hooks: a worker's
      profile arrives in its ``AgentDetail``. Placement starts once
      ``expected_workers`` have connected (the seed's rule); later arrivals are used at
      once. Placement itself lives in ``agents.placement``, live operations in
      ``agents.operations``.
    * Every result is checked against the holder on record: a late or duplicate
      result (from a worker that no longer holds the task) is ignored and counted.
    * Plain work (no hidden truth, one response): a failure is retried until
      ``max_attempts``, the policy seeing the attempts and who failed.
    * Labelling work (a truth, or several responses wanted): a task completes once it
      has ``required`` submitted answers from distinct workers; answers are aggregated
      by majority and by skill-weighted vote. Declined (``discarded``) and unfinished
      (``draft``) responses never count.
    * QA: a sample of completed answers waits for a reviewer; a rejected answer goes
      back for rework by a different worker, up to ``max_attempts``.
    * The run ends when every task is terminal and no arrival is due: the manager
      logs the success rate, broadcasts ``SimulationComplete`` and leaves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from agents.aggregate import majority, weighted
from agents.board import TaskBoard, TaskRecord, TaskState
from agents.distribution import Distribution, split
from agents.handlers import on, on_connect, on_disconnect
from agents.operations import Operations
from agents.performance import PerformanceModel, ThresholdModel
from agents.placement import ReviewJob, WorkerRecord, review_key
from agents.policies.base import Observation, Policy
from agents.policies.registry import make_policy
from agents.runtime import current_runtime
from agents.worker import WorkerProfile
from protocol.messages import (
    AgentDetail,
    ReviewResult,
    SimulationComplete,
    Task,
    TaskAccepted,
    TaskAssignment,
    TaskRejected,
    TaskResult,
    Undeliverable,
    WorkerLeaving,
    WorkRequest,
)

if TYPE_CHECKING:
    from agents.base import BaseAgent
    from agents.runtime import Runtime

__all__ = ["TaskManager"]

Listener = Callable[["TaskManager", TaskRecord], None]


class TaskManager(Operations):
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
        self.task_results: list[TaskResult] = []
        self.listeners: list[Listener] = []
        self.stale_results = 0
        self.rework = 0
        self.reviews = 0
        self.finished_at: float | None = None
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
            if when < 0:
                raise ValueError(f"arrival time of task {task.id!r} is negative: {when!r}")
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
            worker.leaving = True
            self._refresh(worker)
            self._requests.pop(data.worker, None)
            self._undesignate(data.worker)

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

    # -- results ------------------------------------------------------------------------

    @on(TaskAccepted)
    async def handle_accepted(self, data: TaskAccepted, time: float, agent: AgentDetail) -> None:
        """Mark the task in progress."""
        record = self.board.find(data.task_id)
        if record is not None:
            self.board.start(record, data.worker, time)

    @on(TaskRejected)
    async def handle_rejected(self, data: TaskRejected, time: float, agent: AgentDetail) -> None:
        """Place a refused or withdrawn task again."""
        record = self.board.find(data.task_id)
        if record is None or data.worker not in record.holders:
            self.stale_results += 1
            return
        self.log.info(
            "task_rejected", t=time, task=data.task_id, worker=data.worker, reason=data.reason
        )
        self._drop_hold(record, data.worker)
        worker = self.workers.get(data.worker)
        if worker is not None and data.reason == "leaving":
            worker.leaving = True
            self._refresh(worker)
            self._undesignate(data.worker)
        elif worker is not None and data.reason == "busy":
            worker.blocked = True
            self._refresh(worker)
        elif data.reason == "specialty":
            self._exclusions.setdefault(data.task_id, set()).add(data.worker)
        self.board.requeue(record)
        self._request_pass()

    @on(TaskResult)
    async def handle_result(self, data: TaskResult, time: float, agent: AgentDetail) -> None:
        """Record a result; complete, retry, review or fail the task."""
        record = self.board.find(data.task_id)
        if record is None or data.worker not in record.holders:
            self.stale_results += 1
            self.log.info("stale_result", t=time, task=data.task_id, worker=data.worker)
            return
        hold = self._drop_hold(record, data.worker)
        worker = self.workers.get(data.worker)
        record.responses.append(data)
        self._request_pass()
        if worker is not None and data.status != "discarded":
            worker.tasks += 1
            worker.successes += data.success
            start = hold.started if hold.started is not None else hold.assigned
            worker.busy_time += time - start
        if record.terminal is not None:
            if data.status == "submitted" and record.terminal is TaskState.COMPLETED:
                record.overshoot += 1
            return
        if data.status == "discarded":
            self._declined(record, data.worker)
            return
        record.tried_by.append(data.worker)
        record.attempts += 1
        if self._observer is not None:
            self._observer(Observation(record.task, data.worker, data.success, data.duration))
        if record.required > 1 or record.task.truth is not None:
            record.counted += 1
            if record.counted >= record.required:
                self._complete(record, data)
            else:
                self.board.requeue(record)
        elif data.success:
            record.counted += 1
            self._complete(record, data)
        elif record.attempts < self.max_attempts:
            skill = self._estimate(worker, record.task.skill) if worker is not None else None
            if skill is not None and (record.best_failed is None or skill > record.best_failed):
                record.best_failed = skill
            self.log.info(
                "task_retry", t=time, task=record.id, worker=data.worker, attempts=record.attempts
            )
            self.board.requeue(record)
        else:
            self._settle(record, TaskState.FAILED, data)

    def _undesignate(self, worker_id: str) -> None:
        """Free the tasks pinned to a worker that is gone or going, for anyone to take."""
        for record in self.board:
            if record.designated == worker_id and record.terminal is None:
                record.designated = None
                self.board.requeue(record)

    def _declined(self, record: TaskRecord, worker_id: str) -> None:
        declined = self._exclusions.setdefault(record.id, set())
        declined.add(worker_id)
        connected = {w for w, r in self.workers.items() if r.connected}
        if connected <= declined:
            self._settle(record, TaskState.FAILED)  # every worker declined it
        else:
            self.board.requeue(record)

    def _complete(self, record: TaskRecord, result: TaskResult) -> None:
        qa = self.distribution.qa
        if qa is not None and self.random.random() < qa.sample:
            record.in_review += 1
            self.reviews += 1
            self._reviews.append(ReviewJob(record.id, result.worker, result.answer, result.attempt))
            self.log.info("review_queued", t=self.now, task=record.id, worker=result.worker)
            return
        self._settle(record, TaskState.COMPLETED, result)

    @on(ReviewResult)
    async def handle_review(self, data: ReviewResult, time: float, agent: AgentDetail) -> None:
        """Approve the answer, or send the task back for rework elsewhere."""
        reviewer = self.reviewers.get(data.reviewer)
        key = review_key(data.task_id, data.attempt)
        if reviewer is not None and key in reviewer.held:
            del reviewer.held[key]
            reviewer.tasks += 1
            reviewer.successes += not data.approved  # a reviewer's "success" is a catch
            reviewer.idle_since = time
        record = self.board.find(data.task_id)
        self._request_pass()
        if record is None or record.terminal is not None or not record.in_review:
            self.stale_results += 1
            return
        record.in_review -= 1
        record.reviewed = True
        if data.approved:
            self._settle(record, TaskState.COMPLETED, self._final(record))
            return
        record.rejections += 1
        self.log.info("review_rejected", t=time, task=record.id, worker=data.worker)
        if record.attempts < self.max_attempts:
            self.rework += 1
            record.counted -= 1
            record.rejected_upto = len(record.responses)  # the rejected answer is void
            self._exclusions.setdefault(record.id, set()).add(data.worker)
            self.board.requeue(record)
        else:
            self._settle(record, TaskState.FAILED, self._final(record))

    @on(Undeliverable)
    async def handle_undeliverable(
        self, data: Undeliverable, time: float, agent: AgentDetail
    ) -> None:
        """An assignment bounced: its worker is gone, so place the task again."""
        original = data.original
        if isinstance(original, TaskAssignment) and original.review_of is None:
            record = self.board.find(original.task.id)
            if record is not None and data.recipient in record.holders:
                self._drop_hold(record, data.recipient)
                self.board.requeue(record)
                self._request_pass()
        self.log.warning(
            "undeliverable", t=time, recipient=data.recipient, message_kind=original.kind
        )

    # -- endings --------------------------------------------------------------------------

    def _final(self, record: TaskRecord) -> TaskResult | None:
        submitted = [r for r in record.responses if r.status == "submitted"]
        return submitted[-1] if submitted else None

    def _aggregate(self, record: TaskRecord) -> None:
        if record.task.truth is None:
            return  # only labelled tasks get answers
        answers = [
            r
            for r in record.responses[record.rejected_upto :]
            if r.status == "submitted" and r.answer is not None
        ]
        if not answers:
            return
        record.answer = majority([r.answer for r in answers if r.answer is not None])
        accuracies = []
        for r in answers:
            worker = self.workers.get(r.worker)
            skill = self._estimate(worker, record.task.skill) if worker is not None else 0.0
            accuracies.append(self.model.success_probability(skill, record.task.difficulty))
        labels = max(2, len(record.task.labels))
        record.answer_weighted = weighted([r.answer or "" for r in answers], accuracies, labels)

    def _settle(self, record: TaskRecord, state: TaskState, result: object = None) -> None:
        self.board.settle(record, state, self.now)
        self._aggregate(record)
        if record.task.truth is not None and record.answer is not None:
            record.success = state is TaskState.COMPLETED and record.answer == record.task.truth
        else:
            record.success = state is TaskState.COMPLETED
        if isinstance(result, TaskResult):
            self.task_results.append(result)
        if state is TaskState.COMPLETED:
            self._withdraw(record)  # it leaves every worker's pending work
        self.log.info(
            "task_result",
            t=self.now,
            task=record.id,
            state=str(state),
            worker=result.worker if isinstance(result, TaskResult) else None,
            success=record.success,
            attempts=record.attempts,
        )
        for listener in self.listeners:
            listener(self, record)
        self._maybe_finish()

    @property
    def overshoot(self) -> int:
        """Submissions that arrived after their task was complete, over all tasks."""
        return sum(r.overshoot for r in self.board)

    @property
    def rejections(self) -> int:
        """QA rejections, over all tasks."""
        return sum(r.rejections for r in self.board)

    def _maybe_finish(self) -> None:
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
            removed=snap.removed,
            success_rate=round(rate, 4),
        )
        self.runtime.bus.broadcast(
            self.id,
            SimulationComplete(total=snap.total, completed=snap.completed, failed=snap.failed),
        )
        self.stop("complete")

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
        open_tasks = snap.total - snap.completed - snap.failed - snap.removed
        if not open_tasks and not self.arrivals_left:
            return None
        review = f", {snap.submitted} awaiting review" if snap.submitted else ""
        return (
            f"{open_tasks} unfinished tasks ({snap.pending} pending that no connected "
            f"worker can take, {snap.assigned + snap.in_progress} held{review})"
        )
