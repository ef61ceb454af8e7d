"""Policies by name: ``register_policy``, ``find_policy`` and ``make_policy``.

Where a policy name is looked up, in order:

1. the registry (the built-in policies and ``register_policy("mine", MyPolicy)``);
2. installed packages: the entry point group ``skillsim.policies`` (as pytest finds
   its plugins), e.g. in a package's ``pyproject.toml``::

       [project.entry-points."skillsim.policies"]
       greedy = "mypackage.policies:Greedy"

3. an import path ``"package.module:Class"``, only where importing is allowed.

Design: an import path runs the imported module's code, so it is allowed only where
the user typed it (Python code, the command line's ``--policy``) or opted in for a
scenario file (``allow_import=True``). Whatever is imported or loaded from an entry
point must be a class with an ``assign`` method, checked *before* anything is called:
a function, or any other callable, is refused without being called.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agents.errors import PolicyError
from agents.policies.base import Policy
from agents.policies.best_fit import BestFit
from agents.policies.learning import Learning
from agents.policies.least_loaded import LeastLoaded, PowerOfTwo
from agents.policies.most_skilled import MostSkilled
from agents.policies.optimal import Optimal
from agents.policies.random_choice import RandomChoice
from agents.policies.round_robin import RoundRobin

__all__ = [
    "ENTRY_POINT_GROUP",
    "find_policy",
    "installed_policies",
    "make_policy",
    "new_policy",
    "policy_names",
    "register_policy",
]

PolicyFactory = Callable[..., Any]

ENTRY_POINT_GROUP = "skillsim.policies"
"""The entry point group through which installed packages offer policies by name."""

_REGISTRY: dict[str, PolicyFactory] = {}

_IMPORT_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def register_policy(name: str, factory: PolicyFactory) -> None:
    """Make ``factory(**params)`` available as policy ``name``.

    Raises:
        PolicyError: if ``name`` is empty or taken by another factory.
    """
    if not name:
        raise PolicyError("a policy needs a name")
    known = _REGISTRY.get(name)
    if known is not None and known is not factory:
        raise PolicyError(f"policy name {name!r} is taken by {known!r}")
    _REGISTRY[name] = factory


def installed_policies() -> dict[str, str]:
    """Policies offered by installed packages: name -> ``module:Class``, sorted.

    Only the packages' metadata is read; nothing is imported.
    """
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return {ep.name: ep.value for ep in sorted(found, key=lambda ep: ep.name)}


def policy_names() -> list[str]:
    """Registered and installed policy names, sorted."""
    return sorted({*_REGISTRY, *installed_policies()})


def _require_policy_class(spec: str, found: object) -> PolicyFactory:
    # Checked before anything is called: only a class whose instances have ``assign``.
    if not isinstance(found, type):
        raise PolicyError(
            f"{spec!r} is not a class; a policy is a class with an assign(snapshot) method, "
            "and nothing else named by a path is called"
        )
    if not callable(getattr(found, "assign", None)):
        raise PolicyError(f"{spec!r} is not a policy class: it has no assign(snapshot) method")
    return found


@contextmanager
def _searching(search: Sequence[str | Path]) -> Iterator[None]:
    added = [str(Path(p).resolve()) for p in search]
    sys.path[:0] = added
    try:
        yield
    finally:
        for entry in added:
            sys.path.remove(entry)


def _import(spec: str, search: Sequence[str | Path]) -> PolicyFactory:
    module_name, _, attribute = spec.partition(":")
    try:
        with _searching(search):
            found: object = importlib.import_module(module_name)
    except ImportError as error:
        raise PolicyError(f"cannot import policy {spec!r}: {error}") from None
    except Exception as error:  # the module's own code failed while importing
        raise PolicyError(
            f"cannot import policy {spec!r}: importing {module_name!r} raised "
            f"{type(error).__name__}: {error}"
        ) from None
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError as error:
            raise PolicyError(f"cannot import policy {spec!r}: {error}") from None
    return _require_policy_class(spec, found)


def _installed(spec: str) -> PolicyFactory | None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP, name=spec):
        try:
            found = ep.load()
        except Exception as error:  # a broken installed package, reported by name
            raise PolicyError(
                f"cannot load policy {spec!r} from the installed entry point {ep.value!r}: "
                f"{type(error).__name__}: {error}"
            ) from None
        return _require_policy_class(f"{spec} = {ep.value}", found)
    return None


def find_policy(
    spec: str, *, allow_import: bool = True, search: Sequence[str | Path] = ()
) -> PolicyFactory:
    """Find what builds policy ``spec``, calling nothing.

    Args:
        spec: A registered or installed name, or an import path ``module:Class``.
        allow_import: Whether an import path may be imported (the user opted in).
        search: Directories to look in first for an import path's module.

    Returns:
        The registered factory, or a policy class.

    Raises:
        PolicyError: for an unknown name (listing the known ones), an import path when
            importing is not allowed, a malformed or unresolvable import path, or an
            imported object that is not a policy class.
    """
    if not isinstance(spec, str) or not spec:
        raise PolicyError(f"a policy name must be a non-empty string, got {spec!r}")
    factory = _REGISTRY.get(spec)
    if factory is not None:
        return factory
    if ":" not in spec:
        factory = _installed(spec)
        if factory is not None:
            return factory
        raise PolicyError(f"unknown policy {spec!r}; known policies: {', '.join(policy_names())}")
    if not _IMPORT_PATH.match(spec):
        raise PolicyError(
            f"policy {spec!r} is not an import path: expected module:Class with an absolute "
            "dotted module name, such as 'mypackage.policies:MyPolicy'"
        )
    if not allow_import:
        raise PolicyError(
            f"{spec!r} is an import path, and importing runs code; only registered or "
            f"installed policies may be named here ({', '.join(policy_names())}); to run "
            "the code it names, opt in with --allow-import (Python: allow_import=True): "
            "this file is code"
        )
    return _import(spec, search)


def new_policy(spec: str, factory: PolicyFactory, params: Mapping[str, Any]) -> Policy:
    """Build a policy with ``factory(**params)`` (``spec`` names it in errors).

    Raises:
        PolicyError: for parameters the factory refuses, or a result without ``assign``.
    """
    try:
        policy = factory(**params)
    except (TypeError, ValueError) as error:
        raise PolicyError(f"policy {spec!r} does not take these parameters: {error}") from None
    except Exception as error:  # a user's class failed in its constructor
        raise PolicyError(
            f"policy {spec!r} failed to build: {type(error).__name__}: {error}"
        ) from None
    if not callable(getattr(policy, "assign", None)):
        raise PolicyError(f"{spec!r} made {policy!r}, which has no assign(snapshot) method")
    return policy  # type: ignore[no-any-return]


def make_policy(spec: str | Policy, **params: Any) -> Policy:
    """Build a policy from a name or an import path, or pass a policy object through.

    This is the Python API: an import path here is code the caller wrote, so it is
    imported (a scenario file's is not, see :func:`find_policy`).

    Args:
        spec: A name, an import path ``module:Class``, or a policy object.
        **params: Passed to the factory.

    Returns:
        An object with ``assign(snapshot)``.

    Raises:
        PolicyError: as :func:`find_policy` and :func:`new_policy`, or for an object
            without ``assign``.
    """
    if not isinstance(spec, str):
        if isinstance(spec, type):
            raise PolicyError(f"{spec!r} is a class; pass an instance, or its name or path")
        if not callable(getattr(spec, "assign", None)):
            raise PolicyError(f"{spec!r} is not a policy: it has no assign(snapshot) method")
        return spec
    return new_policy(spec, find_policy(spec), params)


for _name, _factory in (
    ("best_fit", BestFit),
    ("learning", Learning),
    ("least_loaded", LeastLoaded),
    ("most_skilled", MostSkilled),
    ("optimal", Optimal),
    ("power_of_two", PowerOfTwo),
    ("random", RandomChoice),
    ("round_robin", RoundRobin),
):
    register_policy(_name, _factory)
