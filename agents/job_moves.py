"""``JobMoves``: moving a job's work between annotators.

Only unstarted work moves: an item held and not started is withdrawn from its holder
(counted as a reassignment) and pinned to its new annotator; started work finishes
where it is, and finished items stay as they are. An annotator who gets work joins
the job's assignees; an annotator whose assignment is reassigned or deleted leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from agents.board import TaskBoard
from agents.dispatch import Dispatcher
from agents.distribution import WorkloadUnit, split
from agents.errors import JobError, UnknownAnnotatorError, UnknownItemError
from agents.job import Job
from agents.jobstate import open_records
from agents.record import TaskRecord
from protocol.messages import Message, TaskId, TaskWithdrawn

if TYPE_CHECKING:
    from agents.jobs import Jobs

__all__ = ["JobMoves"]


class JobMoves:
    """Reassign, redistribute and delete assignments, for :class:`agents.jobs.Jobs`.

    Args:
        jobs: The jobs.
        board: The task board.
        dispatcher: The workers and placement.
        send: Sends a message to an agent by id.
    """

    def __init__(
        self,
        jobs: Jobs,
        board: TaskBoard,
        dispatcher: Dispatcher,
        send: Callable[[str, Message], None],
    ) -> None:
        self.jobs = jobs
        self.board = board
        self.dispatcher = dispatcher
        self._send = send

    def reassign_items(
        self, job: str | Job, item_ids: Iterable[TaskId], assignee_id: str
    ) -> list[TaskId]:
        """Give items of a job to one annotator (the seed's ``reassign_items``).

        Returns:
            The ids that moved (started work stays where it is; finished items too).

        Raises:
            UnknownJobError: for an unknown job.
            UnknownItemError: naming an item that is not in the job.
            UnknownAnnotatorError: for an annotator the manager has never seen.
            JobError: for an annotator who takes no new work (gone or leaving).
        """
        state = self.jobs.state(job)
        ids = list(item_ids)
        for item_id in ids:
            if item_id not in state.items:
                raise UnknownItemError(f"item {item_id!r} is not in job {state.name!r}")
        self.check_usable(assignee_id, known=True)
        state.join(assignee_id)
        return [i for i in ids if self._move(self.board.get(i), assignee_id)]

    def redistribute(
        self,
        job: str | Job,
        workload: Iterable[WorkloadUnit],
        *,
        annotator: str | None = None,
    ) -> int:
        """Split a job's unstarted items (or one assignment's) again by percentage.

        Returns:
            How many items changed hands.

        Raises:
            ValueError: if the loads do not sum to 100 or name someone twice.
            UnknownAnnotatorError, JobError: for an annotator with a load who was never
                seen, or who takes no new work.
        """
        state = self.jobs.state(job)
        units = tuple(workload)
        split(0, units)  # checks the loads
        for unit in units:
            if unit.load > 0:
                self.check_usable(unit.assignee_id, known=True)
        movable = [r for r in open_records(self.board, state, annotator) if _unstarted(r)]
        for unit in units:
            if unit.load > 0:
                state.join(unit.assignee_id)
        moved = 0
        for record, target in zip(movable, split(len(movable), units), strict=True):
            moved += self._move(record, target)
        return moved

    def reassign(self, job: str | Job, annotator: str, assignee_ids: Iterable[str]) -> int:
        """Move an assignment's items to one or several annotators in turn.

        The annotator leaves the job; what it started finishes where it is (and any
        later attempt goes to its new annotator).

        Returns:
            How many items moved.

        Raises:
            UnknownAssignmentError: if the annotator has no assignment in the job.
            UnknownAnnotatorError, JobError: for a target never seen or taking no work,
                or no target at all.
        """
        state = self.jobs.state(job)
        state.check_assignment(annotator)
        targets = list(dict.fromkeys(assignee_ids))
        if not targets:
            raise JobError("reassign needs at least one annotator")
        for target in targets:
            self.check_usable(target, known=True)
        share = open_records(self.board, state, annotator)
        state.leave(annotator)
        for target in targets:
            state.join(target)  # the annotator itself, if named, stays
        return sum(
            self._hand_over(r, annotator, targets[n % len(targets)]) for n, r in enumerate(share)
        )

    def delete_assignment(self, job: str | Job, annotator: str) -> int:
        """Delete an assignment: its items go to the other usable assignees in turn.

        What the annotator started finishes where it is. With nobody left, the job's
        items are open to anyone.

        Returns:
            How many items moved.

        Raises:
            UnknownAssignmentError: naming the annotator, if it has no assignment in the
                job (or it was deleted already).
        """
        state = self.jobs.state(job)
        state.check_assignment(annotator)
        share = open_records(self.board, state, annotator)
        state.leave(annotator)
        rest: list[str | None] = [a for a in state.assignees if self._usable(a)]
        if not rest:
            rest = [None]  # nobody left: anyone may take them (an empty allowed set)
        return sum(self._hand_over(r, annotator, rest[n % len(rest)]) for n, r in enumerate(share))

    def _usable(self, annotator: str) -> bool:
        worker = self.dispatcher.workers.get(annotator)
        return worker is None or worker.usable

    def check_usable(self, annotator: str, *, known: bool) -> None:
        """Check that ``annotator`` may get work (``known``: the manager must know it).

        Raises:
            UnknownAnnotatorError: for an annotator never seen, when ``known``.
            JobError: for an annotator who is gone or leaving.
        """
        worker = self.dispatcher.workers.get(annotator)
        if worker is None:
            if known:
                raise UnknownAnnotatorError(f"no annotator {annotator!r} in the team")
            return
        if not worker.usable:
            raise JobError(f"annotator {annotator!r} takes no new work (gone or leaving)")

    def _hand_over(self, record: TaskRecord, annotator: str, target: str | None) -> bool:
        """Give ``annotator``'s part of an item to ``target``; whether work moved.

        A started hold stays and finishes; the pin (what comes after it) moves.
        """
        board = self.board
        if target == annotator:
            return False
        if record.designated == annotator:
            board.designate(record, target)
        hold = record.holders.get(annotator)
        if hold is not None and hold.started is not None:
            return False
        if hold is not None:
            self._send(annotator, TaskWithdrawn(task_id=record.id))
            board.reassigned(record)
        self.dispatcher.request_pass()
        return True

    def _move(self, record: TaskRecord, target: str | None) -> bool:
        """Pin an unfinished item to ``target``, taking back unstarted holds of others."""
        if record.terminal is not None or not _unstarted(record):
            return False
        if record.designated == target and all(w == target for w in record.holders):
            return False
        self.board.designate(record, target)
        for worker_id in list(record.holders):
            if worker_id != target:
                self._send(worker_id, TaskWithdrawn(task_id=record.id))
                self.board.reassigned(record)
        self.dispatcher.request_pass()
        return True


def _unstarted(record: TaskRecord) -> bool:
    return all(h.started is None for h in record.holders.values())
