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
    * **Queue place and time-to-live are the job's own**, the run's the default:
      ``queue="assignee"`` keeps its pinned items in its annotators' own queues (early
      binding), ``queue="central"`` pins nothing and places its items from the central
      queue to whichever assignee has room (late binding), and ``ttl`` is how long a
      hold of its items lasts; :meth:`agents.platform.PlatformRules.serve` sets up
      what they need.
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
from agents.distribution import Distribution, QueuePlace, split
from agents.errors import JobError, UnknownItemError
from agents.filters import Filter, parse_filter, select
from agents.job import Job
from agents.job_index import JobIndex
from agents.job_moves import JobMoves
from agents.jobstate import JobState, check_mode, check_place, due_by, open_records
from agents.operations import Operations
from agents.platform import PlatformRules
from agents.record import TaskRecord, TaskState
from protocol.messages import Message, Task, TaskId

__all__ = ["Jobs"]


class Jobs(JobIndex):
    """The jobs of one manager, their assignments, and every operation on them.

    Args:
        board: The task board.
        dispatcher: The workers and placement.
        operations: Admitting items and closing them.
        distribution: The manager's own mode (a pulling job must match its batches).
        send: Sends a message to an agent by id.
        clock: The simulated time (0 before the run starts).
        dataset: Items no job has taken yet.
        rules: The manager's platform rules, which serve a job's own queue place and
            time-to-live (without them, a job takes the run's).
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
        rules: PlatformRules | None = None,
    ) -> None:
        self._send = send
        self._clock = clock
        super().__init__(board, dataset)
        self._rules = rules
        self.dispatcher = dispatcher
        self.operations = operations
        self.distribution = distribution
        self._reviews: dict[str, list[str]] = {}  # job id -> its QA jobs' ids
        self._ids = itertools.count(1)
        self.moves = JobMoves(self, board, dispatcher, send)
        """Reassigning, redistributing and deleting assignments."""

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
        queue: QueuePlace | None = None,
        ttl: float | None = None,
    ) -> Job:
        """Make a job over dataset items, chosen by id and/or by a filter.

        Args:
            name: Its name (unique among live jobs).
            item_ids: Dataset items to take, in order.
            filters: A filter (or its DQL form) over the items no job holds.
            assignee_ids: Annotators who work on it (for pulling: ``allowed_assignees``).
            due_date: When its items are due, in simulated seconds.
            mode: Consensus, pulling or a workload split (default: split in turn).
            queue: Where its items wait: ``"assignee"``, each in its annotator's own
                queue, worked through in order (early binding); ``"central"``, in the
                central queue, each to whichever assignee has room when it is placed
                (late binding); ``None``: as the run's ``queue``.
            ttl: Seconds a hold of its items lasts unanswered before it expires
                (``None``: the run's ``ttl``, if any).

        Returns:
            The job.

        Raises:
            JobError: for an empty or taken name, a pulling job on a manager that does
                not pull with the same batches, no assignee for a job that needs one,
                a workload naming someone not assigned, an item of another job, or a
                queue or ttl :func:`~agents.jobstate.check_place` refuses.
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
        check_place(name, mode, queue, ttl, self.distribution)
        if (queue is not None or ttl is not None) and self._rules is None:
            raise JobError(f"job {name!r}: its own queue or ttl needs the manager's rules")
        if due_date is not None and due_date < 0:
            raise JobError(f"job {name!r}: due_date must be >= 0, got {due_date!r}")
        chosen = self._choose(item_ids, filters)
        job = JobState(f"job-{next(self._ids)}", name, mode, due_date, place=queue, ttl=ttl)
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
        if self._rules is not None and (state.place is not None or state.ttl is not None):
            self._rules.serve(item.id, state.place, state.ttl)
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
