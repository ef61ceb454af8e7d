"""From a sweep to its runs: cells, resolved scenarios, and each run's key.

A cell is one combination of grid values (and sample point). Its scenario is the base
scenario as a dict (``ScenarioSpec.model_dump``) with each value set at its field
path, validated again by the scenario schema. What can go wrong splits two ways:

* A path or value the schema cannot take at all (an unknown field, a value of the
  wrong type, a name not among the choices) is bad input: :class:`SweepError` before
  any run, naming the grid path.
* A value of the right type out of its bounds (``workers.generate.count = 0``) makes a
  bad cell: its runs are recorded as failed, with the schema's message, and the
  other cells run.

A run's key is a hash of the cell's full resolved scenario, the policy and the seed,
so a resumed sweep skips exactly the runs already done, whatever the order.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue, ValidationError

from agents.errors import PolicyError
from agents.policies.registry import make_policy
from scenarios.extras import require
from scenarios.spec import ScenarioSpec
from scenarios.sweep.spec import MAX_RUNS, SampleSpec, SweepError, SweepSpec

__all__ = ["Cell", "Plan", "RunTask", "plan_sweep", "run_count", "set_path"]

# Pydantic error types that mean "this path or value cannot be meant": bad input.
_INPUT_ERRORS = {"extra_forbidden", "missing", "literal_error", "union_tag_invalid", "is_instance"}
_UNION_TAGS = {"constant", "uniform", "normal", "choice"}


@dataclass(frozen=True, slots=True)
class Cell:
    """One point of the sweep's parameter space.

    Attributes:
        index: Its position in the sweep (grid order, then sample order).
        params: Per swept field path, its value here.
        scenario: The resolved scenario as a dict, or None for a bad cell.
        error: Why the cell is bad (None for a good one).
        digest: A hash of the resolved scenario (of the overrides, for a bad cell).
    """

    index: int
    params: Mapping[str, JsonValue]
    scenario: dict[str, Any] | None
    error: str | None
    digest: str


@dataclass(frozen=True, slots=True)
class RunTask:
    """One run to do: what a worker needs, and nothing more (it is pickled).

    Attributes:
        key: The run's identity (see the module docstring).
        cell: The cell's index.
        params: The cell's swept values, in sweep order.
        name: The scenario's name.
        scenario: The resolved scenario, or None for a bad cell.
        digest: The cell's hash (workers cache validated scenarios by it).
        policy: The policy's name.
        seed: The seed.
        error: The bad cell's error, recorded instead of a run.
    """

    key: str
    cell: int
    params: tuple[tuple[str, JsonValue], ...]
    name: str
    scenario: dict[str, Any] | None
    digest: str
    policy: str
    seed: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """Every run of a sweep, in order: cell, then seed, then policy."""

    spec: SweepSpec
    cells: tuple[Cell, ...]
    tasks: tuple[RunTask, ...]

    @property
    def params(self) -> tuple[str, ...]:
        """The swept field paths (grid first, then sampled ones)."""
        sampled = tuple(self.spec.sample.ranges) if self.spec.sample is not None else ()
        return (*self.spec.grid, *sampled)


def set_path(data: dict[str, Any], path: str, value: JsonValue) -> None:
    """Set ``value`` at a dotted field path, making missing tables on the way.

    Args:
        data: A scenario as a dict; changed in place.
        path: ``a.b.c``; a part that is a number indexes a list.
        value: The new value.

    Raises:
        ValueError: when the path runs through a value that is not a table or list,
            or indexes past a list's end.
    """
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[:depth]) or "the scenario"
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ValueError(f"{where} is a list of {len(node)}; {part!r} is not an index")
            key: Any = int(part)
        elif isinstance(node, dict):
            key = part
        else:
            raise ValueError(f"{where} is {node!r}, not a table")  # noqa: TRY004 - a bad path
        if last:
            node[key] = value
        else:
            if isinstance(node, dict) and node.get(key) is None:
                node[key] = {}
            node = node[key]


def _digest(document: object) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _sample_points(sample: SampleSpec) -> list[dict[str, JsonValue]]:
    paths = list(sample.ranges)
    if sample.method == "random":
        rng = random.Random(sample.seed)
        units = [[rng.random() for _ in paths] for _ in range(sample.n)]
    else:
        qmc = require("scipy.stats.qmc", "optimal")
        np = require("numpy", "optimal")
        engine = qmc.LatinHypercube(d=len(paths), rng=np.random.default_rng(sample.seed))
        units = engine.random(sample.n).tolist()
    points = []
    for unit in units:
        point: dict[str, JsonValue] = {}
        for path, u in zip(paths, unit, strict=True):
            low, high = sample.ranges[path]
            if sample.integer.get(path):
                point[path] = min(int(high), int(low) + int(u * (high - low + 1)))
            else:
                point[path] = round(low + u * (high - low), 6)
        points.append(point)
    return points


def _cell_params(spec: SweepSpec) -> list[dict[str, JsonValue]]:
    grid = [
        dict(zip(spec.grid, combo, strict=True)) for combo in itertools.product(*spec.grid.values())
    ]
    if spec.sample is None:
        return grid
    return [{**g, **p} for g in grid for p in _sample_points(spec.sample)]


def _location(loc: tuple[int | str, ...], data: object) -> list[str]:
    """The error's field path, without the union tags pydantic inserts."""
    parts, node = [], data
    for step in loc:
        if isinstance(node, dict) and step not in node and str(step) in _UNION_TAGS:
            continue
        parts.append(str(step))
        node = node.get(step) if isinstance(node, dict) else None
    return parts


