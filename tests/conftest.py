"""Shared fixtures: captured logs, quiet logs, a traced run, and a run that feeds one agent
messages; and two small helpers the test modules share."""

import logging
import math
from collections.abc import Awaitable, Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import pydantic
import pytest
import structlog
from structlog.testing import capture_logs

from agents import BaseAgent, RunSummary, Runtime, on_run
from protocol import Message

Logs = list[MutableMapping[str, Any]]
"""Captured structlog events, oldest first."""

TraceEvent = tuple[float, str, str, str]
"""One delivery: ``(t, sender id, recipient id, message kind)``."""


class Tracer(Protocol):
    def __call__(
        self,
        *agents: BaseAgent,
        main: Awaitable[Any] | None = None,
        seed: int = 0,
        until: float | None = None,
        strict_bus: bool = False,
    ) -> list[TraceEvent]: ...


class Feeder(Protocol):
    def __call__(self, target: BaseAgent, *messages: Message) -> RunSummary: ...


class Script(BaseAgent):
    """Sends its messages to one agent as soon as the run starts, then leaves."""

    def __init__(self, to: str, messages: Sequence[Message], name: str = "script") -> None:
        super().__init__(name)
        self.to = to
        self.messages = tuple(messages)

    @on_run()
    async def play(self) -> None:
        for message in self.messages:
            await self.send(self.to, message)
        self.stop()


class CallAt(BaseAgent):
    """Calls ``action()`` at simulated time ``at``, then leaves (an operator's act)."""

    role = "director"

    def __init__(self, at: float, action: Callable[[], object], name: str = "operator") -> None:
        super().__init__(name)
        self.at = at
        self.action = action

    @on_run()
    async def act(self) -> None:
        await self.sleep(self.at)
        self.action()
        self.stop("done")


@pytest.fixture(name="logs")
def fixture_logs() -> Iterator[Logs]:
    """Every structlog event of the test, as dicts (agents must be built inside the test)."""
    with capture_logs() as captured:
        yield captured


@pytest.fixture(name="trace")
def fixture_trace() -> Tracer:
    """Run agents in a strict, traced runtime and return its deliveries."""

    def run_traced(
        *agents: BaseAgent,
        main: Awaitable[Any] | None = None,
        seed: int = 0,
        until: float | None = None,
        strict_bus: bool = False,
    ) -> list[TraceEvent]:
        runtime = Runtime(seed=seed, trace=True, strict_bus=strict_bus)
        runtime.add(*agents)
        runtime.run(main, until=until, strict=True)
        assert runtime.trace is not None
        return [(e.t, e.sender.id, e.recipient, e.message.kind) for e in runtime.trace]

    return run_traced


@pytest.fixture(name="feed")
def fixture_feed() -> Feeder:
    """Run ``target`` beside a script that sends it ``messages`` in order."""

    def feed(target: BaseAgent, *messages: Message) -> RunSummary:
        runtime = Runtime()
        runtime.add(Script(target.id, messages), target)
        return runtime.run()

    return feed


@contextmanager
def structlog_kept() -> Iterator[None]:
    """Restore structlog's configuration on exit, whatever was configured meanwhile."""
    saved = structlog.get_config()
    was_configured = structlog.is_configured()
    yield
    structlog.configure(**saved)
    if not was_configured:  # the library's own quiet default, not structlog's loud one
        structlog.reset_defaults()


@pytest.fixture(autouse=True)
def _structlog_isolated() -> Iterator[None]:
    """Each test leaves structlog as it found it, so no test depends on the order of files.

    ``scenarios.cli.main`` configures structlog for the whole process, to the standard
    error of the moment: under pytest, a test's captured stream, closed once the test
    ends. A later test that logs a warning would write to that closed file; and
    ``make test`` spreads files over processes in no fixed order.
    """
    with structlog_kept():
        yield


@pytest.fixture(name="quiet_logs")
def _quiet_logs() -> Iterator[None]:
    """Drop the runs' info and debug events (thousands per large run); restore after.

    Also undoes whatever a test configures meanwhile (``scenarios.cli.main`` configures
    structlog for the whole process).
    """
    with structlog_kept():
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
        yield


def error_locations(error: pydantic.ValidationError) -> list[tuple[int | str, ...]]:
    """The field path of each problem in a validation error."""
    return [e["loc"] for e in error.errors()]


def sigmoid(x: float) -> float:
    """The logistic function, written plainly: the tests' reference for the models."""
    return 1.0 / (1.0 + math.exp(-x))
