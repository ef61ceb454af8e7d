"""What a run measured: the result document written by ``--json``.

Every metric is defined here once (and in the README); tables and JSON print from
the same :class:`RunResult`.

* ``total``, ``completed``, ``failed``, ``removed``, ``pending``: tasks by final
  state (``pending``: not finished when the run stopped).
* ``success_rate``: completed / (completed + failed).
* ``makespan``: simulated time when the last task finished.
* ``throughput``: completed tasks per simulated second of makespan.
* ``wait_mean``, ``wait_p95``: time from a task's arrival to the start of its first
  attempt (mean, and 95th percentile by nearest rank).
* ``utilization_mean``: mean over workers (not QA reviewers) of busy time / makespan.
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
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from agents.board import TaskState
from agents.golden import GoldenScore
from agents.memory import eased_gc
from agents.summary import RunSummary
from agents.worker import WorkerAgent
from scenarios.build import Simulation
from scenarios.quality_report import labelled_tasks, quality_figures

__all__ = ["Metrics", "RunResult", "TaskRow", "WorkerRow", "collect", "jain", "percentile"]


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


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One task's story.

    Rows are plain slotted dataclasses, not pydantic models: a 100,000-task result
    holds 100,000 of them, at a ninth of a model's memory. ``RunResult`` still
    validates them when it reads JSON back.
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
    """One worker's share (a slotted dataclass, like :class:`TaskRow`)."""

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
    golden_answered: int | None = None
    golden_correct: int | None = None
    golden_accuracy: float | None = None
    flagged: bool | None = None


class RunResult(_Row):
    """The document ``skillsim run --json`` writes."""

    scenario: str
    policy: str
    seed: int
    ending: str
    waiting_for: list[str]
    metrics: Metrics
    progress: dict[str, Any]
    tasks: list[TaskRow]
    workers: list[WorkerRow]
    quality_notes: dict[str, str] = {}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0..100) of ``values``; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def jain(values: list[float]) -> float:
    """Jain's fairness index; 1.0 for no values or all zero."""
    total = sum(values)
    squares = sum(v * v for v in values)
    if not values or squares == 0:
        return 1.0
    return total * total / (len(values) * squares)


def _round(value: float) -> float:
    return round(value, 6)


