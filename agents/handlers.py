"""Handler decorators: they store a :class:`HandlerSpec` and return the function.

No wrapper is made, so a handler keeps its signature and types. ``BaseAgent`` collects
the specs once per class when the class is created (see ``agents.base``).

Signatures:
    * ``@on(MessageType)``: ``async def h(self, message, time, sender)``.
    * ``@on_connect(role_or_star)``, ``@on_disconnect(...)``:
      ``async def h(self, topic, agent)`` where ``topic`` is the other agent's role.
    * ``@on_run()``: ``async def h(self)``, the agent's main loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from agents.errors import HandlerRegistrationError
from protocol.messages import Message

__all__ = ["HandlerSpec", "handler_specs", "on", "on_connect", "on_disconnect", "on_run"]

F = TypeVar("F", bound=Callable[..., Any])

HandlerKind = Literal["message", "connect", "disconnect", "run"]

_ATTRIBUTE = "__skillsim_handlers__"


@dataclass(frozen=True, slots=True)
class HandlerSpec:
    """What a decorator says about a handler.

    Attributes:
        kind: ``message``, ``connect``, ``disconnect`` or ``run``.
        key: The message class (``message``), the role or ``"*"`` (``connect``,
            ``disconnect``), or ``None`` (``run``).
    """

    kind: HandlerKind
    key: type[Message] | str | None


def handler_specs(function: object) -> tuple[HandlerSpec, ...]:
    """Return the specs stored on ``function`` by the decorators (empty if none)."""
    specs: tuple[HandlerSpec, ...] = getattr(function, _ATTRIBUTE, ())
    return specs


def _mark(spec: HandlerSpec) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        setattr(function, _ATTRIBUTE, (*handler_specs(function), spec))
        return function

    return decorate


def on(message_type: type[Message]) -> Callable[[F], F]:
    """Handle messages of ``message_type`` and of its subclasses.

    Args:
        message_type: A ``Message`` subclass.

    Returns:
        A decorator that marks the handler and returns it unchanged.

    Raises:
        HandlerRegistrationError: if ``message_type`` is not a ``Message`` subclass.
    """
    if not (isinstance(message_type, type) and issubclass(message_type, Message)):
        raise HandlerRegistrationError(f"@on() takes a Message subclass, got {message_type!r}")
    return _mark(HandlerSpec("message", message_type))


def _check_topic(decorator: str, topic: str) -> None:
    if not isinstance(topic, str) or not topic:
        raise HandlerRegistrationError(f"@{decorator}() takes a role name or '*', got {topic!r}")


def on_connect(topic: str = "*") -> Callable[[F], F]:
    """Handle another agent's connection: ``"*"`` for all, or one role's name.

    Raises:
        HandlerRegistrationError: if ``topic`` is empty or not a string.
    """
    _check_topic("on_connect", topic)
    return _mark(HandlerSpec("connect", topic))


def on_disconnect(topic: str = "*") -> Callable[[F], F]:
    """Handle another agent's disconnection: ``"*"`` for all, or one role's name.

    Raises:
        HandlerRegistrationError: if ``topic`` is empty or not a string.
    """
    _check_topic("on_disconnect", topic)
    return _mark(HandlerSpec("disconnect", topic))


def on_run() -> Callable[[F], F]:
    """Mark the agent's main loop, started with the agent and cancelled when it stops."""
    return _mark(HandlerSpec("run", None))
