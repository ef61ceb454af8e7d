"""Settlement: how answers become final task states, and how the run ends.

The manager's results half. Whatever comes back from an assignment (accepted, refused,
bounced, a result, a QA verdict) is handled here, and a task reaches its final state
only through ``_settle``, exactly once, which tells the listeners and may end the run.

* Every result is checked against the holder on record: a late or duplicate result
  (from a worker that no longer holds the task) is ignored and counted.
* Plain work (no hidden truth, one response): a failure is retried until
  ``max_attempts``, the policy seeing the attempts and who failed.
* Labelling work (a truth, or several responses wanted): a task completes once it has
  ``required`` submitted answers from distinct workers; answers are aggregated by
  majority and by skill-weighted vote. Declined (``discarded``) and unfinished
  (``draft``) responses never count.
* QA: a sample of completed answers waits for a reviewer; a rejected answer goes back
  for rework by a different worker, up to ``max_attempts``.
* The run ends when every task is terminal and no arrival is due: the manager logs the
  success rate, broadcasts ``SimulationComplete`` and leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

from agents.aggregate import majority, weighted
from agents.board import TaskRecord, TaskState
from agents.handlers import on
from agents.operations import Operations
from agents.placement import ReviewJob, WorkerRecord, review_key
from agents.policies.base import Observation
from protocol.messages import (
    AgentDetail,
    ReviewResult,
    SimulationComplete,
    TaskAccepted,
    TaskAssignment,
    TaskRejected,
    TaskResult,
    Undeliverable,
)

__all__ = ["Settlement"]


class Settlement(Operations):
    """The manager's results and their settlement (a base of ``TaskManager``).

    Attributes:
        task_results: The deciding result of each task settled by one, in order.
        listeners: Called with ``(manager, record)`` after each task settles.
        stale_results: Refusals, results and verdicts ignored as late or duplicate.
        rework: Answers rejected in QA and sent back for another attempt.
        reviews: Answers queued for QA review.
        finished_at: When the run ended (``None`` while it runs).
    """

    max_attempts: int
    listeners: list[Callable[[Self, TaskRecord], None]]

    def _init_settlement(self) -> None:
        self.task_results: list[TaskResult] = []
        self.listeners = []
        self.stale_results = 0
        self.rework = 0
        self.reviews = 0
        self.finished_at: float | None = None

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
            self._mark_leaving(worker)
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

    def _mark_leaving(self, worker: WorkerRecord) -> None:
        """Give a worker that is going nothing new, and free the tasks pinned to it."""
        worker.leaving = True
        self._refresh(worker)
        self._requests.pop(worker.detail.id, None)
        self._undesignate(worker.detail.id)

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
        return next((r for r in reversed(record.responses) if r.status == "submitted"), None)

    def _aggregate(self, record: TaskRecord) -> None:
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

    def _settle(
        self: Self, record: TaskRecord, state: TaskState, result: TaskResult | None = None
    ) -> None:
        now = self.now
        self.board.settle(record, state, now)
        completed = state is TaskState.COMPLETED
        truth = record.task.truth
        if truth is not None:
            self._aggregate(record)
        if truth is not None and record.answer is not None:
            record.success = completed and record.answer == truth
        else:
            record.success = completed
        if result is not None:
            self.task_results.append(result)
        if record.holders:
            self._withdraw(record)  # a final task leaves every worker's pending work
        self.log.info(
            "task_result",
            t=now,
            task=record.id,
            state=state.value,
            worker=None if result is None else result.worker,
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
