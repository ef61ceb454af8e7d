import re
from typing import Literal

import pytest
from conftest import Feeder, Logs

from agents import (
    BaseAgent,
    HandlerRegistrationError,
    HandlerSpec,
    Runtime,
    handler_specs,
    on,
    on_connect,
    on_disconnect,
    on_run,
)
from protocol import AgentConnected, AgentDetail, AgentDisconnected, Message, Task, TaskAccepted


class Greeting(Message):
    """Abstract base of the greetings (no kind of its own)."""

    text: str = ""


class Hello(Greeting):
    kind: Literal["handlers_hello"] = "handlers_hello"


class Bye(Greeting):
    kind: Literal["handlers_bye"] = "handlers_bye"


class Ping(Message):
    kind: Literal["handlers_ping"] = "handlers_ping"
    n: int = 0


Received = list[tuple[str, str, float, str]]
"""(handler, message kind, time, sender id)."""


class Recorder(BaseAgent):
    """Records which handler got which message."""

    def __init__(self, name: str = "recorder") -> None:
        super().__init__(name)
        self.received: Received = []

    def note(self, handler: str, message: Message, time: float, sender: AgentDetail) -> None:
        self.received.append((handler, message.kind, time, sender.id))


class TestDecorators:
    def test_on_returns_the_function_unchanged(self) -> None:
        """@on stores a spec on the function and returns the very same function."""

        async def handle(self: object, message: Ping, time: float, sender: AgentDetail) -> None:
            pass

        assert on(Ping)(handle) is handle
        assert handler_specs(handle) == (HandlerSpec("message", Ping),)

    def test_every_decorator_returns_the_function_unchanged(self) -> None:
        """Stacked decorators keep one function and accumulate their specs in order."""

        async def hook(self: object, topic: str, agent: AgentDetail) -> None:
            pass

        decorated = on_disconnect("worker")(on_connect("*")(hook))
        assert decorated is hook
        assert handler_specs(hook) == (
            HandlerSpec("connect", "*"),
            HandlerSpec("disconnect", "worker"),
        )

    def test_on_run_spec(self) -> None:
        """@on_run marks a main loop with a key of None."""

        async def loop(self: object) -> None:
            pass

        assert on_run()(loop) is loop
        assert handler_specs(loop) == (HandlerSpec("run", None),)

    def test_undecorated_function_has_no_specs(self) -> None:
        """handler_specs of a plain function is empty."""
        assert handler_specs(print) == ()

    def test_on_needs_a_message_class(self) -> None:
        """@on with something other than a Message subclass raises at once."""
        with pytest.raises(
            HandlerRegistrationError, match=r"^@on\(\) takes a Message subclass, got <class 'int'>$"
        ):
            on(int)  # type: ignore[arg-type]

    @pytest.mark.parametrize("topic", ["", 3])
    def test_on_connect_needs_a_role(self, topic: object) -> None:
        """@on_connect with an empty or non-string topic raises at once."""
        with pytest.raises(
            HandlerRegistrationError,
            match=rf"^@on_connect\(\) takes a role name or '\*', got {re.escape(repr(topic))}$",
        ):
            on_connect(topic)  # type: ignore[arg-type]


