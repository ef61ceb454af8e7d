"""The sweep file: a base scenario, a grid or sample over its fields, policies, seeds.

A sweep file is TOML::

    scenario = "rush_hour"            # a bundled name, or a file beside this one
    policies = ["best_fit", "optimal"]
    baseline = "best_fit"             # paired differences against it (default: first)
    seeds = 5                         # the scenario's seed and the next 4; or [1, 2, 7]

    [grid]                            # every combination of these values
    workers.generate.count = [10, 20]
    "tasks.generate.arrival.rate" = [1.5, 3.0]

    [sample]                          # and/or n points drawn from ranges
    method = "lhs"                    # "lhs" (Latin hypercube, extra `optimal`) or "random"
    n = 16
    seed = 0
    ranges = { "tasks.generate.arrival.rate" = [0.5, 0.95] }   # integers if both bounds are

A grid key is a field path of the scenario (``workers.generate.count``; a list element
by its index, ``workers.items.0.skill_level``), quoted or as TOML dotted keys. The
grid's cells are the product of its values, each crossed with every sample point.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, model_validator

from protocol.errors import SkillsimError
from scenarios.loader import LoadedScenario, ScenarioError, load_scenario

__all__ = [
    "MAX_RUNS",
    "SampleSpec",
    "SchedulerLostError",
    "SweepError",
    "SweepSpec",
    "load_sweep",
    "parse_sweep",
]

MAX_RUNS = 10_000
"""A sweep of more runs than this needs ``--yes`` (``yes=True``)."""

_RESERVED = {
    "seed": "give seeds with `seeds = N` or `seeds = [...]`",
    "policy": "give policies with `policies = [...]`",
    "policy.name": "give policies with `policies = [...]`",
}


class SweepError(SkillsimError):
    """Raised for a sweep that cannot start: a bad sweep file, grid or option.

    Also raised for an unreachable Dask scheduler (a missing optional extra raises
    ``MissingExtraError``). Nothing has been written when it is raised.

    Attributes:
        source: The sweep file (empty when the problem is not in a file).
        problems: ``(field path, message)`` pairs; the path is empty for the file.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = []
        for path, message in problems:
            where = ": ".join(part for part in (source, path) if part)
            lines.append(f"{where}: {message}" if where else message)
        super().__init__("\n".join(lines))


class SchedulerLostError(SkillsimError):
    """Raised by the Dask executor when the scheduler is lost in the middle of a sweep.

    The runs not finished then are not recorded as failed: they were never done. Every
    finished run is kept, and the same sweep run again does the rest.
    """


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SampleSpec(_Table):
    """``n`` points drawn from ``ranges`` (per field path, ``[low, high]``)."""

    method: Literal["random", "lhs"] = "lhs"
    n: int = Field(ge=1)
    seed: int = 0
    ranges: dict[str, tuple[float, float]] = Field(min_length=1)
    integer: dict[str, bool] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _integer_ranges(cls, data: Any) -> Any:
        # A range with two whole-number bounds draws whole numbers.
        if isinstance(data, dict) and isinstance(data.get("ranges"), dict):
            ranges = _flatten(data["ranges"])
            data = {**data, "ranges": ranges, "integer": _integer_ranges(ranges)}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> SampleSpec:
        for path, (low, high) in self.ranges.items():
            if not high > low:
                raise ValueError(f"range {path}: high must be > low, got [{low:g}, {high:g}]")
        return self


def _integer_ranges(ranges: dict[str, Any]) -> dict[str, bool]:
    out = {}
    for path, bounds in ranges.items():
        whole = isinstance(bounds, list) and all(
            isinstance(b, int) and not isinstance(b, bool) for b in bounds
        )
        out[path] = whole
    return out


