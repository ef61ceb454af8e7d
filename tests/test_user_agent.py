"""A user's own agent and message, as in the README: subclass, decorate, run."""

from typing import Literal

from agents import BaseAgent, Runtime, on, on_connect
from protocol import AgentDetail, Message


class Greeting(Message):
    kind: Literal["greeting"] = "greeting"
    text: str


class Greeter(BaseAgent):
    """Greets every agent that connects."""

    @on_connect("*")
    async def welcome(self, topic: str, agent: AgentDetail) -> None:
        await self.send(agent, Greeting(text=f"Hello, {agent.name}!"))


class Guest(BaseAgent):
    """Remembers the first greeting it gets, then leaves."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.heard: list[tuple[float, str, str]] = []

    @on(Greeting)
    async def listen(self, message: Greeting, time: float, sender: AgentDetail) -> None:
        self.heard.append((time, sender.id, message.text))
        self.stop()


def greet(*names: str) -> tuple[Runtime, list[Guest]]:
    guests = [Guest(name) for name in names]
    runtime = Runtime(seed=1, trace=True)
    runtime.add(Greeter("host"), *guests)
    return runtime, guests


class TestUserAgent:
    def test_every_guest_is_greeted(self) -> None:
        """Each guest gets one greeting from the host, at t=0, and leaves."""
        runtime, guests = greet("Ada", "Bob")
        summary = runtime.run(strict=True)
        assert [g.heard for g in guests] == [
            [(0.0, "host", "Hello, Ada!")],
            [(0.0, "host", "Hello, Bob!")],
        ]
        assert (summary.ending, summary.failures) == ("complete", ())

    def test_trace_of_the_greetings(self) -> None:
        """The bus carries the host's connection events and one greeting per guest."""
        runtime, _ = greet("Ada", "Bob")
        runtime.run(strict=True)
        assert runtime.trace is not None
        assert [(e.t, e.sender.id, e.recipient, e.message.kind) for e in runtime.trace] == [
            (0.0, "Ada", "host", "agent_connected"),
            (0.0, "Bob", "host", "agent_connected"),
            (0.0, "host", "Ada", "greeting"),
            (0.0, "host", "Bob", "greeting"),
            (0.0, "Ada", "host", "agent_disconnected"),
            (0.0, "Bob", "host", "agent_disconnected"),
        ]

    def test_greeting_survives_the_wire(self) -> None:
        """The user's message round-trips through JSON on a strict bus."""
        guest = Guest("Ada")
        runtime = Runtime(strict_bus=True)
        runtime.add(Greeter("host"), guest)
        summary = runtime.run(strict=True)
        assert guest.heard == [(0.0, "host", "Hello, Ada!")]
        assert summary.bus.roundtrips == 1