class TestRegistration:
    def test_non_async_handler_raises_at_class_creation(self) -> None:
        """A handler that is not `async def` raises HandlerRegistrationError at class creation."""
        with pytest.raises(
            HandlerRegistrationError,
            match=r"^handler TestRegistration\.test_non_async_handler_raises_at_class_creation\."
            r"<locals>\.Sync\.handle must be 'async def'$",
        ):

            class Sync(BaseAgent):
                @on(Ping)
                def handle(self, message: Ping, time: float, sender: AgentDetail) -> None:
                    pass

    def test_duplicate_key_in_one_class_raises(self) -> None:
        """Two handlers for one message type in one class raise HandlerRegistrationError."""
        with pytest.raises(
            HandlerRegistrationError,
            match=r"^TestRegistration\.test_duplicate_key_in_one_class_raises\.<locals>\.Twice: "
            r"@on\(Ping\) is handled by both first and second$",
        ):

            class Twice(BaseAgent):
                @on(Ping)
                async def first(self, message: Ping, time: float, sender: AgentDetail) -> None:
                    pass

                @on(Ping)
                async def second(self, message: Ping, time: float, sender: AgentDetail) -> None:
                    pass

    def test_duplicate_connect_role_raises(self) -> None:
        """Two @on_connect("worker") handlers in one class raise HandlerRegistrationError."""
        with pytest.raises(
            HandlerRegistrationError,
            match=r"^.*\.Twice: @on_connect\('worker'\) is handled by both a and b$",
        ):

            class Twice(BaseAgent):
                @on_connect("worker")
                async def a(self, topic: str, agent: AgentDetail) -> None:
                    pass

                @on_connect("worker")
                async def b(self, topic: str, agent: AgentDetail) -> None:
                    pass


class Base(Recorder):
    @on(Ping)
    async def handle_ping(self, message: Ping, time: float, sender: AgentDetail) -> None:
        self.note("Base.handle_ping", message, time, sender)

    @on(Hello)
    async def handle_hello(self, message: Hello, time: float, sender: AgentDetail) -> None:
        self.note("Base.handle_hello", message, time, sender)


class OverrideByName(Base):
    async def handle_ping(self, message: Ping, time: float, sender: AgentDetail) -> None:
        self.note("OverrideByName.handle_ping", message, time, sender)


class OverrideByKey(Base):
    @on(Ping)
    async def other_ping(self, message: Ping, time: float, sender: AgentDetail) -> None:
        self.note("OverrideByKey.other_ping", message, time, sender)


class GreetingFan(Recorder):
    @on(Greeting)
    async def any_greeting(self, message: Greeting, time: float, sender: AgentDetail) -> None:
        self.note("any_greeting", message, time, sender)


class HelloFan(GreetingFan):
    @on(Hello)
    async def just_hello(self, message: Hello, time: float, sender: AgentDetail) -> None:
        self.note("just_hello", message, time, sender)


class Catcher(Recorder):
    @on(Ping)
    async def ping(self, message: Ping, time: float, sender: AgentDetail) -> None:
        self.note("ping", message, time, sender)

    async def on_unhandled(self, message: Message, time: float, sender: AgentDetail) -> None:
        self.note("on_unhandled", message, time, sender)


