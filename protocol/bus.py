"""The in-process async message bus.

Design:
    * One :class:`~protocol.mailbox.Mailbox` per connected agent, a deque of
      deliveries. Delivery appends to the recipient's deque (the bus writes mailbox
      internals directly, see :mod:`protocol.mailbox`), so delivery is FIFO per
      recipient and therefore per sender-receiver pair. Broadcast and publish visit
      recipients in connection order (a dict keeps it), never in set or ``id()``
      order: the run stays deterministic.
    * References move, never copies: messages are frozen. ``strict=True`` instead
      round-trips every message through the JSON codec, to prove that a scenario would
      survive a real wire.
    * Nothing is dropped silently. A message to an unknown or departed agent, and any
      envelope still unread in a mailbox when its agent disconnects, comes back to its
      sender as an :class:`~protocol.messages.Undeliverable` and is counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from protocol.codec import roundtrip
from protocol.envelope import Envelope
from protocol.errors import BusClosedError, DuplicateAgentError, UnknownAgentError
from protocol.mailbox import Mailbox
from protocol.messages import (
    AgentConnected,
    AgentDetail,
    AgentDisconnected,
    Message,
    Undeliverable,
)

__all__ = ["BUS", "BusStatistics", "MessageBus"]

Tap = Callable[[Envelope], None]
Watch = Callable[[str, float, Message], None]

BUS = AgentDetail(id="<bus>", name="bus", role="bus")
"""The sender of every ``Undeliverable``: the bus itself."""


@dataclass(frozen=True, slots=True)
class BusStatistics:
    """Counts since the bus was created.

    Attributes:
        connected: Agents connected now.
        departed: Agents that have disconnected.
        sent: Addressed sends (``send``), delivered or not.
        broadcasts: ``broadcast`` calls.
        published: ``publish`` calls.
        delivered: Envelopes put into a mailbox (every kind of delivery).
        undeliverable: Messages that came back to their sender (or, when the sender
            was gone too, were counted here and nowhere else).
        roundtrips: Messages written to JSON and read back (strict mode).
    """

    connected: int
    departed: int
    sent: int
    broadcasts: int
    published: int
    delivered: int
    undeliverable: int
    roundtrips: int


class MessageBus:
    """Routes messages between connected agents.

    Args:
        now: The clock, read for each envelope's ``t``.
        strict: Round-trip every message through the JSON codec.
    """

    def __init__(self, now: Callable[[], float] = lambda: 0.0, *, strict: bool = False) -> None:
        self._now = now
        self.strict = strict
        self._mailboxes: dict[str, Mailbox] = {}
        self._listeners: dict[str, Mailbox] = {}
        self._departed: set[str] = set()
        self._topics: dict[str, dict[str, Mailbox]] = {}
        self._taps: list[Tap] = []
        self._watches: list[Watch] = []
        self._closed = False
        self._sent = self._broadcasts = self._published = 0
        self._delivered = self._undeliverable = self._roundtrips = 0

    # -- membership -------------------------------------------------------------

    def connect(self, detail: AgentDetail, *, presence: bool = True) -> Mailbox:
        """Connect an agent and announce it.

        Every connected agent that listens for presence gets an ``AgentConnected`` for
        the newcomer; a newcomer that listens gets one for each agent already there,
        in connection order. Agents that do not listen are spared these events, so
        connecting ``n`` workers costs ``O(n)``, not ``O(n**2)``.

        Args:
            detail: The agent; its ``id`` must be new on this bus.
            presence: Whether this agent receives ``AgentConnected`` and
                ``AgentDisconnected`` events.

        Returns:
            The agent's mailbox.

        Raises:
            DuplicateAgentError: if the id is connected already.
            BusClosedError: after :meth:`close`.
        """
        self._check_open()
        if detail.id in self._mailboxes:
            raise DuplicateAgentError(f"agent id {detail.id!r} is already connected")
        mailbox = Mailbox(detail)
        announce = AgentConnected(agent=detail)
        for other in self._listeners.values():
            self._deliver(detail, other, announce)
        if presence:
            for other in self._mailboxes.values():
                self._deliver(other.owner, mailbox, AgentConnected(agent=other.owner))
            self._listeners[detail.id] = mailbox
        self._mailboxes[detail.id] = mailbox
        self._departed.discard(detail.id)
        return mailbox

    def disconnect(self, agent_id: str, reason: str = "left") -> None:
        """Disconnect an agent, bounce what it left unread, and announce its leaving.

        Args:
            agent_id: A connected agent.
            reason: Carried by the ``AgentDisconnected`` event (``"left"``, ``"crashed"``).

        Raises:
            UnknownAgentError: if the agent is not connected.
            BusClosedError: after :meth:`close`.
        """
        self._check_open()
        mailbox = self._mailboxes.pop(agent_id, None)
        if mailbox is None:
            raise UnknownAgentError(f"agent {agent_id!r} is not connected")
        self._departed.add(agent_id)
        for subscribers in self._topics.values():
            subscribers.pop(agent_id, None)
        for envelope in mailbox._close():
            if not isinstance(envelope.message, AgentConnected | AgentDisconnected | Undeliverable):
                self._bounce(envelope.sender, agent_id, "departed", envelope.message)
        self._listeners.pop(agent_id, None)
        event = AgentDisconnected(agent=mailbox.owner, reason=reason)
        for other in self._listeners.values():
            self._deliver(mailbox.owner, other, event)

    def subscribe(self, agent_id: str, topic: str) -> None:
        """Subscribe a connected agent to a topic.

        Raises:
            UnknownAgentError: if the agent is not connected.
        """
        self._topics.setdefault(topic, {})[agent_id] = self._mailbox_of(agent_id)

    def unsubscribe(self, agent_id: str, topic: str) -> None:
        """Stop delivering ``topic`` to an agent (no error if it was not subscribed).

        Raises:
            BusClosedError: after :meth:`close`.
        """
        self._check_open()
        self._topics.get(topic, {}).pop(agent_id, None)

    def is_connected(self, agent_id: str) -> bool:
        """Whether ``agent_id`` is connected now."""
        return agent_id in self._mailboxes

    def agents(self) -> list[AgentDetail]:
        """The connected agents, in connection order."""
        return [m.owner for m in self._mailboxes.values()]

    # -- delivery ---------------------------------------------------------------

    def send(self, sender: str, to: str, message: Message) -> None:
        """Deliver a message to one agent.

        A recipient that is unknown or gone makes the message come back to the sender
        as an ``Undeliverable``.

        Raises:
            UnknownAgentError: if the *sender* is not connected.
            CodecError: in strict mode, if the message does not survive JSON.
        """
        # The common case without a call: the bus is open and the sender connected;
        # otherwise ``_mailbox_of`` raises what it always raised.
        mailboxes = self._mailboxes
        box = mailboxes.get(sender)
        if box is None or self._closed:
            box = self._mailbox_of(sender)
        source = box.owner
        self._sent += 1
        mailbox = mailboxes.get(to)
        if mailbox is None:
            reason: Literal["unknown", "departed"] = (
                "departed" if to in self._departed else "unknown"
            )
            self._bounce(source, to, reason, message)
            return
        if self.strict:
            message = self._roundtrip(message)
        self._deliver(source, mailbox, message)

    def broadcast(self, sender: str, message: Message) -> int:
        """Deliver a message to every connected agent except the sender.

        Returns:
            How many agents received it.

        Raises:
            UnknownAgentError: if the sender is not connected.
        """
        source = self._mailbox_of(sender).owner
        self._broadcasts += 1
        if self.strict:
            message = self._roundtrip(message)
        targets = [m for key, m in self._mailboxes.items() if key != sender]
        for mailbox in targets:
            self._deliver(source, mailbox, message)
        return len(targets)

    def publish(self, sender: str, topic: str, message: Message) -> int:
        """Deliver a message to every subscriber of ``topic`` except the sender.

        Returns:
            How many agents received it (0 is not an error: nobody listens yet).

        Raises:
            UnknownAgentError: if the sender is not connected.
        """
        source = self._mailbox_of(sender).owner
        self._published += 1
        if self.strict:
            message = self._roundtrip(message)
        targets = [m for key, m in self._topics.get(topic, {}).items() if key != sender]
        for mailbox in targets:
            self._deliver(source, mailbox, message, topic)
        return len(targets)

    def tap(self, callback: Tap) -> None:
        """Call ``callback`` with every envelope as it is delivered (for traces)."""
        self._taps.append(callback)

    def watch(self, callback: Watch) -> None:
        """Call ``callback(recipient, t, message)`` with every message as it is delivered.

        What :meth:`tap` sees without the :class:`~protocol.envelope.Envelope` made for
        it: for an observer that needs only these three, at a fraction of the cost per
        delivery.
        """
        self._watches.append(callback)

    def statistics(self) -> BusStatistics:
        """Return a frozen snapshot of the counters."""
        return BusStatistics(
            connected=len(self._mailboxes),
            departed=len(self._departed),
            sent=self._sent,
            broadcasts=self._broadcasts,
            published=self._published,
            delivered=self._delivered,
            undeliverable=self._undeliverable,
            roundtrips=self._roundtrips,
        )

    def close(self) -> None:
        """Refuse every further operation; unread envelopes are left where they are."""
        self._closed = True

    # -- internals ----------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise BusClosedError("the bus is closed")

    def _mailbox_of(self, agent_id: str) -> Mailbox:
        self._check_open()
        try:
            return self._mailboxes[agent_id]
        except KeyError:
            state = "has left" if agent_id in self._departed else "is not connected"
            raise UnknownAgentError(f"agent {agent_id!r} {state}") from None

    def _roundtrip(self, message: Message) -> Message:
        self._roundtrips += 1
        return roundtrip(message)

    def _deliver(
        self, source: AgentDetail, mailbox: Mailbox, message: Message, topic: str | None = None
    ) -> None:
        seq = self._delivered
        self._delivered = seq + 1
        t = self._now()
        if self._taps:
            self._tap(source, mailbox, t, seq, message, topic)
        if self._watches:
            recipient = mailbox.owner.id
            for watch in self._watches:
                watch(recipient, t, message)
        mailbox.items.append((source, t, seq, message, topic))
        waiter = mailbox._waiter
        if waiter is not None:
            mailbox._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _tap(
        self,
        source: AgentDetail,
        mailbox: Mailbox,
        t: float,
        seq: int,
        message: Message,
        topic: str | None,
    ) -> None:
        envelope = Envelope(source, mailbox.owner.id, t, seq, message, topic)
        for tap in self._taps:
            tap(envelope)

    def _bounce(
        self,
        source: AgentDetail,
        to: str,
        reason: Literal["unknown", "departed"],
        message: Message,
    ) -> None:
        self._undeliverable += 1
        back = self._mailboxes.get(source.id)
        if back is None or isinstance(message, Undeliverable):
            return
        self._deliver(BUS, back, Undeliverable(recipient=to, reason=reason, original=message))
