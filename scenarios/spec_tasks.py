"""The scenario file's ``[tasks]``: listed tasks, generated ones and their arrivals.

Part of the scenario schema (``scenarios.spec``): each table checks itself.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, JsonValue, ValidationInfo, field_validator, model_validator

from scenarios._records import DataFile
from scenarios._schema import FieldProblemError, _at_most, _limits, _Spec
from scenarios.distributions import ConstantDist, Distribution, UniformDist, _constant, _within
from scenarios.spec_workers import _read_by_the_loader

__all__ = ["ArrivalSpec", "PhaseSpec", "TaskGenerate", "TaskItem", "TasksSpec"]


class TaskItem(_Spec):
    """One task, spelled out (``arrival`` in simulated seconds, default 0)."""

    id: int | str
    description: str = ""
    difficulty: float = Field(ge=1, le=10)
    skill: str | None = None
    priority: int = 1
    due: float | None = Field(default=None, ge=0)
    truth: str | None = None
    arrival: float = Field(default=0.0, ge=0)
    labels: list[str] = Field(default_factory=list)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _due_after_arrival(self) -> TaskItem:
        if self.due is not None and self.due < self.arrival:
            raise FieldProblemError(
                "due", f"due at t={self.due:g}, before the task arrives at t={self.arrival:g}"
            )
        return self


class PhaseSpec(_Spec):
    """A stretch of a Poisson arrival process with its own rate."""

    duration: float = Field(gt=0)
    rate: float = Field(gt=0)


class ArrivalSpec(_Spec):
    """``batch``: everything at t=0; ``poisson``: exponential gaps at ``rate``/s.

    ``phases`` give piecewise rates (e.g. a rush hour), the last one lasting.
    """

    process: Literal["batch", "poisson"] = "batch"
    rate: float | None = Field(default=None, gt=0)
    phases: list[PhaseSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rate_given(self) -> ArrivalSpec:
        if self.process == "poisson" and self.rate is None and not self.phases:
            raise FieldProblemError("rate", "a poisson process needs a rate or phases")
        return self


class TaskGenerate(_Spec):
    """``count`` tasks drawn from distributions."""

    count: int = Field(ge=1)
    difficulty: Distribution = Field(
        default_factory=lambda: UniformDist(dist="uniform", low=1, high=10, integer=True)
    )
    categories: dict[str, float] = Field(default_factory=dict)
    priority: Distribution = Field(default_factory=lambda: ConstantDist(value=1))
    due: Distribution | None = None
    arrival: ArrivalSpec = Field(default_factory=ArrivalSpec)
    labels: list[str] = Field(default_factory=list)
    prefix: str = ""

    @field_validator("difficulty", "priority", "due", mode="before")
    @classmethod
    def _numbers_are_constants(cls, value: Any) -> Any:
        return _constant(value)

    @field_validator("difficulty")
    @classmethod
    def _difficulty_in_range(cls, value: Any) -> Any:
        return _within(value, 1, 10, "difficulty")

    @field_validator("due")
    @classmethod
    def _due_not_before_arrival(cls, value: Any) -> Any:
        return None if value is None else _within(value, 0, float("inf"), "due (after arrival)")

    @field_validator("count")
    @classmethod
    def _count_limit(cls, value: int, info: ValidationInfo) -> int:
        return _at_most(value, _limits(info).tasks, "tasks", "tasks")

    @field_validator("categories")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        for category, weight in value.items():
            if weight < 0:
                raise FieldProblemError(category, f"weight must be >= 0, got {weight:g}")
        if value and not sum(value.values()) > 0:
            raise ValueError("category weights must not all be 0")
        return value


class TasksSpec(_Spec):
    """Tasks: a list (``items``), generated ones (``generate``), or both.

    ``file`` names an items file (``scenarios.datafiles``); the loader puts its rows
    after the listed ``items``.
    """

    items: list[TaskItem] = Field(default_factory=list)
    generate: TaskGenerate | None = None
    file: DataFile | None = None

    @model_validator(mode="after")
    def _some(self) -> TasksSpec:
        _read_by_the_loader(self.file)
        if not self.items and self.generate is None:
            raise ValueError("give tasks.items, tasks.generate or tasks.file")
        seen: dict[str, tuple[int, int | str]] = {}
        for index, item in enumerate(self.items):
            # 1 and "1" are one id to a reader (and in JSON keys): refuse both spellings.
            key = str(item.id)
            if key in seen:
                first, spelled = seen[key]
                raise FieldProblemError(
                    f"items[{index}].id",
                    f"task id {item.id!r} is also items[{first}] (id {spelled!r}); "
                    "task ids must be unique",
                )
            seen[key] = (index, item.id)
        gen = self.generate
        if gen is not None:
            numeric = [t.id for t in self.items if isinstance(t.id, int)]
            first = max(numeric, default=0) + 1  # as scenarios.build numbers them
            for index, item in enumerate(self.items):
                key = str(item.id)
                number = key.removeprefix(gen.prefix) if key.startswith(gen.prefix) else ""
                if isinstance(item.id, str) and number.isascii() and number.isdigit():
                    value = int(number)
                    low = 1 if gen.prefix else first
                    if low <= value < low + gen.count and str(value) == number:
                        raise FieldProblemError(
                            f"items[{index}].id",
                            f"task id {item.id!r} is also a generated id "
                            f"(tasks.generate: prefix {gen.prefix!r}, count {gen.count})",
                        )
        return self
