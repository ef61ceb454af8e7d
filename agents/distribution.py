"""How work is distributed: the seed platforms' modes as one validated value.

* ``min_submitted`` (Argilla): a task completes once it has that many submitted
  responses from distinct workers; ``overlap`` lets that many more workers hold it at
  once, as when every annotator sees every pending record, so that simultaneous
  submissions can overshoot, as in the real tools (the overshoot is counted).
* ``consensus`` (Dataloop): ``percentage`` of the tasks go to ``assignees`` distinct
  workers each; answers are aggregated by vote.
* ``qa``: a ``sample`` of completed tasks is reviewed by a separate pool of reviewers;
  a rejected task is reworked by a different worker.
* ``pulling``: idle workers ask for work and receive batches of ``batch_size`` tasks,
  never holding more than ``max_batch_workload``.
* ``workload``: tasks are split between named workers by percentage.
* ``golden`` and ``dynamic_overlap``: quality control (see ``agents.quality``): a
  share of golden tasks scores the workers; labelled tasks ask for answers until
  their label is confident enough.
* ``queue``: where work waits. ``"central"`` (late binding, the default): one queue,
  each task handed to whoever is free when it is placed (pulling is its batched
  form). ``"assignee"`` (early binding): each task joins one worker's own queue when
  it arrives, chosen by a dispatch rule (``agents.dispatch_rules``), and each worker
  works through its queue in order.
* ``ttl``: a reservation's time-to-live in simulated seconds: a task held that long
  without an answer goes back to the queue, and the late answer is counted stale
  (``agents.reservations``).

The seed's bounds are declared here, once, on the modes' fields: a call such as
``Consensus(percentage=150)`` and a scenario file's ``[consensus]`` table are
validated by the same declaration, and a bad value raises pydantic's
``ValidationError`` (a ``ValueError``) naming the field, the bound and the value.
``Distribution`` checks how the modes combine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from agents._settings import SETTINGS
from agents.golden import Golden
from agents.overlap import DynamicOverlap
from protocol.errors import SkillsimError

__all__ = [
    "Consensus",
    "Distribution",
    "ModeConflictError",
    "Pulling",
    "QualityReview",
    "QueuePlace",
    "Ttl",
    "WorkloadUnit",
    "check_workload",
    "place_problem",
    "split",
    "workload_problem",
]


QueuePlace = Literal["central", "assignee"]
"""Where waiting work sits: one central queue, or each assignee's own."""

Ttl = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A reservation's time-to-live: a finite number of simulated seconds above 0."""


@pydantic_dataclass(frozen=True, slots=True, config=SETTINGS)
class WorkloadUnit:
    """One worker's share of a workload split, in percent (the seed's ``WorkloadUnit``).

    A scenario file spells ``assignee_id`` as ``assignee``.
    """

    assignee_id: str = Field(alias="assignee", min_length=1, strict=True)
    load: float = Field(ge=0, le=100, strict=True)


@pydantic_dataclass(frozen=True, slots=True, config=SETTINGS)
class Consensus:
    """``percentage`` (0..100) of tasks each go to ``assignees`` (>= 2) distinct workers."""

    percentage: float = Field(default=100.0, ge=0, le=100, strict=True)
    assignees: int = Field(default=2, ge=2, strict=True)


@pydantic_dataclass(frozen=True, slots=True, config=SETTINGS)
class QualityReview:
    """Review ``sample`` (0..1) of completed tasks by the named ``reviewers`` (at least one)."""

    reviewers: tuple[Annotated[str, Field(strict=True)], ...] = Field(min_length=1)
    sample: float = Field(default=1.0, ge=0, le=1, strict=True)


@pydantic_dataclass(frozen=True, slots=True, config=SETTINGS)
class Pulling:
    """Batches on request: ``batch_size`` within 3..100, hold at most ``max_batch_workload``.

    ``max_batch_workload`` must be at least ``batch_size + 2`` (the seed's bound).
    """

    batch_size: int = Field(default=10, ge=3, le=100, strict=True)
    max_batch_workload: int = Field(default=15, strict=True)

    @field_validator("max_batch_workload")
    @classmethod
    def _room_for_a_batch(cls, value: int, info: ValidationInfo) -> int:
        size = info.data.get("batch_size")
        if isinstance(size, int) and value < size + 2:
            raise ValueError(f"must be at least batch_size + 2 ({size + 2}), got {value}")
        return value


