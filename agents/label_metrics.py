"""How good a set of aggregated labels is: accuracy and cost per correct label.

For aggregated labels ``ŷ_t`` and known truths ``y_t``, over the tasks ``T`` that have
both a truth and an entry in the labels (a ``None`` label, i.e. no answer, counts as
wrong):

    accuracy = |{t ∈ T : ŷ_t = y_t}| / |T|,
    cost per correct label = answers bought / |{t ∈ T : ŷ_t = y_t}|.

"Answers bought" is whatever the caller paid for (every submitted answer, overlap
included), so fixed and dynamic overlap compare on one scale. With no correct label
the cost is ``None`` (nothing was bought that worked), as ``answers_per_correct`` is in
the run report.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from agents.errors import QualityInputError

__all__ = ["accuracy", "correct_labels", "cost_per_correct"]


def correct_labels(labels: Mapping[Hashable, str | None], truth: Mapping[Hashable, str]) -> int:
    """How many aggregated labels equal the truth (tasks without a truth are skipped)."""
    return sum(1 for task, label in labels.items() if task in truth and label == truth[task])


def accuracy(labels: Mapping[Hashable, str | None], truth: Mapping[Hashable, str]) -> float:
    """The share of tasks with a truth whose aggregated label is the truth.

    Args:
        labels: Each task's aggregated label (``None``: no label, counted wrong).
        truth: Each task's true label; tasks not in ``labels`` are not scored.

    Returns:
        Correct labels / tasks scored.

    Raises:
        QualityInputError: If no task has both a label entry and a truth.
    """
    scored = sum(1 for task in labels if task in truth)
    if not scored:
        raise QualityInputError("accuracy needs at least one labelled task with a known truth")
    return correct_labels(labels, truth) / scored


def cost_per_correct(
    answers_bought: int, labels: Mapping[Hashable, str | None], truth: Mapping[Hashable, str]
) -> float | None:
    """Answers bought per correct aggregated label.

    Args:
        answers_bought: Every answer paid for (>= 0).
        labels: Each task's aggregated label.
        truth: Each task's true label.

    Returns:
        ``answers_bought / correct``, or ``None`` if no label is correct.

    Raises:
        QualityInputError: If ``answers_bought`` is negative.
    """
    if answers_bought < 0:
        raise QualityInputError(f"answers_bought must be >= 0, got {answers_bought}")
    correct = correct_labels(labels, truth)
    return answers_bought / correct if correct else None
