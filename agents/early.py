"""``EarlyBinding``: per-assignee queues, filled when work arrives, worked through in order.

Design:
    With ``Distribution(queue="assignee")`` the board keeps one queue per worker
    (:meth:`agents.board.TaskBoard.lane_next`). The central queue is then only the
    inbox of work not bound yet. Each placement pass does two things:

    1. **Bind**: every task in the inbox joins the queue of the worker the dispatch
       rule chooses (``agents.dispatch_rules``) among those that may take it:
       connected, not leaving, taking its category, not excluded from it (refused it,
       declined it, let its reservation expire, answered it in QA rework), allowed by
       its restriction (a job's items go to its assignees only), and not one that
       already tried it while someone else has not. A task nobody may take
       stays in the inbox until someone can.
    2. **Feed**: each worker with free capacity gets the head of its own queue
       (priority, then arrival), as many as it has room for. A head its worker may
       no longer take (excluded since it was bound) goes back to the inbox and is
       bound again at the next pass.

    Work of a worker that leaves, crashes or is reassigned is unpinned by the
    dispatcher and operations as for a workload split, and so goes back to the
    inbox: nothing waits in the queue of a worker that is gone.

    Binding costs ``O(W)`` per task (the candidates are listed), feeding ``O(log n)``
    per task given.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from agents.board import TaskBoard, TaskRecord
from agents.dispatch import Dispatcher
from agents.dispatch_rules import DispatchRule, QueueCandidate, make_dispatch_rule
from agents.distribution import WorkloadUnit
from agents.policies.base import Policy
from agents.policies.registry import make_policy, policy_names
from agents.roster import WorkerRecord

__all__ = ["EarlyBinding", "early_policies"]


def early_policies(
    policy: str | Policy | DispatchRule, units: tuple[WorkloadUnit, ...]
) -> tuple[DispatchRule, Policy]:
    """The dispatch rule a manager with per-assignee queues uses, and its placement policy.

    A policy name names the dispatch rule; a placement policy of the same name, if
    there is one, stays the manager's ``policy`` (for its skill estimates), else
    ``best_fit``. An object with ``choose`` is a dispatch rule.

    Raises:
        PolicyError: for a name that is not a dispatch rule, or an object that is not one.
    """
    if isinstance(policy, str):
        rule = make_dispatch_rule(policy, units)
        placement = make_policy(policy if policy in policy_names() else "best_fit")
        return rule, placement
    if callable(getattr(policy, "choose", None)):
        return policy, make_policy("best_fit")  # type: ignore[return-value]
    name = getattr(policy, "name", type(policy).__name__)
    return make_dispatch_rule(str(name), units), make_policy(policy)  # type: ignore[arg-type]


class EarlyBinding:
    """Binds arriving work to workers' own queues and feeds each worker from its queue.

    Args:
        board: The task board (built with ``assignee_queues=True``).
        dispatcher: The workers, their free capacity, and ``assign``.
        rule: The dispatch rule.
        rng: The manager's random stream.
    """

    def __init__(
        self,
        board: TaskBoard,
        dispatcher: Dispatcher,
        rule: DispatchRule,
        *,
        rng: Callable[[], random.Random],
    ) -> None:
        self.board = board
        self.dispatcher = dispatcher
        self.rule = rule
        self._rng = rng

    def place(self) -> None:
        """One placement pass: bind the inbox, then feed the workers with room."""
        self.bind_waiting()
        if self.feed():
            self.dispatcher.request_pass()

    def bind_waiting(self) -> int:
        """Bind every task of the inbox that some worker may take; return how many."""
        board = self.board
        waiting = board.window(per_category=len(board))
        bound = 0
        late = board.late  # tasks of jobs placed from the central queue: never bound
        try:
            for record in waiting:
                if late and record.id in late:
                    continue
                candidates = self.candidates(record)
                if candidates:
                    chosen = self.rule.choose(record.task, candidates, self._rng())
                    board.designate(record, chosen.id)
                    bound += 1
        finally:
            board.restore(waiting)
        return bound

    def candidates(self, record: TaskRecord) -> list[QueueCandidate]:
        """The workers whose queue ``record`` may join, in connection order."""
        dispatcher, board = self.dispatcher, self.board
        category = record.task.skill
        excluded = dispatcher.excluded(record.id)
        workers = [
            w
            for w in dispatcher.workers.values()
            if w.connected
            and not w.leaving
            and w.takes(category)
            and w.detail.id not in excluded
            and not record.held_by(w.detail.id)
            and dispatcher.admits(record.id, w.detail.id)
        ]
        if record.tried_by:
            tried = set(record.tried_by)
            workers = [w for w in workers if w.detail.id not in tried] or workers
        return [
            QueueCandidate(
                w.detail.id,
                w.order,
                board.lanes.length(w.detail.id) + w.load,
                w.capacity,
                dispatcher.estimate(w, category),
            )
            for w in sorted(workers, key=lambda w: w.order)
        ]

    def feed(self) -> bool:
        """Give each worker with room the head of its queue; return whether any went back."""
        board, dispatcher = self.board, self.dispatcher
        index = dispatcher.index
        owners = board.lanes.owners()
        if len(index) < len(owners):
            owners = [w.detail.id for w in index.members() if board.lanes.length(w.detail.id)]
        unbound = False
        for worker_id in owners:
            worker = dispatcher.workers.get(worker_id)
            if worker is None:
                continue
            room = index.free(worker_id)
            while room > 0:
                record = board.lane_next(worker_id)
                if record is None:
                    break
                if not self._may_take(record, worker):
                    board.designate(record, None)  # back to the inbox, to be bound again
                    unbound = True
                    continue
                dispatcher.assign(record, worker)
                room -= 1
        return unbound

    def _may_take(self, record: TaskRecord, worker: WorkerRecord) -> bool:
        if (
            not record.tried_by
            and record._holders is None
            and not self.dispatcher.excluded(record.id)
            and self.dispatcher.admits(record.id, worker.detail.id)
        ):
            return worker.takes(record.task.skill)
        return any(c.id == worker.detail.id for c in self.candidates(record))
