"""``Reservations``: holds that expire, and answers that come after their hold lapsed.

Design:
    On the platforms a reservation does not last for ever: Label Studio releases a
    locked task after a time-to-live, Toloka reassigns an assignment after
    ``assignment_max_duration_seconds``. With ``Distribution(ttl=...)`` every hold the
    dispatcher starts is given that many simulated seconds. When they run out and the
    holder has not answered (started or not), the reservation **expires**:

    * the hold ends: the task is held by nobody through it, and the worker gets its
      room back (the manager cannot tell a slow worker from a silent one);
    * the holder is told, with ``TaskWithdrawn``: one that has not started the task
      drops it (answering ``TaskRejected``, reason ``withdrawn``, which settles
      nothing), one that has started finishes it, a silent one says nothing; the
      message puts the expiry on the bus, so a trace shows where the hold ended;
    * the old holder is excluded from the task: it will not be given it again, and
      its answer, if it ever comes, settles nothing: it is counted in
      ``stale_answers`` (and, as every ignored result, in ``stale_results``);
    * the task goes back to the queue it came from (a task pinned to the old holder
      is unpinned first, so that someone else may take it);
    * a task fails when fewer workers may still answer it (its holders, and the
      connected workers not leaving, of its category, not excluded from it, allowed by
      its job, not among those whose answer it has) than it still needs answers: a
      run must end rather than wait for ever. This is checked at each expiry and at each departure.

    A refusal as busy lapses the same way: a worker that said it was busy is offered
    work again ``ttl`` after, even if it has not asked (a worker that fell silent
    never asks again, and what only it may still take would wait for ever).

    Expiry is a board transition through the dispatcher's ``take_back``, so the
    invariants hold: a task is held at most once per worker, and never lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from typing import Any

from agents.board import Hold, TaskBoard, TaskRecord
from agents.dispatch import Dispatcher
from agents.record import TaskState
from agents.roster import WorkerRecord
from agents.settlement import Settlement
from protocol.messages import Message, TaskId, TaskResult, TaskWithdrawn

__all__ = ["Reservations", "able"]


def able(record: TaskRecord, workers: Iterable[WorkerRecord], excluded: Set[str]) -> int:
    """Workers that may still answer ``record``.

    Its holders, and the connected workers that take new work (not leaving) of its
    category, not excluded from it and whose answer it does not have yet.
    """
    answered = {r.worker for r in record.responses if r.status == "submitted"}
    category = record.task.skill
    return sum(
        1
        for w in workers
        if record.held_by(w.detail.id)
        or (
            w.connected
            and not w.leaving
            and w.takes(category)
            and w.detail.id not in excluded
            and w.detail.id not in answered
        )
    )


class Reservations:
    """Expires holds after ``ttl`` simulated seconds; counts the answers that come late.

    Args:
        board: The task board.
        dispatcher: The workers and holds.
        settlement: Where a task no one may answer fails.
        ttl: The time-to-live of a hold, in simulated seconds (> 0), or ``None``: only
            the tasks given one in :attr:`ttls` expire (a job's own ttl), and a refusal
            as busy never lapses.
        later: Calls ``callback(*args)`` after a simulated delay (the manager's timers).
        log: A structlog logger.

    Attributes:
        ttls: Tasks with a time-to-live of their own (a job's), by id.
        expired: Holds that expired.
        stale_answers: Answers that came from a holder after its hold expired.

    Raises:
        ValueError: if ``ttl`` is not positive.
    """

    def __init__(
        self,
        board: TaskBoard,
        dispatcher: Dispatcher,
        settlement: Settlement,
        ttl: float | None,
        *,
        later: Callable[..., Any],
        log: Any,
        send: Callable[[str, Message], object] | None = None,
    ) -> None:
        if ttl is not None and not ttl > 0:
            raise ValueError(f"ttl must be > 0, got {ttl!r}")
        self.board = board
        self.dispatcher = dispatcher
        self.settlement = settlement
        self.ttl = ttl
        self._later = later
        self._send = send
        self.log = log
        self.ttls: dict[TaskId, float] = {}
        self.expired = 0
        self.stale_answers = 0
        self._lapsed: set[tuple[TaskId, str, int]] = set()
        self._lapsed_tasks: dict[TaskId, TaskRecord] = {}

    def held(self, record: TaskRecord, hold: Hold) -> None:
        """A hold began: it expires its task's ttl from now unless it ends before."""
        ttl = self.ttls.get(record.id, self.ttl) if self.ttls else self.ttl
        if ttl is not None:
            self._later(ttl, self.expire, record, hold)

    def expire(self, record: TaskRecord, hold: Hold) -> bool:
        """End ``hold`` if it is still the one on record and unanswered.

        A hold on a task that became final meanwhile expires too: its worker gets its
        room back (a silent worker would otherwise keep it for ever).

        Returns:
            Whether it expired (``False``: it ended before).
        """
        current = record.holders.get(hold.worker)
        if current is None or current.attempt != hold.attempt:
            return False
        dispatcher = self.dispatcher
        dispatcher.take_back(record, hold.worker)
        holder = dispatcher.workers.get(hold.worker)
        if self._send is not None and holder is not None and holder.connected:
            # Said on the bus, so a trace shows the hold end: the worker drops the task
            # if it has not started it (a silent one says nothing) and the recorder and
            # the replay close the attempt there.
            self._send(hold.worker, TaskWithdrawn(task_id=record.id))
        self._lapsed.add((record.id, hold.worker, hold.attempt))
        self.expired += 1
        self.log.info(
            "reservation_expired",
            t=hold.assigned + self.ttls.get(record.id, self.ttl or 0.0),
            task=record.id,
            worker=hold.worker,
            attempt=hold.attempt,
        )
        if record.terminal is not None:
            dispatcher.request_pass()
            return True
        dispatcher.exclude(record.id, hold.worker)
        self._lapsed_tasks[record.id] = record
        if self._hopeless(record):
            self.settlement.settle(record, TaskState.FAILED)  # too few may answer it now
        elif record.designated == hold.worker:
            self.board.designate(record, None)
        else:
            self.board.requeue(record)
        dispatcher.request_pass()
        return True

    def refused(self, worker_id: str) -> None:
        """``worker_id`` refused work as busy: its refusal lapses ``ttl`` from now."""
        if self.ttl is not None:
            self._later(self.ttl, self._lapse_refusal, worker_id)

    def _lapse_refusal(self, worker_id: str) -> None:
        worker = self.dispatcher.workers.get(worker_id)
        if worker is not None and worker.blocked and worker.connected:
            self.dispatcher.asked(worker)

    def _hopeless(self, record: TaskRecord) -> bool:
        excluded = self.dispatcher.excluded(record.id) | self.dispatcher.outsiders(record.id)
        workers = self.dispatcher.workers.values()
        return able(record, workers, excluded) < record.required - record.counted

    def departed(self) -> int:
        """A worker left: fail the lapsed tasks too few may answer now; return how many."""
        failed = 0
        for task_id, record in list(self._lapsed_tasks.items()):
            if record.terminal is not None:
                del self._lapsed_tasks[task_id]
            elif not record.holders and not record.in_review and self._hopeless(record):
                del self._lapsed_tasks[task_id]
                self.settlement.settle(record, TaskState.FAILED)
                failed += 1
        return failed

    def answered(self, result: TaskResult) -> bool:
        """Count ``result`` if it is the late answer of an expired hold; say whether it is."""
        key = (result.task_id, result.worker, result.attempt)
        if key not in self._lapsed:
            return False
        self._lapsed.discard(key)
        self.stale_answers += 1
        self.log.info("stale_answer", task=result.task_id, worker=result.worker)
        return True