def _blame(parts: list[str], params: Mapping[str, JsonValue]) -> str:
    """The swept path an error belongs to (the longest one that prefixes it)."""
    best = ""
    for path in params:
        segments = path.split(".")
        if parts[: len(segments)] == segments and len(path) > len(best):
            best = path
    return best or ".".join(parts)


def _resolve(spec: SweepSpec, index: int, params: dict[str, JsonValue]) -> Cell:
    data = spec.base.spec.model_dump(mode="json")
    for path, value in params.items():
        try:
            set_path(data, path, copy.deepcopy(value))
        except ValueError as error:
            raise SweepError(spec.source, [(f"grid.{path}", str(error))]) from None
    try:
        resolved = ScenarioSpec.model_validate(data)
    except ValidationError as error:
        bad_input, out_of_bounds = [], []
        for item in error.errors():
            path = _blame(_location(item["loc"], data), params)
            message = item["msg"].removeprefix("Value error, ")
            kind = item["type"]
            if kind in _INPUT_ERRORS or kind.endswith(("_type", "_parsing")):
                if kind == "extra_forbidden":
                    message = "unknown field of the scenario"
                value = params.get(path, item.get("input"))
                bad_input.append((f"grid.{path}", f"{message} (value {value!r})"))
            else:
                out_of_bounds.append(f"{path}: {message}")
        if bad_input:
            raise SweepError(spec.source, bad_input) from None
        return Cell(index, params, None, "; ".join(out_of_bounds), _digest(data))
    dumped = resolved.model_dump(mode="json")
    try:
        make_policy(resolved.policy.name, **resolved.policy.params)
    except PolicyError as error:
        return Cell(index, params, None, f"policy: {error}", _digest(data))
    return Cell(index, params, dumped, None, _digest({"name": spec.base.name, "scenario": dumped}))


def run_count(spec: SweepSpec) -> int:
    """How many runs a sweep has: cells x seeds x policies (counted, not listed)."""
    cells = math.prod(len(values) for values in spec.grid.values())
    if spec.sample is not None:
        cells *= spec.sample.n
    return cells * len(spec.seeds) * len(spec.policies)


def plan_sweep(spec: SweepSpec, *, yes: bool = False) -> Plan:
    """Expand a sweep into its runs.

    Args:
        spec: The sweep.
        yes: Allow more than :data:`~scenarios.sweep.spec.MAX_RUNS` runs.

    Returns:
        Every cell, and every run in cell, seed, policy order.

    Raises:
        SweepError: for too many runs without ``yes``, an unknown policy, or a grid
            path or value the scenario cannot take (bad cells do not raise: their
            runs fail).
    """
    count = run_count(spec)
    if count > MAX_RUNS and not yes:
        raise SweepError(
            spec.source,
            [("", f"{count:,} runs is more than {MAX_RUNS:,}; confirm with --yes (yes=True)")],
        )
    problems = []
    for name in spec.policies:
        try:
            make_policy(name)
        except PolicyError as error:
            problems.append(("policies", str(error)))
    if problems:
        raise SweepError(spec.source, problems)
    cells = tuple(_resolve(spec, i, p) for i, p in enumerate(_cell_params(spec)))
    tasks = tuple(
        RunTask(
            key=_digest([cell.digest, policy, seed])[:32],
            cell=cell.index,
            params=tuple(cell.params.items()),
            name=spec.base.name,
            scenario=cell.scenario,
            digest=cell.digest,
            policy=policy,
            seed=seed,
            error=cell.error,
        )
        for cell in cells
        for seed in spec.seeds
        for policy in spec.policies
    )
    return Plan(spec, cells, tasks)
