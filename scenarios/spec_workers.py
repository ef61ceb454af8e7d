"""The scenario file's ``[workers]``: listed workers, generated ones, or both.

Part of the scenario schema (``scenarios.spec``): each table checks itself; which
workers the events name is checked by ``ScenarioSpec``, which sees the whole file.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from scenarios._records import DataFile
from scenarios._schema import FieldProblemError, _at_most, _limits, _Spec
from scenarios.distributions import ConstantDist, Distribution, _constant, _within
from scenarios.events import _non_negative_skills
from scenarios.timeline import RESERVED_NAMES

__all__ = ["WorkerGenerate", "WorkerItem", "WorkersSpec"]


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
        return _non_negative_skills(value)


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
    """Refuse a data file that was not read (the loader fills in its ``rows``).

    Raises:
        FieldProblemError: at ``file``.
    """
    if file is not None and file.rows is None:
        raise FieldProblemError(
            "file",
            "a data file is read by load_scenario; in Python, pass "
            "scenarios.read_items(...) or read_annotators(...) as items",
        )
