"""The scenario file's schema: pydantic models that validate a TOML document.

Every table forbids unknown keys, so a typo is an error that names the key, not a
silently ignored setting. Numbers where a distribution is expected are constants.
This module holds the top-level :class:`ScenarioSpec`, the workers, the tasks and
their arrivals, and the checks that need the whole file (worker names, which modes
combine). The value distributions are in ``scenarios.distributions``, the
distribution modes and events in ``scenarios.workflow``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, JsonValue, field_validator, model_validator

from scenarios._records import DataFile
from scenarios._schema import FieldProblemError, _Spec
from scenarios.distributions import ConstantDist, Distribution, UniformDist, _constant, _within
from scenarios.workflow import ConsensusSpec, EventSpec, PullingSpec, QASpec, WorkloadSpec

__all__ = [
    "ArrivalSpec",
    "FieldProblemError",
    "ModelSpec",
    "PhaseSpec",
    "PolicySpec",
    "ScenarioSpec",
    "StopSpec",
    "TaskGenerate",
    "TaskItem",
    "TasksSpec",
    "WorkerGenerate",
    "WorkerItem",
    "WorkersSpec",
]


class PolicySpec(_Spec):
    """Which policy, with parameters for its constructor."""

    name: str = "best_fit"
    params: dict[str, JsonValue] = Field(default_factory=dict)


class ModelSpec(_Spec):
    """The performance model (see ``agents.performance``)."""

    name: Literal["threshold", "logistic"] = "threshold"
    scale: float = Field(default=1.0, gt=0)
    noise: Literal["fixed", "lognormal", "exponential"] = "fixed"
    sigma: float = Field(default=0.25, ge=0)


class WorkerItem(_Spec):
    """One worker, spelled out."""

    name: str = Field(min_length=1)
    skill_level: float = Field(default=0.0, ge=0)
    skills: dict[str, float] = Field(default_factory=dict)
    specialties: list[str] | None = None
    capacity: int = Field(default=1, ge=1)
    discard_below: float = Field(default=0.0, ge=0, le=1)
    reviewer: bool = False

    @field_validator("skills")
    @classmethod
    def _skills_non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        for category, skill in value.items():
            if skill < 0:
                raise FieldProblemError(category, f"must be >= 0, got {skill:g}")
        return value


class WorkerGenerate(_Spec):
    """``count`` workers with skills drawn from distributions."""

    count: int = Field(ge=1)
    skill: Distribution = Field(default_factory=lambda: ConstantDist(value=5))
    skills: dict[str, Distribution] = Field(default_factory=dict)
    specialties: list[str] | None = None
    capacity: int = Field(default=1, ge=1)
    prefix: str = "w"

    def names(self) -> list[str]:
        """The generated workers' names: the prefix and a zero-padded number."""
        width = len(str(self.count))
        return [f"{self.prefix}{i + 1:0{width}d}" for i in range(self.count)]

    @field_validator("skill", "skills", mode="before")
    @classmethod
    def _numbers_are_constants(cls, value: Any) -> Any:
        if isinstance(value, dict) and "dist" not in value:
            return {key: _constant(item) for key, item in value.items()}
        return _constant(value)

    @field_validator("skill")
    @classmethod
    def _skill_non_negative(cls, value: Any) -> Any:
        return _within(value, 0, float("inf"), "skill")


class WorkersSpec(_Spec):
    """Workers: a list (``items``), generated ones (``generate``), or both.

    ``file`` names an annotators file (``scenarios.datafiles``); the loader puts its
    rows after the listed ``items``.
    """

    items: list[WorkerItem] = Field(default_factory=list)
    generate: WorkerGenerate | None = None
    file: DataFile | None = None

    @model_validator(mode="after")
    def _some(self) -> WorkersSpec:
        _read_by_the_loader(self.file)
        if not self.items and self.generate is None:
            raise ValueError("give workers.items, workers.generate or workers.file")
        names = [w.name for w in self.items]
        if len(set(names)) != len(names):
            raise FieldProblemError("items", "worker names must be unique")
        return self