class _SweepFile(_Table):
    scenario: str = Field(min_length=1)
    policies: list[str] = Field(min_length=1)
    baseline: str | None = None
    seeds: int | list[int] = 5
    grid: dict[str, JsonValue] | None = None
    sample: SampleSpec | None = None


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """A validated sweep: what to run, before it is expanded into runs.

    Attributes:
        source: The sweep file (or a label for a sweep given as a dict).
        base: The base scenario.
        policies: The policies, each run on every cell and seed.
        baseline: The policy paired differences are taken against.
        seeds: The seeds; seed k gives every policy of a cell the same world.
        grid: Per field path, the values to try (in file order).
        sample: Points drawn from ranges, crossed with the grid's cells.
    """

    source: str
    base: LoadedScenario
    policies: tuple[str, ...]
    baseline: str
    seeds: tuple[int, ...]
    grid: Mapping[str, tuple[JsonValue, ...]] = field(default_factory=dict)
    sample: SampleSpec | None = None


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """TOML dotted keys make nested tables; a grid's leaves are its value lists."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flatten(value, path))
        else:
            out[path] = value
    return out


def _check_paths(where: str, paths: list[str]) -> list[tuple[str, str]]:
    problems = []
    for path in paths:
        reason = _RESERVED.get(path)
        if reason is not None:
            problems.append((f"{where}.{path}", f"cannot be swept here: {reason}"))
        if any(not part for part in path.split(".")):
            problems.append((f"{where}.{path}", "not a field path (an empty part)"))
        for other in paths:
            if other != path and other.startswith(path + "."):
                problems.append((f"{where}.{path}", f"overlaps {other}; sweep one or the other"))
    return problems


def parse_sweep(data: Mapping[str, Any], *, source: str, base_dir: Path) -> SweepSpec:
    """Validate a sweep given as a dict (the TOML document).

    Args:
        data: The sweep, as ``load_sweep`` reads it from TOML.
        source: Names the sweep in error messages.
        base_dir: Where a scenario given as a relative file path is looked for.

    Returns:
        The sweep.

    Raises:
        SweepError: naming the source, the field path and what was expected; for
            the base scenario, the scenario file's own problems.
    """
    try:
        raw = _SweepFile.model_validate(data)
    except ValidationError as error:
        found = [
            (".".join(str(p) for p in item["loc"]), item["msg"].removeprefix("Value error, "))
            for item in error.errors()
        ]
        raise SweepError(source, found) from None
    scenario: str | Path = raw.scenario
    if raw.scenario.endswith(".toml") or "/" in raw.scenario:
        scenario = base_dir / raw.scenario
    try:
        base = load_scenario(scenario)
    except ScenarioError as error:
        raise SweepError(source, [("scenario", str(error))]) from None
    problems = []
    grid: dict[str, tuple[JsonValue, ...]] = {}
    for path, values in _flatten(raw.grid or {}).items():
        if not isinstance(values, list):
            problems.append((f"grid.{path}", "expected a list of values"))
        elif not values:
            problems.append((f"grid.{path}", "empty list: the grid would have no cells"))
        else:
            grid[path] = tuple(values)
    if raw.grid is not None and not raw.grid and raw.sample is None:
        problems.append(("grid", "empty: give at least one field path = [values]"))
    sampled = list(raw.sample.ranges) if raw.sample is not None else []
    problems += _check_paths("grid", list(grid) + sampled)
    if len(set(raw.policies)) != len(raw.policies):
        problems.append(("policies", "a policy is named more than once"))
    baseline = raw.baseline or raw.policies[0]
    if baseline not in raw.policies:
        problems.append(("baseline", f"{baseline!r} is not one of the policies"))
    if isinstance(raw.seeds, int):
        if raw.seeds < 1:
            problems.append(("seeds", f"must be >= 1, got {raw.seeds}"))
        seeds = tuple(range(base.spec.seed, base.spec.seed + raw.seeds))
    else:
        seeds = tuple(raw.seeds)
        if not seeds:
            problems.append(("seeds", "empty list: the sweep would have no runs"))
        if len(set(seeds)) != len(seeds):
            problems.append(("seeds", "a seed is listed more than once"))
    if problems:
        raise SweepError(source, problems)
    return SweepSpec(source, base, tuple(raw.policies), baseline, seeds, grid, raw.sample)


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file.

    Args:
        path: The TOML file; a relative scenario path in it is read from its folder.

    Returns:
        The sweep.

    Raises:
        SweepError: for a missing, unreadable or invalid file, naming the field path.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SweepError(str(path), [("", f"cannot read: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise SweepError(str(path), [("", "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as error:
        raise SweepError(str(path), [("", f"not valid TOML: {error}")]) from None
    return parse_sweep(data, source=str(path), base_dir=path.parent)
