"""Policies by name: ``register_policy`` and ``make_policy``.

A user's policy is any object with ``assign(snapshot)``; register its class to refer
to it by name, or pass an instance, or name it ``"module:Class"`` (scenario files).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
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

__all__ = ["make_policy", "policy_names", "register_policy"]

PolicyFactory = Callable[..., Any]

_REGISTRY: dict[str, PolicyFactory] = {}


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


def policy_names() -> list[str]:
    """Registered policy names, sorted."""
    return sorted(_REGISTRY)


def make_policy(spec: str | Policy, **params: Any) -> Policy:
    """Build a policy from a registered name, ``"module:Class"``, or pass one through.

    Args:
        spec: A name, an import path, or a policy object.
        **params: Passed to the factory.

    Returns:
        An object with ``assign(snapshot)``.

    Raises:
        PolicyError: for an unknown name (listing the known ones), an import path that
            does not resolve, parameters the factory refuses, or a result without
            ``assign``.
    """
    if not isinstance(spec, str):
        if not callable(getattr(spec, "assign", None)):
            raise PolicyError(f"{spec!r} is not a policy: it has no assign(snapshot) method")
        return spec
    if ":" in spec:
        module_name, _, attribute = spec.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise PolicyError(f"cannot import policy {spec!r}: {error}") from None
    else:
        try:
            factory = _REGISTRY[spec]
        except KeyError:
            raise PolicyError(
                f"unknown policy {spec!r}; known policies: {', '.join(policy_names())}"
            ) from None
    try:
        policy = factory(**params)
    except (TypeError, ValueError) as error:
        raise PolicyError(f"policy {spec!r} does not take these parameters: {error}") from None
    if not callable(getattr(policy, "assign", None)):
        raise PolicyError(f"{spec!r} made {policy!r}, which has no assign(snapshot) method")
    return policy  # type: ignore[no-any-return]


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