class ModeConflictError(SkillsimError, ValueError):
    """Raised by :class:`Distribution` for a setting it refuses, alone or with another.

    Attributes:
        field: The setting refused (``pulling``, ``workload``, ``queue``, ...), so
            that a scenario file can name it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Distribution:
    """The distribution mode of a run (default: push, one response per task).

    Raises:
        ModeConflictError: (a ``ValueError``) naming the setting refused, for
            consensus together with pulling (refused, as on the seed
            platform), ``min_submitted`` below 1, a negative overlap, dynamic overlap with
            consensus or ``min_submitted > 1``, golden tasks or dynamic overlap with
            pulling or a workload split, an unknown ``queue``, a ``ttl`` that is not a
            positive number, or per-assignee queues with pulling, consensus,
            ``min_submitted`` > 1 or overlap.
        ValueError: for a workload whose loads do not sum to 100 or name a worker
            twice (see :func:`workload_problem`).
    """

    min_submitted: int = 1
    overlap: int = 0
    consensus: Consensus | None = None
    qa: QualityReview | None = None
    pulling: Pulling | None = None
    workload: tuple[WorkloadUnit, ...] = field(default=())
    golden: Golden | None = None
    dynamic_overlap: DynamicOverlap | None = None
    queue: QueuePlace = "central"
    ttl: float | None = None

    def __post_init__(self) -> None:
        if self.min_submitted < 1:
            raise ModeConflictError(
                "min_submitted", f"min_submitted must be >= 1, got {self.min_submitted!r}"
            )
        if self.overlap < 0:
            raise ModeConflictError("overlap", f"overlap must be >= 0, got {self.overlap!r}")
        if self.consensus is not None and self.pulling is not None:
            raise ModeConflictError(
                "pulling", "consensus and pulling cannot be combined (as on the seed platform)"
            )
        if self.workload:
            check_workload(self.workload)
            if self.min_submitted > 1 or self.consensus is not None:
                raise ModeConflictError(
                    "workload",
                    "workload split gives each task to one worker, so it cannot be combined "
                    "with min_submitted > 1 or consensus",
                )
        if self.dynamic_overlap is not None and (self.consensus or self.min_submitted > 1):
            raise ModeConflictError(
                "dynamic_overlap",
                "dynamic overlap sets the number of answers itself: it cannot be combined "
                "with consensus or min_submitted > 1",
            )
        if (self.golden or self.dynamic_overlap) and (self.pulling or self.workload):
            raise ModeConflictError(
                "golden" if self.golden else "dynamic_overlap",
                "golden tasks and dynamic overlap cannot be combined with pulling or a "
                "workload split",
            )
        _check_queue(self)


def place_problem(queue: object, ttl: object) -> tuple[str, str] | None:
    """What is wrong with a queue place and a reservation ttl, if anything.

    The rule for the run (``Distribution``) and for a job (``jobs.create``) alike.

    Returns:
        ``None``, or the field (``"ttl"`` or ``"queue"``) and the message: a ttl that is
        not a finite number above 0 (``true`` is not 1), a queue that is not
        ``"central"`` or ``"assignee"``.
    """
    if ttl is not None and not (
        isinstance(ttl, int | float) and not isinstance(ttl, bool) and 0 < ttl < math.inf
    ):
        return "ttl", f"ttl must be a positive number of seconds, got {ttl!r}"
    if queue not in ("central", "assignee"):
        return "queue", f"queue must be 'central' or 'assignee', got {queue!r}"
    return None


def _check_queue(distribution: Distribution) -> None:
    problem = place_problem(distribution.queue, distribution.ttl)
    if problem is not None:
        raise ModeConflictError(*problem)
    if distribution.queue == "assignee" and (
        distribution.pulling is not None
        or distribution.consensus is not None
        or distribution.min_submitted > 1
        or distribution.overlap > 0
        or distribution.dynamic_overlap is not None
    ):
        raise ModeConflictError(
            "queue",
            "per-assignee queues give each task to one worker's queue, so they cannot be "
            "combined with pulling, consensus, min_submitted > 1, overlap or dynamic overlap",
        )


def workload_problem(units: Sequence[WorkloadUnit]) -> tuple[int | None, str] | None:
    """The first problem of a workload split, or None: the rule's one statement.

    Returns:
        ``(None, "loads must sum to 100, got 90")`` for the split as a whole, or
        ``(i, "'ana' is named more than once")`` for the unit ``i`` that names a
        worker again.
    """
    total = sum(u.load for u in units)
    if abs(total - 100) > 1e-9:
        return None, f"loads must sum to 100, got {total:g}"
    seen: set[str] = set()
    for index, unit in enumerate(units):
        if unit.assignee_id in seen:
            return index, f"{unit.assignee_id!r} is named more than once"
        seen.add(unit.assignee_id)
    return None


def check_workload(units: Sequence[WorkloadUnit]) -> None:
    """Check that loads sum to 100 and name each worker once.

    Raises:
        ValueError: ``workload loads must sum to 100, got 90`` or
            ``workload[1]: 'ana' is named more than once``.
    """
    problem = workload_problem(units)
    if problem is not None:
        index, message = problem
        raise ValueError(
            f"workload {message}" if index is None else f"workload[{index}]: {message}"
        )


def split(count: int, units: tuple[WorkloadUnit, ...]) -> list[str]:
    """Give ``count`` items to the units by percentage, largest remainder first.

    Each unit gets ``floor(count * load / 100)`` items, and the items left over go to
    the units with the largest fractional parts (ties: listing order). Items are
    interleaved so that every prefix is split as evenly as it can be.

    Returns:
        The assignee of each item, in item order.
    """
    check_workload(units)
    # Exact fractions: equal remainders must tie, not differ by float noise.
    exact = [Fraction(count) * Fraction(str(u.load)) / 100 for u in units]
    shares = [int(e) for e in exact]
    leftover = count - sum(shares)
    order = sorted(range(len(units)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:leftover]:
        shares[i] += 1
    given = [0] * len(units)
    out = []
    for n in range(count):
        # The unit furthest behind its share of the first n + 1 items goes next.
        i = max(
            (i for i in range(len(units)) if given[i] < shares[i]),
            key=lambda i: (shares[i] * (n + 1) / count - given[i], -i),
        )
        given[i] += 1
        out.append(units[i].assignee_id)
    return out
