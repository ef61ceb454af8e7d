"""Golden (control) tasks: workers scored on answers the manager knows.

A share of the labelled tasks is *golden*: the manager knows their answer. Workers get
them as ordinary tasks (the message is the same; only the manager keeps the list), and
every answer on one is scored right or wrong. A worker's accuracy is estimated from
those scores, smoothed toward 1/2:

    accuracy = (correct + c) / (answered + 2 c),

the mean of the Beta(correct + c, answered - correct + c) posterior after a Beta(c, c)
prior: ``c = 1`` (the default) is Laplace's rule of succession, a worker with no golden
answer yet stands at 1/2, and each answer moves the estimate less as answers add up.

A worker whose estimate is below ``threshold`` after at least ``min_answered`` golden
answers is *flagged*, once; the optional ``actions`` then apply: ``"stop"`` (no new
work for it; what it holds it finishes) and ``"discard"`` (its answers stop counting,
see :class:`agents.quality.QualityControl`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from agents._settings import SETTINGS

__all__ = ["Golden", "GoldenScore", "GoldenScores", "smoothed"]

Action = Literal["stop", "discard"]


def smoothed(correct: int, answered: int, c: float = 1.0) -> float:
    """``(correct + c) / (answered + 2c)``: a worker's golden-task accuracy.

    Args:
        correct: Golden answers that were right (0..answered).
        answered: Golden answers scored.
        c: Pseudo-count added to both right and wrong (> 0).

    Returns:
        The smoothed accuracy, strictly between 0 and 1.

    Raises:
        ValueError: if ``correct`` is outside 0..answered or ``c`` is not > 0.
    """
    if not 0 <= correct <= answered:
        raise ValueError(f"correct must be within 0..answered ({answered}), got {correct}")
    if not (c > 0 and math.isfinite(c)):
        raise ValueError(f"smoothing c must be a finite number > 0, got {c!r}")
    return (correct + c) / (answered + 2 * c)


@pydantic_dataclass(frozen=True, slots=True, config=SETTINGS)
class Golden:
    """Golden-task settings (a scenario file's ``[golden]`` table is this class).

    Attributes:
        share: Share of labelled tasks that are golden (0 < share < 1), spread
            evenly over the stream without randomness.
        answers: Distinct workers that answer each golden task (1..1000).
        smoothing: The pseudo-count ``c`` of :func:`smoothed` (0 < c <= 10^6).
        threshold: Flag a worker whose estimate falls below this (0..1; 0: never).
        min_answered: Golden answers a worker needs before it can be flagged
            (1..10^6).
        actions: What a flag does: ``"stop"``, ``"discard"``, both or neither, each
            named once.

    Raises:
        pydantic.ValidationError: (a ``ValueError``) naming the setting that is out of
            range.
    """

    share: float = Field(default=0.1, gt=0, lt=1, strict=True)
    answers: int = Field(default=3, ge=1, le=1000, strict=True)
    smoothing: float = Field(default=1.0, gt=0, le=1e6, strict=True)
    threshold: float = Field(default=0.0, ge=0, le=1, strict=True)
    min_answered: int = Field(default=5, ge=1, le=1_000_000, strict=True)
    actions: frozenset[Action] = Field(default_factory=frozenset)

    @field_validator("actions", mode="before")
    @classmethod
    def _once_each(cls, value: object) -> object:
        if isinstance(value, list | tuple) and len(set(value)) != len(value):
            raise ValueError("each action may be named once")
        return value


@dataclass(frozen=True, slots=True)
class GoldenScore:
    """One worker's golden record.

    Attributes:
        answered: Golden answers scored.
        correct: Right ones.
        accuracy: The smoothed estimate.
        flagged: Whether it fell below the threshold (once flagged, always).
    """

    answered: int
    correct: int
    accuracy: float
    flagged: bool


class GoldenScores:
    """Per-worker golden counts and estimates; the only writer of them.

    Args:
        settings: The golden-task settings.
    """

    def __init__(self, settings: Golden) -> None:
        self.settings = settings
        self._answered: dict[str, int] = {}
        self._correct: dict[str, int] = {}
        self._flagged: dict[str, None] = {}

    def score(self, worker: str, correct: bool) -> bool:
        """Score one golden answer of ``worker``.

        Returns:
            Whether this answer flagged the worker (it was not flagged before and now
            has at least ``min_answered`` answers and an estimate below ``threshold``).
        """
        self._answered[worker] = self._answered.get(worker, 0) + 1
        self._correct[worker] = self._correct.get(worker, 0) + int(correct)
        settings = self.settings
        if (
            worker not in self._flagged
            and self._answered[worker] >= settings.min_answered
            and self.accuracy(worker) < settings.threshold
        ):
            self._flagged[worker] = None
            return True
        return False

    def accuracy(self, worker: str) -> float:
        """The worker's smoothed estimate (1/2 before any golden answer)."""
        return smoothed(
            self._correct.get(worker, 0), self._answered.get(worker, 0), self.settings.smoothing
        )

    def flagged(self, worker: str) -> bool:
        """Whether the worker has been flagged."""
        return worker in self._flagged

    def snapshot(self) -> Mapping[str, GoldenScore]:
        """Every scored worker's record, frozen, in the order first scored."""
        return MappingProxyType(
            {
                worker: GoldenScore(
                    answered,
                    self._correct[worker],
                    self.accuracy(worker),
                    worker in self._flagged,
                )
                for worker, answered in self._answered.items()
            }
        )