@eased_gc()
def collect(sim: Simulation, summary: RunSummary) -> RunResult:
    """Measure a finished run.

    Args:
        sim: The simulation that ran.
        summary: What ``Runtime.run`` returned.

    Returns:
        Metrics, one row per task and one per worker.
    """
    manager = sim.manager
    records = list(manager.board)
    finished = [r.finished for r in records if r.finished is not None]
    makespan = max(finished, default=0.0)
    states = [r.state for r in records]
    counts = dict.fromkeys(TaskState, 0)
    for state in states:
        counts[state] += 1
    completed, failed = counts[TaskState.COMPLETED], counts[TaskState.FAILED]
    waits = [r.first_started - r.arrived for r in records if r.first_started is not None]
    # Every worker of the run, those who joined midway included.
    agents = [a for a in sim.runtime.agents() if isinstance(a, WorkerAgent)] or list(sim.workers)
    skills = {w.id: w.profile_data for w in agents}
    over = []
    for record in records:
        for response in record.responses:
            profile = skills.get(response.worker)
            if profile is None or not response.success:
                continue
            gap = profile.skill_for(record.task.skill) - record.task.difficulty
            if gap >= 0:
                over.append(gap)
    misses = sum(
        1
        for r in records
        if r.task.due is not None
        and not (
            r.terminal == TaskState.COMPLETED
            and r.finished is not None
            and r.finished <= r.task.due
        )
    )
    estimate = getattr(manager.policy, "estimate", None)
    scores = manager.dispatcher.golden
    golden = {} if scores is None else scores.snapshot()
    worker_rows = []
    for worker in agents:
        seen = manager.workers.get(worker.id) or manager.reviewers.get(worker.id)
        busy = seen.busy_time if seen is not None else 0.0
        guess = float(estimate(worker.id, None)) if estimate is not None else None
        worker_rows.append(
            WorkerRow(
                name=worker.name,
                role=worker.role,
                skill_level=worker.skill_level,
                skills=dict(worker.profile_data.skills),
                tasks=seen.tasks if seen is not None else 0,
                successes=seen.successes if seen is not None else 0,
                busy_time=_round(busy),
                utilization=_round(busy / makespan) if makespan else 0.0,
                estimate=None if guess is None else _round(guess),
                estimate_error=None if guess is None else _round(guess - worker.skill_level),
                **_golden_columns(golden.get(worker.id), scores is not None),
            )
        )
    errors = [abs(w.estimate_error) for w in worker_rows if w.estimate_error is not None]
    staff = [w for w in worker_rows if w.role == "worker"]
    labelled = [r for r in records if r.task.truth is not None]
    quality_part = manager.settlement.quality
    known = frozenset() if quality_part is None else quality_part.golden_ids
    done = [r for r in labelled if r.terminal == TaskState.COMPLETED and r.id not in known]
    quality = quality_figures(labelled_tasks(manager))
    if scores is not None:
        quality.metrics["workers_flagged"] = sum(1 for s in golden.values() if s.flagged)
        quality.metrics["golden_answers"] = sum(s.answered for s in golden.values())
    wrong = [r for r in done if r.answer != r.task.truth]
    right = len(done) - len(wrong)
    right_weighted = sum(1 for r in done if r.answer_weighted == r.task.truth)
    spent = sum(1 for r in labelled for x in r.responses if x.status == "submitted")
    statuses = Counter(x.status for r in records for x in r.responses)
    metrics = Metrics(
        total=len(records),
        completed=completed,
        failed=failed,
        removed=counts[TaskState.REMOVED],
        pending=len(records) - completed - failed - counts[TaskState.REMOVED],
        success_rate=_round(completed / (completed + failed)) if completed + failed else 0.0,
        makespan=_round(makespan),
        throughput=_round(completed / makespan) if makespan else 0.0,
        wait_mean=_round(sum(waits) / len(waits)) if waits else 0.0,
        wait_p95=_round(percentile(waits, 95)),
        utilization_mean=_round(sum(w.utilization for w in staff) / len(staff)) if staff else 0.0,
        fairness_jain=_round(jain([w.busy_time for w in staff])),
        overqualification_mean=_round(sum(over) / len(over)) if over else 0.0,
        deadline_misses=misses,
        reassignments=sum(r.reassignments for r in records),
        retries=sum(max(0, r.attempts - r.required) for r in records),
        estimate_mae=_round(sum(errors) / len(errors)) if errors else None,
        accuracy_majority=_round(right / len(done)) if done else None,
        accuracy_weighted=_round(right_weighted / len(done)) if done else None,
        answers_per_correct=_round(spent / right) if right else None,
        overshoot=manager.overshoot,
        drafts=statuses["draft"],
        discarded=statuses["discarded"],
        qa_reviews=manager.reviews,
        qa_rejections=manager.rejections,
        rework=manager.rework,
        qa_escaped=sum(1 for r in wrong if r.reviewed),
        defects_unreviewed=sum(1 for r in wrong if not r.reviewed),
        stale_results=manager.stale_results,
        **quality.metrics,
    )
    task_rows = [
        TaskRow(
            id=r.id,
            difficulty=r.task.difficulty,
            priority=r.task.priority,
            skill=r.task.skill,
            worker=r.responses[-1].worker if r.responses else None,
            attempts=r.attempts,
            status=str(state),
            success=r.success,
            arrived=_round(r.arrived),
            assigned=r.first_assigned,
            started=r.first_started,
            finished=r.finished,
            due=r.task.due,
        )
        for r, state in zip(records, states, strict=True)
    ]
    return RunResult(
        scenario=sim.name,
        policy=sim.policy,
        seed=sim.seed,
        ending=summary.ending,
        waiting_for=list(summary.waiting_for),
        metrics=metrics,
        progress=manager.progress(),
        tasks=task_rows,
        workers=worker_rows,
        quality_notes=quality.notes,
    )


def _golden_columns(score: GoldenScore | None, on: bool) -> dict[str, Any]:
    """A worker row's golden figures (none when golden tasks are off)."""
    if not on:
        return {}
    answered = 0 if score is None else score.answered
    return {
        "golden_answered": answered,
        "golden_correct": 0 if score is None else score.correct,
        "golden_accuracy": None if score is None else _round(score.accuracy),
        "flagged": score is not None and score.flagged,
    }
