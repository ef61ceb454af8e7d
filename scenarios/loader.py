"""Scenario files: find them, read the TOML, validate it, explain what is wrong.

A bad file is answered with a :class:`ScenarioError` that names the file, the field
path (``tasks.generate.difficulty.high``, ``events[3].target``) and what was
expected; the CLI prints it and exits with code 2, never with a traceback.

A file is data. It may name registered policies and those installed packages offer
(entry points ``skillsim.policies``); an import path (``policy = "pkg.mod:Class"``)
is code, refused unless the caller opts in with ``allow_import=True``
(``--allow-import``): "this file is code". Even then, only a class with an ``assign``
method is accepted, checked before it is called, and a policy override
(``policy=...``) means the file's own policy is never imported at all.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agents.errors import PolicyError
from agents.policies.registry import find_policy, new_policy
from protocol.errors import SkillsimError
from scenarios.datafiles import DataFileError, with_data_files
from scenarios.limits import DEFAULT_LIMITS, Limits
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
    """A validated scenario and where it came from.

    Attributes:
        name: The scenario's name (the file's stem by default).
        path: The file.
        spec: The validated contents.
        allow_import: Whether the file's policy may be imported (the caller opted in).
    """

    name: str
    path: Path
    spec: ScenarioSpec
    allow_import: bool = False


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
    # Pydantic puts a union member's name into the location: a distribution's or an
    # event's tag (``difficulty.uniform.high``, ``events.0.leave.worker``) or a type
    # (``id.int``). Drop such a step where the
    # input has no key of that name, so that a category named "normal" keeps its place.
    path = ""
    node = data
    for step in location:
        if isinstance(node, dict) and step not in node and step in _tags(node):
            continue
        if isinstance(step, str) and not isinstance(node, dict):
            continue  # a union member's name, not a key
        if isinstance(step, int):
            path += f"[{step}]"
        else:
            path += f".{step}" if path else str(step)
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            node = None
    cause = getattr(error, "get", lambda _k: None)("ctx")
    problem = cause.get("error") if isinstance(cause, dict) else None
    if isinstance(problem, FieldProblemError):
        joiner = "" if problem.field.startswith("[") or not path else "."
        path += joiner + problem.field
    return path


def _tags(node: dict[Any, Any]) -> tuple[object, ...]:
    """The values a tagged union dispatches on: a distribution's and an event's."""
    return (node.get("dist"), node.get("action"))


def _shown(value: object) -> str:
    """A value as the file spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


def _problems(error: ValidationError, data: object) -> list[tuple[str, str]]:
    merged: dict[str, list[str]] = {}
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "unexpected_keyword_argument":  # a mode class's unknown key
            message = "Extra inputs are not permitted"
        message = re.sub(r" or instance of \w+", "", message).replace("valid dictionary", "table")
        if item["type"].endswith("_type") or item["type"] == "finite_number":
            message = f"{message}, got {_shown(item['input'])}"
        location = item["loc"]
        if item["type"] in (
            "recursion_loop",
            "recursion_depth_exceeded",
        ):  # name where the nesting starts, not its depth
            location, message = location[:3], "values are nested too deeply"
        where = _path(location, item, data)
        if message not in merged.setdefault(where, []):
            merged[where].append(message)
    out = []
    for where, messages in merged.items():
        typed = [m for m in messages if m.startswith("Input should be ") and ", got " in m]
        if len(typed) > 1 and len(typed) == len(messages):
            # One field, several accepted types (a union): one message naming them all.
            kinds = [m.removeprefix("Input should be ").rpartition(", got ")[0] for m in typed]
            got = typed[0].rpartition(", got ")[2]
            out.append((where, f"Input should be {' or '.join(kinds)}, got {got}"))
        else:
            out.extend((where, m) for m in messages)
    return out


def _read(path: Path, limits: Limits) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > limits.file_bytes:
            raise ScenarioError(
                str(path),
                [
                    (
                        "",
                        f"the file has {size} bytes, over the limit of {limits.file_bytes}; "
                        "raise it with --max-file-bytes (Python: limits=Limits(file_bytes=...))",
                    )
                ],
            )
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(str(path), [("", f"cannot read: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), [("", "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(str(path), [("", f"not valid TOML: {error}")]) from None
    except RecursionError:
        raise ScenarioError(
            str(path), [("", "arrays or tables are nested too deeply to read")]
        ) from None


def load_scenario(
    source: str | Path,
    *,
    allow_import: bool = False,
    policy: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> LoadedScenario:
    """Read and validate a scenario: a path to a TOML file, or a bundled name.

    Args:
        source: ``path/to/file.toml`` or a bundled name such as ``"quickstart"``.
        allow_import: Let the file's ``policy = "module:Class"`` import that module
            (from the file's directory or the usual module path). This file is code:
            importing runs it. Without it, such a file is refused.
        policy: The policy the caller will run instead of the file's; the file's own
            policy is then neither checked nor imported.
        limits: The largest sizes accepted (see ``scenarios.limits``).

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: naming the file, the field path and what was expected.
    """
    path = _resolve(source)
    data = _read(path, limits)
    try:  # the rows of [tasks] file and [workers] file, read relative to the scenario
        data = with_data_files(data, path.parent)
    except DataFileError as error:
        raise ScenarioError(str(path), [(error.field or "", str(error))]) from None
    try:
        spec = ScenarioSpec.model_validate(data, context={"limits": limits})
    except ValidationError as error:
        raise ScenarioError(str(path), _problems(error, data)) from None
    except RecursionError:
        raise ScenarioError(str(path), [("", "values are nested too deeply")]) from None
    if policy is None:
        _check_policy(path, spec, allow_import)
    return LoadedScenario(spec.name or path.stem, path, spec, allow_import)


def _check_policy(path: Path, spec: ScenarioSpec, allow_import: bool) -> None:
    # The file's policy must exist and take its parameters; a registered or installed
    # one is built once to check them, an import path only if the caller opted in.
    name = spec.policy.name
    field = "policy.name" if spec.policy.params else "policy"
    try:
        factory = find_policy(name, allow_import=allow_import, search=[path.parent])
    except PolicyError as error:
        raise ScenarioError(str(path), [(field, str(error))]) from None
    try:
        new_policy(name, factory, spec.policy.params)
    except PolicyError as error:
        raise ScenarioError(str(path), [("policy.params", str(error))]) from None
