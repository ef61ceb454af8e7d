"""``Workforce``: the workers and reviewers a manager knows, and who may take what.

Design:
    The workforce owns the worker and reviewer records and a :class:`FreeIndex` of
    free capacity, updated on every change (connection, departure, crash, leaving,
    refusal, capacity, hold, release), and the exclusions and restrictions that say
    which worker may take which task. Anything that frees work or capacity asks for
    one pass at the end of the current simulated instant (through ``wake``);
    :class:`~agents.dispatch.Dispatcher` adds the passes themselves.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Set

from agents.board import TaskBoard
from agents.distribution import Distribution
from agents.index import FreeIndex
from agents.roster import ReviewJob, WorkerRecord
from agents.worker import WorkerProfile
from protocol.messages import AgentDetail, TaskId

__all__ = ["Workforce"]


class Workforce:
    """The workers and reviewers of one manager, their free capacity, and exclusions.

    Args:
        board: The task board.
        distribution: The distribution mode.
        clock: The simulated time.
        wake: Asks for a placement pass to run at the end of the current instant.
    """

    def __init__(
        self,
        board: TaskBoard,
        distribution: Distribution,
        *,
        clock: Callable[[], float],
        wake: Callable[[], None],
    ) -> None:
        self.board = board
        self.distribution = distribution
        self.clock = clock
        """The simulated time (the manager binds it to its runtime's clock on start)."""
        self._wake = wake
        self.workers: dict[str, WorkerRecord] = {}
        self.reviewers: dict[str, WorkerRecord] = {}
        self.index = FreeIndex()
        self.connected = 0
        """Workers (not reviewers) on the bus now."""
        self.ready = False
        """Whether placement has begun (the expected workers connected)."""
        self._requests: dict[str, None] = {}
        self._reviews: deque[ReviewJob] = deque()
        self._excluded: dict[TaskId, set[str]] = {}
        self._allowed: dict[TaskId, Set[str]] = {}
        self._requested = False
        pulling = distribution.pulling
        self._pull_limit = 0 if pulling is None else pulling.max_batch_workload
        self.on_block: Callable[[str], None] | None = None

    # -- workers -----------------------------------------------------------------------

    def connect(self, detail: AgentDetail) -> WorkerRecord:
        """Track a worker that connected (it may take work at once)."""
        now = self.clock()
        known = self.workers.get(detail.id)
        if known is not None and known.connected:  # the same id again: the newer counts
            self.connected -= 1
            self.index.update(known, 0)
        worker = WorkerRecord(
            detail, WorkerProfile.model_validate(detail.profile), len(self.workers), now
        )
        self.workers[detail.id] = worker
        self.connected += 1
        self.refresh(worker)
        return worker

    def connect_reviewer(self, detail: AgentDetail) -> WorkerRecord:
        """Track a QA reviewer that connected."""
        now = self.clock()
        reviewer = WorkerRecord(
            detail, WorkerProfile.model_validate(detail.profile), len(self.reviewers), now
        )
        self.reviewers[detail.id] = reviewer
        self.request_pass()
        return reviewer

    def disconnect(self, worker_id: str) -> WorkerRecord | None:
        """A worker left the bus: it takes nothing more (its held work is the caller's)."""
        worker = self.workers.get(worker_id)
        if worker is None or not worker.connected:
            return worker
        worker.connected = False
        self.connected -= 1
        self.refresh(worker)
        self._requests.pop(worker_id, None)
        self.unpin(worker_id)
        return worker

    def reviewer_gone(self, reviewer_id: str) -> None:
        """A reviewer left: its reviews go back to the front of the queue."""
        reviewer = self.reviewers.get(reviewer_id)
        if reviewer is None:
            return
        reviewer.connected = False
        for job in reversed(list(reviewer.held.values())):
            if job is not None:
                self._reviews.appendleft(job)
        reviewer.held.clear()
        self.request_pass()

    def leaving(self, worker: WorkerRecord) -> None:
        """Give a worker that is going nothing new, and free the tasks pinned to it."""
        worker.leaving = True
        self.refresh(worker)
        self._requests.pop(worker.detail.id, None)
        self.unpin(worker.detail.id)

    def unpin(self, worker_id: str) -> None:
        """Free the tasks pinned to a worker that is gone or going, for anyone to take."""
        for record in self.board.designated_to(worker_id):
            self.board.designate(record, None)

    def block(self, worker: WorkerRecord) -> None:
        """The worker refused work as busy: nothing new until it asks again."""
        worker.blocked = True
        self.refresh(worker)
        if self.on_block is not None:
            self.on_block(worker.detail.id)

    def asked(self, worker: WorkerRecord, capacity: int | None = None) -> None:
        """The worker asked for work: it has room again (and ``capacity``, if it says)."""
        worker.blocked = False
        if capacity is not None:
            if capacity < 1:
                raise ValueError(f"capacity must be >= 1, got {capacity!r}")
            worker.capacity = capacity
        self.refresh(worker)
        if self.distribution.pulling is not None:
            self._requests[worker.detail.id] = None
        self.request_pass()

    def limit(self, worker: WorkerRecord) -> int:
        """How much ``worker`` may hold at once."""
        pulling = self.distribution.pulling
        if pulling is not None and worker.detail.role == "worker":
            return pulling.max_batch_workload
        return worker.capacity

    def room(self, worker: WorkerRecord) -> int:
        """Free capacity of ``worker`` now (0 if it takes nothing new)."""
        if not worker.connected or worker.blocked or worker.leaving:
            return 0
        return self.limit(worker) - len(worker.held)

    def refresh(self, worker: WorkerRecord) -> None:
        """File a worker's free capacity in the index again (reviewers are not filed)."""
        if worker.connected and not worker.blocked and not worker.leaving:
            free = (self._pull_limit or worker.capacity) - len(worker.held)
        else:
            free = 0
        if worker.detail.role == "worker":
            self.index.update(worker, free)

    def exclude(self, task_id: TaskId, worker_id: str) -> set[str]:
        """Never give ``task_id`` to ``worker_id`` again; return who is excluded from it."""
        excluded = self._excluded.setdefault(task_id, set())
        excluded.add(worker_id)
        return excluded

    def restrict(self, task_id: TaskId, allowed: Set[str] | None) -> None:
        """Let only ``allowed`` workers take ``task_id`` (``None``: anyone again).

        The set is read at each placement, so a caller may keep it and change it (a
        job's assignees, shared by all its items); while it is empty, anyone may take
        the task (a job whose last assignee left).
        """
        if allowed is None:
            self._allowed.pop(task_id, None)
        else:
            self._allowed[task_id] = allowed

    def outsiders(self, task_id: TaskId) -> frozenset[str]:
        """Known workers that may not take ``task_id`` because it is restricted."""
        allowed = self._allowed.get(task_id) if self._allowed else None
        if not allowed:
            return frozenset()
        return frozenset(w for w in self.workers if w not in allowed)

    def admits(self, task_id: TaskId, worker_id: str) -> bool:
        """Whether a restriction (:meth:`restrict`) lets ``worker_id`` take ``task_id``."""
        allowed = self._allowed.get(task_id) if self._allowed else None
        return not allowed or worker_id in allowed

    def excluded(self, task_id: TaskId) -> frozenset[str]:
        """The workers that must never get ``task_id``."""
        excluded = self._excluded.get(task_id)
        return frozenset() if excluded is None else frozenset(excluded)

    # -- passes --------------------------------------------------------------------------

    def request_pass(self) -> None:
        """Ask for one placement pass at the end of this instant (once placement began)."""
        if self.ready and not self._requested:
            self._requested = True
            self._wake()
