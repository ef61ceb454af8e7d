"""A finished run as frozen data: the one place that reads the agents after a run.

:func:`take_record` copies what the manager exposes (its task board, its worker
records, its counters, the policy's skill estimates) and what a :class:`Recorder`
saw travel (attempts, events) into a :class:`RunRecord` of frozen rows. Metrics,
tables, frames and pictures are functions of that record, never of live agents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agents.golden import GoldenScore
from agents.summary import RunSummary
from agents.worker import WorkerAgent
from protocol.messages import TaskId, TaskResult
from scenarios.build import Simulation
from scenarios.quality_report import LabelledTask, labelled_tasks
from scenarios.recorder import Attempt, Recorder, RunEvent
from scenarios.series import SeriesPoint, occupancy

__all__ = ["Response", "RunRecord", "TaskFact", "WorkerFact", "take_record"]


@dataclass(frozen=True, slots=True)
class Response:
    """One response the manager accepted for a task: who, success, and its status."""

    worker: str
    success: bool
    status: str


@dataclass(frozen=True, slots=True)
class TaskFact:
    """What the board knew about one task when the run stopped."""

    id: TaskId
    difficulty: float
    priority: int
    skill: str | None
    due: float | None
    truth: str | None
    arrived: float
    assigned: float | None
    started: float | None
    finished: float | None
    status: str
    success: bool | None
    attempts: int
    required: int
    reassignments: int
    overshoot: int
    rejections: int
    reviewed: bool
    answer: str | None
    answer_weighted: str | None
    responses: tuple[Response, ...]
    queue: str | None = None
    """With per-assignee queues: the worker whose queue it was in at the end."""


@dataclass(frozen=True, slots=True)
class WorkerFact:
    """One worker or reviewer: who it is, and what the manager counted of its work."""

    id: str
    name: str
    role: str
    skill_level: float
    skills: dict[str, float]
    capacity: int
    tasks: int
    successes: int
    busy_time: float
    estimate: float | None

    def skill_for(self, category: str | None) -> float:
        """The skill that counts for a task of ``category``."""
        if category is not None and category in self.skills:
            return self.skills[category]
        return self.skill_level


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A finished run, frozen: everything metrics and pictures are computed from.

    Attributes:
        scenario: The scenario's name.
        policy: The policy's name.
        seed: The seed.
        ending: How the run ended (``complete``, ``until``, ``stalled``...).
        waiting_for: At a stall, what each agent waited for.
        end: Simulated time when the run stopped.
        progress: The manager's ``progress()`` at the end.
        tasks: Every task, in arrival order.
        workers: Every worker and reviewer of the run, joiners included.
        attempts: Every assignment a worker received, in order.
        events: Connections and departures.
        series: Queue length and busy workers over time.
        reviews: Answers queued for QA review.
        rework: Answers rejected in QA and sent back.
        stale_results: Late or duplicate results the manager ignored.
        labelled: Every labelled task's answers and settled labels (quality figures).
        golden: Each worker's golden score, when golden tasks are on.
        expired: Holds that ran out their ``ttl`` without an answer.
        stale_answers: Answers from a holder after its hold expired.
    """

    scenario: str
    policy: str
    seed: int
    ending: str
    waiting_for: tuple[str, ...]
    end: float
    progress: dict[str, Any]
    tasks: tuple[TaskFact, ...]
    workers: tuple[WorkerFact, ...]
    attempts: tuple[Attempt, ...]
    events: tuple[RunEvent, ...]
    series: tuple[SeriesPoint, ...]
    reviews: int
    rework: int
    stale_results: int
    labelled: tuple[LabelledTask, ...] = ()
    golden: dict[str, GoldenScore] | None = None
    expired: int = 0
    stale_answers: int = 0


def _tasks(sim: Simulation) -> tuple[TaskFact, ...]:
    early = sim.manager.platform.early is not None
    # A response is frozen and made of a few values (a worker, a bool, a status): one
    # shared object per distinct response, and one shared 1-tuple for a task's only
    # response, instead of new ones per task.
    made: dict[tuple[str, bool, str], tuple[Response]] = {}

    def responses(results: Iterable[TaskResult]) -> tuple[Response, ...]:
        singles = []
        for x in results:
            key = (x.worker, x.success, x.status)
            single = made.get(key)
            if single is None:
                single = made[key] = (Response(*key),)
            singles.append(single)
        if len(singles) == 1:
            return singles[0]
        return tuple(one for (one,) in singles)

    return tuple(
        TaskFact(
            id=r.id,
            difficulty=r.task.difficulty,
            priority=r.task.priority,
            skill=r.task.skill,
            due=r.task.due,
            truth=r.task.truth,
            arrived=r.arrived,
            assigned=r.first_assigned,
            started=r.first_started,
            finished=r.finished,
            status=r.state.value,  # shared, where str() made a new string per task
            success=r.success,
            attempts=r.attempts,
            required=r.required,
            reassignments=r.reassignments,
            overshoot=r.overshoot,
            rejections=r.rejections,
            reviewed=r.reviewed,
            answer=r.answer,
            answer_weighted=r.answer_weighted,
            responses=responses(r.responses),
            queue=r.designated if early else None,
        )
        for r in sim.manager.board
    )


def _workers(sim: Simulation) -> tuple[WorkerFact, ...]:
    manager = sim.manager
    # Every worker of the run, those who joined midway included.
    agents = [a for a in sim.runtime.agents() if isinstance(a, WorkerAgent)] or list(sim.workers)
    estimate = getattr(manager.policy, "estimate", None)
    facts = []
    for worker in agents:
        seen = manager.workers.get(worker.id) or manager.reviewers.get(worker.id)
        facts.append(
            WorkerFact(
                id=worker.id,
                name=worker.name,
                role=worker.role,
                skill_level=worker.skill_level,
                skills=dict(worker.profile_data.skills),
                capacity=worker.capacity,
                tasks=seen.tasks if seen is not None else 0,
                successes=seen.successes if seen is not None else 0,
                busy_time=seen.busy_time if seen is not None else 0.0,
                estimate=float(estimate(worker.id, None)) if estimate is not None else None,
            )
        )
    return tuple(facts)


def take_record(sim: Simulation, summary: RunSummary, recorder: Recorder) -> RunRecord:
    """Freeze a finished run.

    Args:
        sim: The simulation that ran.
        summary: What ``Runtime.run`` returned.
        recorder: The recorder that watched its bus.

    Returns:
        The record.
    """
    tasks = _tasks(sim)
    attempts = recorder.attempts()
    series = occupancy(
        ((t.id, t.arrived, t.finished) for t in tasks),
        ((a.task, a.worker, a.assigned, a.started, a.finished) for a in attempts),
        summary.t,
    )
    manager = sim.manager
    scores = manager.dispatcher.golden
    reservations = manager.platform.reservations
    return RunRecord(
        scenario=sim.name,
        policy=sim.policy,
        seed=sim.seed,
        ending=summary.ending,
        waiting_for=tuple(summary.waiting_for),
        end=summary.t,
        progress=manager.progress(),
        tasks=tasks,
        workers=_workers(sim),
        attempts=attempts,
        events=recorder.events(),
        series=series,
        reviews=manager.reviews,
        rework=manager.rework,
        stale_results=manager.stale_results,
        labelled=tuple(labelled_tasks(manager)),
        golden=None if scores is None else dict(scores.snapshot()),
        expired=0 if reservations is None else reservations.expired,
        stale_answers=0 if reservations is None else reservations.stale_answers,
    )
