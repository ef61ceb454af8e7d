"""The scenario file's schema: pydantic models that validate a TOML document.

Every table forbids unknown keys, so a typo is an error that names the key, not a
silently ignored setting. Numbers where a distribution is expected are constants.
This module holds the top-level :class:`ScenarioSpec` and the checks that need the
whole file (worker names, which modes combine). The workers are in
``scenarios.spec_workers``, the tasks and their arrivals in ``scenarios.spec_tasks``,
the value distributions in ``scenarios.distributions``, the events in
``scenarios.workflow``; the distribution modes (``consensus``, ``qa``,
``pulling``, ``workload``) are ``agents.distribution``'s classes, validated by their
own declarations.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import Field, JsonValue, ValidationInfo, field_validator, model_validator

from agents.distribution import (
    Consensus,
    Distribution,
    ModeConflictError,
    Pulling,
    QualityReview,
    QueuePlace,
    Ttl,
    WorkloadUnit,
)
from agents.golden import Golden
from agents.overlap import DynamicOverlap
from scenarios._schema import FieldProblemError, _limits, _over, _Spec
from scenarios.controls import check_quality
from scenarios.jobs_spec import JobList
from scenarios.spec_tasks import ArrivalSpec as ArrivalSpec  # importable from here too
from scenarios.spec_tasks import PhaseSpec as PhaseSpec
from scenarios.spec_tasks import TaskGenerate as TaskGenerate
from scenarios.spec_tasks import TaskItem as TaskItem
from scenarios.spec_tasks import TasksSpec
from scenarios.spec_workers import WorkerGenerate as WorkerGenerate
from scenarios.spec_workers import WorkerItem as WorkerItem
from scenarios.spec_workers import WorkersSpec
from scenarios.timeline import check_events, check_units
from scenarios.workflow import AnyEvent

__all__ = [
    "FieldProblemError",
    "ModelSpec",
    "PolicySpec",
    "ScenarioSpec",
    "StopSpec",
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
    queue: QueuePlace = "central"
    ttl: Ttl | None = None
    consensus: Consensus | None = None
    qa: QualityReview | None = None
    pulling: Pulling | None = None
    workload: list[WorkloadUnit] = Field(default_factory=list)
    events: list[AnyEvent] = Field(default_factory=list)
    golden: Golden | None = None
    dynamic_overlap: DynamicOverlap | None = None
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
        staff = sum(1 for w in self.workers.items if not w.reviewer)
        staff += self.workers.generate.count if self.workers.generate is not None else 0
        if self.min_submitted > staff:
            raise FieldProblemError(
                "min_submitted",
                f"{self.min_submitted} is above the {staff} annotators who may answer",
            )
        if self.workload:
            check_units("workload", self.workload, self.has_worker)
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
            if event.new_tasks:
                tasks += event.new_tasks
                if tasks > limits.tasks:
                    raise FieldProblemError(
                        f"events[{index}].count",
                        _over(tasks, limits.tasks, "tasks (listed, generated and added)", "tasks"),
                    )
            elif event.joiner is not None:
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

    @model_validator(mode="after")
    def _modes_combine(self) -> ScenarioSpec:
        # Which modes combine is agents.distribution's rule, checked here once the
        # file's own checks passed, and reported at the setting it refuses.
        try:
            self.distribution()
        except ModeConflictError as error:
            raise FieldProblemError(error.field, str(error)) from None
        return self

    def distribution(self) -> Distribution:
        """The manager's distribution mode from the file's settings.

        Raises:
            ModeConflictError: for settings that do not combine (refused when the
                file is read, so not for a loaded scenario).
        """
        return Distribution(
            min_submitted=self.min_submitted,
            overlap=self.overlap,
            consensus=self.consensus,
            qa=self.qa,
            pulling=self.pulling,
            workload=tuple(self.workload),
            golden=self.golden,
            dynamic_overlap=self.dynamic_overlap,
            queue=self.queue,
            ttl=self.ttl,
        )

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_by_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"name": value}
        return value
