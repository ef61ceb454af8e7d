"""The metric families: small pure functions of a frozen run record.

Each function reads a :class:`~scenarios.record.RunRecord` and returns the figures of
one family (the definitions are in :mod:`scenarios.metrics` and the README); none
reads an agent. :func:`scenarios.metrics.measure` composes them.
"""

from __future__ import annotations

import math
from collections import Counter

from scenarios.record import RunRecord, TaskFact, WorkerFact

__all__ = [
    "counts",
    "effort",
    "jain",
    "labelling",
    "makespan",
    "percentile",
    "queue_waits",
    "round6",
    "timing",
    "utilization",
    "workload",
]

Figures = dict[str, float | int | None]


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


def round6(value: float) -> float:
    """``value`` to six decimals, as every figure is reported."""
    return round(value, 6)


def _ratio(top: float, bottom: float) -> float:
    return round6(top / bottom) if bottom else 0.0


def makespan(record: RunRecord) -> float:
    """Simulated time when the last task finished (0 if none did)."""
    return max((t.finished for t in record.tasks if t.finished is not None), default=0.0)


def utilization(worker: WorkerFact, span: float) -> float:
    """The share of its capacity a worker had in use: busy / (capacity * span).

    Busy time counts each task held at once, so a worker of capacity 4 kept 90 % busy
    shows 0.9. It is 0 for an empty run.
    """
    return _ratio(worker.busy_time, worker.capacity * span)


def counts(record: RunRecord) -> Figures:
    """Tasks by final state, and the success rate completed / (completed + failed)."""
    by = Counter(t.status for t in record.tasks)
    done, failed, removed = by["completed"], by["failed"], by["removed"]
    return {
        "total": len(record.tasks),
        "completed": done,
        "failed": failed,
        "removed": removed,
        "pending": len(record.tasks) - done - failed - removed,
        "success_rate": _ratio(done, done + failed),
    }


def timing(record: RunRecord) -> Figures:
    """Makespan, throughput, and the wait from arrival to the first start."""
    span = makespan(record)
    waits = [t.started - t.arrived for t in record.tasks if t.started is not None]
    return {
        "makespan": round6(span),
        "throughput": _ratio(sum(t.status == "completed" for t in record.tasks), span),
        "wait_mean": _ratio(sum(waits), len(waits)),
        "wait_p95": round6(percentile(waits, 95)),
    }


def workload(record: RunRecord) -> Figures:
    """Mean utilization and Jain's fairness over workers (not reviewers); estimate error."""
    span = makespan(record)
    staff = [w for w in record.workers if w.role == "worker"]
    guesses = [(w.estimate, w.skill_level) for w in record.workers if w.estimate is not None]
    errors = [abs(round6(guess - truth)) for guess, truth in guesses]
    return {
        "utilization_mean": _ratio(sum(utilization(w, span) for w in staff), len(staff)),
        "fairness_jain": round6(jain([round6(w.busy_time) for w in staff])),
        "estimate_mae": round6(sum(errors) / len(errors)) if errors else None,
    }


def _gaps(task: TaskFact, skills: dict[str, WorkerFact]) -> list[float]:
    """Skill minus difficulty of the task's successful responses by capable workers."""
    gaps = []
    for response in task.responses:
        worker = skills.get(response.worker)
        if worker is not None and response.success:
            gap = worker.skill_for(task.skill) - task.difficulty
            if gap >= 0:
                gaps.append(gap)
    return gaps


def _missed(task: TaskFact) -> bool:
    if task.due is None:
        return False
    return not (
        task.status == "completed" and task.finished is not None and task.finished <= task.due
    )


def effort(record: RunRecord) -> Figures:
    """Over-qualification, deadline misses, reassignments, retries, wasted responses."""
    skills = {w.id: w for w in record.workers}
    over = [gap for t in record.tasks for gap in _gaps(t, skills)]
    statuses = Counter(x.status for t in record.tasks for x in t.responses)
    return {
        "overqualification_mean": _ratio(sum(over), len(over)),
        "deadline_misses": sum(_missed(t) for t in record.tasks),
        "reassignments": sum(t.reassignments for t in record.tasks),
        "retries": sum(max(0, t.attempts - t.required) for t in record.tasks),
        "drafts": statuses["draft"],
        "discarded": statuses["discarded"],
        "stale_results": record.stale_results,
        "expired": record.expired,
        "stale_answers": record.stale_answers,
    }


def queue_waits(record: RunRecord) -> dict[str, float]:
    """Per worker, the mean wait (first start - arrival) of the started tasks of its queue."""
    waits: dict[str, list[float]] = {}
    for t in record.tasks:
        if t.queue is not None and t.started is not None:
            waits.setdefault(t.queue, []).append(t.started - t.arrived)
    return {w: round6(sum(x) / len(x)) for w, x in waits.items()}


def labelling(record: RunRecord) -> Figures:
    """Accuracy of aggregated labels, answers spent, overshoot, and the QA counts."""
    labelled = [t for t in record.tasks if t.truth is not None]
    known = {t.id for t in record.labelled if t.golden}  # golden: the answer was known
    done = [t for t in labelled if t.status == "completed" and t.id not in known]
    wrong = [t for t in done if t.answer != t.truth]
    right = len(done) - len(wrong)
    weighted = sum(t.answer_weighted == t.truth for t in done)
    spent = sum(1 for t in labelled for x in t.responses if x.status == "submitted")
    return {
        "accuracy_majority": round6(right / len(done)) if done else None,
        "accuracy_weighted": round6(weighted / len(done)) if done else None,
        "answers_per_correct": round6(spent / right) if right else None,
        "overshoot": sum(t.overshoot for t in record.tasks),
        "qa_reviews": record.reviews,
        "qa_rejections": sum(t.rejections for t in record.tasks),
        "rework": record.rework,
        "qa_escaped": sum(1 for t in wrong if t.reviewed),
        "defects_unreviewed": sum(1 for t in wrong if not t.reviewed),
    }
