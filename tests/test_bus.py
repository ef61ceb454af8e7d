import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any, Literal

import pytest

from protocol import (
    BUS,
    AgentConnected,
    AgentDetail,
    AgentDisconnected,
    BusClosedError,
    BusStatistics,
    CodecError,
    DuplicateAgentError,
    Envelope,
    Mailbox,
    MailboxEmptyError,
    Message,
    MessageBus,
    Task,
    TaskAccepted,
    Undeliverable,
    UnknownAgentError,
)


class Blob(Message):
    """A message that may hold a value with no JSON form."""

    kind: Literal["bus_blob"] = "bus_blob"
    payload: Any = None


def detail(agent_id: str, role: str = "agent") -> AgentDetail:
    return AgentDetail(id=agent_id, name=agent_id.upper(), role=role)


def task(task_id: int) -> Task:
    return Task(id=task_id, difficulty=1)


def drain(mailbox: Mailbox) -> list[tuple[str, Message]]:
    """Take every waiting envelope as (sender id, message)."""
    return [(e.sender.id, e.message) for e in mailbox.drain()]


def quiet_bus(*agent_ids: str, strict: bool = False) -> tuple[MessageBus, dict[str, Mailbox]]:
    """A bus with agents connected and their connection announcements drained."""
    bus = MessageBus(strict=strict)
    mailboxes = {a: bus.connect(detail(a)) for a in agent_ids}
    for mailbox in mailboxes.values():
        list(mailbox.drain())
    return bus, mailboxes


class TestSend:
    def test_fifo_per_sender_receiver_pair(self) -> None:
        """Messages from one sender reach one receiver in the order they were sent."""
        bus, boxes = quiet_bus("a", "b", "c")
        for i in range(5):
            bus.send("a", "c", task(i))
            bus.send("b", "c", task(100 + i))
        received = drain(boxes["c"])
        from_a = [m.id for s, m in received if s == "a" and isinstance(m, Task)]
        from_b = [m.id for s, m in received if s == "b" and isinstance(m, Task)]
        assert (from_a, from_b) == ([0, 1, 2, 3, 4], [100, 101, 102, 103, 104])
        assert [s for s, _ in received] == ["a", "b"] * 5

    def test_envelope_carries_sender_time_and_global_order(self) -> None:
        """Each envelope holds the sender's detail, the recipient, the clock's time and a seq."""
        clock = [0.0]
        bus = MessageBus(lambda: clock[0])
        bus.connect(detail("a"))
        box_b = bus.connect(detail("b"))
        box_b.get_nowait()  # a's announcement, seq 0 and 1 went to the two agents
        clock[0] = 2.5
        message = task(1)
        bus.send("a", "b", message)
        assert box_b.get_nowait() == Envelope(detail("a"), "b", 2.5, 2, message, None)

    def test_messages_move_by_reference(self) -> None:
        """Outside strict mode the delivered message is the very object sent."""
        bus, boxes = quiet_bus("a", "b")
        message = task(1)
        bus.send("a", "b", message)
        assert boxes["b"].get_nowait().message is message

    def test_unknown_sender_raises(self) -> None:
        """A sender that never connected raises UnknownAgentError."""
        bus, _ = quiet_bus("a")
        with pytest.raises(UnknownAgentError, match=r"^agent 'zz' is not connected$"):
            bus.send("zz", "a", task(1))

    def test_departed_sender_raises(self) -> None:
        """A sender that has left raises UnknownAgentError saying so."""
        bus, _ = quiet_bus("a", "b")
        bus.disconnect("b")
        with pytest.raises(UnknownAgentError, match=r"^agent 'b' has left$"):
            bus.send("b", "a", task(1))

    def test_tap_sees_every_delivery(self) -> None:
        """A tap is called with each envelope, announcements included, in delivery order."""
        bus = MessageBus()
        seen: list[tuple[int, str, str]] = []
        bus.tap(lambda e: seen.append((e.seq, e.recipient, e.message.kind)))
        bus.connect(detail("a"))
        bus.connect(detail("b"))
        bus.send("a", "b", task(1))
        assert seen == [
            (0, "a", "agent_connected"),
            (1, "b", "agent_connected"),
            (2, "b", "task"),
        ]

    def test_watch_sees_what_a_tap_sees_without_envelopes(self) -> None:
        """A watch gets (recipient, t, message) of each delivery, in the tap's order."""
        clock = iter([0.0, 1.0, 2.0, 3.0, 4.0])
        bus = MessageBus(lambda: next(clock))
        tapped: list[tuple[str, float, object]] = []
        watched: list[tuple[str, float, object]] = []
        bus.tap(lambda e: tapped.append((e.recipient, e.t, e.message)))
        bus.watch(lambda recipient, t, message: watched.append((recipient, t, message)))
        bus.connect(detail("a"))
        bus.connect(detail("b"))
        message = task(1)
        bus.send("a", "b", message)
        bus.send("a", "nobody", message)
        assert watched == tapped
        assert [(r, t, m.kind) for r, t, m in watched] == [
            ("a", 0.0, "agent_connected"),
            ("b", 1.0, "agent_connected"),
            ("b", 2.0, "task"),
            ("a", 3.0, "undeliverable"),
        ]
        assert watched[2][2] is message


