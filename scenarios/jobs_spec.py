"""``[[jobs]]``: the platforms' tasks in a scenario file, made when the run starts.

Design:
    A job (:class:`agents.job.Job`) is a named piece of work over items, with
    assignees, a due date, a mode and its own queue place and reservation
    time-to-live. In a file each ``[[jobs]]`` table is one ``manager.jobs.create(...)``
    call, made before the run starts, in file order, over the tasks there at t=0:
    ``item_ids`` names them, ``filters`` selects them by the same DQL-style filters as
    the API (:mod:`agents.filters`) among the tasks no earlier job took. The tasks no
    job takes stay the run's own, placed as without jobs. The mode reuses the run's
    tables (``[jobs.consensus]``, ``[jobs.pulling]``, ``[[jobs.workload]]``) and the
    rules of :func:`agents.jobstate.check_mode` and :func:`agents.jobstate.check_place`,
    so a file is refused for what the API would refuse, naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, JsonValue, ValidationInfo, field_validator

from agents.distribution import Consensus, Distribution, Pulling, QueuePlace, Ttl, WorkloadUnit
from agents.errors import JobError
from agents.filters import FilterError, parse_filter, select
from agents.jobstate import check_mode, check_place
from agents.manager import TaskManager
from protocol.messages import Task, TaskId
from scenarios._schema import FieldProblemError, _Spec
from scenarios.timeline import check_units

__all__ = ["JobList", "JobSpec", "check_jobs", "choose_items", "make_jobs"]


class JobSpec(_Spec):
    """One job: ``manager.jobs.create(name, ...)`` at the start of the run."""

    name: str = Field(min_length=1)
    item_ids: list[int | str] = Field(default_factory=list)
    filters: dict[str, JsonValue] | None = None
    assignee_ids: list[str] = Field(default_factory=list)
    due_date: float | None = Field(default=None, ge=0)
    consensus: Consensus | None = None
    pulling: Pulling | None = None
    workload: list[WorkloadUnit] = Field(default_factory=list)
    queue: QueuePlace | None = None
    ttl: Ttl | None = None

    @field_validator("filters")
    @classmethod
    def _filter_reads(cls, value: dict[str, JsonValue] | None) -> dict[str, JsonValue] | None:
        if value is not None:
            try:
                parse_filter(value)
            except FilterError as error:
                raise ValueError(str(error)) from None
        return value

    def mode(self) -> Distribution:
        """The job's mode, as ``jobs.create(mode=...)`` takes it.

        Raises:
            ValueError: for a mode the distribution rules refuse.
        """
        return Distribution(
            consensus=self.consensus, pulling=self.pulling, workload=tuple(self.workload)
        )


def check_jobs(jobs: list[JobSpec], info: ValidationInfo) -> list[JobSpec]:
    """Check the jobs against the rest of the file (declared after what it reads).

    Raises:
        FieldProblemError: at ``[i].<field>``: a name used twice, an unknown assignee
            or item, an item that arrives later or is named by two jobs, or a mode,
            queue or ttl the API would refuse (its message).
    """
    data = info.data
    workers, tasks = data.get("workers"), data.get("tasks")
    if workers is None or tasks is None:
        return jobs  # the file failed there already; that error is the one shown
    staff = {w.name for w in workers.items}
    gen = workers.generate
    known = staff.union(gen.names() if gen is not None else ())
    present = _present_ids(tasks)
    try:
        run = _run_mode(data)
    except ValueError:
        return jobs  # the run's own settings are refused, at their own field
    names: dict[str, int] = {}
    named: dict[tuple[type, TaskId], int] = {}
    for i, job in enumerate(jobs):
        if job.name in names:
            raise FieldProblemError(f"[{i}].name", f"{job.name!r} is also jobs[{names[job.name]}]")
        names[job.name] = i
        for k, annotator in enumerate(job.assignee_ids):
            if annotator not in known:
                raise FieldProblemError(f"[{i}].assignee_ids[{k}]", f"unknown worker {annotator!r}")
        for k, item in enumerate(job.item_ids):
            problem = present(item)
            key = (type(item), item)
            if problem is None and key in named and named[key] != i:
                problem = f"task {item!r} is also in jobs[{named[key]}]"
            if problem is not None:
                raise FieldProblemError(f"[{i}].item_ids[{k}]", problem)
            named[key] = i
        if job.workload:
            check_units(f"[{i}].workload", job.workload, known.__contains__)
        try:
            mode = job.mode()
            check_mode(job.name, mode, list(job.assignee_ids), {}, run.pulling)
            check_place(job.name, mode, job.queue, job.ttl, run)
        except (ValueError, JobError) as error:
            raise FieldProblemError(f"[{i}]", str(error)) from None
    return jobs


JobList = Annotated[list[JobSpec], AfterValidator(check_jobs)]
"""The ``[[jobs]]`` array, checked against the file's workers, tasks and modes."""


