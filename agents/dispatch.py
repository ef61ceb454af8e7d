"""``Dispatcher``: the workers the manager knows, their free capacity, and placement.

Design:
    The dispatcher is a :class:`~agents.workforce.Workforce` (the worker and reviewer
    records and a :class:`FreeIndex` of free capacity, updated on every change) that
    holds tasks for workers and runs the placement passes. Anything that frees work or
    capacity asks for one pass at the end of the current simulated instant (through
    ``wake``), so a policy sees every task and worker freed at that time together.

    * Push with ``best_fit`` or ``most_skilled``: the pass takes a window of the
      queue (the best tasks of each category, as many as there is free capacity) and
      places each task from the index: ``O(log W)`` per placement, whatever the
      number of idle workers.
    * Push with any other policy: the policy gets a frozen
      :class:`~agents.policies.base.Snapshot` of the window and the free workers
      (longest idle first); every assignment it returns is checked, then sent.
    * Pull: each worker that asked for work gets a batch, chosen by the policy from
      a snapshot holding only that worker, up to ``batch_size`` and never beyond
      ``max_batch_workload`` held; a request nothing can answer waits for new work.
    * QA: answers sampled for review wait in a FIFO queue for a free reviewer.
    * Per-assignee queues: ``early_pass`` (``agents.early``) binds and feeds. Each
      hold started is told to ``on_hold`` (``agents.reservations``), if set.

    A task offered twice in one pass is placed at most once per offer, so a task
    that wants several workers at once (consensus) is offered again while an offer
    places something and room is left.

    A task that no free worker may take (distinct workers for consensus, specialty,
    a job's restriction, exclusions, a pin to a busy worker) is set aside for the rest
    of the pass, and the pass takes the next window: no worker idles while a task it
    may take waits. The free workers only fill up during a pass, so a task set aside
    could not have been placed later in it. When the first window fills the free
    capacity nothing is set aside and the pass costs what it did; otherwise it looks
    as deep as it must, up to the whole queue.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from agents.board import Hold, TaskBoard, TaskRecord
from agents.distribution import Distribution
from agents.golden import GoldenScores
from agents.performance import PerformanceModel
from agents.placement import check_assignment, choose, pending_view, worker_view
from agents.policies.base import Policy, Snapshot, can_take
from agents.policies.best_fit import BestFit
from agents.policies.most_skilled import MostSkilled
from agents.roster import ReviewJob, WorkerRecord, review_key
from agents.workforce import Workforce
from protocol.messages import Message, TaskAssignment, TaskId, trusted

__all__ = ["Dispatcher"]

_NOBODY: frozenset[str] = frozenset()
_ASSIGNED = frozenset({"task", "attempt"})  # the fields an assignment is given


class Dispatcher(Workforce):
    """Workers, their free capacity, and the placement passes of one manager.

    Args:
        board: The task board.
        policy: The placement policy.
        model: The performance model the policy may reason with.
        distribution: The distribution mode.
        send: Sends a message to an agent by id.
        clock: The simulated time.
        rng: The manager's random stream (for randomized policies).
        wake: Asks for :meth:`place` to run at the end of the current instant.
        log: A structlog logger.

    Attributes:
        golden: The golden-task scores (with golden tasks on), shown to policies as
            ``WorkerView.accuracy``.
    """

    def __init__(
        self,
        board: TaskBoard,
        policy: Policy,
        model: PerformanceModel,
        distribution: Distribution,
        *,
        send: Callable[[str, Message], None],
        clock: Callable[[], float],
        rng: Callable[[], random.Random],
        wake: Callable[[], None],
        log: Any,
    ) -> None:
        super().__init__(board, distribution, clock=clock, wake=wake)
        self.policy = policy
        self.model = model
        self._send = send
        self._rng = rng
        self.log = log
        self.golden = None if distribution.golden is None else GoldenScores(distribution.golden)
        # The policy's optional hooks, looked up once rather than per worker and task.
        self.estimator = getattr(policy, "estimate", None)
        self.observer = getattr(policy, "observe", None)
        kind = type(policy)
        self._indexed = (
            "best_fit" if kind is BestFit else "most_skilled" if kind is MostSkilled else None
        )
        self.early_pass: Callable[[], None] | None = None
        """Binds and feeds per-assignee queues (or, in a central run, feeds a job's);
        with ``board.early`` the central queue is placed after it only for the tasks
        that stay there (``board.late``)."""
        self.on_hold: Callable[[TaskRecord, Hold], None] | None = None

    # -- skills ----------------------------------------------------------------------

    def estimate(self, worker: WorkerRecord, category: str | None) -> float:
        """The policy's skill estimate of ``worker``, else its declared skill."""
        if self.estimator is not None:
            return float(self.estimator(worker.detail.id, category))
        return worker.profile.skill_for(category)

    # -- holding ---------------------------------------------------------------------

    def assign(self, record: TaskRecord, worker: WorkerRecord) -> Hold:
        """Hold ``record`` for ``worker`` and send it the assignment."""
        now = self.clock()
        worker_id = worker.detail.id
        hold = self.board.hold(record, worker_id, now)
        worker.held[record.id] = None
        self.refresh(worker)
        self.log.info(
            "task_assigned",
            t=now,
            task=record.id,
            worker=worker_id,
            difficulty=record.task.difficulty,
            attempt=hold.attempt,
        )
        # A validated task and the board's attempt number: built without validating.
        values = {
            "kind": "task_assignment",
            "task": record.task,
            "attempt": hold.attempt,
            "review_of": None,
            "answer": None,
        }
        self._send(worker_id, trusted(TaskAssignment, values, _ASSIGNED))
        if self.on_hold is not None:
            self.on_hold(record, hold)
        return hold

    def take_back(self, record: TaskRecord, worker_id: str) -> Hold:
        """End ``worker_id``'s hold on the task and give the worker its room back.

        Raises:
            KeyError: if ``worker_id`` does not hold the task.
        """
        hold = self.board.drop(record, worker_id)
        worker = self.workers.get(worker_id)
        if worker is not None and record.id in worker.held:
            del worker.held[record.id]
            worker.idle_since = self.clock()
            self.refresh(worker)
        return hold

    def queue_review(self, job: ReviewJob) -> None:
        """An answer waits for a QA verdict."""
        self._reviews.append(job)

    def end_review(self, reviewer_id: str, task_id: TaskId, attempt: int) -> WorkerRecord | None:
        """A reviewer gave its verdict: free its room; return it if it held the review."""
        reviewer = self.reviewers.get(reviewer_id)
        key = review_key(task_id, attempt)
        if reviewer is None or key not in reviewer.held:
            return None
        del reviewer.held[key]
        reviewer.idle_since = self.clock()
        return reviewer

    # -- passes --------------------------------------------------------------------------

    def place(self) -> None:
        """Run the placement pass: push or pull, then reviews."""
        self._requested = False
        if self.early_pass is not None:
            self.early_pass()
        if self.board.early and not self.board.late:
            pass  # per-assignee queues only: nothing is placed from the central queue
        elif self.distribution.pulling is not None:
            self._pull_pass()
        elif self._indexed is not None:
            self._push_indexed()
        else:
            self._push_snapshot()
        self._review_pass()

    def _push_indexed(self) -> None:
        index = self.index
        board = self.board
        top = self._indexed == "most_skilled"
        passed: list[TaskRecord] = []  # no free worker may take these: look past them
        try:
            while index.total > 0:
                window = board.window(per_category=index.total)
                if not window:
                    return
                stuck: set[TaskId] = set()
                try:
                    for record in window:
                        if index.total <= 0:
                            break
                        closed = self.outsiders(record.id) if self._allowed else _NOBODY
                        worker = choose(index, self.workers, record, self._excluded, top, closed)
                        if worker is not None:
                            self.assign(record, worker)
                        else:
                            passed.append(record)
                            stuck.add(record.id)
                finally:
                    board.restore([r for r in window if r.id not in stuck] if stuck else window)
        finally:
            board.restore(passed)

    def _push_snapshot(self) -> None:
        # Longest idle first, as the snapshot promises: a worker with room left keeps
        # its place among the available while its idle time moves on.
        workers = sorted(self.index.members(), key=lambda w: (w.idle_since, w.order))
        room = {w.detail.id: self.index.free(w.detail.id) for w in workers}
        passed: list[TaskRecord] = []
        try:
            while free := sum(room.values()):
                before = len(passed)
                if not self._offer(free, workers, room, passed) and len(passed) == before:
                    return
                workers = [w for w in workers if room[w.detail.id] > 0]
        finally:
            self.board.restore(passed)

    def _pull_pass(self) -> None:
        pulling = self.distribution.pulling
        assert pulling is not None
        for worker_id in list(self._requests):
            worker = self.workers.get(worker_id)
            if worker is None or not worker.usable:
                self._requests.pop(worker_id, None)
                continue
            room = min(pulling.batch_size, self.room(worker))
            passed: list[TaskRecord] = []
            try:
                while room > 0:
                    before = len(passed)
                    if self._offer(room * 2, [worker], {worker_id: room}, passed):
                        self._requests.pop(worker_id, None)
                    elif len(passed) > before:
                        continue  # nothing it may take in this window: look further
                    break
            finally:
                self.board.restore(passed)

    def _offer(
        self,
        width: int,
        workers: list[WorkerRecord],
        room: dict[str, int],
        passed: list[TaskRecord],
    ) -> int:
        """Offer the policy a window; move to ``passed`` what no worker offered may take."""
        window = self.board.window(per_category=width)
        if not window:
            return 0
        stuck: set[TaskId] = set()
        try:
            categories = dict.fromkeys(r.task.skill for r in window if r.task.skill is not None)
            accuracy = None if self.golden is None else self.golden.accuracy
            views = tuple(
                worker_view(w, room[w.detail.id], categories, self.estimator, accuracy)
                for w in workers
            )
            pending = tuple(pending_view(r, self._excluded, self.outsiders(r.id)) for r in window)
            offered = {r.id: (r, p) for r, p in zip(window, pending, strict=True)}
            free = {v.id: v for v in views}
            snapshot = Snapshot(self.clock(), pending, views, self._rng(), self.model)
            given: dict[TaskId, None] = {}
            for assignment in self.policy.assign(snapshot):
                record = check_assignment(self.policy, assignment, offered, free, room)
                room[assignment.worker_id] -= 1
                self.assign(record, self.workers[assignment.worker_id])
                given[record.id] = None
            if sum(room.values()) > 0:  # room left: which tasks could nobody offered take?
                left = [v for v in views if room[v.id] > 0]
                stuck = {
                    p.task.id
                    for p in pending
                    if p.task.id not in given and not any(can_take(v, p) for v in left)
                }
                passed.extend(r for r in window if r.id in stuck)
            return len(given)
        finally:
            self.board.restore(r for r in window if r.id not in stuck)

    def _review_pass(self) -> None:
        while self._reviews:
            free = [r for r in self.reviewers.values() if self.room(r) > 0]
            if not free:
                return
            reviewer = min(free, key=lambda r: (r.load, r.idle_since, r.order))
            job = self._reviews.popleft()
            record = self.board.get(job.task_id)
            reviewer.held[review_key(job.task_id, job.attempt)] = job
            self.log.info(
                "review_assigned",
                t=self.clock(),
                task=job.task_id,
                reviewer=reviewer.detail.id,
                worker=job.worker,
            )
            self._send(
                reviewer.detail.id,
                TaskAssignment(
                    task=record.task, attempt=job.attempt, review_of=job.worker, answer=job.answer
                ),
            )
