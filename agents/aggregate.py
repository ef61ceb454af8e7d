"""Answer aggregation for one task: majority vote and the Bayes-weighted vote.

Majority vote counts each submitted answer once.

The weighted vote is the Bayes rule under the *one-coin* model (Dawid and Skene's model
with symmetric errors): with ``K`` labels, a worker of accuracy ``p`` gives the true
label with probability ``p`` and each of the ``K - 1`` other labels with probability
``(1 - p) / (K - 1)``, workers err independently, and every label is a priori equally
likely. The posterior of label ``y`` given answers ``a_1..a_n`` from workers of
accuracies ``p_1..p_n`` is then

    P(y | a) ∝ Π_{i: a_i = y} p_i · Π_{i: a_i ≠ y} (1 - p_i) / (K - 1)
             ∝ exp(S(y)),   S(y) = Σ_{i: a_i = y} w_i,   w_i = log(p_i (K - 1) / (1 - p_i)),

so the Bayes label is the one with the largest score ``S`` among **all** ``K`` labels
(Nitzan and Paroush). A label nobody gave has ``S = 0``: when every weight is negative
(every worker below chance, ``p < 1/K``) an unanswered label beats every answered one.
Accuracies are clipped to [0.01, 0.99] so weights stay finite.

Confidence model: :func:`confidence` is the largest posterior probability, the chance
that the Bayes label is right *if* the accuracies are right. Dynamic overlap asks for
another answer while it is below a target.

Ties are deterministic: answered labels come first, in the order first given, then the
labels nobody gave in the order of the label set; among equal scores the earliest wins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from agents.errors import QualityInputError

__all__ = ["confidence", "log_odds", "majority", "posterior", "weighted"]

_P_MIN = 0.01
_P_MAX = 0.99


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
    p = min(_P_MAX, max(_P_MIN, p))
    return math.log(p * max(1, labels - 1) / (1 - p))


def _candidates(answers: Sequence[str], labels: Sequence[str]) -> list[str]:
    """Answered labels in the order first given, then the unanswered ones of ``labels``."""
    seen = dict.fromkeys(answers)
    return [*seen, *(label for label in dict.fromkeys(labels) if label not in seen)]


def _scores(answers: Sequence[str], accuracies: Sequence[float], labels: int) -> dict[str, float]:
    """``S(y)`` for each answered label ``y``, the label count being ``labels``."""
    if len(answers) != len(accuracies):
        raise QualityInputError(
            f"one accuracy per answer: got {len(answers)} answers, {len(accuracies)} accuracies"
        )
    scores: dict[str, float] = {}
    for answer, p in zip(answers, accuracies, strict=True):
        if not 0.0 <= p <= 1.0:  # also refuses NaN, which clipping would hide
            raise QualityInputError(f"an accuracy is a probability in [0, 1], got {p}")
        scores[answer] = scores.get(answer, 0.0) + log_odds(p, labels)
    return scores


def _bayes_scores(
    answers: Sequence[str], accuracies: Sequence[float], labels: Sequence[str]
) -> tuple[list[str], list[float]]:
    """Every candidate label, in tie-break order, and its score ``S`` (0 if unanswered)."""
    candidates = _candidates(answers, labels)
    scores = _scores(answers, accuracies, len(candidates))
    return candidates, [scores.get(label, 0.0) for label in candidates]


def posterior(
    answers: Sequence[str], accuracies: Sequence[float], labels: Sequence[str]
) -> dict[str, float]:
    """The posterior probability of every label under the one-coin model.

    Args:
        answers: One answer per worker.
        accuracies: Each worker's chance of being right (clipped to [0.01, 0.99]).
        labels: The label set. An answer outside it is a label too, so the model
            has ``K`` = the number of distinct labels in both (at least 2 for the weights).

    Returns:
        Label to probability, summing to 1, answered labels first (in the order
        first given) then the rest of ``labels`` in order; ``{}`` if there are no
        labels at all. With no answers every label has ``1/K``.

    Raises:
        QualityInputError: If ``answers`` and ``accuracies`` differ in length, or an
            accuracy is not in [0, 1].
    """
    candidates, scores = _bayes_scores(answers, accuracies, labels)
    if not candidates:
        return {}
    top = max(scores)
    # exp(S - top) <= 1 for every label, so nothing overflows.
    weights = [math.exp(score - top) for score in scores]
    total = math.fsum(weights)
    return {label: w / total for label, w in zip(candidates, weights, strict=True)}


def confidence(answers: Sequence[str], accuracies: Sequence[float], labels: Sequence[str]) -> float:
    """The largest posterior probability: how sure the Bayes-weighted vote is.

    Args:
        answers: One answer per worker.
        accuracies: Each worker's chance of being right.
        labels: The label set (see :func:`posterior`).

    Returns:
        ``max_y P(y | answers)``; ``1/K`` with no answers, 0.0 with no labels at all.

    Raises:
        QualityInputError: As :func:`posterior`.
    """
    return max(posterior(answers, accuracies, labels).values(), default=0.0)


def weighted(
    answers: Sequence[str], accuracies: Sequence[float], labels: Sequence[str] | int = 2
) -> str | None:
    """The Bayes label under the one-coin model: the largest score ``S(y)``.

    Args:
        answers: One answer per worker.
        accuracies: Each worker's expected chance of being right.
        labels: The label set, so that a label nobody gave can win. A bare count
            ``K`` (at least 2) is still accepted, but then the labels nobody gave
            have no names: the vote chooses among the answered labels only, with
            the same weights (the Bayes rule restricted to them).

    Returns:
        The winning label (ties: see the module docstring); ``None`` if there are no
        answers.

    Raises:
        QualityInputError: If ``answers`` and ``accuracies`` differ in length, or an
            accuracy is not in [0, 1].
    """
    if isinstance(labels, int):
        named = _scores(answers, accuracies, labels)
        return max(named, key=lambda a: named[a]) if named else None
    candidates, scores = _bayes_scores(answers, accuracies, labels)
    if not answers:
        return None
    # max() keeps the first of equal scores: the documented tie-break order.
    best = max(range(len(candidates)), key=lambda i: scores[i])
    return candidates[best]
