"""Dynamic overlap: ask for one more answer until the label is sure enough.

Each labelled task starts by asking for ``min_answers`` answers from distinct workers.
Once they are in, the manager computes the *confidence* of the Bayes-weighted vote,
:func:`agents.aggregate.confidence`: the largest posterior probability of a label under
the one-coin model (a worker of accuracy ``p`` gives the truth with probability ``p``
and each of the ``K - 1`` other labels with ``(1 - p) / (K - 1)``, independently, every
label a priori equally likely), with the worker-accuracy estimates in use (golden-task
estimates when golden tasks are on, else the performance model's success chance at the
manager's skill estimate). It asks for one more answer while

    answers < min_answers, or (confidence < target and answers < max_answers),

so it stops exactly when the confidence first reaches the target, or at the maximum.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from agents._settings import SETTINGS
from agents.aggregate import confidence

__all__ = ["DynamicOverlap", "stopping_point"]


@pydantic_dataclass(frozen=True, slots=True, config=SETTINGS)
class DynamicOverlap:
    """Per labelled task: between ``min_answers`` and ``max_answers`` answers, to ``target``.

    A scenario file's ``[dynamic_overlap]`` table is this class.

    Attributes:
        min_answers: Answers asked for at once (1..1000).
        max_answers: Never more than this (min_answers..1000).
        target: The confidence that stops it (0 < target <= 1).

    Raises:
        pydantic.ValidationError: (a ``ValueError``) naming the setting that is out of
            range.
    """

    min_answers: int = Field(default=1, ge=1, le=1000, strict=True)
    max_answers: int = Field(default=5, ge=1, le=1000, strict=True)
    target: float = Field(default=0.9, gt=0, le=1, strict=True)

    @field_validator("max_answers")
    @classmethod
    def _at_least_min(cls, value: int, info: ValidationInfo) -> int:
        least = info.data.get("min_answers")
        if isinstance(least, int) and value < least:
            raise ValueError(f"must be >= min_answers ({least}), got {value}")
        return value

    def more_needed(
        self, answers: Sequence[str], accuracies: Sequence[float], labels: Sequence[str]
    ) -> bool:
        """Whether to ask for one more answer.

        Args:
            answers: The answers that count so far.
            accuracies: Each answering worker's accuracy estimate.
            labels: The task's label set.

        Returns:
            ``True`` below ``min_answers``; ``False`` at ``max_answers``; otherwise
            whether the confidence is below ``target``.
        """
        if len(answers) < self.min_answers:
            return True
        if len(answers) >= self.max_answers:
            return False
        return confidence(answers, accuracies, labels) < self.target


def stopping_point(
    rule: DynamicOverlap,
    answers: Sequence[str],
    accuracies: Sequence[float],
    labels: Sequence[str],
) -> int:
    """How many of ``answers``, given one by one, the rule takes before it stops.

    Args:
        rule: The dynamic-overlap rule.
        answers: Answers in the order they would arrive.
        accuracies: Each one's worker accuracy.
        labels: The label set.

    Returns:
        The number of answers taken; ``len(answers)`` if it would still want more.
    """
    for taken in range(len(answers) + 1):
        if not rule.more_needed(answers[:taken], accuracies[:taken], labels):
            return taken
    return len(answers)
