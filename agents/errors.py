"""Errors raised by agents, the runtime and policies (all are ``SkillsimError``)."""

from __future__ import annotations

from protocol.errors import SkillsimError

__all__ = [
    "AgentStateError",
    "HandlerRegistrationError",
    "NoRuntimeError",
    "PolicyError",
    "SimulationStalledError",
]


class HandlerRegistrationError(SkillsimError):
    """Raised at class creation when a handler is not ``async def`` or its key is taken.

    Also raised by ``@on(...)`` when its argument is not a message class.
    """


class NoRuntimeError(SkillsimError):
    """Raised when an agent needs a runtime and none is running.

    Agents run inside :func:`agents.run` (or ``Runtime.run``), which owns the bus, the
    clock and the random generator.
    """


class AgentStateError(SkillsimError):
    """Raised when an agent is used in the wrong state (started twice, or not started)."""


class PolicyError(SkillsimError):
    """Raised when a policy is unknown or misconfigured, or assigns the impossible.

    The manager raises it for an assignment it cannot carry out: a task it did not
    offer, a worker without free capacity, or a task given more often than needed.
    """


class SimulationStalledError(SkillsimError):
    """Raised by :func:`agents.run` when the main coroutine outlives a stall.

    The message says what the agents were waiting for.
    """
