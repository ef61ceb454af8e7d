"""``Jobs``: the platforms' tasks and assignments over one manager's team.

Design:
    On the seed platforms a *task* is a named piece of work over a set of items, with
    assignees, a due date and a mode, split into *assignments*, one per annotator.
    skillsim's ``Task`` is the item (seed 003's unit of work), so the platform's task
    is a :class:`~agents.job.Job` here, and its assignment a
    :class:`~agents.job.JobAssignment`. ``Jobs`` is the manager's part that holds them
    and carries out their operations through the board, the dispatcher and the
    operations it is given; several jobs run at once over one team.

    * **Items come from the dataset**: the items the manager was given as
      ``dataset`` (or :meth:`Jobs.add_to_dataset`) wait there, unworked, until a job
      takes them by id or by a filter (:mod:`agents.filters`) over the items no job
      holds; an item belongs to one job at a time.
    * **Mode**: a job's mode is a :class:`~agents.distribution.Distribution` (the same
      validated value a run takes). Without pulling or consensus its items are split
      among its assignees at creation, in turn (or by its workload units), each pinned
      to its annotator: the platform's assignments. With consensus or pulling its items
      stay in the queue, open only to its assignees (``allowed_assignees``), and each
      annotator's assignment is what it holds. Pulling batches are the manager's, so a
      pulling job needs a pulling manager with the same batch settings.
    * **Only unstarted work moves** (:class:`~agents.job_moves.JobMoves`).
    * **Deleting a job closes its unfinished items** (final state ``removed``; what
      was finished stays): on the platform the work is gone and the items stay in the
      dataset. **Deleting an assignment** gives its unstarted items to the job's
      remaining assignees in turn (to anyone, if none remains); the annotator leaves
      the job.
    * **A QA job** reviews the items of another job: each item that completes there
      (before or after the QA job is made) becomes a review item ``"<id>:qa"``
      pinned to one of its reviewers in turn, due by its due date.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from agents.board import TaskBoard
from agents.dispatch import Dispatcher
from agents.distribution import Distribution, split
from agents.errors import JobError, UnknownAssignmentError, UnknownItemError, UnknownJobError
from agents.filters import Filter, parse_filter, select
from agents.job import Job, JobAssignment
from agents.job_moves import JobMoves
from agents.jobstate import JobState, check_mode, due_by, open_records
from agents.operations import Operations
from agents.record import TaskRecord, TaskState
from protocol.messages import Message, Task, TaskId

__all__ = ["Jobs"]


class Jobs:
    """The jobs of one manager, their assignments, and every operation on them.

    Args:
        board: The task board.
        dispatcher: The workers and placement.
        operations: Admitting items and closing them.
        distribution: The manager's own mode (a pulling job must match its batches).
        send: Sends a message to an agent by id.
        clock: The simulated time (0 before the run starts).
        dataset: Items no job has taken yet.
    """

    def __init__(
        self,
        board: TaskBoard,
        dispatcher: Dispatcher,
        operations: Operations,
        distribution: Distribution,
        *,
        send: Callable[[str, Message], None],
        clock: Callable[[], float],
        dataset: Iterable[Task] = (),
    ) -> None:
        self._send = send
        self._clock = clock
        self.board = board
        self.dispatcher = dispatcher
        self.operations = operations
        self.distribution = distribution
        self._dataset: dict[TaskId, Task] = {}
        self._jobs: dict[str, JobState] = {}
        self._names: dict[str, str] = {}
        self._owner: dict[TaskId, str] = {}
        self._reviews: dict[str, list[str]] = {}  # job id -> its QA jobs' ids
        self._ids = itertools.count(1)
        self.moves = JobMoves(self, board, dispatcher, send)
        """Reassigning, redistributing and deleting assignments."""
        self.add_to_dataset(dataset)

    # -- the dataset -----------------------------------------------------------------

    def add_to_dataset(self, items: Iterable[Task]) -> None:
        """Put items in the dataset, where jobs take them from.

        Raises:
            JobError: for an id in the dataset or on the board already.
        """
        for item in items:
            if item.id in self._dataset or item.id in self.board:
                raise JobError(f"item {item.id!r} is in the dataset already")
            self._dataset[item.id] = item

    def free_items(self) -> builtins.list[Task]:
        """Items of the dataset that no job has taken, in the order they came."""
        owner, board = self._owner, self.board
        return [t for i, t in self._dataset.items() if i not in owner and i not in board]

    # -- lookup ----------------------------------------------------------------------

    def state(self, job: str | Job) -> JobState:
        """The state of a live job, by id, name or handle.

        Raises:
            UnknownJobError: naming the id or name, if no live job has it.
        """
        key = job.id if isinstance(job, Job) else job
        found = self._jobs.get(key) or self._jobs.get(self._names.get(key, ""))
        if found is None:
            raise UnknownJobError(f"no job with id or name {key!r}")
        if found.deleted:
            raise UnknownJobError(f"job {found.id!r} ({found.name!r}) was deleted")
        return found

    def get(self, job_id: str | None = None, *, name: str | None = None) -> Job:
        """A job by id (the seed's ``tasks.get(task_id=...)``) or by name.

        Raises:
            UnknownJobError: naming the id or name.
            JobError: if neither or both are given.
        """
        if (job_id is None) == (name is None):
            raise JobError("give a job id or a name, not both or neither")
        if name is not None:
            if name not in self._names:
                raise UnknownJobError(f"no job named {name!r}")
            return Job(self, self._names[name])
        assert job_id is not None
        if job_id not in self._jobs:
            raise UnknownJobError(f"no job with id {job_id!r}")
        return Job(self, self.state(job_id).id)

    def list(self) -> builtins.list[Job]:
        """Every job not deleted, in order of creation."""
        return [Job(self, s.id) for s in self._jobs.values() if not s.deleted]

    def get_assignment(self, assignment_id: str) -> JobAssignment:
        """An assignment by its id, ``"<job id>:<annotator>"``.

        Raises:
            UnknownAssignmentError: naming the id, if no live job has it.
        """
        job_id, _, annotator = assignment_id.partition(":")
        try:
            return self.assignment(job_id, annotator)
        except UnknownJobError:
            raise UnknownAssignmentError(f"no assignment with id {assignment_id!r}") from None

    def job_of(self, item_id: TaskId) -> Job | None:
        """The live job that holds an item, if any."""
        owner = self._owner.get(item_id)
        return None if owner is None else Job(self, owner)

    # -- creating --------------------------------------------------------------------

    def create(
        self,
        name: str,
        *,
        item_ids: Iterable[TaskId] = (),
        filters: Filter | Mapping[str, Any] | None = None,
        assignee_ids: Iterable[str] = (),
        due_date: float | None = None,
        mode: Distribution | None = None,
    ) -> Job:
        """Make a job over dataset items, chosen by id and/or by a filter.

        Args:
            name: Its name (unique among live jobs).
            item_ids: Dataset items to take, in order.
            filters: A filter (or its DQL form) over the items no job holds.
            assignee_ids: Annotators who work on it (for pulling: ``allowed_assignees``).
            due_date: When its items are due, in simulated seconds.
            mode: Consensus, pulling or a workload split (default: split in turn).

        Returns:
            The job.

        Raises:
            JobError: for an empty or taken name, a pulling job on a manager that does
                not pull with the same batches, no assignee for a job that needs one,
                a workload naming someone not assigned, or an item of another job.
            UnknownItemError: naming an id not in the dataset.
            FilterError: for a malformed filter.
        """
        if not name or not name.strip():
            raise JobError("a job's name must not be blank")
        if name in self._names:
            raise JobError(f"a job named {name!r} exists already")
        mode = mode or Distribution()
        assignees = list(dict.fromkeys(assignee_ids))
        check_mode(name, mode, assignees, self.dispatcher.workers, self.distribution.pulling)
        if due_date is not None and due_date < 0:
            raise JobError(f"job {name!r}: due_date must be >= 0, got {due_date!r}")
        chosen = self._choose(item_ids, filters)
        job = JobState(f"job-{next(self._ids)}", name, mode, due_date)
        self._jobs[job.id] = job
        self._names[name] = job.id
        for annotator in assignees:
            job.join(annotator)
        if mode.workload:
            targets = split(len(chosen), mode.workload)
            for item, annotator in zip(chosen, targets, strict=True):
                self._take(job, item, annotator)
        else:
            for item in chosen:
                self._take(job, item, None)
        self.dispatcher.request_pass()
        return Job(self, job.id)

    def create_qa(
        self,
        job: str | Job,
        *,
        assignee_ids: Iterable[str],
        due_date: float | None = None,
        name: str | None = None,
    ) -> Job:
        """Make a QA job reviewing ``job``'s items as they complete.

        Raises:
            UnknownJobError: for an unknown job.
            JobError: without reviewers, or for a taken name.
        """
        source = self.state(job)
        reviewers = list(dict.fromkeys(assignee_ids))
        if not reviewers:
            raise JobError(f"QA job of {source.name!r} needs at least one reviewer")
        qa = self.create(name or f"{source.name} QA", assignee_ids=reviewers, due_date=due_date)
        state = self._jobs[qa.id]
        state.qa_of = source.id
        self._reviews.setdefault(source.id, []).append(qa.id)
        for item_id in source.items:
            record = self.board.find(item_id)
            if record is not None and record.terminal is TaskState.COMPLETED:
                self._review(state, record)
        self.dispatcher.request_pass()
        return qa

    def add_items(
        self,
        job: str | Job,
        *,
        item_ids: Iterable[TaskId] = (),
        filters: Filter | Mapping[str, Any] | None = None,
        assignee_ids: Iterable[str] = (),
    ) -> builtins.list[TaskId]:
        """Add dataset items to a job, given in turn to ``assignee_ids`` if named.

        Returns:
            The ids added.

        Raises:
            UnknownJobError, UnknownItemError, JobError: as for :meth:`create`.
        """
        state = self.state(job)
        assignees = list(dict.fromkeys(assignee_ids))
        for annotator in assignees:
            self.moves.check_usable(annotator, known=False)
        chosen = self._choose(item_ids, filters)
        for annotator in assignees:
            state.join(annotator)
        for n, item in enumerate(chosen):
            self._take(state, item, assignees[n % len(assignees)] if assignees else None)
        self.dispatcher.request_pass()
        return [item.id for item in chosen]

    # -- changing --------------------------------------------------------------------

    def rename(self, job: str | Job, name: str) -> None:
        """Give a job a new name.

        Raises:
            UnknownJobError: for an unknown job.
            JobError: for a blank name or one another live job has.
        """
        state = self.state(job)
        if not name or not name.strip():
            raise JobError("a job's name must not be blank")
        if self._names.get(name, state.id) != state.id:
            raise JobError(f"a job named {name!r} exists already")
        del self._names[state.name]
        state.name = name
        self._names[name] = state.id

    def delete(self, job: str | Job) -> builtins.list[TaskId]:
        """Delete a job: its unfinished items close as ``removed``.

        Returns:
            The ids closed.

        Raises:
            UnknownJobError: for an unknown job, or one deleted already.
        """
        state = self.state(job)
        closing = [i for i in state.items if self.board.get(i).terminal is None]
        state.deleted = True
        del self._names[state.name]
        for item_id in state.items:
            self._owner.pop(item_id, None)
            self.dispatcher.restrict(item_id, None)
        return self.operations.set_status("removed", closing) if closing else []

    # -- reading ---------------------------------------------------------------------

    def assignments(self, job: str | Job) -> builtins.list[JobAssignment]:
        """The job's assignments, one per annotator still assigned, in order."""
        state = self.state(job)
        return [JobAssignment(self, state.id, a) for a in state.assignees]

    def assignment(self, job: str | Job, annotator: str) -> JobAssignment:
        """One annotator's assignment in a job.

        Raises:
            UnknownAssignmentError: if the annotator has no assignment in the job.
        """
        state = self.state(job)
        state.check_assignment(annotator)
        return JobAssignment(self, state.id, annotator)

    def items_of(self, job: str | Job, annotator: str | None = None) -> builtins.list[TaskId]:
        """A job's items, or one assignment's: unfinished, pinned to or held by it."""
        state = self.state(job)
        if annotator is None:
            return list(state.items)
        return [r.id for r in open_records(self.board, state, annotator)]

    # -- the manager's hooks ---------------------------------------------------------

    def follow_pins(self) -> None:
        """After a run-wide reassign or redistribute: whoever got a job's item joins it."""
        for state in self._jobs.values():
            if state.deleted:
                continue
            for record in open_records(self.board, state, None):
                if record.designated is not None and record.designated not in state.assignees:
                    state.join(record.designated)

    def settled(self, record: TaskRecord) -> None:
        """An item reached its final state: a completed one goes to QA jobs over it."""
        owner = self._owner.get(record.id)
        if owner is None or record.terminal is not TaskState.COMPLETED:
            return
        for qa_id in self._reviews.get(owner, ()):
            qa = self._jobs[qa_id]
            if not qa.deleted:
                self._review(qa, record)

    # -- parts -----------------------------------------------------------------------

    def _choose(
        self, item_ids: Iterable[TaskId], filters: Filter | Mapping[str, Any] | None
    ) -> builtins.list[Task]:
        chosen: dict[TaskId, Task] = {}
        for item_id in item_ids:
            item = self._dataset.get(item_id)
            if item is None:
                raise UnknownItemError(f"item {item_id!r} is not in the dataset")
            owner = self._owner.get(item_id)
            if owner is not None:
                raise JobError(f"item {item_id!r} belongs to job {self._jobs[owner].name!r}")
            if item_id in self.board:
                raise JobError(f"item {item_id!r} was in a deleted job")
            chosen[item_id] = item
        if filters is not None:
            for item in select(self.free_items(), parse_filter(filters)):
                chosen.setdefault(item.id, item)
        return list(chosen.values())

    def _take(self, state: JobState, item: Task, annotator: str | None) -> None:
        required = state.next_required(self.distribution.min_submitted)
        labelled = required > 1 or item.truth is not None
        overlap = self.distribution.overlap if labelled else 0
        task = due_by(item, state.due_date)
        record = self.board.add(task, self._now(), required=required, overlap=overlap)
        state.items[item.id] = None
        self._owner[item.id] = state.id
        self.dispatcher.restrict(item.id, state.allowed)
        if state.pins:
            if annotator is None:
                live = list(state.assignees)
                annotator = live[state.turn % len(live)] if live else None
                state.turn += 1
            if annotator is not None:
                self.board.designate(record, annotator)

    def _review(self, qa: JobState, record: TaskRecord) -> None:
        item = record.task.model_copy(update={"id": f"{record.id}:qa", "truth": None})
        if item.id in self._dataset:
            return
        self._dataset[item.id] = item
        self._take(qa, item, None)
        self.dispatcher.request_pass()

    def _now(self) -> float:
        return self._clock()
