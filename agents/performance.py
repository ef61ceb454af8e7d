"""Performance models: how well and how fast a worker does a task.

A model turns ``(skill, task, draws)`` into an :class:`Outcome`. The draws are uniform
numbers fixed by ``(seed, task id, attempt)``, not by who does the work or when
(:func:`task_draws`), so that policies compared on one seed face the same luck:
common random numbers, the standard variance reduction for comparing policies.

* ``threshold`` is the seed's rule: success iff skill >= difficulty; duration =
  difficulty.
* ``logistic`` is a Rasch model: P(success) = sigmoid((skill - difficulty) / scale);
  duration = difficulty x a factor that falls from 1.75 (far too hard) through 1 (skill
  = difficulty) to 0.25 (far too easy).

Either model can put noise on the duration: ``fixed`` (none), ``lognormal`` (mean-one
factor with log-sd ``sigma``) or ``exponential`` (mean = the noiseless duration), so
classic queueing set-ups (exponential service) can be built and checked.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal, Protocol

from protocol.messages import Task, TaskId

__all__ = [
    "Draws",
    "LogisticModel",
    "Noise",
    "Outcome",
    "PerformanceModel",
    "ThresholdModel",
    "sigmoid",
    "task_draws",
]

Noise = Literal["fixed", "lognormal", "exponential"]

_UNIT = 1.0 / 2**64
_WORDS = struct.Struct("<3Q")
_NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class Draws:
    """Three independent uniforms in (0, 1) for one attempt at one task.

    Attributes:
        success: Decides success against the model's probability.
        duration: Drives the duration noise.
        answer: Picks the wrong label when an answer is wrong.
    """

    success: float
    duration: float
    answer: float


def task_draws(seed: int, task_id: TaskId, attempt: int, worker: str = "") -> Draws:
    """Return the uniforms of one attempt, a pure function of its arguments.

    Args:
        seed: The run's seed.
        task_id: The task.
        attempt: Counted from 1.
        worker: Mixed in where another agent judges the same attempt (a QA reviewer),
            so that its luck is not the worker's; empty otherwise. (Workers sharing a
            task hold distinct attempt numbers, so their luck is independent.)

    Returns:
        Three uniforms, each strictly between 0 and 1.
    """
    key = f"{seed}|{type(task_id).__name__}:{task_id}|{attempt}|{worker}".encode()
    a, b, c = _WORDS.unpack(hashlib.blake2b(key, digest_size=24).digest())
    return Draws((a + 0.5) * _UNIT, (b + 0.5) * _UNIT, (c + 0.5) * _UNIT)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt ends: success and simulated duration (seconds)."""

    success: bool
    duration: float


class PerformanceModel(Protocol):
    """Anything with ``success_probability`` and ``outcome`` works as a model."""

    @property
    def name(self) -> str:
        """The model's registered name."""
        ...

    def success_probability(self, skill: float, difficulty: float) -> float:
        """Chance that a worker of ``skill`` succeeds at ``difficulty``."""
        ...

    def outcome(self, skill: float, task: Task, draws: Draws) -> Outcome:
        """The outcome of one attempt."""
        ...


def sigmoid(x: float) -> float:
    """The logistic function 1 / (1 + e^-x), computed without overflow for any x."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _noisy(base: float, noise: Noise, sigma: float, u: float) -> float:
    if noise == "fixed":
        return base
    if noise == "lognormal":
        return base * math.exp(sigma * _NORMAL.inv_cdf(u) - sigma * sigma / 2)
    return -base * math.log(u)


def _check_noise(noise: str, sigma: float) -> None:
    if noise not in ("fixed", "lognormal", "exponential"):
        raise ValueError(f"noise must be fixed, lognormal or exponential, got {noise!r}")
    if not sigma >= 0:
        raise ValueError(f"sigma must be >= 0, got {sigma!r}")


@dataclass(frozen=True, slots=True)
class ThresholdModel:
    """The seed's rule: success iff skill >= difficulty; duration = difficulty.

    Attributes:
        noise: Duration noise (``fixed`` keeps the seed's exact durations).
        sigma: Log-sd for ``lognormal``.
    """

    noise: Noise = "fixed"
    sigma: float = 0.25
    name: str = "threshold"

    def __post_init__(self) -> None:
        _check_noise(self.noise, self.sigma)

    def success_probability(self, skill: float, difficulty: float) -> float:
        """1.0 if ``skill >= difficulty`` else 0.0."""
        return 1.0 if skill >= difficulty else 0.0

    def outcome(self, skill: float, task: Task, draws: Draws) -> Outcome:
        """Success iff skill >= difficulty; duration = difficulty (with noise)."""
        return Outcome(
            skill >= task.difficulty,
            _noisy(float(task.difficulty), self.noise, self.sigma, draws.duration),
        )


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """Rasch model: P(success) = sigmoid((skill - difficulty) / scale).

    Attributes:
        scale: Larger is more forgiving of a skill gap (and less rewarding of excess).
        noise: Duration noise.
        sigma: Log-sd for ``lognormal``.

    Raises:
        ValueError: if ``scale`` is not positive or the noise is unknown.
    """

    scale: float = 1.0
    noise: Noise = "fixed"
    sigma: float = 0.25
    name: str = "logistic"

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise ValueError(f"scale must be > 0, got {self.scale!r}")
        _check_noise(self.noise, self.sigma)

    def success_probability(self, skill: float, difficulty: float) -> float:
        """sigmoid((skill - difficulty) / scale)."""
        return sigmoid((skill - difficulty) / self.scale)

    def outcome(self, skill: float, task: Task, draws: Draws) -> Outcome:
        """Success with the Rasch probability; duration shrinks with skill."""
        p = self.success_probability(skill, task.difficulty)
        factor = 0.25 + 1.5 * (1.0 - p)
        base = task.difficulty * factor
        return Outcome(draws.success < p, _noisy(base, self.noise, self.sigma, draws.duration))
