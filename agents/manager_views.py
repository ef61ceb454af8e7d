"""``ManagerViews``: what a manager shows of its run, read from the parts it owns.

Design:
    The views read the board, the dispatcher, the settlement and the operations of a
    :class:`~agents.manager.TaskManager` and change nothing: the workers known, the
    counts of late results, rework, reviews, overshoot and rejections, and the
    progress in the annotation tool's shape.
"""

from __future__ import annotations

from typing import Any

from agents.board import TaskBoard
from agents.dispatch import Dispatcher
from agents.operations import Operations
from agents.progress import progress
from agents.roster import WorkerRecord
from agents.settlement import Settlement
from protocol.messages import TaskResult

__all__ = ["ManagerViews"]


class ManagerViews:
    """The read-only views of a manager (a base of :class:`~agents.manager.TaskManager`)."""

    board: TaskBoard
    dispatcher: Dispatcher
    settlement: Settlement
    operations: Operations

    @property
    def workers(self) -> dict[str, WorkerRecord]:
        """The workers the manager knows, by id."""
        return self.dispatcher.workers

    @property
    def reviewers(self) -> dict[str, WorkerRecord]:
        """The QA reviewers the manager knows, by id."""
        return self.dispatcher.reviewers

    @property
    def task_results(self) -> list[TaskResult]:
        """The deciding result of each task settled by one, in order."""
        return self.settlement.task_results

    @property
    def stale_results(self) -> int:
        """Refusals, results and verdicts ignored as late or duplicate."""
        return self.settlement.stale_results

    @property
    def rework(self) -> int:
        """Answers rejected in QA and sent back for another attempt."""
        return self.settlement.rework

    @property
    def reviews(self) -> int:
        """Answers queued for QA review."""
        return self.settlement.reviews

    @property
    def overshoot(self) -> int:
        """Submissions that arrived after their task was complete, over all tasks."""
        return sum(r.overshoot for r in self.board)

    @property
    def rejections(self) -> int:
        """QA rejections, over all tasks."""
        return sum(r.rejections for r in self.board)

    @property
    def arrivals_left(self) -> int:
        """Tasks scheduled to arrive that have not arrived yet."""
        return self.operations.arrivals_left

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
        return progress(self.board, self.workers, with_users_distribution)