def _read_by_the_loader(file: DataFile | None) -> None:
    if file is not None and file.rows is None:
        raise FieldProblemError(
            "file",
            "a data file is read by load_scenario; in Python, pass "
            "scenarios.read_items(...) or read_annotators(...) as items",
        )


class TaskItem(_Spec):
    """One task, spelled out (``arrival`` in simulated seconds, default 0)."""

    id: int | str
    description: str = ""
    difficulty: float = Field(ge=1, le=10)
    skill: str | None = None
    priority: int = 1
    due: float | None = None
    truth: str | None = None
    arrival: float = Field(default=0.0, ge=0)
    labels: list[str] = Field(default_factory=list)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)


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
        ids = [t.id for t in self.items]
        if len(set(ids)) != len(ids):
            raise FieldProblemError("items", "task ids must be unique")
        return self


class StopSpec(_Spec):
    """When to stop besides "every task is done": a simulated time limit."""

    until: float | None = Field(default=None, gt=0)


def _check_units(where: str, units: list[WorkloadSpec], names: set[str]) -> None:
    total = sum(u.load for u in units)
    if abs(total - 100) > 1e-9:
        raise FieldProblemError(where, f"loads must sum to 100, got {total:g}")
    seen: set[str] = set()
    for unit in units:
        if unit.assignee not in names:
            raise FieldProblemError(where, f"unknown worker {unit.assignee!r}")
        if unit.assignee in seen:
            raise FieldProblemError(where, f"{unit.assignee!r} is named more than once")
        seen.add(unit.assignee)


class ScenarioSpec(_Spec):
    """A whole scenario file."""

    name: str = ""
    description: str = ""
    seed: int = 0
    policy: PolicySpec = Field(default_factory=PolicySpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    max_attempts: int = Field(default=1, ge=1)
    expected_workers: int | None = Field(default=None, ge=1)
    workers: WorkersSpec
    tasks: TasksSpec
    stop: StopSpec = Field(default_factory=StopSpec)
    min_submitted: int = Field(default=1, ge=1)
    overlap: int = Field(default=0, ge=0)
    consensus: ConsensusSpec | None = None
    qa: QASpec | None = None
    pulling: PullingSpec | None = None
    workload: list[WorkloadSpec] = Field(default_factory=list)
    events: list[EventSpec] = Field(default_factory=list)

    def worker_names(self) -> list[str]:
        """Every worker's name: the listed ones, then the generated ones."""
        names = [w.name for w in self.workers.items]
        gen = self.workers.generate
        if gen is not None:
            names += gen.names()
        return names

    @model_validator(mode="after")
    def _modes_fit(self) -> ScenarioSpec:
        if self.consensus is not None and self.pulling is not None:
            raise FieldProblemError(
                "pulling", "consensus and pulling cannot be combined (as on the seed platform)"
            )
        names = set(self.worker_names())
        joined = {e.worker for e in self.events if e.action == "join" and e.worker}
        if self.workload:
            _check_units("workload", self.workload, names)
            if self.min_submitted > 1 or self.consensus is not None:
                raise FieldProblemError(
                    "workload",
                    "a workload split cannot be combined with min_submitted > 1 or consensus",
                )
        for event in self.events:
            if event.action == "redistribute":
                _check_units("events", event.workload, names | joined)
        if self.qa is not None:
            reviewers = {w.name for w in self.workers.items if w.reviewer}
            for name in self.qa.reviewers:
                if name not in reviewers:
                    raise FieldProblemError(
                        "qa", f"reviewer {name!r} is not a worker item with reviewer = true"
                    )
        for event in self.events:
            for who in (event.worker, event.target):
                if who and event.action != "join" and who not in names | joined:
                    raise FieldProblemError("events", f"unknown worker {who!r}")
        return self

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_by_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"name": value}
        return value
