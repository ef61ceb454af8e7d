"""``Job`` and ``JobAssignment``: handles on the platforms' task and assignment.

A handle holds only ids and its owner, :class:`agents.jobs.Jobs`, and asks it for
everything, so a handle never shows stale state and every operation has one home.
The method names follow the seeds (``task.add_items``, ``task.reassign_items``,
``task.assignments.list()``, ``assignment.reassign([...])``, ``task.delete()``,
``task.name = ...; task.update()``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from agents.distribution import Distribution, WorkloadUnit
from agents.filters import Filter
from protocol.messages import TaskId

if TYPE_CHECKING:
    from agents.jobs import Jobs

__all__ = ["Job", "JobAssignment", "JobAssignments"]


class Job:
    """A named piece of work over items, with assignees: the platforms' *task*.

    Args:
        jobs: The owner.
        job_id: The job's id.

    Attributes:
        id: The job's id.
    """

    def __init__(self, jobs: Jobs, job_id: str) -> None:
        self._jobs = jobs
        self.id = job_id
        self._name: str | None = None

    def __repr__(self) -> str:
        return f"<Job {self.id!r} {self.name!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Job) and other.id == self.id and other._jobs is self._jobs

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def name(self) -> str:
        """Its name (a new one set here takes effect on :meth:`update`)."""
        return self._name if self._name is not None else self._jobs.state(self.id).name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    def update(self) -> None:
        """Apply a name set on the handle (the seed's ``task.update()``).

        Raises:
            JobError: for a blank or taken name; UnknownJobError once deleted.
        """
        if self._name is not None:
            self._jobs.rename(self.id, self._name)
            self._name = None

    def rename(self, name: str) -> None:
        """Give the job a new name (see :meth:`Jobs.rename`)."""
        self._jobs.rename(self.id, name)
        self._name = None

    @property
    def mode(self) -> Distribution:
        """Its distribution mode."""
        return self._jobs.state(self.id).mode

    @property
    def due_date(self) -> float | None:
        """When its items are due, in simulated seconds."""
        return self._jobs.state(self.id).due_date

    @property
    def assignee_ids(self) -> list[str]:
        """Its annotators, in the order they joined."""
        return list(self._jobs.state(self.id).assignees)

    @property
    def qa_of(self) -> Job | None:
        """The job this QA job reviews, if it is one."""
        source = self._jobs.state(self.id).qa_of
        return None if source is None else Job(self._jobs, source)

    @property
    def assignments(self) -> JobAssignments:
        """Its assignments (``job.assignments.list()``, ``.get(annotator)``)."""
        return JobAssignments(self._jobs, self.id)

    def item_ids(self) -> list[TaskId]:
        """Every item of the job, finished or not, in the order they joined."""
        return self._jobs.items_of(self.id)

    def add_items(
        self,
        *,
        item_ids: Iterable[TaskId] = (),
        filters: Filter | Mapping[str, Any] | None = None,
        assignee_ids: Iterable[str] = (),
    ) -> list[TaskId]:
        """Add dataset items (see :meth:`Jobs.add_items`)."""
        return self._jobs.add_items(
            self.id, item_ids=item_ids, filters=filters, assignee_ids=assignee_ids
        )

    def reassign_items(self, item_ids: Iterable[TaskId], assignee_id: str) -> list[TaskId]:
        """Give items to one annotator (see :meth:`JobMoves.reassign_items`)."""
        return self._jobs.moves.reassign_items(self.id, item_ids, assignee_id)

    def redistribute(self, workload: Iterable[WorkloadUnit]) -> int:
        """Split the job's unstarted items again (see :meth:`JobMoves.redistribute`)."""
        return self._jobs.moves.redistribute(self.id, workload)

    def delete(self) -> list[TaskId]:
        """Delete the job; its unfinished items close (see :meth:`Jobs.delete`)."""
        return self._jobs.delete(self.id)

    def progress(self) -> dict[str, int]:
        """Counts of its items: total, completed, pending, failed, removed, late.

        ``late``: items that finished after the due date.
        """
        state = self._jobs.state(self.id)
        counts = dict.fromkeys(("total", "completed", "pending", "failed", "removed", "late"), 0)
        for item_id in state.items:
            record = self._jobs.board.get(item_id)
            counts["total"] += 1
            counts[record.terminal.value if record.terminal is not None else "pending"] += 1
            due = state.due_date
            if due is not None and record.finished is not None and record.finished > due:
                counts["late"] += 1
        return counts


class JobAssignments:
    """A job's assignments, as the seed's ``task.assignments`` reads them."""

    def __init__(self, jobs: Jobs, job_id: str) -> None:
        self._jobs = jobs
        self._job_id = job_id

    def list(self) -> list[JobAssignment]:
        """One assignment per annotator still assigned, in the order they joined."""
        return self._jobs.assignments(self._job_id)

    def get(self, assignee_id: str) -> JobAssignment:
        """The assignment of one annotator.

        Raises:
            UnknownAssignmentError: if the annotator has none in this job.
        """
        return self._jobs.assignment(self._job_id, assignee_id)


class JobAssignment:
    """One annotator's share of a job: the platforms' *assignment*.

    Attributes:
        id: ``"<job id>:<annotator>"``.
        job_id: The job's id.
        assignee_id: The annotator.
    """

    def __init__(self, jobs: Jobs, job_id: str, assignee_id: str) -> None:
        self._jobs = jobs
        self.job_id = job_id
        self.assignee_id = assignee_id
        self.id = f"{job_id}:{assignee_id}"

    def __repr__(self) -> str:
        return f"<JobAssignment {self.id!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JobAssignment) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def item_ids(self) -> list[TaskId]:
        """Its unfinished items: pinned to the annotator or held by it, in job order."""
        return self._jobs.items_of(self.job_id, self.assignee_id)

    def reassign(self, assignee_ids: Iterable[str]) -> int:
        """Move its unstarted items to one or several annotators (see :meth:`JobMoves.reassign`)."""
        return self._jobs.moves.reassign(self.job_id, self.assignee_id, assignee_ids)

    def redistribute(self, workload: Iterable[WorkloadUnit]) -> int:
        """Split its unstarted items by percentage (see :meth:`JobMoves.redistribute`)."""
        return self._jobs.moves.redistribute(self.job_id, workload, annotator=self.assignee_id)

    def delete(self) -> int:
        """Delete it; its unstarted items go to the others.

        See :meth:`agents.job_moves.JobMoves.delete_assignment`.
        """
        return self._jobs.moves.delete_assignment(self.job_id, self.assignee_id)
