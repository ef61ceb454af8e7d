"""Operations on a live manager: the seeds' add, remove, reassign, redistribute, set status.

Each can be called from a script while a run is under way, or scheduled as a timed
scenario event. Nothing is lost: an operation only moves work that has not started,
and a task leaves the board only by reaching a final state, exactly once.

Tasks join the board through :meth:`Operations.admit`: consensus goes to an exact,
evenly spread share of them, with no randomness.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from typing import Any, Literal

from agents.board import TaskBoard
from agents.dispatch import Dispatcher
from agents.distribution import Distribution, WorkloadUnit, check_workload, split
from agents.errors import DistributionError
from agents.min_submitted import change_min_submitted, check_team, require_all, required_for
from agents.record import TaskRecord, TaskState
from agents.settlement import Settlement
from protocol.messages import Message, Task, TaskId, TaskWithdrawn

__all__ = ["Operations", "Workload"]

_STATES = {
    "completed": TaskState.COMPLETED,
    "failed": TaskState.FAILED,
    "removed": TaskState.REMOVED,
}


class Workload(tuple[WorkloadUnit, ...]):
    """A workload split, the seed's ``dl.Workload([WorkloadUnit(...), ...])``.

    Raises:
        ValueError: if the loads do not sum to 100 or a worker is named twice.
    """

    def __new__(cls, units: Iterable[WorkloadUnit]) -> Workload:  # noqa: D102
        value = super().__new__(cls, tuple(units))
        check_workload(value)
        return value


class Operations:
    """Admitting tasks, and the live operations on them.

    Args:
        board: The task board.
        dispatcher: The workers and placement.
        settlement: Where tasks are made final.
        distribution: The distribution mode (consensus share, overlap).
        send: Sends a message to an agent by id.
        clock: The simulated time.
        log: A structlog logger.
    """

    def __init__(
        self,
        board: TaskBoard,
        dispatcher: Dispatcher,
        settlement: Settlement,
        distribution: Distribution,
        *,
        send: Callable[[str, Message], None],
        clock: Callable[[], float],
        log: Any,
    ) -> None:
        self.quality = settlement.quality
        self.board = board
        self.dispatcher = dispatcher
        self.settlement = settlement
        self.distribution = distribution
        self._send = send
        self.clock = clock
        """The simulated time (the manager binds it to its runtime's clock on start)."""
        self.log = log
        self._consensus_seen = 0
        self._arrivals: list[tuple[float, Task]] = []
        self._next_arrival = 0

    def admit_initial(
        self, tasks: Iterable[Task], arrivals: Iterable[tuple[float, Task]] = ()
    ) -> None:
        """Admit the starting tasks at time 0 (split by workload) and keep the later ones.

        Raises:
            TypeError: for an item of ``tasks`` that is not a ``Task``.
            ValueError: for a duplicate task id (naming it and its position) or a
                negative arrival time.
        """
        for position, task in enumerate(tasks):
            if not isinstance(task, Task):
                raise TypeError(f"tasks[{position}] is not a Task: {task!r}")
            if task.id in self.board:
                raise ValueError(f"duplicate task id {task.id!r} at tasks[{position}]")
            self.admit(task, 0.0)
        units = self.distribution.workload
        if units:  # a workload split pins each starting task to its worker
            records = list(self.board)
            for record, assignee in zip(records, split(len(records), units), strict=True):
                self.board.designate(record, assignee)
        self._arrivals = sorted(arrivals, key=lambda pair: pair[0])
        seen = set()
        for when, task in self._arrivals:
            if task.id in self.board or task.id in seen:
                raise ValueError(f"duplicate task id {task.id!r} in arrivals")
            if not (math.isfinite(when) and when >= 0):
                raise ValueError(f"arrival time of task {task.id!r} must be >= 0, got {when!r}")
            seen.add(task.id)

    @property
    def arrivals_left(self) -> int:
        """Tasks scheduled to arrive that have not arrived yet."""
        return len(self._arrivals) - self._next_arrival

    def next_arrival(self) -> float | None:
        """When the next scheduled task arrives (``None``: no more)."""
        if self._next_arrival < len(self._arrivals):
            return self._arrivals[self._next_arrival][0]
        return None

    def arrive(self, now: float) -> int:
        """Admit every scheduled task due by ``now``; return how many."""
        arrivals = self._arrivals
        first = self._next_arrival
        while self._next_arrival < len(arrivals):
            when, task = arrivals[self._next_arrival]
            if when > now:
                break
            self._next_arrival += 1
            self.admit(task, now)
            self.log.debug("task_arrived", t=now, task=task.id)
        return self._next_arrival - first

    def admit(self, task: Task, now: float) -> TaskRecord:
        """Put a task on the board with the responses its mode wants.

        Raises:
            ValueError: for a task id that is on the board already.
        """
        # The n-th task admitted (an exact, evenly spread consensus share).
        self._consensus_seen += 1
        adjust = None if self.quality is None else self.quality.required
        required, overlap = required_for(self.distribution, self._consensus_seen, task, adjust)
        return self.board.add(task, now, required=required, overlap=overlap)

    def annotators(self) -> int:
        """Workers who may answer now: connected and not leaving."""
        return sum(1 for w in self.dispatcher.workers.values() if w.connected and not w.leaving)

    def check_team(self) -> None:
        """Refuse settings that want more distinct answers than the annotators connected.

        Raises:
            DistributionError: naming the setting, its value and the annotators.
        """
        check_team(self.distribution, self.annotators())

    def set_min_submitted(self, value: int) -> int:
        """Change ``min_submitted`` for every unfinished task, before the first response.

        Returns:
            How many tasks now need ``value`` responses (or their consensus count).

        Raises:
            DistributionError: after the first response, or for a value above the
                annotators who may answer (once placement began) or that the
                settings refuse.
        """
        annotators = self.annotators() if self.dispatcher.ready else None
        changed = change_min_submitted(self.distribution, value, self.board, annotators)
        self.distribution = self.dispatcher.distribution = changed
        self.settlement.distribution = changed
        count = require_all(self.board, changed)
        self.log.info("min_submitted_set", t=self.clock(), value=value, tasks=count)
        self.dispatcher.request_pass()
        return count

    def set_distribution(self, value: Distribution) -> int:
        """Take new settings that differ at most in ``min_submitted``.

        Raises:
            DistributionError: for any other difference, or as :meth:`set_min_submitted`.
        """
        if dataclasses.replace(value, min_submitted=self.distribution.min_submitted) != (
            self.distribution
        ):
            raise DistributionError("only min_submitted can change on a manager")
        return self.set_min_submitted(value.min_submitted)

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
        if status not in _STATES:
            raise ValueError(f"status must be completed, failed or removed, got {status!r}")
        records = (
            [self.board.get(i) for i in task_ids]
            if task_ids is not None
            else [r for r in self.board if r.terminal is None]
        )
        changed = []
        for record in records:
            if record.terminal is None:
                self.settlement.settle(record, _STATES[status])
                changed.append(record.id)
        self.log.info("status_set", t=self.clock(), status=status, count=len(changed))
        return changed

    def reassign(self, from_worker: str, to_worker: str) -> int:
        """Move ``from_worker``'s unstarted work, and its share of a split, to another.

        Work already started stays and finishes where it is.

        Returns:
            How many tasks moved.

        Raises:
            KeyError: naming a worker the manager does not know.
            ValueError: if ``to_worker`` takes no new work.
        """
        workers = self.dispatcher.workers
        for worker_id in (from_worker, to_worker):
            if worker_id not in workers:
                raise KeyError(f"no worker with id {worker_id!r}")
        if not workers[to_worker].usable:
            raise ValueError(f"worker {to_worker!r} takes no new work (gone or leaving)")
        board = self.board
        # Its pinned tasks and what it holds, in board order, each once.
        moving = {r.seq: r for r in board.designated_to(from_worker)}
        for task_id in workers[from_worker].held:
            record = board.get(task_id)
            hold = record.holders.get(from_worker)
            if record.terminal is None and hold is not None and hold.started is None:
                moving[record.seq] = record
        moved = 0
        for _, record in sorted(moving.items()):
            board.designate(record, to_worker)
            hold = record.holders.get(from_worker)
            if hold is None:
                moved += 1
            elif hold.started is None:
                self._send(from_worker, TaskWithdrawn(task_id=record.id))
                board.reassigned(record)
                moved += 1
            # else: started work stays and finishes where it is; only its share moved.
        self.log.info(
            "reassigned", t=self.clock(), source=from_worker, target=to_worker, moved=moved
        )
        self.dispatcher.request_pass()
        return moved

    def redistribute(self, workload: Iterable[WorkloadUnit]) -> int:
        """Split every unfinished task not yet started again, by new percentages.

        Returns:
            How many tasks changed hands.

        Raises:
            ValueError: if loads do not sum to 100, or a worker with a load takes no
                new work.
            KeyError: naming a worker the manager does not know.
        """
        units = Workload(workload)
        workers = self.dispatcher.workers
        for unit in units:
            if unit.assignee_id not in workers:
                raise KeyError(f"no worker with id {unit.assignee_id!r}")
            if unit.load > 0 and not workers[unit.assignee_id].usable:
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
            self.board.designate(record, assignee)
            for worker_id in list(record.holders):
                if worker_id != assignee:
                    self._send(worker_id, TaskWithdrawn(task_id=record.id))
                    self.board.reassigned(record)
            moved += 1
        self.log.info("redistributed", t=self.clock(), moved=moved)
        self.dispatcher.request_pass()
        return moved
