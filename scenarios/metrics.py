"""What a run measured: the result document written by ``--json``.

Every metric is defined here once (and in the README), as a small pure function of
the run's frozen :class:`~scenarios.record.RunRecord`; tables, JSON, frames and
pictures print from the same :class:`RunResult`.

* ``total``, ``completed``, ``failed``, ``removed``, ``pending``: tasks by final
  state (``pending``: not finished when the run stopped).
* ``success_rate``: completed / (completed + failed).
* ``makespan``: simulated time when the last task finished.
* ``throughput``: completed tasks per simulated second of makespan.
* ``wait_mean``, ``wait_p95``: time from a task's arrival to the start of its first
  attempt (mean, and 95th percentile by nearest rank).
* ``utilization_mean``: mean over workers (not QA reviewers) of their utilization,
  busy time / (capacity * makespan): the share of its capacity a worker had in use,
  so a worker of capacity 4 kept 90% busy shows 0.9.
* ``fairness_jain``: Jain's index of busy time, (sum x)^2 / (n sum x^2): 1 when all
  workers are equally busy, 1/n when one does everything.
* ``overqualification_mean``: mean of skill - difficulty over successful attempts by
  capable workers (skill >= difficulty): senior time spent on junior work.
* ``deadline_misses``: tasks with a due time that were not completed by it.
* ``reassignments``: work taken back from a worker and placed again (a worker left
  or crashed, or an operator reassigned it).
* ``retries``: attempts beyond those a task needs (one, or its consensus count).
* ``estimate_mae``: for a learning policy, mean |estimate - true skill| at the end.

Labelling runs (tasks with a hidden truth) add:

* ``accuracy_majority``, ``accuracy_weighted``: share of completed labelled tasks
  whose majority-vote (skill-weighted vote) answer is the truth.
* ``answers_per_correct``: submitted answers spent per correct majority label.
* ``overshoot``: submissions that arrived after their task was already complete.
* ``drafts``, ``discarded``: responses left unfinished (a worker crashed) or declined.
* ``qa_reviews``, ``qa_rejections``, ``rework``: answers reviewed, rejected, and
  sent back to another worker; ``qa_escaped``: reviewed and approved although wrong;
  ``defects_unreviewed``: wrong and never reviewed.
* ``stale_results``: late or duplicate results that were ignored.

Reservations that expire (a ``ttl``) add:

* ``expired``: holds that ran ``ttl`` simulated seconds without an answer and went
  back to the queue.
* ``stale_answers``: answers that came from a holder after its hold expired (ignored,
  so also counted in ``stale_results``); ``expired - stale_answers`` holders never
  answered at all (silent, or the run ended first).

Per-assignee queues add, per worker, ``queue_wait_mean``: the mean of (first start -
arrival) over the tasks bound to that worker's queue when the run ended and started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from agents.golden import GoldenScore
from agents.memory import eased_gc
from agents.summary import RunSummary
from scenarios.build import Simulation
from scenarios.measures import (
    counts,
    effort,
    labelling,
    makespan,
    queue_waits,
    round6,
    timing,
    utilization,
    workload,
)
from scenarios.quality_report import golden_columns, run_quality
from scenarios.record import RunRecord, TaskFact, WorkerFact, take_record
from scenarios.recorder import Attempt, Recorder, RunEvent
from scenarios.series import SeriesPoint

if TYPE_CHECKING:
    import pandas

__all__ = [
    "EventRow",
    "FailureRow",
    "Metrics",
    "RunResult",
    "TaskRow",
    "WorkerRow",
    "collect",
    "measure",
]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Metrics(_Row):
    """The run's figures (see the module docstring for definitions)."""

    total: int
    completed: int
    failed: int
    removed: int
    pending: int
    success_rate: float
    makespan: float
    throughput: float
    wait_mean: float
    wait_p95: float
    utilization_mean: float
    fairness_jain: float
    overqualification_mean: float
    deadline_misses: int
    reassignments: int
    retries: int
    estimate_mae: float | None = None
    accuracy_majority: float | None = None
    accuracy_weighted: float | None = None
    answers_per_correct: float | None = None
    overshoot: int = 0
    drafts: int = 0
    discarded: int = 0
    qa_reviews: int = 0
    qa_rejections: int = 0
    rework: int = 0
    qa_escaped: int = 0
    defects_unreviewed: int = 0
    stale_results: int = 0
    answers_bought: int | None = None
    golden_answers: int | None = None
    workers_flagged: int | None = None
    accuracy_ds_one_coin: float | None = None
    accuracy_ds_full: float | None = None
    cost_per_correct_weighted: float | None = None
    cost_per_correct_ds_one_coin: float | None = None
    cost_per_correct_ds_full: float | None = None
    fleiss_kappa: float | None = None
    krippendorff_alpha: float | None = None
    expired: int = 0
    stale_answers: int = 0


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One task's story.

    Rows are plain slotted dataclasses, not pydantic models: a 100,000-task result
    holds 100,000 of them, at a ninth of a model's memory. ``RunResult`` still
    validates them when it reads JSON back. ``assigned`` and ``started`` are those of
    the first attempt, ``finished`` the final one; each attempt is in
    ``RunResult.attempts``.
    """

    id: int | str
    difficulty: float
    priority: int
    skill: str | None
    worker: str | None
    attempts: int
    status: str
    success: bool | None
    arrived: float
    assigned: float | None
    started: float | None
    finished: float | None
    due: float | None


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """One worker's share (a slotted dataclass, like :class:`TaskRow`).

    ``id`` is the worker's bus id, as the ``worker`` of task and attempt rows names it
    (the same as ``name`` unless the agent was given its own id).
    """

    name: str
    role: str
    skill_level: float
    skills: dict[str, float]
    tasks: int
    successes: int
    busy_time: float
    utilization: float
    estimate: float | None = None
    estimate_error: float | None = None
    id: str | None = None
    golden_answered: int | None = None
    golden_correct: int | None = None
    golden_accuracy: float | None = None
    flagged: bool | None = None
    queue_wait_mean: float | None = None


@dataclass(frozen=True, slots=True)
class EventRow:
    """A timed event skipped or applied only in part, and why (``index`` in the file)."""

    index: int
    at: float
    action: str
    reason: str


@dataclass(frozen=True, slots=True)
class FailureRow:
    """An exception raised by an agent's handler; the run went on without it."""

    t: float
    agent: str
    where: str
    error: str