class TestBroadcast:
    def test_broadcast_excludes_the_sender(self) -> None:
        """Every other agent gets the message once, in connection order; the sender none."""
        bus, boxes = quiet_bus("a", "b", "c", "d")
        message = task(1)
        assert bus.broadcast("b", message) == 3
        assert [(a, drain(box)) for a, box in boxes.items()] == [
            ("a", [("b", message)]),
            ("b", []),
            ("c", [("b", message)]),
            ("d", [("b", message)]),
        ]

    def test_broadcast_alone_reaches_nobody(self) -> None:
        """A broadcast by the only agent returns 0 and delivers nothing."""
        bus, boxes = quiet_bus("a")
        assert bus.broadcast("a", task(1)) == 0
        assert len(boxes["a"]) == 0


class TestTopics:
    def test_publish_reaches_subscribers_but_not_the_sender(self) -> None:
        """A published message goes to each subscriber except the publisher, with its topic."""
        bus, boxes = quiet_bus("a", "b", "c", "d")
        for agent in ("a", "b", "d"):
            bus.subscribe(agent, "news")
        bus.subscribe("c", "other")
        message = task(1)
        assert bus.publish("a", "news", message) == 2
        got = {
            a: [(e.sender.id, e.topic, e.message) for e in box.drain()] for a, box in boxes.items()
        }
        assert got == {
            "a": [],
            "b": [("a", "news", message)],
            "c": [],
            "d": [("a", "news", message)],
        }

    def test_publish_without_subscribers_is_not_an_error(self) -> None:
        """Publishing on a topic nobody follows returns 0."""
        bus, _ = quiet_bus("a")
        assert bus.publish("a", "void", task(1)) == 0

    def test_unsubscribe_stops_delivery(self) -> None:
        """After unsubscribe an agent gets nothing more on the topic; a repeat is harmless."""
        bus, boxes = quiet_bus("a", "b")
        bus.subscribe("b", "news")
        bus.unsubscribe("b", "news")
        bus.unsubscribe("b", "news")
        bus.unsubscribe("b", "never-subscribed")
        assert bus.publish("a", "news", task(1)) == 0
        assert len(boxes["b"]) == 0

    def test_disconnect_ends_subscriptions(self) -> None:
        """A departed agent is no longer a subscriber, even if it reconnects."""
        bus, _ = quiet_bus("a", "b")
        bus.subscribe("b", "news")
        bus.disconnect("b")
        bus.connect(detail("b"))
        assert bus.publish("a", "news", task(1)) == 0

    def test_subscribe_unknown_agent_raises(self) -> None:
        """Only a connected agent can subscribe."""
        bus, _ = quiet_bus("a")
        with pytest.raises(UnknownAgentError, match=r"^agent 'zz' is not connected$"):
            bus.subscribe("zz", "news")


