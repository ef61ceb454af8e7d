"""The runtime: one run's bus, clock, random streams and agents.

Design:
    * A run happens inside a :class:`~agents.loop.SimulationLoop`, so everything that
      waits inside agents (``self.sleep``, plain ``asyncio.sleep``) waits in simulated
      time, and a run never sleeps on the wall clock unless its clock is realtime.
    * Randomness is owned here: ``Runtime.random`` for whoever builds the scenario and
      one stream per agent, seeded from ``(seed, agent id)``; so adding an agent does
      not shift the draws of the others. Nothing reads the wall clock or the global
      ``random`` module.
    * A run ends when every agent has stopped, when ``until`` is reached, or when
      nothing is left to happen (a stall). A stall is not an exception: the agents are
      stopped, what each was waiting for is logged and kept in the summary, and
      whoever awaited them goes on. Only a main coroutine still waiting after that
      makes :func:`run` raise :class:`~agents.errors.SimulationStalledError`.
    * While it runs, the cyclic garbage collector is eased (``gc_tuning``, see
      :mod:`agents.memory`); it is restored when the run returns.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

import structlog

from agents.base import BaseAgent
from agents.clock import Clock, make_clock
from agents.errors import AgentStateError, NoRuntimeError, SimulationStalledError
from agents.loop import SimulationLoop, Timer
from agents.memory import eased_gc
from agents.summary import Ending, HandlerFailure, RunSummary
from protocol.bus import MessageBus
from protocol.envelope import Envelope

__all__ = ["Runtime", "current_runtime", "run"]

T = TypeVar("T")

_current: ContextVar[Runtime | None] = ContextVar("skillsim_runtime", default=None)


def current_runtime() -> Runtime:
    """Return the runtime of the run in progress.

    Raises:
        NoRuntimeError: outside :func:`run` / :meth:`Runtime.run`.
    """
    runtime = _current.get()
    if runtime is None:
        raise NoRuntimeError(
            "no skillsim run in progress: start the simulation with agents.run(main()) "
            "instead of asyncio.run(main())"
        )
    return runtime


class Runtime:
    """Owns one run: the bus, the clock, the random generator and the agents.

    Args:
        seed: Seeds every random stream of the run.
        clock: ``"virtual"`` (default), ``"realtime"``, or a clock object.
        speed: For ``"realtime"``: simulated seconds per wall-clock second.
        strict_bus: Round-trip every message through the JSON codec.
        trace: Keep every delivered envelope in :attr:`trace`.
        gc_tuning: Ease the cyclic garbage collector while the run lasts.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: str | Clock = "virtual",
        speed: float = 1.0,
        strict_bus: bool = False,
        trace: bool = False,
        gc_tuning: bool = True,
    ) -> None:
        self.seed = seed
        self.gc_tuning = gc_tuning
        self.clock: Clock = make_clock(clock, speed)
        self.bus = MessageBus(self.clock.now, strict=strict_bus)
        self.random = random.Random(seed)
        self.log: Any = structlog.get_logger("skillsim").bind(agent="runtime", role="runtime")
        self.trace: list[Envelope] | None = [] if trace else None
        if self.trace is not None:
            self.bus.tap(self.trace.append)
        self._streams: dict[str, random.Random] = {}
        self._agents: dict[str, BaseAgent] = {}
        self._live: dict[str, BaseAgent] = {}
        self._waiting: list[BaseAgent] = []
        self._failures: list[HandlerFailure] = []
        self._loop: SimulationLoop | None = None
        self._all_stopped: asyncio.Future[None] | None = None
        self._main: asyncio.Task[Any] | None = None
        self._strict = False
        self._fatal: Exception | None = None
        self._ending: Ending = "complete"
        self._waiting_for: tuple[str, ...] = ()
        self._main_stalled = False
        self._ran = False

    # -- state ------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Current simulated time."""
        return self.clock.now()

    @property
    def failures(self) -> tuple[HandlerFailure, ...]:
        """Handler exceptions caught so far."""
        return tuple(self._failures)

    def agents(self) -> list[BaseAgent]:
        """Every agent started in this run, in start order."""
        return list(self._agents.values())

    def random_for(self, agent_id: str) -> random.Random:
        """The random stream of one agent, seeded from ``(seed, agent_id)``."""
        stream = self._streams.get(agent_id)
        if stream is None:
            stream = self._streams[agent_id] = random.Random(f"{self.seed}/{agent_id}")
        return stream

    def trace_lines(self) -> list[str]:
        """The trace as JSON lines: ``t``, ``seq``, ``sender``, ``recipient``, ``message``.

        Raises:
            AgentStateError: if the runtime was made without ``trace=True``.
        """
        if self.trace is None:
            raise AgentStateError("this runtime keeps no trace: make it with trace=True")
        return [
            json.dumps(
                {
                    "t": e.t,
                    "seq": e.seq,
                    "sender": e.sender.id,
                    "recipient": e.recipient,
                    "topic": e.topic,
                    "message": e.message.model_dump(mode="json"),
                },
                separators=(",", ":"),
            )
            for e in self.trace
        ]

    # -- agents -----------------------------------------------------------------------

    def add(self, *agents: BaseAgent) -> None:
        """Start agents: now if the run is under way, else when it begins.

        Raises:
            AgentStateError: if an agent was started already.
        """
        for agent in agents:
            if agent.started or agent in self._waiting:
                raise AgentStateError(f"agent {agent.id!r} is already started")
        if self._loop is not None and self._loop.is_running():
            self._start(agents)
        else:
            self._waiting.extend(agents)

    def _start(self, agents: Iterable[BaseAgent]) -> None:
        for agent in agents:
            agent._start(self)
            self._agents[agent.id] = agent
            self._live[agent.id] = agent
            self.log.debug("agent_started", t=self.now, started=agent.id)

    def at_instant_end(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once before simulated time next moves on."""
        if self._loop is None:
            raise NoRuntimeError("the run has not started")
        self._loop.at_instant_end(callback)

    def call_at(self, when: float, callback: Callable[..., object], *args: Any) -> Timer:
        """Call ``callback(*args)`` at simulated time ``when`` (not before now).

        Raises:
            NoRuntimeError: before the run has started.
        """
        loop = self._loop
        if loop is None:
            raise NoRuntimeError("the run has not started")
        now = self.clock.now()
        return loop.schedule(when if when > now else now, callback, *args)

    def _agent_stopped(self, agent: BaseAgent) -> None:
        self._live.pop(agent.id, None)
        self.log.debug("agent_stopped", t=self.now, stopped=agent.id)
        if not self._live and self._all_stopped is not None and not self._all_stopped.done():
            self._all_stopped.set_result(None)

    def _handler_failed(self, agent: BaseAgent, where: str, error: Exception) -> None:
        self._failures.append(HandlerFailure(self.now, agent.id, where, error))
        agent.log.error(
            "handler_failed", t=self.now, message_kind=where, error=repr(error), exc_info=error
        )
        if self._strict and self._fatal is None:
            self._fatal = error
            self._ending = "failed"
            self._stop_all("failed")
            if self._main is not None:
                self._main.cancel()

    def _stop_all(self, reason: str) -> None:
        for agent in list(self._live.values()):
            agent.stop(reason)

    def _on_stall(self) -> None:
        if self._live:
            reasons = tuple(
                f"{agent.name}: {why}"
                for agent in self._live.values()
                if (why := agent.waiting_for()) is not None
            )
            if reasons:
                self._ending = "stalled"
                self._waiting_for = reasons
                self.log.warning("run_stalled", t=self.now, waiting_for=list(reasons))
            else:
                self.log.info("run_idle", t=self.now)
            self._stop_all("stalled" if reasons else "idle")
        elif self._main is not None and not self._main.done():
            self._main_stalled = True
            self._main.cancel()
        else:  # pragma: no cover - the loop only idles while something is pending
            assert self._loop is not None
            self._loop.stop()

    def _time_up(self) -> None:
        self._ending = "until"
        self.log.info("run_time_up", t=self.now)
        self._stop_all("time_up")
        if self._main is not None and not self._main.done():
            self._main.cancel()

    # -- running ----------------------------------------------------------------------

    def run(
        self,
        main: Awaitable[T] | None = None,
        *,
        until: float | None = None,
        strict: bool = False,
    ) -> RunSummary:
        """Run the simulation to its end.

        Args:
            main: A coroutine to run as the driver (e.g. one that calls
                ``manager.start_agent``); without it, the added agents run until they
                have all stopped or nothing is left to happen.
            until: Stop every agent at this simulated time.
            strict: Fail the run on the first handler exception.

        Returns:
            How the run ended, with the main coroutine's value.

        Raises:
            Exception: with ``strict=True``, the first exception a handler raised.
            SimulationStalledError: if ``main`` still waits when nothing is left to
                happen.
            AgentStateError: if this runtime has run before.
            ValueError: for an ``until`` that is NaN or infinite.
        """
        if self._ran:
            raise AgentStateError("a runtime runs once; make a new one")
        if until is not None and not (isinstance(until, int | float) and math.isfinite(until)):
            raise ValueError(f"until must be a finite simulated time, got {until!r}")
        self._ran = True
        self._strict = strict
        loop = SimulationLoop(self.clock, self._on_stall)
        self._loop = loop
        token = _current.set(self)
        value: Any = None
        with eased_gc(self.gc_tuning):
            try:
                value = loop.run_until_complete(self._drive(main, until))
            except asyncio.CancelledError:
                if self._fatal is None and self._main_stalled:
                    raise SimulationStalledError(
                        f"run stalled at t={self.now:g}: the main coroutine still waits and "
                        f"nothing is left to happen; "
                        + ("; ".join(self._waiting_for) or "no agent said what it waited for")
                    ) from None
                if self._fatal is None and self._ending != "until":
                    raise
            finally:
                self._cancel_rest(loop)
                loop.close()
                _current.reset(token)
        if self._fatal is not None:
            raise self._fatal
        return RunSummary(
            value=value,
            t=self.now,
            ending=self._ending,
            waiting_for=self._waiting_for,
            failures=tuple(self._failures),
            bus=self.bus.statistics(),
        )

    async def _drive(self, main: Awaitable[T] | None, until: float | None) -> T | None:
        loop = asyncio.get_running_loop()
        self._all_stopped = loop.create_future()
        waiting, self._waiting = self._waiting, []
        self._start(waiting)
        if until is not None:
            assert self._loop is not None
            # A deadline, not a timer: a run that stalls before ``until`` is a stall.
            self._loop.set_deadline(until, self._time_up)
        if main is None:
            if self._live:
                await self._all_stopped
            return None
        self._main = asyncio.ensure_future(main)
        value: T = await self._main
        return value

    @staticmethod
    def _cancel_rest(loop: SimulationLoop) -> None:
        rest = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in rest:
            task.cancel()
        if rest:
            loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())


def run(
    main: Awaitable[T],
    *,
    seed: int = 0,
    clock: str | Clock = "virtual",
    speed: float = 1.0,
    strict: bool = False,
    strict_bus: bool = False,
) -> T:
    """Run ``main`` as a simulation: the project's stand-in for ``asyncio.run``.

    Agents started inside (for example by ``TaskManager.start_agent``) join this run,
    and every sleep inside is simulated.

    Args:
        main: The driver coroutine.
        seed: Seeds every random stream of the run.
        clock: ``"virtual"`` (default) or ``"realtime"``.
        speed: For ``"realtime"``: simulated seconds per wall-clock second.
        strict: Fail on the first handler exception.
        strict_bus: Round-trip every message through the JSON codec.

    Returns:
        What ``main`` returned.

    Raises:
        SimulationStalledError: if ``main`` still waits when nothing is left to happen.
    """
    runtime = Runtime(seed=seed, clock=clock, speed=speed, strict_bus=strict_bus)
    value: T = runtime.run(main, strict=strict).value
    return value
