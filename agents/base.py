"""``BaseAgent``: handler collection, MRO dispatch, and the agent's view of the runtime.

Design:
    * Handlers are collected once per class in ``__init_subclass__``, walking the MRO
      from ``object`` down so that a subclass's entry for a key replaces its bases'.
      An override of a handler method by name keeps its registration (dispatch looks
      the method up on the class by name). Validation happens at class creation.
    * Dispatch walks ``type(message).__mro__``, so a handler for a base message class
      also receives its subclasses; the resolved function is cached per class and
      concrete message type (presence events and ``on_unhandled`` included).
    * A handler that raises is caught, logged with agent, message kind and ``t``, and
      counted by the runtime; the agent keeps serving its mailbox. ``strict=True`` on
      a run turns the first one into a failure of the run.
    * One asyncio task serves the mailbox, handling deliveries one at a time in
      arrival order; work that must wait without blocking the mailbox is ``spawn``-ed.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import random
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar, cast

from agents.errors import AgentStateError, HandlerRegistrationError
from agents.handlers import HandlerSpec, handler_specs
from agents.logs import library_logger
from agents.loop import Timer
from protocol.mailbox import Mailbox
from protocol.messages import (
    AgentConnected,
    AgentDetail,
    AgentDisconnected,
    Message,
    Undeliverable,
)

if TYPE_CHECKING:
    from agents.runtime import Runtime

__all__ = ["BaseAgent"]


_Handler = Callable[[Any, Message, float, AgentDetail], Awaitable[None]]
"""A handler as the class holds it: ``(agent, message, time, sender)``."""


def _target_id(to: str | AgentDetail | BaseAgent) -> str:
    if isinstance(to, str):
        return to
    return to.id


class BaseAgent:
    """An agent on the bus: a name, an id, a role, and handlers.

    Args:
        name: Shown in logs and reports.
        id: Unique on the bus; defaults to ``name``.
        role: Overrides the class's ``role`` (``@on_connect(role)`` selects on it).

    Raises:
        ValueError: if ``name`` or ``id`` is empty.
    """

    role: ClassVar[str] = "agent"

    _message_handlers: ClassVar[dict[type[Message], str]] = {}
    _connect_handlers: ClassVar[dict[str, str]] = {}
    _disconnect_handlers: ClassVar[dict[str, str]] = {}
    _run_handlers: ClassVar[tuple[str, ...]] = ()
    _resolved: ClassVar[dict[type[Message], _Handler]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        message: dict[type[Message], str] = {}
        connect: dict[str, str] = {}
        disconnect: dict[str, str] = {}
        run: dict[str, None] = {}
        tables: dict[str, dict[Any, Any]] = {
            "message": message,
            "connect": connect,
            "disconnect": disconnect,
        }
        for klass in reversed(cls.__mro__):
            own: dict[tuple[str, object], str] = {}
            for name, member in vars(klass).items():
                specs = handler_specs(member)
                if not specs:
                    continue
                if not inspect.iscoroutinefunction(member):
                    raise HandlerRegistrationError(
                        f"handler {klass.__qualname__}.{name} must be 'async def'"
                    )
                for spec in specs:
                    if spec.kind == "run":
                        run[name] = None
                        continue
                    taken = own.get((spec.kind, spec.key))
                    if taken is not None and taken != name:
                        raise HandlerRegistrationError(
                            f"{klass.__qualname__}: {_describe(spec)} is handled by both "
                            f"{taken} and {name}"
                        )
                    own[(spec.kind, spec.key)] = name
                    tables[spec.kind][spec.key] = name
        if connect or disconnect:
            # Presence events reach the connect/disconnect tables through one handler;
            # an explicit ``@on(AgentConnected)`` (or ``AgentDisconnected``) wins.
            for event in (AgentConnected, AgentDisconnected):
                message.setdefault(event, "_presence")
        cls._message_handlers = message
        cls._connect_handlers = connect
        cls._disconnect_handlers = disconnect
        cls._run_handlers = tuple(run)
        cls._resolved = {}

    def __init__(self, name: str, *, id: str | None = None, role: str | None = None) -> None:
        if not name:
            raise ValueError("agent name must not be empty")
        if id is not None and not id:
            raise ValueError("agent id must not be empty")
        self.name = name
        self.id = id if id is not None else name
        if role is not None:
            self.role = role  # type: ignore[misc]
        self._runtime: Runtime | None = None
        self._mailbox_task: asyncio.Task[None] | None = None
        self._tasks: dict[asyncio.Task[Any], None] = {}
        self._timers: dict[int, Timer] = {}
        self._timer_keys = itertools.count()
        self._done: asyncio.Future[None] | None = None
        self._stopped = False
        self.log: Any = library_logger(agent=self.name, role=self.role)

    # -- identity ---------------------------------------------------------------

    def profile(self) -> dict[str, Any]:
        """Public facts other agents see in this agent's ``AgentDetail``."""
        return {}

    def details(self) -> AgentDetail:
        """Who this agent is, as carried by envelopes and connection events."""
        return AgentDetail(id=self.id, name=self.name, role=self.role, profile=self.profile())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id!r}>"

    # -- the runtime, as seen from inside ------------------------------------------

    @property
    def runtime(self) -> Runtime:
        """The runtime this agent runs in.

        Raises:
            AgentStateError: if the agent has not been started.
        """
        if self._runtime is None:
            raise AgentStateError(f"agent {self.id!r} is not started")
        return self._runtime

    @property
    def started(self) -> bool:
        """Whether the agent has been started (and may since have stopped)."""
        return self._runtime is not None

    @property
    def stopped(self) -> bool:
        """Whether the agent has stopped."""
        return self._stopped

    @property
    def now(self) -> float:
        """Current simulated time.

        Raises:
            AgentStateError: if the agent has not been started.
        """
        runtime = self._runtime
        if runtime is None:
            runtime = self.runtime  # raises AgentStateError
        return runtime.clock.now()

    @property
    def random(self) -> random.Random:
        """This agent's own random stream, derived from the run's seed and its id."""
        return self.runtime.random_for(self.id)

    async def send(self, to: str | AgentDetail | BaseAgent, message: Message) -> None:
        """Send ``message`` to one agent (see :meth:`send_nowait`)."""
        self.send_nowait(to, message)

    def send_nowait(self, to: str | AgentDetail | BaseAgent, message: Message) -> None:
        """Send ``message`` to one agent without yielding to the loop.

        A recipient that is unknown or gone answers with an ``Undeliverable``.

        Raises:
            UnknownAgentError: if this agent is not connected.
        """
        runtime = self._runtime
        if runtime is None:
            runtime = self.runtime  # raises AgentStateError
        runtime.bus.send(self.id, to if type(to) is str else _target_id(to), message)

    async def broadcast(self, message: Message) -> int:
        """Send ``message`` to every other connected agent; return how many got it."""
        return self.runtime.bus.broadcast(self.id, message)

    async def publish(self, topic: str, message: Message) -> int:
        """Send ``message`` to every subscriber of ``topic`` but this agent."""
        return self.runtime.bus.publish(self.id, topic, message)

    def subscribe(self, topic: str) -> None:
        """Receive messages published on ``topic``."""
        self.runtime.bus.subscribe(self.id, topic)

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of simulated time."""
        await asyncio.sleep(seconds)

    def call_later(self, delay: float, callback: Callable[..., object], *args: Any) -> Timer:
        """Call ``callback(*args)`` after ``delay`` simulated seconds.

        Cheaper than spawning a task that sleeps; cancelled when the agent stops. An
        exception it raises is logged and counted like a handler's.

        Returns:
            The timer; ``cancel()`` it to call nothing.
        """
        runtime = self.runtime
        # Filed by a number, not by the timer itself: a timer holding itself in its
        # arguments would be a reference cycle, left to the garbage collector.
        key = next(self._timer_keys)
        timer = runtime.call_at(runtime.clock.now() + delay, self._fire, key, callback, args)
        self._timers[key] = timer
        return timer

    def _fire(self, key: int, callback: Callable[..., object], args: tuple[Any, ...]) -> None:
        del self._timers[key]
        try:
            callback(*args)
        except Exception as error:
            self.runtime._handler_failed(self, getattr(callback, "__name__", "timer"), error)

    def spawn(
        self, coroutine: Coroutine[Any, Any, Any], where: str = "spawned"
    ) -> asyncio.Task[Any]:
        """Run ``coroutine`` beside the mailbox; it is cancelled when the agent stops.

        Args:
            coroutine: The work.
            where: Names the work in the log if it raises.

        Returns:
            The asyncio task. An exception it raises is logged and counted like a
            handler's.
        """
        task = asyncio.get_running_loop().create_task(self._guard(coroutine, where))
        self._tasks[task] = None
        task.add_done_callback(self._tasks.pop)
        return task

    def waiting_for(self) -> str | None:
        """Say what this agent still waits for, if anything (shown when a run stalls)."""
        return None

    # -- lifecycle ----------------------------------------------------------------------

    async def wait_stopped(self) -> None:
        """Wait until the agent has stopped."""
        if self._done is None:
            raise AgentStateError(f"agent {self.id!r} is not started")
        await asyncio.shield(self._done)

    def stop(self, reason: str = "left") -> None:
        """Disconnect from the bus and cancel the agent's tasks (idempotent).

        Envelopes still unread go back to their senders as ``Undeliverable``.
        """
        if self._stopped or self._runtime is None:
            return
        self._stopped = True
        bus = self._runtime.bus
        if bus.is_connected(self.id):
            bus.disconnect(self.id, reason)
        current = asyncio.current_task()
        tasks = list(self._tasks)
        if self._mailbox_task is not None:
            tasks.append(self._mailbox_task)
        for task in tasks:
            if task is not current:
                task.cancel()
        # Cancelled, not just ignored: a stopped agent's timers must not keep the
        # clock moving (or a stalled run would stall later than it did).
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._done is not None and not self._done.done():
            self._done.set_result(None)
        self._runtime._agent_stopped(self)

    def _start(self, runtime: Runtime) -> None:
        if self._runtime is not None:
            raise AgentStateError(f"agent {self.id!r} is already started")
        self._runtime = runtime
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        # Only agents that handle presence events are told of others coming and going.
        handled = self._message_handlers
        listens = AgentConnected in handled or AgentDisconnected in handled
        mailbox = runtime.bus.connect(self.details(), presence=listens)
        self._mailbox_task = loop.create_task(self._serve(mailbox))
        for name in self._run_handlers:
            self.spawn(getattr(self, name)(), "run")

    # -- dispatch -------------------------------------------------------------------------

    async def _serve(self, mailbox: Mailbox) -> None:
        # The hot loop of every agent: take the mailbox's deliveries (plain tuples, in
        # arrival order) and await each one's handler, with no envelope, no coroutine
        # and no bound method made per message beyond the handler's own coroutine.
        items = mailbox.items
        take = items.popleft
        resolved = type(self)._resolved
        park = mailbox.park
        while True:
            while not items:
                # What ``Mailbox.wait`` does, without a coroutine made per wake-up.
                waiter = park()
                if waiter is None:
                    return
                await waiter
            sender, t, _seq, message, _topic = take()
            try:
                handler = resolved.get(type(message))
                if handler is None:
                    handler = self._resolve(type(message))
                await handler(self, message, t, sender)
            except Exception as error:
                self.runtime._handler_failed(self, message.kind, error)

    async def _presence(self, message: Message, time: float, sender: AgentDetail) -> None:
        table = (
            self._connect_handlers
            if isinstance(message, AgentConnected)
            else self._disconnect_handlers
        )
        agent = cast("AgentConnected | AgentDisconnected", message).agent
        for key in (agent.role, "*"):
            name = table.get(key)
            if name is not None:
                await getattr(self, name)(agent.role, agent)

    @classmethod
    def _resolve(cls, message_type: type[Message]) -> _Handler:
        """The function that handles ``message_type`` here, cached per concrete type."""
        name = next(
            (
                found
                for klass in message_type.__mro__
                if (found := cls._message_handlers.get(klass)) is not None
            ),
            "on_unhandled",
        )
        handler: _Handler = getattr(cls, name)
        cls._resolved[message_type] = handler
        return handler

    async def on_unhandled(self, message: Message, time: float, sender: AgentDetail) -> None:
        """Receive a message no handler matches. Override to change.

        The default logs an ``Undeliverable`` as a warning and anything else at debug.
        """
        if isinstance(message, Undeliverable):
            self.log.warning(
                "undeliverable",
                t=time,
                recipient=message.recipient,
                reason=message.reason,
                message_kind=message.original.kind,
            )
        else:
            self.log.debug("unhandled", t=time, message_kind=message.kind, sender=sender.id)

    async def _guard(self, coroutine: Coroutine[Any, Any, Any], where: str) -> None:
        try:
            await coroutine
        except Exception as error:
            if self._runtime is not None:
                self._runtime._handler_failed(self, where, error)


def _describe(spec: HandlerSpec) -> str:
    key = spec.key.__name__ if isinstance(spec.key, type) else repr(spec.key)
    return f"@{'on' if spec.kind == 'message' else 'on_' + spec.kind}({key})"
