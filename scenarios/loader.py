"""Scenario files: find them, read the TOML, validate it, explain what is wrong.

A bad file is answered with a :class:`ScenarioError` that names the file, the field
path (``tasks.generate.difficulty.high``) and what was expected; the CLI prints it
and exits with code 2, never with a traceback.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from agents.errors import PolicyError
from agents.policies.registry import make_policy
from protocol.errors import SkillsimError
from scenarios.datafiles import DataFileError, with_data_files
from scenarios.spec import FieldProblemError, ScenarioSpec

__all__ = ["LIBRARY", "LoadedScenario", "ScenarioError", "bundled_scenarios", "load_scenario"]

LIBRARY = Path(__file__).parent / "library"
"""Where the bundled scenarios live."""

_UNION_TAGS = {"constant", "uniform", "normal", "choice"}


class ScenarioError(SkillsimError):
    """Raised by the loader for a missing, unreadable or invalid scenario file.

    Attributes:
        source: The file (or name) given.
        problems: ``(field path, message)`` pairs; the path is empty for the file.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [
            f"{source}: {path}: {message}" if path else f"{source}: {message}"
            for path, message in problems
        ]
        super().__init__("\n".join(lines))


@dataclass(frozen=True, slots=True)
class LoadedScenario:
    """A validated scenario and where it came from."""

    name: str
    path: Path
    spec: ScenarioSpec


def bundled_scenarios() -> dict[str, Path]:
    """The bundled scenarios by name, sorted."""
    return {p.stem: p for p in sorted(LIBRARY.glob("*.toml"))}


def _resolve(source: str | Path) -> Path:
    path = Path(source)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ScenarioError(str(source), [("", "no such file")])
        return path
    bundled = bundled_scenarios().get(str(source))
    if bundled is None:
        names = ", ".join(bundled_scenarios())
        raise ScenarioError(
            str(source), [("", f"no such file or bundled scenario; bundled: {names}")]
        )
    return bundled


def _path(location: tuple[int | str, ...], error: object, data: object) -> str:
    # Pydantic puts a tagged union's tag into the location (``difficulty.uniform.high``);
    # drop it, but only where the input really holds a distribution with that tag, so
    # that a category named "normal" keeps its place.
    parts = []
    node = data
    for step in location:
        if (
            isinstance(node, dict)
            and step not in node
            and str(step) in _UNION_TAGS
            and node.get("dist") == step
        ):
            continue
        parts.append(str(step))
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            node = None
    cause = getattr(error, "get", lambda _k: None)("ctx")
    problem = cause.get("error") if isinstance(cause, dict) else None
    if isinstance(problem, FieldProblemError):
        parts.append(problem.field)
    return ".".join(parts)


def load_scenario(source: str | Path) -> LoadedScenario:
    """Read and validate a scenario: a path to a TOML file, or a bundled name.

    Args:
        source: ``path/to/file.toml`` or a bundled name such as ``"quickstart"``.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: naming the file, the field path and what was expected.
    """
    path = _resolve(source)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(str(path), [("", f"cannot read: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), [("", "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(str(path), [("", f"not valid TOML: {error}")]) from None
    try:  # the rows of [tasks] file and [workers] file, read relative to the scenario
        data = with_data_files(data, path.parent)
    except DataFileError as error:
        raise ScenarioError(str(path), [(error.field or "", str(error))]) from None
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            message = item["msg"].removeprefix("Value error, ")
            problems.append((_path(item["loc"], item, data), message))
        raise ScenarioError(str(path), problems) from None
    try:  # a policy the file names must exist and take its parameters
        make_policy(spec.policy.name, **spec.policy.params)
    except PolicyError as error:
        raise ScenarioError(str(path), [("policy", str(error))]) from None
    return LoadedScenario(spec.name or path.stem, path, spec)