class TestDispatch:
    def test_subclass_override_by_name_keeps_registration(self, feed: Feeder) -> None:
        """Overriding a handler method without a decorator still receives its messages."""
        agent = OverrideByName()
        feed(agent, Ping(), Hello())
        assert agent.received == [
            ("OverrideByName.handle_ping", "handlers_ping", 0.0, "script"),
            ("Base.handle_hello", "handlers_hello", 0.0, "script"),
        ]

    def test_subclass_handler_for_same_key_wins(self, feed: Feeder) -> None:
        """A subclass's new handler for a message type replaces its base's."""
        agent = OverrideByKey()
        feed(agent, Ping())
        assert agent.received == [("OverrideByKey.other_ping", "handlers_ping", 0.0, "script")]

    def test_message_subclass_reaches_base_type_handler(self, feed: Feeder) -> None:
        """A handler for a base message class receives its subclasses (MRO walk)."""
        agent = GreetingFan()
        feed(agent, Hello(), Bye(), Hello())
        assert [(h, k) for h, k, _, _ in agent.received] == [
            ("any_greeting", "handlers_hello"),
            ("any_greeting", "handlers_bye"),
            ("any_greeting", "handlers_hello"),
        ]

    def test_most_specific_handler_wins(self, feed: Feeder) -> None:
        """A handler for the exact type is preferred to one for a base class."""
        agent = HelloFan()
        feed(agent, Hello(), Bye())
        assert [(h, k) for h, k, _, _ in agent.received] == [
            ("just_hello", "handlers_hello"),
            ("any_greeting", "handlers_bye"),
        ]

    def test_unmatched_messages_go_to_on_unhandled(self, feed: Feeder) -> None:
        """Messages no handler matches reach on_unhandled, in arrival order."""
        agent = Catcher()
        feed(agent, Hello(), Ping(), Task(id=1, difficulty=1))
        assert [(h, k) for h, k, _, _ in agent.received] == [
            ("on_unhandled", "handlers_hello"),
            ("ping", "handlers_ping"),
            ("on_unhandled", "task"),
        ]

    def test_default_on_unhandled_logs_at_debug(self, feed: Feeder, logs: Logs) -> None:
        """The default on_unhandled logs an `unhandled` event at debug level."""
        feed(BaseAgent("plain"), TaskAccepted(task_id=1, worker="w"))
        assert [e for e in logs if e["event"] == "unhandled"] == [
            {
                "event": "unhandled",
                "log_level": "debug",
                "agent": "plain",
                "role": "agent",
                "t": 0.0,
                "message_kind": "task_accepted",
                "sender": "script",
            }
        ]

    def test_default_on_unhandled_warns_of_undeliverable(self, logs: Logs) -> None:
        """A bounced message that no handler takes is logged as a warning."""

        class Lost(BaseAgent):
            @on_run()
            async def go(self) -> None:
                await self.send("ghost", Ping())

        runtime = Runtime()
        runtime.add(Lost("lost"))
        runtime.run()
        assert [e for e in logs if e["event"] == "undeliverable"] == [
            {
                "event": "undeliverable",
                "log_level": "warning",
                "agent": "lost",
                "role": "agent",
                "t": 0.0,
                "recipient": "ghost",
                "reason": "unknown",
                "message_kind": "handlers_ping",
            }
        ]


class Watcher(BaseAgent):
    """Records presence events, for workers and for everyone."""

    def __init__(self) -> None:
        super().__init__("watcher")
        self.events: list[tuple[str, str, str, float]] = []

    @on_connect("worker")
    async def worker_joined(self, topic: str, agent: AgentDetail) -> None:
        self.events.append(("worker_joined", topic, agent.id, self.now))

    @on_connect("*")
    async def anyone_joined(self, topic: str, agent: AgentDetail) -> None:
        self.events.append(("anyone_joined", topic, agent.id, self.now))

    @on_disconnect("*")
    async def anyone_left(self, topic: str, agent: AgentDetail) -> None:
        self.events.append(("anyone_left", topic, agent.id, self.now))


class Visitor(BaseAgent):
    """Stays ``stay`` simulated seconds, then leaves."""

    def __init__(self, name: str, role: str, stay: float) -> None:
        super().__init__(name, role=role)
        self.stay = stay

    @on_run()
    async def visit(self) -> None:
        await self.sleep(self.stay)
        self.stop()