class TestMembership:
    def test_connect_announces_both_ways(self) -> None:
        """A newcomer is announced to each agent, and each agent to the newcomer, in order."""
        bus = MessageBus()
        box_a = bus.connect(detail("a"))
        box_b = bus.connect(detail("b", "worker"))
        box_c = bus.connect(detail("c", "manager"))
        assert drain(box_a) == [
            ("b", AgentConnected(agent=detail("b", "worker"))),
            ("c", AgentConnected(agent=detail("c", "manager"))),
        ]
        assert drain(box_b) == [
            ("a", AgentConnected(agent=detail("a"))),
            ("c", AgentConnected(agent=detail("c", "manager"))),
        ]
        assert drain(box_c) == [
            ("a", AgentConnected(agent=detail("a"))),
            ("b", AgentConnected(agent=detail("b", "worker"))),
        ]

    def test_agents_that_do_not_listen_get_no_presence_events(self) -> None:
        """An agent connected with presence=False is announced to listeners but told nothing."""
        bus = MessageBus()
        listener = bus.connect(detail("l"))
        quiet_one = bus.connect(detail("q1"), presence=False)
        quiet_two = bus.connect(detail("q2"), presence=False)
        bus.disconnect("q1")
        assert drain(listener) == [
            ("q1", AgentConnected(agent=detail("q1"))),
            ("q2", AgentConnected(agent=detail("q2"))),
            ("q1", AgentDisconnected(agent=detail("q1"))),
        ]
        assert (len(quiet_one), len(quiet_two)) == (0, 0)

    def test_disconnect_announces_departure(self) -> None:
        """Every remaining agent gets AgentDisconnected with the reason."""
        bus, boxes = quiet_bus("a", "b", "c")
        bus.disconnect("b", reason="crashed")
        event = AgentDisconnected(agent=detail("b"), reason="crashed")
        assert (drain(boxes["a"]), drain(boxes["c"])) == ([("b", event)], [("b", event)])
        assert boxes["b"].closed

    def test_agents_in_connection_order(self) -> None:
        """agents() lists the connected agents in connection order; is_connected agrees."""
        bus, _ = quiet_bus("c", "a", "b")
        bus.disconnect("a")
        assert [d.id for d in bus.agents()] == ["c", "b"]
        assert (bus.is_connected("a"), bus.is_connected("b")) == (False, True)

    def test_duplicate_id_raises(self) -> None:
        """Connecting an id that is connected raises DuplicateAgentError."""
        bus, _ = quiet_bus("a")
        with pytest.raises(DuplicateAgentError, match=r"^agent id 'a' is already connected$"):
            bus.connect(detail("a"))

    def test_disconnect_unknown_raises(self) -> None:
        """Disconnecting an agent that is not connected raises UnknownAgentError."""
        bus, _ = quiet_bus("a")
        with pytest.raises(UnknownAgentError, match=r"^agent 'zz' is not connected$"):
            bus.disconnect("zz")


class TestUndeliverable:
    def test_unknown_recipient_bounces(self) -> None:
        """A message to an id never connected comes back from the bus, reason "unknown"."""
        bus, boxes = quiet_bus("a")
        message = task(1)
        bus.send("a", "ghost", message)
        envelope = boxes["a"].get_nowait()
        assert envelope.sender == BUS
        assert envelope.message == Undeliverable(
            recipient="ghost", reason="unknown", original=message
        )

    def test_departed_recipient_bounces(self) -> None:
        """A message to an agent that has left comes back with reason "departed"."""
        bus, boxes = quiet_bus("a", "b")
        bus.disconnect("b")
        list(boxes["a"].drain())
        message = task(1)
        bus.send("a", "b", message)
        assert drain(boxes["a"]) == [
            ("<bus>", Undeliverable(recipient="b", reason="departed", original=message))
        ]

    def test_unread_envelopes_bounce_to_their_senders(self) -> None:
        """What a departing agent left unread goes back to each sender, before the farewell."""
        bus, boxes = quiet_bus("a", "b", "c")
        first, second, third = task(1), task(2), task(3)
        bus.send("a", "b", first)
        bus.send("c", "b", second)
        bus.send("a", "b", third)
        bus.disconnect("b")
        farewell = AgentDisconnected(agent=detail("b"))
        assert drain(boxes["a"]) == [
            ("<bus>", Undeliverable(recipient="b", reason="departed", original=first)),
            ("<bus>", Undeliverable(recipient="b", reason="departed", original=third)),
            ("b", farewell),
        ]
        assert drain(boxes["c"]) == [
            ("<bus>", Undeliverable(recipient="b", reason="departed", original=second)),
            ("b", farewell),
        ]

    def test_announcements_and_bounces_do_not_bounce(self) -> None:
        """Unread presence events and Undeliverables are dropped, not returned."""
        bus = MessageBus()
        bus.connect(detail("a"))
        bus.connect(detail("b"))  # b holds AgentConnected(a)
        bus.send("b", "ghost", task(1))  # b holds an Undeliverable
        box_c = bus.connect(detail("c"))
        list(box_c.drain())
        bus.disconnect("b")
        assert drain(box_c) == [("b", AgentDisconnected(agent=detail("b")))]
        assert bus.statistics().undeliverable == 1

    def test_bounce_to_a_departed_sender_is_only_counted(self) -> None:
        """If the sender has left too, the bounce is counted and delivered nowhere."""
        bus, boxes = quiet_bus("a", "b", "c")
        bus.send("a", "b", task(1))
        bus.disconnect("a")
        before = bus.statistics()
        bus.disconnect("b")
        after = bus.statistics()
        assert (after.undeliverable - before.undeliverable, after.delivered - before.delivered) == (
            1,
            1,  # only c's AgentDisconnected(b)
        )
        assert [m.kind for _, m in drain(boxes["c"])] == ["agent_disconnected"] * 2