class RunResult(_Row):
    """The document ``skillsim run --json`` writes (its schema: ``skillsim schema``).

    ``attempts`` (one row per assignment a worker received), ``events`` and
    ``series`` (queue length and busy workers over time) default to empty, so that
    documents written before they existed still read. ``ending`` is ``failed`` when a
    handler raised (unless the run isolated failures), and ``failures`` lists each one;
    ``events_applied`` counts the timed events applied in full or in part,
    ``events_partial`` and ``events_skipped`` say why the others were not (see
    ``scenarios.director``).
    """

    scenario: str
    policy: str
    seed: int
    ending: str
    waiting_for: list[str]
    metrics: Metrics
    progress: dict[str, Any]
    tasks: list[TaskRow]
    workers: list[WorkerRow]
    attempts: list[Attempt] = []
    events: list[RunEvent] = []
    series: list[SeriesPoint] = []
    quality_notes: dict[str, str] = {}

    events_applied: int = 0
    events_partial: list[EventRow] = Field(default_factory=list)
    events_skipped: list[EventRow] = Field(default_factory=list)
    failures: list[FailureRow] = Field(default_factory=list)

    def to_frames(self) -> dict[str, pandas.DataFrame]:
        """The tables as pandas DataFrames (needs the ``data`` extra).

        Returns:
            ``tasks``, ``attempts``, ``workers``, ``series``, ``events`` and a one-row
            ``metrics`` frame.

        Raises:
            MissingExtraError: if pandas is not installed.
        """
        from scenarios.frames import to_frames

        return to_frames(self)


def _worker_row(
    w: WorkerFact, span: float, golden: dict[str, GoldenScore] | None, waits: dict[str, float]
) -> WorkerRow:
    error = None if w.estimate is None else round6(w.estimate - w.skill_level)
    return WorkerRow(
        name=w.name,
        role=w.role,
        skill_level=w.skill_level,
        skills=dict(w.skills),
        tasks=w.tasks,
        successes=w.successes,
        busy_time=round6(w.busy_time),
        utilization=utilization(w, span),
        estimate=None if w.estimate is None else round6(w.estimate),
        estimate_error=error,
        id=w.id,
        **golden_columns(golden, w.id),
        queue_wait_mean=waits.get(w.id),
    )


def _task_row(t: TaskFact) -> TaskRow:
    return TaskRow(
        id=t.id,
        difficulty=t.difficulty,
        priority=t.priority,
        skill=t.skill,
        worker=t.responses[-1].worker if t.responses else None,
        attempts=t.attempts,
        status=t.status,
        success=t.success,
        arrived=round6(t.arrived),
        assigned=t.assigned,
        started=t.started,
        finished=t.finished,
        due=t.due,
    )


def measure(record: RunRecord) -> RunResult:
    """Every metric and table of a frozen run record.

    Args:
        record: From :func:`scenarios.record.take_record`.

    Returns:
        Metrics, one row per task, per worker and per attempt, the events and the
        queue/busy series.
    """
    span = makespan(record)
    quality = run_quality(record.labelled, record.golden)
    waits = queue_waits(record)
    metrics = Metrics.model_validate(
        counts(record)
        | timing(record)
        | workload(record)
        | effort(record)
        | labelling(record)
        | quality.metrics
    )
    return RunResult(
        scenario=record.scenario,
        policy=record.policy,
        seed=record.seed,
        ending=record.ending,
        waiting_for=list(record.waiting_for),
        metrics=metrics,
        progress=record.progress,
        tasks=[_task_row(t) for t in record.tasks],
        workers=[_worker_row(w, span, record.golden, waits) for w in record.workers],
        attempts=list(record.attempts),
        events=list(record.events),
        series=list(record.series),
        quality_notes=quality.notes,
    )


@eased_gc()
def collect(sim: Simulation, summary: RunSummary, recorder: Recorder | None = None) -> RunResult:
    """Measure a finished run: freeze its record, then :func:`measure` it.

    Args:
        sim: The simulation that ran.
        summary: What ``Runtime.run`` returned.
        recorder: The recorder attached to its bus before the run; without one, the
            run's kept trace (``build(..., trace=True)``) is read instead.

    Returns:
        Metrics, one row per task, per worker and per attempt.

    Raises:
        ValueError: without a recorder, if the run kept no trace either.
    """
    if recorder is None:
        if sim.runtime.trace is None:
            raise ValueError(
                "collect needs the run's attempts: attach Recorder.attach(sim.runtime) "
                "before running, or build with trace=True"
            )
        recorder = Recorder()
        for envelope in sim.runtime.trace:
            recorder(envelope)
    return measure(take_record(sim, summary, recorder))
