"""Answer aggregation for consensus tasks: majority and skill-weighted vote.

Majority vote counts each submitted answer once. The skill-weighted vote gives each
answer the weight ``log(p (K - 1) / (1 - p))``, with ``p`` the expected success of the
manager's skill *estimate* on the task (clipped away from 0 and 1) and ``K`` the
number of labels: the optimal weight when a wrong answer is any other label alike
(Nitzan and Paroush; Dawid and Skene's model with symmetric errors). A senior outvotes
two juniors, and only a worker worse than chance (``p < 1/K``) counts against its
answer. Ties go to the answer given first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["log_odds", "majority", "weighted"]


def majority(answers: Sequence[str]) -> str | None:
    """The most frequent answer (ties: the one given first); ``None`` if none."""
    counts: dict[str, int] = {}
    for answer in answers:
        counts[answer] = counts.get(answer, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda a: counts[a])


def log_odds(p: float, labels: int = 2) -> float:
    """``log(p (labels - 1) / (1 - p))`` with ``p`` clipped to [0.01, 0.99]."""
    p = min(0.99, max(0.01, p))
    return math.log(p * max(1, labels - 1) / (1 - p))


def weighted(answers: Sequence[str], accuracies: Sequence[float], labels: int = 2) -> str | None:
    """The answer with the largest sum of its workers' weights.

    Args:
        answers: One answer per worker.
        accuracies: Each worker's expected chance of being right.
        labels: How many labels there are to choose from (at least 2).

    Returns:
        The winning answer (ties: the one given first); ``None`` if no answers.
    """
    scores: dict[str, float] = {}
    for answer, p in zip(answers, accuracies, strict=True):
        scores[answer] = scores.get(answer, 0.0) + log_odds(p, labels)
    if not scores:
        return None
    return max(scores, key=lambda a: scores[a])
