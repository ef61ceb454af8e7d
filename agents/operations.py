"""Operations on a live manager: the seeds' add, remove, reassign, redistribute, set status.

Each can be called from a script while a run is under way, or scheduled as a timed
scenario event. Nothing is lost: an operation only moves work that has not started,
and a task leaves the board only by reaching a final state, exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from agents.board import TaskRecord, TaskState
from agents.distribution import WorkloadUnit, check_workload, split
from agents.placement import Placement
from protocol.messages import Task, TaskId, TaskResult, TaskWithdrawn

__all__ = ["Operations", "Workload"]


class Workload(tuple[WorkloadUnit, ...]):
    """A workload split, the seed's ``dl.Workload([WorkloadUnit(...), ...])``.

    Raises:
        ValueError: if the loads do not sum to 100 or a worker is named twice.
    """

    def __new__(cls, units: Iterable[WorkloadUnit]) -> Workload:  # noqa: D102
        value = super().__new__(cls, tuple(units))
        check_workload(value)
        return value


class Operations(Placement):
    """Live operations (a base of ``TaskManager``)."""

    arrivals_left: int

    def _settle(
        self, record: TaskRecord, state: TaskState, result: TaskResult | None = None
    ) -> None:
        raise NotImplementedError  # provided by Settlement

    def _withdraw(self, record: TaskRecord) -> None:
        """Take back every unstarted hold on ``record`` (the worker answers)."""
        for worker_id, hold in list(record.holders.items()):
            if hold.started is None:
                self.send_nowait(worker_id, TaskWithdrawn(task_id=record.id))

    def add_tasks(self, tasks: Iterable[Task]) -> None:
        """Put new tasks on the board now; they are placed at the end of this instant.

        Raises:
            ValueError: for a task id that is on the board already.
        """
        now = self.now if self.started else 0.0
        for task in tasks:
            self._add(task, now)
            self.log.info("task_added", t=now, task=task.id)
        if self.started:
            self._request_pass()

    def _add(self, task: Task, now: float) -> TaskRecord:
        raise NotImplementedError  # provided by TaskManager

    def remove_tasks(self, task_ids: Iterable[TaskId]) -> list[TaskId]:
        """Take unfinished tasks off the board (final state ``removed``).

        Finished tasks are kept as they are: removing never undoes work.

        Returns:
            The ids actually removed.

        Raises:
            KeyError: naming an id that is not on the board.
        """
        return self.set_status("removed", list(task_ids))

    def set_status(
        self,
        status: Literal["completed", "failed", "removed"],
        task_ids: Iterable[TaskId] | None = None,
    ) -> list[TaskId]:
        """Close tasks by hand (all unfinished ones when ``task_ids`` is omitted).

        Returns:
            The ids whose state changed.

        Raises:
            ValueError: for another status.
            KeyError: naming an id that is not on the board.
        """
        states = {
            "completed": TaskState.COMPLETED,
            "failed": TaskState.FAILED,
            "removed": TaskState.REMOVED,
        }
        if status not in states:
            raise ValueError(f"status must be completed, failed or removed, got {status!r}")
        records = (
            [self.board.get(i) for i in task_ids]
            if task_ids is not None
            else [r for r in self.board if r.terminal is None]
        )
        changed = []
        for record in records:
            if record.terminal is None:
                self._settle(record, states[status])
                changed.append(record.id)
        self.log.info("status_set", t=self.now, status=status, count=len(changed))
        return changed

    def reassign(self, from_worker: str, to_worker: str) -> int:
        """Move ``from_worker``'s unstarted work, and its share of a split, to another.

        Work already started stays and finishes where it is.

        Returns:
            How many tasks moved.

        Raises:
            KeyError: naming a worker the manager does not know.
        """
        for worker_id in (from_worker, to_worker):
            if worker_id not in self.workers:
                raise KeyError(f"no worker with id {worker_id!r}")
        if not self.workers[to_worker].usable:
            raise ValueError(f"worker {to_worker!r} takes no new work (gone or leaving)")
        moved = 0
        for record in self.board:
            if record.terminal is not None:
                continue
            hold = record.holders.get(from_worker)
            if record.designated == from_worker or (hold is not None and hold.started is None):
                record.designated = to_worker
                if hold is not None:
                    self.send_nowait(from_worker, TaskWithdrawn(task_id=record.id))
                    record.reassignments += 1
                moved += 1
        self.log.info("reassigned", t=self.now, source=from_worker, target=to_worker, moved=moved)
        self._request_pass()
        return moved

    def redistribute(self, workload: Iterable[WorkloadUnit]) -> int:
        """Split every unfinished task not yet started again, by new percentages.

        Returns:
            How many tasks changed hands.

        Raises:
            ValueError: if loads do not sum to 100.
            KeyError: naming a worker the manager does not know.
        """
        units = Workload(workload)
        for unit in units:
            if unit.assignee_id not in self.workers:
                raise KeyError(f"no worker with id {unit.assignee_id!r}")
            if unit.load > 0 and not self.workers[unit.assignee_id].usable:
                raise ValueError(f"worker {unit.assignee_id!r} takes no new work (gone or leaving)")
        movable = [
            r
            for r in self.board
            if r.terminal is None and all(h.started is None for h in r.holders.values())
        ]
        moved = 0
        for record, assignee in zip(movable, split(len(movable), units), strict=True):
            if record.designated == assignee and all(w == assignee for w in record.holders):
                continue
            record.designated = assignee
            for worker_id in list(record.holders):
                if worker_id != assignee:
                    self.send_nowait(worker_id, TaskWithdrawn(task_id=record.id))
                    record.reassignments += 1
            moved += 1
        self.log.info("redistributed", t=self.now, moved=moved)
        self._request_pass()
        return moved
