"""Python scenario files: ``skillsim run my_scenario.py``.

A scenario file in Python is code, and naming a ``.py`` file is how a user agrees to
run it (a TOML file never runs code). The file defines a function ``scenario``:

* ``def scenario() -> ScenarioSpec``: the scenario as data, built in code (loops,
  your own policy registered with ``register_policy``). Every command-line option
  applies as for a TOML file.
* ``def scenario(*, seed, policy, ...) -> Simulation``: agents of your own, made
  ready to run. The options it declares as parameters (``seed``, ``policy``,
  ``trace``, ``clock``, ``speed``) are passed to it; giving an option it does not
  declare is refused, so nothing is silently ignored.

The file runs in a fresh namespace, with its own directory first on ``sys.path`` so
it can import its neighbours; it runs once per process while it is unchanged, so
what it registers (a policy with ``register_policy``) is registered once, however
many runs ``compare`` makes of it.
"""

from __future__ import annotations

import inspect
import runpy
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agents.clock import Clock
from scenarios.build import Simulation, build
from scenarios.limits import DEFAULT_LIMITS, Limits
from scenarios.loader import LoadedScenario, ScenarioError, load_scenario
from scenarios.spec import ScenarioSpec

__all__ = ["ScriptScenario", "load_source", "make_simulation"]

ENTRY = "scenario"
"""The function a Python scenario file defines."""

_OPTIONS = ("seed", "policy", "trace", "clock", "speed")


@dataclass(frozen=True, slots=True)
class ScriptScenario:
    """A Python scenario file whose ``scenario()`` builds its own simulation.

    Attributes:
        name: The file's stem.
        path: The file.
        factory: Its ``scenario`` function.
        seed: The default of its ``seed`` parameter (0 without one).
    """

    name: str
    path: Path
    factory: Callable[..., Any]
    seed: int

    def simulation(
        self,
        *,
        seed: int | None = None,
        policy: str | None = None,
        trace: bool = False,
        clock: str | Clock = "virtual",
        speed: float = 1.0,
    ) -> Simulation:
        """Call the file's ``scenario`` with the options it declares.

        Raises:
            ScenarioError: for an option it does not declare, an exception it raises,
                or a value that is not a ``Simulation``.
        """
        given = {"seed": seed, "policy": policy, "trace": trace, "clock": clock, "speed": speed}
        defaults: dict[str, object] = {
            "seed": None,
            "policy": None,
            "trace": False,
            "clock": "virtual",
            "speed": 1.0,
        }
        accepted = inspect.signature(self.factory).parameters
        passed = {k: v for k, v in given.items() if k in accepted and v is not None}
        refused = [k for k in _OPTIONS if k not in accepted and given[k] != defaults[k]]
        if refused:
            raise ScenarioError(
                str(self.path),
                [
                    (
                        f"{ENTRY}()",
                        f"takes no parameter {k!r}, so that option cannot apply; "
                        f"declare it: def {ENTRY}(*, {k}, ...)",
                    )
                    for k in refused
                ],
            )
        value = _call(self.path, self.factory, passed)
        if not isinstance(value, Simulation):
            raise ScenarioError(
                str(self.path),
                [(f"{ENTRY}()", f"returned {type(value).__name__}, not a Simulation")],
            )
        return value


def _where(path: Path, error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path]
    return f" (line {frames[-1].lineno})" if frames else ""


def _call(path: Path, function: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    try:
        return function(**kwargs)
    except ScenarioError:
        raise
    except Exception as error:
        raise ScenarioError(
            str(path),
            [(f"{ENTRY}()", f"raised {type(error).__name__}: {error}{_where(path, error)}")],
        ) from error


_RAN: dict[tuple[Path, int, int], dict[str, Any]] = {}


def _run_file(path: Path) -> dict[str, Any]:
    stat = path.stat()
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    if key not in _RAN:
        _RAN[key] = _execute(path)
    return _RAN[key]


def _execute(path: Path) -> dict[str, Any]:
    folder = str(path.parent.resolve())
    sys.path.insert(0, folder)
    try:
        return runpy.run_path(str(path), run_name="__skillsim_scenario__")
    except SyntaxError as error:
        raise ScenarioError(
            str(path), [("", f"not valid Python: {error.msg} (line {error.lineno})")]
        ) from None
    except Exception as error:
        raise ScenarioError(
            str(path),
            [("", f"running it raised {type(error).__name__}: {error}{_where(path, error)}")],
        ) from error
    finally:
        sys.path.remove(folder)


def _held_to(path: Path, spec: ScenarioSpec, limits: Limits) -> ScenarioSpec:
    """``spec`` validated again against ``limits`` (a file's sizes are checked as read)."""
    try:
        return ScenarioSpec.model_validate(spec.model_dump(), context={"limits": limits})
    except ValidationError as error:
        problems = [(".".join(map(str, e["loc"])), e["msg"]) for e in error.errors()[:10]]
        raise ScenarioError(str(path), problems) from None


def load_source(
    source: str | Path,
    *,
    allow_import: bool = False,
    policy: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> LoadedScenario | ScriptScenario:
    """Load a scenario from a TOML file, a bundled name, or a Python file (which runs).

    Args:
        source: A ``.py`` file (code: it runs), else anything :func:`load_scenario` takes.
        allow_import: For TOML files, see :func:`load_scenario`; a Python file is code
            already, so its spec may name a ``module:Class`` policy.
        policy: See :func:`load_scenario`.
        limits: The largest sizes accepted; a Python file's spec is held to them too.

    Returns:
        A :class:`LoadedScenario` for TOML files, bundled names and Python files whose
        ``scenario()`` returns a ``ScenarioSpec``; else a :class:`ScriptScenario`.

    Raises:
        ScenarioError: naming the file and what is wrong with it.
    """
    path = Path(source)
    if path.suffix != ".py":
        return load_scenario(source, allow_import=allow_import, policy=policy, limits=limits)
    if not path.is_file():
        raise ScenarioError(str(source), [("", "no such file")])
    namespace = _run_file(path)
    factory = namespace.get(ENTRY)
    if not callable(factory):
        raise ScenarioError(
            str(path),
            [
                (
                    "",
                    f"defines no function {ENTRY}(); it must return a ScenarioSpec or a Simulation",
                )
            ],
        )
    parameters = inspect.signature(factory).parameters
    if not parameters:
        value = _call(path, factory, {})
        if isinstance(value, ScenarioSpec):
            return LoadedScenario(
                value.name or path.stem, path, _held_to(path, value, limits), True
            )
        if not isinstance(value, Simulation):
            raise ScenarioError(
                str(path),
                [
                    (
                        f"{ENTRY}()",
                        f"returned {type(value).__name__}, not a ScenarioSpec or a Simulation",
                    )
                ],
            )
    seed = parameters["seed"].default if "seed" in parameters else 0
    return ScriptScenario(
        path.stem, path, factory, seed if isinstance(seed, int) and seed is not True else 0
    )


def make_simulation(
    source: LoadedScenario | ScriptScenario,
    *,
    seed: int | None = None,
    policy: str | None = None,
    trace: bool = False,
    clock: str | Clock = "virtual",
    speed: float = 1.0,
) -> Simulation:
    """Build a simulation from a scenario file of either kind.

    Raises:
        ScenarioError: for a Python file that cannot take the options given.
        PolicyError: for an unknown policy.
    """
    if isinstance(source, ScriptScenario):
        return source.simulation(seed=seed, policy=policy, trace=trace, clock=clock, speed=speed)
    return build(source, seed=seed, policy=policy, trace=trace, clock=clock, speed=speed)
