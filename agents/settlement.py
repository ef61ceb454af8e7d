"""``Settlement``: how answers become final task states.

Whatever comes back from an assignment (accepted, refused, bounced, a result, a QA
verdict, a worker gone) is turned here into transitions of the board, and a task
reaches its final state only through :meth:`Settlement.settle`, exactly once, which
tells the manager (``on_settled``).

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
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from agents.aggregate import majority, weighted
from agents.board import TaskBoard
from agents.dispatch import Dispatcher
from agents.distribution import Distribution
from agents.performance import PerformanceModel
from agents.policies.base import Observation
from agents.quality import QualityControl, kept_answers, model_accuracy
from agents.record import TaskRecord, TaskState
from agents.roster import ReviewJob
from protocol.messages import (
    Message,
    ReviewResult,
    TaskAccepted,
    TaskAssignment,
    TaskRejected,
    TaskResult,
    TaskWithdrawn,
    Undeliverable,
)

__all__ = ["Settlement"]


class Settlement:
    """Results, verdicts and departures, turned into board transitions.

    Args:
        board: The task board.
        dispatcher: The workers and placement.
        distribution: The distribution mode (QA sample, consensus).
        model: The performance model (for the skill-weighted vote).
        max_attempts: Attempts per task before it fails for good.
        send: Sends a message to an agent by id.
        clock: The simulated time.
        rng: The manager's random stream (the QA sample).
        log: A structlog logger.
        on_settled: Called with each record that reached its final state.

    Attributes:
        task_results: The deciding result of each task settled by one, in order.
        stale_results: Refusals, results and verdicts ignored as late or duplicate.
        rework: Answers rejected in QA and sent back for another attempt.
        reviews: Answers queued for QA review.
    """

    def __init__(
        self,
        board: TaskBoard,
        dispatcher: Dispatcher,
        distribution: Distribution,
        model: PerformanceModel,
        max_attempts: int,
        *,
        send: Callable[[str, Message], None],
        clock: Callable[[], float],
        rng: Callable[[], random.Random],
        log: Any,
        on_settled: Callable[[TaskRecord], None],
    ) -> None:
        self.board = board
        self.dispatcher = dispatcher
        self.distribution = distribution
        self.model = model
        self.max_attempts = max_attempts
        self._send = send
        self.clock = clock
        """The simulated time (the manager binds it to its runtime's clock on start)."""
        self._rng = rng
        self.log = log
        self._on_settled = on_settled
        self.quality = QualityControl.optional(dispatcher, model)
        """Golden tasks and dynamic overlap, when the distribution mode sets either."""
        self.task_results: list[TaskResult] = []
        self.stale_results = 0
        self.rework = 0
        self.reviews = 0
        self.on_stale: Callable[[TaskResult], object] | None = None  # a result ignored
        self.on_departed: Callable[[], object] | None = None  # a departure handled

    # -- answers -----------------------------------------------------------------------

    def accepted(self, data: TaskAccepted, time: float) -> None:
        """Mark the task in progress."""
        record = self.board.find(data.task_id)
        if record is not None:
            self.board.start(record, data.worker, time)

    def rejected(self, data: TaskRejected, time: float) -> None:
        """Place a refused or withdrawn task again."""
        record = self.board.find(data.task_id)
        if record is None or not record.held_by(data.worker):
            self.stale_results += 1
            return
        self.log.info(
            "task_rejected", t=time, task=data.task_id, worker=data.worker, reason=data.reason
        )
        dispatcher = self.dispatcher
        dispatcher.take_back(record, data.worker)
        worker = dispatcher.workers.get(data.worker)
        if worker is not None and data.reason == "leaving":
            dispatcher.leaving(worker)
        elif worker is not None and data.reason == "busy":
            dispatcher.block(worker)
        elif data.reason == "specialty":
            dispatcher.exclude(data.task_id, data.worker)
        self.board.requeue(record)
        dispatcher.request_pass()

    def result(self, data: TaskResult, time: float) -> None:
        """Record a result; complete, retry, review or fail the task."""
        board = self.board
        record = board.find(data.task_id)
        if record is None or not record.held_by(data.worker):
            self.stale_results += 1
            self.log.info("stale_result", t=time, task=data.task_id, worker=data.worker)
            if self.on_stale is not None:
                self.on_stale(data)
            return
        dispatcher = self.dispatcher
        hold = dispatcher.take_back(record, data.worker)
        worker = dispatcher.workers.get(data.worker)
        board.respond(record, data)
        dispatcher.request_pass()
        if worker is not None and data.status != "discarded":
            worker.tasks += 1
            worker.successes += data.success
            start = hold.started if hold.started is not None else hold.assigned
            worker.busy_time += time - start
        if record.terminal is not None:
            return
        if data.status == "discarded":
            self._declined(record, data.worker)
            return
        labelled = record.required > 1 or record.task.truth is not None
        board.attempted(record, data.worker, counts=labelled or data.success)
        quality = self.quality
        if quality is not None and labelled:
            quality.answered(record, data)
        if dispatcher.observer is not None and (quality is None or quality.observable(record)):
            dispatcher.observer(Observation(record.task, data.worker, data.success, data.duration))
        if labelled:
            if record.counted < record.required:
                board.requeue(record)
            elif quality is not None and quality.more_wanted(record):
                board.want_more(record)
            else:
                self._complete(record, data)
        elif data.success:
            self._complete(record, data)
        elif record.attempts < self.max_attempts:
            if worker is not None:
                board.failed_by(record, dispatcher.estimate(worker, record.task.skill))
            self.log.info(
                "task_retry", t=time, task=record.id, worker=data.worker, attempts=record.attempts
            )
            board.requeue(record)
        else:
            self.settle(record, TaskState.FAILED, data)

    def _declined(self, record: TaskRecord, worker_id: str) -> None:
        declined = self.dispatcher.exclude(record.id, worker_id)
        workers = self.dispatcher.workers
        still = sum(1 for w in declined if w in workers and workers[w].connected)
        if still >= self.dispatcher.connected:
            self.settle(record, TaskState.FAILED)  # every connected worker declined it
        else:
            self.board.requeue(record)

    def _complete(self, record: TaskRecord, result: TaskResult) -> None:
        qa = self.distribution.qa
        if qa is not None and self._rng().random() < qa.sample:
            self.board.to_review(record)
            self.reviews += 1
            job = ReviewJob(record.id, result.worker, result.answer, result.attempt)
            self.dispatcher.queue_review(job)
            self.log.info("review_queued", t=self.clock(), task=record.id, worker=result.worker)
            return
        self.settle(record, TaskState.COMPLETED, result)

    def review(self, data: ReviewResult, time: float) -> None:
        """Approve the answer, or send the task back for rework elsewhere."""
        reviewer = self.dispatcher.end_review(data.reviewer, data.task_id, data.attempt)
        if reviewer is not None:
            reviewer.tasks += 1
            reviewer.successes += not data.approved  # a reviewer's "success" is a catch
        record = self.board.find(data.task_id)
        self.dispatcher.request_pass()
        if record is None or record.terminal is not None or not record.in_review:
            self.stale_results += 1
            return
        rework = not data.approved and record.attempts < self.max_attempts
        self.board.verdict(record, approved=data.approved, rework=rework)
        if data.approved:
            self.settle(record, TaskState.COMPLETED, _final(record))
            return
        self.log.info("review_rejected", t=time, task=record.id, worker=data.worker)
        if rework:
            self.rework += 1
            self.dispatcher.exclude(record.id, data.worker)
        else:
            self.settle(record, TaskState.FAILED, _final(record))

    def bounced(self, data: Undeliverable, time: float) -> None:
        """An assignment bounced: its worker is gone, so place the task again."""
        original = data.original
        if isinstance(original, TaskAssignment) and original.review_of is None:
            record = self.board.find(original.task.id)
            if record is not None and record.held_by(data.recipient):
                self.dispatcher.take_back(record, data.recipient)
                self.board.requeue(record)
                self.dispatcher.request_pass()
        self.log.warning(
            "undeliverable", t=time, recipient=data.recipient, message_kind=original.kind
        )

    def departed(self, worker_id: str) -> None:
        """A worker left the bus: its work goes back; what it had started is a draft."""
        dispatcher = self.dispatcher
        worker = dispatcher.disconnect(worker_id)
        if worker is None:
            return
        board = self.board
        now = self.clock()
        for task_id in list(worker.held):
            record = board.get(task_id)
            hold = dispatcher.take_back(record, worker_id)
            if hold.started is not None:
                draft = TaskResult(
                    task_id=task_id,
                    worker=worker_id,
                    success=False,
                    status="draft",
                    attempt=hold.attempt,
                )
                board.respond(record, draft)
            if record.terminal is None:
                board.reassigned(record)
                board.requeue(record)
                self.log.info("work_requeued", t=now, task=task_id, worker=worker_id)
        if self.on_departed is not None:
            self.on_departed()
        dispatcher.request_pass()

    # -- endings --------------------------------------------------------------------------

    def settle(
        self, record: TaskRecord, state: TaskState, result: TaskResult | None = None
    ) -> None:
        """Make the task final (once), withdraw its unstarted holds, and report it.

        Raises:
            ValueError: if the task is final already.
        """
        now = self.clock()
        truth = record.task.truth
        answer = weighted_answer = None
        if truth is not None:
            answer, weighted_answer = self._aggregate(record)
        completed = state is TaskState.COMPLETED
        success = completed and answer == truth if answer is not None else completed
        self.board.settle(
            record, state, now, success=success, answer=answer, answer_weighted=weighted_answer
        )
        if result is not None:
            self.task_results.append(result)
        if record.holders:
            for worker_id, hold in record.holders.items():
                if hold.started is None:  # a final task leaves every worker's pending work
                    self._send(worker_id, TaskWithdrawn(task_id=record.id))
        self.log.info(
            "task_result",
            t=now,
            task=record.id,
            state=state.value,
            worker=None if result is None else result.worker,
            success=success,
            attempts=record.attempts,
        )
        self._on_settled(record)

    def _aggregate(self, record: TaskRecord) -> tuple[str | None, str | None]:
        answers = kept_answers(record)
        if not answers:
            return None, None
        task = record.task
        quality = self.quality
        dispatcher, model = self.dispatcher, self.model
        accuracies = [
            model_accuracy(dispatcher, model, r.worker, task)
            if quality is None
            else quality.accuracy(r.worker, task)
            for r in answers
        ]
        votes = [r.answer or "" for r in answers]
        # The Bayes rule over the whole label set, so that a label nobody gave can win;
        # a task without one chooses among the answered labels (K = 2).
        labels: list[str] | int = list(task.labels) if len(task.labels) >= 2 else 2
        return majority(votes), weighted(votes, accuracies, labels)


def _final(record: TaskRecord) -> TaskResult | None:
    return next((r for r in reversed(record.responses) if r.status == "submitted"), None)