class TestStatistics:
    def test_counts_are_exact(self) -> None:
        """Every counter reflects exactly the operations performed."""
        bus = MessageBus()
        for agent in ("a", "b", "c"):  # announcements: 0 + 2 + 4 = 6 deliveries
            bus.connect(detail(agent))
        bus.subscribe("b", "news")
        bus.subscribe("c", "news")
        bus.send("a", "b", task(1))  # 1 delivery
        bus.send("a", "ghost", task(2))  # 1 bounce delivered to a
        bus.broadcast("a", task(3))  # 2 deliveries
        bus.publish("b", "news", task(4))  # 1 delivery (to c)
        bus.publish("a", "empty", task(5))  # 0 deliveries
        bus.disconnect("c")  # c holds task 3 from a and task 4 from b: 2 bounces; 2 farewells
        assert bus.statistics() == BusStatistics(
            connected=2,
            departed=1,
            sent=2,
            broadcasts=1,
            published=2,
            delivered=6 + 1 + 1 + 2 + 1 + 2 + 2,
            undeliverable=3,
            roundtrips=0,
        )

    def test_statistics_is_a_frozen_snapshot(self) -> None:
        """A snapshot does not change afterwards and cannot be changed."""
        bus, _ = quiet_bus("a", "b")
        snapshot = bus.statistics()
        bus.send("a", "b", task(1))
        assert snapshot.sent == 0
        with pytest.raises(dataclasses.FrozenInstanceError):
            snapshot.sent = 5  # type: ignore[misc]


class TestStrictMode:
    def test_send_round_trips_through_json(self) -> None:
        """In strict mode the receiver gets an equal message, not the same object."""
        bus, boxes = quiet_bus("a", "b", strict=True)
        message = Task(id=1, difficulty=3, metadata={"k": [1, 2]})
        bus.send("a", "b", message)
        delivered = boxes["b"].get_nowait().message
        assert delivered == message
        assert delivered is not message
        assert bus.statistics().roundtrips == 1

    def test_broadcast_and_publish_round_trip_once_each(self) -> None:
        """A broadcast or publish is encoded once, whatever the number of receivers."""
        bus, boxes = quiet_bus("a", "b", "c", strict=True)
        bus.subscribe("b", "news")
        bus.subscribe("c", "news")
        message = TaskAccepted(task_id=1, worker="a")
        bus.broadcast("a", message)
        bus.publish("a", "news", message)
        received = [m for box in (boxes["b"], boxes["c"]) for _, m in drain(box)]
        assert received == [message] * 4
        assert all(m is not message for m in received)
        assert bus.statistics().roundtrips == 2

    def test_unserializable_message_raises_and_is_not_delivered(self) -> None:
        """A message with no JSON form raises CodecError and reaches nobody."""
        bus, boxes = quiet_bus("a", "b", strict=True)
        with pytest.raises(CodecError, match=r"^cannot encode 'bus_blob' message: payload: "):
            bus.send("a", "b", Blob(payload=object()))
        assert len(boxes["b"]) == 0

    def test_bounces_are_not_round_tripped(self) -> None:
        """An Undeliverable holds the original object the sender sent."""
        bus, boxes = quiet_bus("a", strict=True)
        message = task(1)
        bus.send("a", "ghost", message)
        bounced = boxes["a"].get_nowait().message
        assert isinstance(bounced, Undeliverable)
        assert bounced.original is message
        assert bus.statistics().roundtrips == 0


