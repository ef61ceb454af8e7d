"""The quality-control sections of a scenario file: ``[golden]`` and ``[dynamic_overlap]``.

```toml
[golden]                 # a share of the labelled tasks has a known answer
share = 0.1              # 0 < share < 1, spread evenly over the stream
answers = 3              # distinct workers per golden task
smoothing = 1.0          # c in (correct + c) / (answered + 2c)
threshold = 0.5          # flag a worker whose estimate falls below this
min_answered = 5         # golden answers before a worker can be flagged
actions = ["stop", "discard"]   # what a flag does (none by default)

[dynamic_overlap]        # ask for answers until the label is confident
min_answers = 1
max_answers = 5
target = 0.9             # confidence of the Bayes-weighted vote
```

Each table checks its own bounds; :func:`check_quality` checks what needs the whole
file (labelled tasks to work on, modes that cannot be combined).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from agents.golden import Golden
from agents.overlap import DynamicOverlap
from scenarios._schema import FieldProblemError, _Spec

if TYPE_CHECKING:
    from scenarios.spec import ScenarioSpec

__all__ = ["DynamicOverlapSpec", "GoldenSpec", "check_quality"]


class GoldenSpec(_Spec):
    """Golden (control) tasks: see :mod:`agents.golden`."""

    share: float = Field(gt=0, lt=1, allow_inf_nan=False)
    answers: int = Field(default=3, ge=1, le=1000)
    smoothing: float = Field(default=1.0, gt=0, le=1e6, allow_inf_nan=False)
    threshold: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    min_answered: int = Field(default=5, ge=1, le=1_000_000)
    actions: list[Literal["stop", "discard"]] = Field(default_factory=list)

    @field_validator("actions")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each action may be named once")
        return value

    def make(self) -> Golden:
        """The manager's golden settings."""
        return Golden(
            share=self.share,
            answers=self.answers,
            smoothing=self.smoothing,
            threshold=self.threshold,
            min_answered=self.min_answered,
            actions=frozenset(self.actions),
        )


class DynamicOverlapSpec(_Spec):
    """Dynamic overlap: see :mod:`agents.overlap`."""

    min_answers: int = Field(default=1, ge=1, le=1000)
    max_answers: int = Field(default=5, ge=1, le=1000)
    target: float = Field(default=0.9, gt=0, le=1, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> DynamicOverlapSpec:
        if self.max_answers < self.min_answers:
            raise FieldProblemError(
                "max_answers",
                f"must be >= min_answers ({self.min_answers}), got {self.max_answers}",
            )
        return self

    def make(self) -> DynamicOverlap:
        """The manager's dynamic-overlap rule."""
        return DynamicOverlap(self.min_answers, self.max_answers, self.target)


def _labelled(spec: ScenarioSpec) -> bool:
    gen = spec.tasks.generate
    return (gen is not None and bool(gen.labels)) or any(
        t.truth is not None for t in spec.tasks.items
    )


def check_quality(spec: ScenarioSpec) -> None:
    """Check the quality-control sections against the rest of the file.

    Raises:
        FieldProblemError: naming ``golden`` or ``dynamic_overlap``: no labelled task
            to work on, dynamic overlap with consensus or ``min_submitted > 1``, or
            either with pulling or a workload split.
    """
    for where, section in (("golden", spec.golden), ("dynamic_overlap", spec.dynamic_overlap)):
        if section is None:
            continue
        if not _labelled(spec):
            raise FieldProblemError(
                where,
                "needs labelled tasks (tasks.generate.labels, or tasks.items with a truth)",
            )
        if spec.pulling is not None or spec.workload:
            raise FieldProblemError(where, "cannot be combined with pulling or a workload split")
    if spec.dynamic_overlap is not None and (spec.consensus is not None or spec.min_submitted > 1):
        raise FieldProblemError(
            "dynamic_overlap",
            "sets the number of answers itself: it cannot be combined with consensus "
            "or min_submitted > 1",
        )
