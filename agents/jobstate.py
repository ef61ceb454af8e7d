"""What is kept about one job, its changes of assignees, and the check of its mode."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from agents.board import TaskBoard
from agents.distribution import Distribution, Pulling, place_problem
from agents.errors import JobError, UnknownAssignmentError
from agents.record import TaskRecord
from agents.roster import WorkerRecord
from protocol.messages import Task, TaskId

__all__ = ["JobState", "check_mode", "check_place", "due_by", "open_records"]


@dataclass(slots=True, eq=False)
class JobState:
    """What :class:`agents.jobs.Jobs` keeps about one job (its parts are the writers).

    Attributes:
        id: The job's id (``job-1``, ``job-2``, ... in order of creation).
        name: Its name, unique among jobs not deleted.
        mode: Its distribution mode.
        due_date: When its items are due (simulated seconds), if set.
        assignees: Annotators who may work on it, in the order they joined.
        items: Its items' ids, in the order they joined.
        qa_of: The id of the job a QA job reviews.
        deleted: Whether it was deleted.
        gone: Annotators whose assignment was deleted or reassigned away.
        turn: Where the next item goes in the round of assignees.
        consensus_seen: Items admitted under its consensus mode.
        allowed: Who may take its items (its assignees), shared with the dispatcher.
        place: Where its items wait: ``"central"``, ``"assignee"``, or ``None`` (as the
            run's queue).
        ttl: Its items' reservation time-to-live (``None``: the run's).
    """

    id: str
    name: str
    mode: Distribution
    due_date: float | None
    assignees: dict[str, None] = field(default_factory=dict)
    items: dict[TaskId, None] = field(default_factory=dict)
    qa_of: str | None = None
    deleted: bool = False
    gone: set[str] = field(default_factory=set)
    turn: int = 0
    consensus_seen: int = 0
    allowed: set[str] = field(default_factory=set)
    place: Literal["central", "assignee"] | None = None
    ttl: float | None = None

    @property
    def pins(self) -> bool:
        """Whether its items are pinned to assignees (no consensus, pulling or central queue)."""
        free = self.mode.consensus is None and self.mode.pulling is None
        return free and self.place != "central"

    def next_required(self, base: int) -> int:
        """Submitted answers the job's next item needs (``base``: the manager's).

        Consensus goes to an exact, evenly spread share of the job's items, without
        randomness, as the manager does for a run.
        """
        consensus = self.mode.consensus
        if consensus is None:
            return base
        self.consensus_seen += 1
        n, share = self.consensus_seen, consensus.percentage / 100
        if math.floor(n * share) > math.floor((n - 1) * share):
            return max(base, consensus.assignees)
        return base

    def join(self, annotator: str) -> None:
        """``annotator`` is assigned to the job (again)."""
        self.gone.discard(annotator)
        self.assignees[annotator] = None
        self.allowed.add(annotator)

    def leave(self, annotator: str) -> None:
        """``annotator``'s assignment ends: it takes none of the job's items now."""
        del self.assignees[annotator]
        self.gone.add(annotator)
        self.allowed.discard(annotator)

    def check_assignment(self, annotator: str) -> None:
        """Check that ``annotator`` has an assignment in the job.

        Raises:
            UnknownAssignmentError: saying whether it never had one or it was deleted.
        """
        if annotator in self.assignees:
            return
        was = "was deleted" if annotator in self.gone else "does not exist"
        raise UnknownAssignmentError(f"assignment of {annotator!r} in job {self.name!r} {was}")


def check_mode(
    name: str,
    mode: Distribution,
    assignees: list[str],
    workers: Mapping[str, WorkerRecord],
    pulling: Pulling | None,
) -> None:
    """Check a new job's mode against its assignees; add a workload's names to them.

    Args:
        name: The job's name (for messages).
        mode: The job's mode.
        assignees: Its assignees; extended in place with the workload's annotators
            when none are named.
        workers: The workers the manager knows.
        pulling: The manager's pulling batches (a pulling job must match them).

    Raises:
        JobError: naming the job, for QA or ``min_submitted`` in a job's mode, pulling
            batches other than the manager's, no assignee, a workload naming someone
            not assigned, consensus wanting more annotators than the job has, or an
            annotator who takes no new work.
    """
    if mode.qa is not None or mode.min_submitted > 1 or mode.overlap:
        raise JobError(
            f"job {name!r}: a job's mode is consensus, pulling or a workload split; "
            "QA is a QA job, min_submitted is the manager's"
        )
    if mode.pulling is not None and mode.pulling != pulling:
        raise JobError(
            f"job {name!r}: pulling batches are the manager's ({pulling}), "
            f"the job asks {mode.pulling}"
        )
    if not assignees and not mode.workload:
        raise JobError(f"job {name!r} needs at least one assignee")
    named = bool(assignees)
    for unit in mode.workload:
        if unit.assignee_id in assignees:
            continue
        if named:
            raise JobError(f"job {name!r}: workload names {unit.assignee_id!r}, not an assignee")
        assignees.append(unit.assignee_id)
    consensus = mode.consensus
    if consensus is not None and consensus.assignees > len(assignees):
        raise JobError(
            f"job {name!r}: consensus wants {consensus.assignees} annotators per item, "
            f"the job has {len(assignees)}"
        )
    for annotator in assignees:
        worker = workers.get(annotator)
        if worker is not None and not worker.usable:
            raise JobError(f"annotator {annotator!r} takes no new work (gone or leaving)")


def check_place(
    name: str,
    mode: Distribution,
    queue: str | None,
    ttl: float | None,
    run: Distribution,
) -> None:
    """Check a new job's queue place and reservation time-to-live against its mode.

    Args:
        name: The job's name (for messages).
        mode: The job's mode.
        queue: ``"central"``, ``"assignee"`` or ``None`` (the run's queue).
        ttl: Seconds a hold of its items lasts unanswered, or ``None`` (the run's).
        run: The manager's own settings.

    Raises:
        JobError: naming the job, for an unknown queue, a ttl that is not a positive
            number, a queue or ttl given in the mode instead, a workload split in the
            central queue, or per-assignee queues
            with consensus, pulling, or a run with pulling, ``min_submitted`` > 1 or
            overlap.
    """
    if mode.queue != "central" or mode.ttl is not None:
        raise JobError(
            f"job {name!r}: queue and ttl are the job's own settings "
            "(jobs.create(..., queue=..., ttl=...)), not its mode's"
        )
    problem = place_problem("central" if queue is None else queue, ttl)
    if problem is not None:
        raise JobError(f"job {name!r}: {problem[1]}")
    if queue == "central" and mode.workload:
        raise JobError(
            f"job {name!r}: a workload split pins each item to an annotator, so its items "
            "cannot wait in the central queue"
        )
    if queue == "assignee" and (
        mode.consensus is not None
        or mode.pulling is not None
        or run.pulling is not None
        or run.min_submitted > 1
        or run.overlap > 0
    ):
        raise JobError(
            f"job {name!r}: per-assignee queues give each item to one annotator's queue, so "
            "they cannot be combined with consensus, pulling, min_submitted > 1 or overlap"
        )


def open_records(board: TaskBoard, state: JobState, annotator: str | None) -> list[TaskRecord]:
    """A job's unfinished items, or one assignment's: pinned to or held by ``annotator``."""
    records = [board.get(i) for i in state.items]
    open_ = [r for r in records if r.terminal is None]
    if annotator is None:
        return open_
    return [r for r in open_ if r.designated == annotator or r.held_by(annotator)]


def due_by(item: Task, due_date: float | None) -> Task:
    """The item, due no later than ``due_date`` (a job's due date)."""
    if due_date is None or (item.due is not None and item.due <= due_date):
        return item
    return item.model_copy(update={"due": due_date})
