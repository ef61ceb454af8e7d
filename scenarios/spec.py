"""The scenario file's schema: pydantic models that validate a TOML document.

Every table forbids unknown keys, so a typo is an error that names the key, not a
silently ignored setting. Numbers where a distribution is expected are constants.
This module holds the top-level :class:`ScenarioSpec`, the workers, the tasks and
their arrivals, and the checks that need the whole file (worker names, which modes
combine). The value distributions are in ``scenarios.distributions``, the
distribution modes and events in ``scenarios.workflow``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import Field, JsonValue, ValidationInfo, field_validator, model_validator

from scenarios._records import DataFile
from scenarios._schema import FieldProblemError, _at_most, _limits, _over, _Spec
from scenarios.controls import DynamicOverlapSpec, GoldenSpec, check_quality
from scenarios.distributions import ConstantDist, Distribution, UniformDist, _constant, _within
from scenarios.jobs_spec import JobList
from scenarios.timeline import RESERVED_NAMES, check_events, check_units
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

    name: str = Field(default="best_fit", min_length=1)
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
    silence: float = Field(default=0.0, ge=0, le=1)
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
    silence: float = Field(default=0.0, ge=0, le=1)
    prefix: str = "w"

    def names(self) -> list[str]:
        """The generated workers' names: the prefix and a zero-padded number."""
        width = len(str(self.count))
        return [f"{self.prefix}{i + 1:0{width}d}" for i in range(self.count)]

    def generates(self, name: str) -> bool:
        """Whether ``name`` is one of the generated names (without building them)."""
        if not name.startswith(self.prefix):
            return False
        number = name.removeprefix(self.prefix)
        if not (number.isascii() and number.isdigit()):
            return False
        return len(number) == len(str(self.count)) and 1 <= int(number) <= self.count

    @field_validator("count")
    @classmethod
    def _count_limit(cls, value: int, info: ValidationInfo) -> int:
        return _at_most(value, _limits(info).workers, "workers", "workers")

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
        seen: dict[str, int] = {}
        for index, item in enumerate(self.items):
            where = f"items[{index}].name"
            if item.name in seen:
                raise FieldProblemError(
                    where, f"worker {item.name!r} is also items[{seen[item.name]}]"
                )
            if item.name in RESERVED_NAMES:
                raise FieldProblemError(where, f"{item.name!r} is the name of the {item.name}")
            if self.generate is not None and self.generate.generates(item.name):
                raise FieldProblemError(
                    where,
                    f"worker {item.name!r} is also a generated name (prefix "
                    f"{self.generate.prefix!r}, count {self.generate.count}); "
                    "rename it or change workers.generate.prefix",
                )
            seen[item.name] = index
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


class StopSpec(_Spec):
    """When to stop besides "every task is done": a simulated time limit."""

    until: float | None = Field(default=None, gt=0)


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
    queue: Literal["central", "assignee"] = "central"
    ttl: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    consensus: ConsensusSpec | None = None
    qa: QASpec | None = None
    pulling: PullingSpec | None = None
    workload: list[WorkloadSpec] = Field(default_factory=list)
    events: list[EventSpec] = Field(default_factory=list)
    golden: GoldenSpec | None = None
    dynamic_overlap: DynamicOverlapSpec | None = None
    jobs: JobList = Field(default_factory=list)  # last: its check reads the fields above

    def worker_names(self) -> list[str]:
        """Every worker's name: the listed ones, then the generated ones."""
        names = [w.name for w in self.workers.items]
        gen = self.workers.generate
        if gen is not None:
            names += gen.names()
        return names

    @model_validator(mode="after")
    def _modes_fit(self, info: ValidationInfo) -> ScenarioSpec:
        self._sizes_fit(info)
        if self.consensus is not None and self.pulling is not None:
            raise FieldProblemError(
                "pulling", "consensus and pulling cannot be combined (as on the seed platform)"
            )
        staff = sum(1 for w in self.workers.items if not w.reviewer)
        staff += self.workers.generate.count if self.workers.generate is not None else 0
        if self.min_submitted > staff:
            raise FieldProblemError(
                "min_submitted",
                f"{self.min_submitted} is above the {staff} annotators who may answer",
            )
        if self.queue == "assignee" and (
            self.pulling or self.consensus or self.min_submitted > 1 or self.overlap
        ):
            raise FieldProblemError(
                "queue",
                "per-assignee queues give each task to one worker's queue, so they cannot be "
                "combined with pulling, consensus, min_submitted > 1 or overlap",
            )
        if self.workload:
            check_units("workload", self.workload, self.has_worker)
            if self.min_submitted > 1 or self.consensus is not None:
                raise FieldProblemError(
                    "workload",
                    "a workload split cannot be combined with min_submitted > 1 or consensus",
                )
        if self.qa is not None:
            reviewers = {w.name for w in self.workers.items if w.reviewer}
            for name in self.qa.reviewers:
                if name not in reviewers:
                    raise FieldProblemError(
                        "qa", f"reviewer {name!r} is not a worker item with reviewer = true"
                    )
        check_events(self)
        return self

    def has_worker(self, name: str) -> bool:
        """Whether a worker of that name is there from the start (listed or generated)."""
        gen = self.workers.generate
        return name in self._listed_names or (gen is not None and gen.generates(name))

    @cached_property
    def _listed_names(self) -> frozenset[str]:
        return frozenset(w.name for w in self.workers.items)

    def _sizes_fit(self, info: ValidationInfo) -> None:
        # Counted before anything of that size exists; the error names the field that
        # crosses the limit (a generator's count, or the event that adds too many).
        limits = _limits(info)
        gen = self.tasks.generate
        tasks = len(self.tasks.items) + (gen.count if gen is not None else 0)
        staff = self.workers.generate
        workers = len(self.workers.items) + (staff.count if staff is not None else 0)
        for index, event in enumerate(self.events):
            if event.action == "add_tasks":
                tasks += event.count or 0
                if tasks > limits.tasks:
                    raise FieldProblemError(
                        f"events[{index}].count",
                        _over(tasks, limits.tasks, "tasks (listed, generated and added)", "tasks"),
                    )
            elif event.action == "join":
                workers += 1
                if workers > limits.workers:
                    raise FieldProblemError(
                        f"events[{index}].worker",
                        _over(workers, limits.workers, "workers (with joiners)", "workers"),
                    )

    @model_validator(mode="after")
    def _quality_fits(self) -> ScenarioSpec:
        check_quality(self)
        return self

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_by_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"name": value}
        return value