class TestPresence:
    def test_role_filter_and_star(self) -> None:
        """@on_connect("worker") sees only workers; @on_connect("*") sees everyone."""
        watcher = Watcher()
        runtime = Runtime()
        runtime.add(watcher, Visitor("w1", "worker", 2), Visitor("m1", "manager", 1))
        runtime.run(until=5)
        assert watcher.events == [
            ("worker_joined", "worker", "w1", 0.0),
            ("anyone_joined", "worker", "w1", 0.0),
            ("anyone_joined", "manager", "m1", 0.0),
            ("anyone_left", "manager", "m1", 1.0),
            ("anyone_left", "worker", "w1", 2.0),
        ]

    def test_newcomer_is_told_of_agents_already_there(self) -> None:
        """An agent that connects after others gets a connection event for each of them."""
        watcher = Watcher()
        runtime = Runtime()
        runtime.add(Visitor("w1", "worker", 1), Visitor("x", "other", 1), watcher)
        runtime.run()
        assert [e[:3] for e in watcher.events] == [
            ("worker_joined", "worker", "w1"),
            ("anyone_joined", "worker", "w1"),
            ("anyone_joined", "other", "x"),
            ("anyone_left", "worker", "w1"),
            ("anyone_left", "other", "x"),
        ]

    def test_on_disconnect_with_role(self) -> None:
        """@on_disconnect("worker") fires for departing workers only."""

        class Mourner(BaseAgent):
            def __init__(self) -> None:
                super().__init__("mourner")
                self.gone: list[tuple[str, float]] = []

            @on_disconnect("worker")
            async def worker_left(self, topic: str, agent: AgentDetail) -> None:
                self.gone.append((agent.id, self.now))

        mourner = Mourner()
        runtime = Runtime()
        runtime.add(mourner, Visitor("w1", "worker", 3), Visitor("m1", "manager", 1))
        runtime.run()
        assert mourner.gone == [("w1", 3.0)]

    def test_on_presence_event_types_receives_them(self) -> None:
        """@on(AgentConnected) and @on(AgentDisconnected) work like any other @on."""

        class Register(BaseAgent):
            def __init__(self) -> None:
                super().__init__("register")
                self.seen: list[tuple[str, str, float]] = []

            @on(AgentConnected)
            async def came(self, message: AgentConnected, time: float, sender: AgentDetail) -> None:
                self.seen.append(("came", message.agent.id, time))

            @on(AgentDisconnected)
            async def went(
                self, message: AgentDisconnected, time: float, sender: AgentDetail
            ) -> None:
                self.seen.append(("went", message.agent.id, time))

        register = Register()
        runtime = Runtime()
        runtime.add(register, Visitor("w1", "worker", 2))
        runtime.run()
        assert register.seen == [("came", "w1", 0.0), ("went", "w1", 2.0)]

    def test_explicit_on_presence_handler_wins_over_on_connect(self) -> None:
        """A class with both @on(AgentConnected) and @on_connect gets the explicit @on."""

        class Both(Watcher):
            @on(AgentConnected)
            async def came(self, message: AgentConnected, time: float, sender: AgentDetail) -> None:
                self.events.append(("came", "", message.agent.id, time))

        both = Both()
        runtime = Runtime()
        runtime.add(both, Visitor("w1", "worker", 2))
        runtime.run()
        assert both.events == [("came", "", "w1", 0.0), ("anyone_left", "worker", "w1", 2.0)]


class Ticker(BaseAgent):
    """Ticks once per simulated second until stopped."""

    def __init__(self) -> None:
        super().__init__("ticker")
        self.ticks: list[float] = []

    @on_run()
    async def tick(self) -> None:
        while True:
            await self.sleep(1)
            self.ticks.append(self.now)


class TestRunLoop:
    def test_on_run_loops_until_the_agent_stops(self) -> None:
        """An @on_run loop runs beside the mailbox until the run's time limit stops it."""
        ticker = Ticker()
        runtime = Runtime()
        runtime.add(ticker)
        summary = runtime.run(until=3.5)
        assert ticker.ticks == [1.0, 2.0, 3.0]
        assert (summary.ending, summary.t, ticker.stopped) == ("until", 3.5, True)

    def test_on_run_is_cancelled_when_the_agent_stops(self) -> None:
        """Stopping an agent cancels its run loop."""

        class StopsAtTwo(Ticker):
            @on_run()
            async def stopper(self) -> None:
                await self.sleep(2.5)
                self.stop()

        ticker = StopsAtTwo()
        runtime = Runtime()
        runtime.add(ticker)
        summary = runtime.run()
        assert ticker.ticks == [1.0, 2.0]
        assert (summary.ending, summary.t) == ("complete", 2.5)
