"""``TaskManager``: the agent that turns messages into calls on the parts it owns.

Design:
    The manager holds no task or worker logic itself. It owns four plain parts, each
    built with its dependencies and tested alone: the :class:`~agents.board.TaskBoard`
    (every task's state, and its only writer), the :class:`~agents.dispatch.Dispatcher`
    (the workers, an index of free capacity kept up to date, placement), the
    :class:`~agents.settlement.Settlement` (answers, verdicts and departures turned
    into board transitions) and the :class:`~agents.operations.Operations` (admitting
    tasks; add, remove, reassign, redistribute, set status). Placement starts once
    ``expected_workers`` have connected (the seed's rule). The run ends when every
    task is final and no arrival is due: the manager logs the success rate,
    broadcasts ``SimulationComplete`` and leaves. What the manager shows of its run
    (workers, counts, progress) is its base :class:`~agents.manager_views.ManagerViews`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from agents.base import BaseAgent
from agents.board import TaskBoard
from agents.dispatch import Dispatcher
from agents.distribution import Distribution, WorkloadUnit
from agents.handlers import on, on_connect, on_disconnect
from agents.jobs import Jobs
from agents.manager_views import ManagerViews
from agents.operations import Operations
from agents.performance import PerformanceModel, ThresholdModel
from agents.platform import PlatformRules, policies_for
from agents.policies.base import Policy
from agents.progress import unfinished
from agents.record import TaskRecord, TaskState
from agents.runtime import current_runtime
from agents.settlement import Settlement
from protocol.messages import (
    AgentDetail,
    ReviewResult,
    SimulationComplete,
    Task,
    TaskAccepted,
    TaskId,
    TaskRejected,
    TaskResult,
    Undeliverable,
    WorkerLeaving,
    WorkRequest,
)

if TYPE_CHECKING:
    from agents.runtime import Runtime

__all__ = ["TaskManager"]


class TaskManager(BaseAgent, ManagerViews):
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
        dataset: Items at rest, for jobs (:attr:`jobs`) to take by id or filter.
        id: Overrides the id.

    Attributes:
        board: The tasks.
        dispatcher: The workers and placement.
        settlement: Results and final states.
        platform: Per-assignee queues, expiring holds, the team check.
        operations: Admitting tasks, and the live operations.
        jobs: The platforms' tasks and assignments over this team.
        listeners: Called with ``(manager, record)`` after each task settles.
        finished_at: When the run ended (``None`` while it runs).

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
        dataset: Iterable[Task] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(name, id=id)
        if not isinstance(expected_workers, int) or expected_workers < 1:
            raise ValueError(f"expected_workers must be an int >= 1, got {expected_workers!r}")
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError(f"max_attempts must be an int >= 1, got {max_attempts!r}")
        self.expected_workers = expected_workers
        self.max_attempts = max_attempts
        self.model = model or ThresholdModel()
        settings = distribution or Distribution()
        self.policy, rule = policies_for(policy, settings)
        self.listeners: list[Callable[[TaskManager, TaskRecord], None]] = []
        self.finished_at: float | None = None
        self.board = TaskBoard(assignee_queues=rule is not None)
        wiring: dict[str, Any] = {"send": self.send_nowait, "clock": self._clock, "log": self.log}
        parts: tuple[Any, ...] = (self.board, self.policy, self.model, settings)
        self.dispatcher = Dispatcher(*parts, rng=self._rng, wake=self._wake, **wiring)
        parts = (self.board, self.dispatcher, settings, self.model, max_attempts)
        self.settlement = Settlement(*parts, rng=self._rng, on_settled=self._settled, **wiring)
        parts = (self.board, self.dispatcher, self.settlement, settings)
        self.operations = Operations(*parts, **wiring)
        parts = (self.board, self.dispatcher, self.settlement, self.operations, rule)
        self.platform = PlatformRules(
            *parts, rng=self._rng, later=self.call_later, log=self.log, send=self.send_nowait
        )
        self.operations.admit_initial(tasks, arrivals)
        self.jobs = Jobs(
            self.board,
            self.dispatcher,
            self.operations,
            self.distribution,
            send=self.send_nowait,
            clock=self._clock,
            dataset=dataset,
            rules=self.platform,
        )

    # -- wiring ---------------------------------------------------------------------------

    def _clock(self) -> float:
        # Before the run starts (jobs made and closed while setting up), it is time 0.
        runtime = self._runtime
        return 0.0 if runtime is None else runtime.clock.now()

    def _rng(self) -> Any:
        return self.random

    def _wake(self) -> None:
        if not self.stopped:
            self.runtime.at_instant_end(self._placement_pass)

    def _placement_pass(self) -> None:
        if self.stopped:
            return
        try:
            self.dispatcher.place()
        except Exception as error:
            self.runtime._handler_failed(self, "placement", error)

    def _start(self, runtime: Runtime) -> None:
        super()._start(runtime)
        now = runtime.clock.now
        self.dispatcher.clock = self.settlement.clock = self.operations.clock = now
        self._schedule_arrival()

    def _schedule_arrival(self) -> None:
        when = self.operations.next_arrival()
        if when is not None:
            self.call_later(max(0.0, when - self.now), self._arrive)

    def _arrive(self) -> None:
        self.operations.arrive(self.now)
        self._schedule_arrival()
        self.dispatcher.request_pass()

    def _settled(self, record: TaskRecord) -> None:
        self.jobs.settled(record)
        for listener in self.listeners:
            listener(self, record)
        self._maybe_finish()

    def _maybe_finish(self) -> None:
        if self.dispatcher.ready and not self.board.open_count() and not self.arrivals_left:
            self._finish()

    def _finish(self) -> None:
        if self.stopped or self.finished_at is not None:
            return
        board = self.board
        self.finished_at = self.now
        completed, failed = board.count(TaskState.COMPLETED), board.count(TaskState.FAILED)
        decided = completed + failed
        self.log.info(
            "run_complete",
            t=self.now,
            total=len(board),
            completed=completed,
            failed=failed,
            removed=board.count(TaskState.REMOVED),
            success_rate=round(completed / decided if decided else 0.0, 4),
        )
        self.runtime.bus.broadcast(
            self.id, SimulationComplete(total=len(board), completed=completed, failed=failed)
        )
        self.stop("complete")

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

    # -- handlers -------------------------------------------------------------------------

    @on_connect("worker")
    async def handle_connection(self, topic: str, agent: AgentDetail) -> None:
        """Track a worker; start placing once the expected number is connected."""
        dispatcher = self.dispatcher
        dispatcher.connect(agent)
        connected = dispatcher.connected
        self.log.info("worker_connected", t=self.now, worker=agent.id, connected=connected)
        if not dispatcher.ready and connected >= self.expected_workers:
            self.platform.starting(lambda: self.stop("refused"))  # nothing placed
            dispatcher.ready = True
            self.log.info("workers_ready", t=self.now, connected=connected)
            self._maybe_finish()
        dispatcher.request_pass()

    @on_connect("reviewer")
    async def handle_reviewer(self, topic: str, agent: AgentDetail) -> None:
        """Track a QA reviewer named in the QA settings."""
        qa = self.distribution.qa
        if qa is not None and agent.id in qa.reviewers:
            self.dispatcher.connect_reviewer(agent)

    @on_disconnect("worker")
    async def handle_disconnection(self, topic: str, agent: AgentDetail) -> None:
        """Put back the work of a departed worker; its unfinished work becomes drafts."""
        self.settlement.departed(agent.id)

    @on_disconnect("reviewer")
    async def handle_reviewer_gone(self, topic: str, agent: AgentDetail) -> None:
        """A reviewer left: its reviews go back to the front of the queue."""
        self.dispatcher.reviewer_gone(agent.id)

    @on(WorkerLeaving)
    async def handle_leaving(self, data: WorkerLeaving, time: float, agent: AgentDetail) -> None:
        """Give a leaving worker nothing new."""
        worker = self.dispatcher.workers.get(data.worker)
        if worker is not None:
            self.dispatcher.leaving(worker)

    @on(WorkRequest)
    async def handle_request(self, data: WorkRequest, time: float, agent: AgentDetail) -> None:
        """A worker asks for work: a batch (pulling), or room again after a refusal."""
        worker = self.dispatcher.workers.get(data.worker)
        if worker is not None:
            said = "capacity" in data.model_fields_set
            self.dispatcher.asked(worker, data.capacity if said else None)

    @on(TaskAccepted)
    async def handle_accepted(self, data: TaskAccepted, time: float, agent: AgentDetail) -> None:
        """Mark the task in progress."""
        self.settlement.accepted(data, time)

    @on(TaskRejected)
    async def handle_rejected(self, data: TaskRejected, time: float, agent: AgentDetail) -> None:
        """Place a refused or withdrawn task again."""
        self.settlement.rejected(data, time)

    @on(TaskResult)
    async def handle_result(self, data: TaskResult, time: float, agent: AgentDetail) -> None:
        """Record a result; complete, retry, review or fail the task."""
        self.settlement.result(data, time)

    @on(ReviewResult)
    async def handle_review(self, data: ReviewResult, time: float, agent: AgentDetail) -> None:
        """Approve the answer, or send the task back for rework elsewhere."""
        self.settlement.review(data, time)

    @on(Undeliverable)
    async def handle_undeliverable(
        self, data: Undeliverable, time: float, agent: AgentDetail
    ) -> None:
        """An assignment bounced: its worker is gone, so place the task again."""
        self.settlement.bounced(data, time)

    # -- operations -----------------------------------------------------------------------

    def add_tasks(self, tasks: Iterable[Task]) -> None:
        """Put new tasks on the board now; they are placed at the end of this instant.

        Raises:
            ValueError: for a task id that is on the board already.
        """
        now = self.now if self.started else 0.0
        for task in tasks:
            self.operations.admit(task, now)
            self.log.info("task_added", t=now, task=task.id)
        if self.started:
            self.dispatcher.request_pass()

    def remove_tasks(self, task_ids: Iterable[TaskId]) -> list[TaskId]:
        """Take unfinished tasks off the board (final state ``removed``).

        Finished tasks are kept as they are: removing never undoes work.

        Returns:
            The ids actually removed.

        Raises:
            KeyError: naming an id that is not on the board.
        """
        return self.operations.set_status("removed", list(task_ids))

    def set_status(
        self,
        status: Literal["completed", "failed", "removed"],
        task_ids: Iterable[TaskId] | None = None,
    ) -> list[TaskId]:
        """Close tasks by hand (see :meth:`Operations.set_status`)."""
        return self.operations.set_status(status, task_ids)

    @property
    def distribution(self) -> Distribution:
        """The settings (read-only: ``operations.set_min_submitted`` changes them)."""
        return self.operations.distribution

    def reassign(self, from_worker: str, to_worker: str) -> int:
        """Move unstarted work to another worker (see :meth:`Operations.reassign`).

        A worker given items of a job joins that job.
        """
        moved = self.operations.reassign(from_worker, to_worker)
        self.jobs.follow_pins()
        return moved

    def redistribute(self, workload: Iterable[WorkloadUnit]) -> int:
        """Split unstarted work again (see :meth:`Operations.redistribute`).

        A worker given items of a job joins that job.
        """
        moved = self.operations.redistribute(workload)
        self.jobs.follow_pins()
        return moved

    # -- reporting ------------------------------------------------------------------------

    def waiting_for(self) -> str | None:
        """What keeps the run from ending, if anything."""
        if self.stopped:
            return None
        if not self.dispatcher.ready:
            connected = self.dispatcher.connected
            return f"{self.expected_workers} expected workers, {connected} connected"
        return unfinished(self.board, self.arrivals_left)