def closed_operations() -> list[tuple[str, Callable[[MessageBus], object]]]:
    return [
        ("connect", lambda bus: bus.connect(detail("new"))),
        ("disconnect", lambda bus: bus.disconnect("a")),
        ("send", lambda bus: bus.send("a", "b", task(1))),
        ("broadcast", lambda bus: bus.broadcast("a", task(1))),
        ("publish", lambda bus: bus.publish("a", "news", task(1))),
        ("subscribe", lambda bus: bus.subscribe("a", "news")),
        ("unsubscribe", lambda bus: bus.unsubscribe("a", "news")),
    ]


class TestClose:
    @pytest.mark.parametrize(
        "operation", [op for _, op in closed_operations()], ids=[n for n, _ in closed_operations()]
    )
    def test_every_operation_after_close_raises(
        self, operation: Callable[[MessageBus], object]
    ) -> None:
        """After close, every bus operation raises BusClosedError."""
        bus, _ = quiet_bus("a", "b")
        bus.close()
        with pytest.raises(BusClosedError, match=r"^the bus is closed$"):
            operation(bus)

    def test_close_leaves_unread_envelopes(self) -> None:
        """Closing the bus keeps what mailboxes hold and counts nothing more."""
        bus, boxes = quiet_bus("a", "b")
        bus.send("a", "b", task(1))
        before = bus.statistics()
        bus.close()
        assert len(boxes["b"]) == 1
        assert bus.statistics() == before


class TestMailbox:
    def test_get_nowait_on_empty_raises(self) -> None:
        """get_nowait on an empty mailbox raises MailboxEmptyError."""
        _, boxes = quiet_bus("a")
        with pytest.raises(MailboxEmptyError, match=r"^mailbox of 'a' is empty$"):
            boxes["a"].get_nowait()

    def test_len_and_drain(self) -> None:
        """len counts waiting envelopes; drain empties the mailbox oldest first."""
        bus, boxes = quiet_bus("a", "b")
        bus.send("a", "b", task(1))
        bus.send("a", "b", task(2))
        assert len(boxes["b"]) == 2
        assert [m for _, m in drain(boxes["b"])] == [task(1), task(2)]
        assert len(boxes["b"]) == 0

    async def test_get_waits_for_a_delivery(self) -> None:
        """get() returns the next envelope once one is delivered."""
        bus, boxes = quiet_bus("a", "b")
        waiting = asyncio.ensure_future(boxes["b"].get())
        await asyncio.sleep(0)
        assert not waiting.done()
        bus.send("a", "b", task(1))
        envelope = await waiting
        assert envelope.message == task(1)

    async def test_park_is_resolved_by_the_next_delivery_and_none_once_closed(self) -> None:
        """park() gives a future the next delivery resolves; after the close, None."""
        bus, boxes = quiet_bus("a", "b")
        waiter = boxes["b"].park()
        assert waiter is not None
        assert not waiter.done()
        bus.send("a", "b", task(1))
        assert waiter.done()
        assert [m for _, m in drain(boxes["b"])] == [task(1)]
        last = boxes["b"].park()
        assert last is not None
        bus.disconnect("b")
        assert last.done()
        assert boxes["b"].park() is None

    async def test_wait_leaves_the_delivery_unread(self) -> None:
        """wait() returns once something is unread, and takes nothing itself."""
        bus, boxes = quiet_bus("a", "b")
        waiting = asyncio.ensure_future(boxes["b"].wait())
        await asyncio.sleep(0)
        assert not waiting.done()
        bus.send("a", "b", task(1))
        await waiting
        assert len(boxes["b"]) == 1
        await boxes["b"].wait()  # something is unread: returns at once
        assert boxes["b"].get_nowait().message == task(1)

    async def test_wait_raises_when_closed_and_empty(self) -> None:
        """wait() raises BusClosedError once its agent has gone and nothing is left."""
        bus, boxes = quiet_bus("a", "b")
        bus.disconnect("b")
        with pytest.raises(BusClosedError, match=r"^mailbox of 'b' is closed$"):
            await boxes["b"].wait()

    async def test_get_raises_when_the_owner_disconnects(self) -> None:
        """A pending get() raises BusClosedError when its agent disconnects."""
        bus, boxes = quiet_bus("a", "b")
        waiting = asyncio.ensure_future(boxes["b"].get())
        await asyncio.sleep(0)
        bus.disconnect("b")
        with pytest.raises(BusClosedError, match=r"^mailbox of 'b' is closed$"):
            await waiting
