"""Label quality of a run: each aggregation's accuracy and cost, agreement, golden scores.

Pure functions over :class:`LabelledTask` rows, which :func:`labelled_tasks` reads once
from a finished manager. Definitions (the README's metrics table has them too):

* *Scored tasks*: labelled tasks (with a hidden truth) that completed and are not
  golden (a golden task's answer was known, so it is not a label the run produced).
* ``answers_bought``: every submitted answer on a labelled task, golden tasks, voided
  answers and overshoot included: what the run paid for.
* ``accuracy_<aggregation>`` = correct labels / scored tasks; ``cost_per_correct_<aggregation>``
  = ``answers_bought`` / correct labels (``None`` when none is correct). ``majority`` and
  ``weighted`` are the labels the run settled (the Bayes-weighted vote with the
  accuracies in use when the task completed); ``ds_one_coin`` and ``ds_full`` are
  Dawid-Skene by EM over the answers that count on the scored tasks, after the run.
* ``fleiss_kappa`` over the tasks' submitted answers (it needs the same number, at
  least 2, on every labelled task) and ``krippendorff_alpha`` (nominal, any number).
  When a figure cannot be computed it is ``None`` and ``RunResult.quality_notes`` says
  why (e.g. unequal numbers of answers under dynamic overlap, or numpy missing).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from agents.agreement import fleiss_kappa, krippendorff_alpha
from agents.dawid_skene import dawid_skene
from agents.errors import MissingExtraError, QualityInputError
from agents.golden import GoldenScore
from agents.label_metrics import accuracy, correct_labels, cost_per_correct
from agents.quality import kept_answers
from agents.record import TaskState
from protocol.messages import TaskId

if TYPE_CHECKING:
    from agents.manager import TaskManager

__all__ = [
    "LabelledTask",
    "QualityFigures",
    "golden_columns",
    "labelled_tasks",
    "quality_figures",
    "run_quality",
]


@dataclass(frozen=True, slots=True)
class LabelledTask:
    """One labelled task, as quality figures need it.

    Attributes:
        id: The task's id.
        truth: Its hidden true label.
        labels: Its label set.
        golden: Whether it was a golden task.
        completed: Whether it completed.
        kept: ``(worker, label)`` of the answers that count for its label.
        given: ``(worker, label)`` of every submitted answer.
        majority: The majority label the run settled.
        weighted: The Bayes-weighted label the run settled.
    """

    id: TaskId
    truth: str
    labels: tuple[str, ...]
    golden: bool
    completed: bool
    kept: tuple[tuple[str, str], ...]
    given: tuple[tuple[str, str], ...]
    majority: str | None
    weighted: str | None


@dataclass(frozen=True, slots=True)
class QualityFigures:
    """The figures: ``metrics`` go into ``Metrics``, ``notes`` say why one is ``None``."""

    metrics: dict[str, Any]
    notes: dict[str, str] = field(default_factory=dict)


def labelled_tasks(manager: TaskManager) -> list[LabelledTask]:
    """Every labelled task of a finished manager, in board order."""
    quality = manager.settlement.quality
    rows = []
    for record in manager.board:
        truth = record.task.truth
        if truth is None:
            continue
        given = tuple(
            (r.worker, r.answer)
            for r in record.responses
            if r.status == "submitted" and r.answer is not None
        )
        rows.append(
            LabelledTask(
                id=record.id,
                truth=truth,
                labels=tuple(record.task.labels),
                golden=quality is not None and quality.is_golden(record.id),
                completed=record.terminal is TaskState.COMPLETED,
                kept=tuple((r.worker, r.answer or "") for r in kept_answers(record)),
                given=given,
                majority=record.answer,
                weighted=record.answer_weighted,
            )
        )
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _ds_labels(
    scored: Sequence[LabelledTask], model: Literal["full", "one_coin"]
) -> tuple[dict[Hashable, str | None] | None, str | None]:
    answers = [(t.id, worker, label) for t in scored for worker, label in t.kept]
    label_set = list(dict.fromkeys(label for t in scored for label in t.labels))
    try:
        result = dawid_skene(
            answers, label_set, model="one_coin" if model == "one_coin" else "full"
        )
    except (MissingExtraError, QualityInputError) as error:
        return None, str(error)
    return {t.id: result.labels.get(t.id) for t in scored}, None


def _agreement(tasks: Sequence[LabelledTask], notes: dict[str, str]) -> dict[str, float | None]:
    units = [[label for _, label in t.given] for t in tasks if t.given]
    out: dict[str, float | None] = {}
    for name, measure in (
        ("fleiss_kappa", fleiss_kappa),
        ("krippendorff_alpha", krippendorff_alpha),
    ):
        try:
            out[name] = _round(measure(units))
        except QualityInputError as error:
            out[name] = None
            notes[name] = str(error)
    return out


def quality_figures(tasks: Sequence[LabelledTask]) -> QualityFigures:
    """Accuracy and cost per correct label of each aggregation, agreement, answers bought.

    Args:
        tasks: The run's labelled tasks (none: every figure is ``None``).

    Returns:
        The figures and, for each one left ``None`` with tasks present, the reason.
    """
    if not tasks:
        return QualityFigures({})
    notes: dict[str, str] = {}
    bought = sum(len(t.given) for t in tasks)
    metrics: dict[str, Any] = {"answers_bought": bought}
    scored = [t for t in tasks if t.completed and not t.golden]
    truth: dict[Hashable, str] = {t.id: t.truth for t in scored}
    settled: dict[str, dict[Hashable, str | None]] = {
        "weighted": {t.id: t.weighted for t in scored},
    }
    models: dict[str, Literal["full", "one_coin"]] = {"ds_one_coin": "one_coin", "ds_full": "full"}
    for model, kind in models.items():
        labels, problem = _ds_labels(scored, kind)
        if labels is None:
            notes[f"accuracy_{model}"] = problem or ""
        else:
            settled[model] = labels
    for name in ("ds_one_coin", "ds_full"):
        metrics[f"accuracy_{name}"] = (
            _round(accuracy(settled[name], truth)) if name in settled and scored else None
        )
    for name in ("weighted", "ds_one_coin", "ds_full"):
        labels_of = settled.get(name)
        cost = None if labels_of is None else cost_per_correct(bought, labels_of, truth)
        metrics[f"cost_per_correct_{name}"] = _round(cost)
        if labels_of is not None and not correct_labels(labels_of, truth):
            notes[f"cost_per_correct_{name}"] = "no label is correct"
    metrics.update(_agreement(tasks, notes))
    return QualityFigures(metrics, notes)


def run_quality(
    labelled: Sequence[LabelledTask], golden: Mapping[str, GoldenScore] | None
) -> QualityFigures:
    """:func:`quality_figures`, and with golden tasks on the golden answers and flags."""
    figures = quality_figures(labelled)
    if golden is not None:
        figures.metrics["golden_answers"] = sum(s.answered for s in golden.values())
        figures.metrics["workers_flagged"] = sum(1 for s in golden.values() if s.flagged)
    return figures


def golden_columns(golden: Mapping[str, GoldenScore] | None, worker: str) -> dict[str, Any]:
    """A worker row's golden figures (none when golden tasks are off)."""
    if golden is None:
        return {}
    score = golden.get(worker)
    return {
        "golden_answered": 0 if score is None else score.answered,
        "golden_correct": 0 if score is None else score.correct,
        "golden_accuracy": None if score is None else _round(score.accuracy),
        "flagged": score is not None and score.flagged,
    }