def choose_items(jobs: list[JobSpec], tasks: list[Task]) -> list[list[TaskId]]:
    """Each job's items among ``tasks`` (those at t=0): by id, then by its filter.

    A filter selects among the tasks no earlier job took, as ``jobs.create`` does.
    """
    taken: set[TaskId] = set()
    chosen = []
    for job in jobs:
        ids: dict[TaskId, None] = dict.fromkeys(job.item_ids)
        if job.filters is not None:
            free = [t for t in tasks if t.id not in taken and t.id not in ids]
            ids.update(dict.fromkeys(t.id for t in select(free, parse_filter(job.filters))))
        taken.update(ids)
        chosen.append(list(ids))
    return chosen


def make_jobs(manager: TaskManager, jobs: list[JobSpec], items: list[list[TaskId]]) -> None:
    """Create the jobs on ``manager`` (its dataset holds their items), in file order."""
    for job, ids in zip(jobs, items, strict=True):
        manager.jobs.create(
            job.name,
            item_ids=ids,
            assignee_ids=job.assignee_ids,
            due_date=job.due_date,
            mode=job.mode(),
            queue=job.queue,
            ttl=job.ttl,
        )


def _present_ids(tasks: Any) -> Any:
    """A check that a task id names a task there at t=0 (``None``) or why not."""
    listed = {(type(t.id), t.id): t.arrival for t in tasks.items}
    gen = tasks.generate
    numeric = [t.id for t in tasks.items if isinstance(t.id, int)]
    first = max(numeric, default=0) + 1  # as scenarios.build numbers them

    def problem(task_id: TaskId) -> str | None:
        arrival = listed.get((type(task_id), task_id))
        if arrival is not None:
            if arrival > 0:
                return f"task {task_id!r} arrives at t={arrival:g}; a job takes tasks there at t=0"
            return None
        if gen is not None and _generated(gen.prefix, gen.count, first, task_id):
            if gen.arrival.process != "batch":
                return (
                    f"task {task_id!r} is generated with arrivals; a job takes tasks there at t=0"
                )
            return None
        return f"no task has id {task_id!r}"

    return problem


def _generated(prefix: str, count: int, first: int, task_id: TaskId) -> bool:
    if not prefix:
        return isinstance(task_id, int) and first <= task_id < first + count
    if not isinstance(task_id, str) or not task_id.startswith(prefix):
        return False
    number = task_id.removeprefix(prefix)
    return number.isascii() and number.isdigit() and 1 <= int(number) <= count


def _run_mode(data: dict[str, Any]) -> Distribution:
    """The run's own settings a job is checked against (pulling, queue, answers)."""
    return Distribution(
        min_submitted=data.get("min_submitted", 1),
        overlap=data.get("overlap", 0),
        pulling=data.get("pulling"),
        queue=data.get("queue", "central"),
        ttl=data.get("ttl"),
    )
