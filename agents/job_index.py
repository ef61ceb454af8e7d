"""``JobIndex``: a manager's jobs by id and name, their dataset, and what they hold.

Design:
    The reading half of :class:`~agents.jobs.Jobs` (its base): the dataset of items
    no job has taken, each live job found by id, name or handle, and a job's
    assignments and items. Nothing here changes a job; :class:`~agents.jobs.Jobs`
    adds creating, changing and deleting.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from agents.board import TaskBoard
from agents.errors import JobError, UnknownAssignmentError, UnknownJobError
from agents.job import Job, JobAssignment
from agents.jobstate import JobState, open_records
from protocol.messages import Task, TaskId

if TYPE_CHECKING:
    from agents.jobs import Jobs

__all__ = ["JobIndex"]


class JobIndex:
    """The jobs of one manager by id and name, and the items they may take.

    Args:
        board: The task board.
        dataset: Items no job has taken yet.
    """

    def __init__(self, board: TaskBoard, dataset: Iterable[Task] = ()) -> None:
        self.board = board
        self._dataset: dict[TaskId, Task] = {}
        self._jobs: dict[str, JobState] = {}
        self._names: dict[str, str] = {}
        self._owner: dict[TaskId, str] = {}
        self.add_to_dataset(dataset)

    @property
    def _handle(self) -> Jobs:
        # The handles (Job, JobAssignment) act through the whole of Jobs, this base's
        # only subclass.
        return cast("Jobs", self)

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
            return Job(self._handle, self._names[name])
        assert job_id is not None
        if job_id not in self._jobs:
            raise UnknownJobError(f"no job with id {job_id!r}")
        return Job(self._handle, self.state(job_id).id)

    def list(self) -> builtins.list[Job]:
        """Every job not deleted, in order of creation."""
        return [Job(self._handle, s.id) for s in self._jobs.values() if not s.deleted]

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
        return None if owner is None else Job(self._handle, owner)

    # -- reading ---------------------------------------------------------------------

    def assignments(self, job: str | Job) -> builtins.list[JobAssignment]:
        """The job's assignments, one per annotator still assigned, in order."""
        state = self.state(job)
        return [JobAssignment(self._handle, state.id, a) for a in state.assignees]

    def assignment(self, job: str | Job, annotator: str) -> JobAssignment:
        """One annotator's assignment in a job.

        Raises:
            UnknownAssignmentError: if the annotator has no assignment in the job.
        """
        state = self.state(job)
        state.check_assignment(annotator)
        return JobAssignment(self._handle, state.id, annotator)

    def items_of(self, job: str | Job, annotator: str | None = None) -> builtins.list[TaskId]:
        """A job's items, or one assignment's: unfinished, pinned to or held by it."""
        state = self.state(job)
        if annotator is None:
            return list(state.items)
        return [r.id for r in open_records(self.board, state, annotator)]
