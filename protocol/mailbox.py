"""The mailbox: one agent's inbox of unread deliveries, in arrival order.

Design:
    * Only the bus puts; the owning agent gets. :class:`~protocol.bus.MessageBus`
      writes the internals itself: it appends to ``items`` and resolves ``_waiter``
      on each delivery, and calls ``_close()`` when the owner disconnects. The two
      modules are one package, and a put without a method call is what keeps the hot
      path cheap.
    * Unread deliveries are plain :data:`Delivery` tuples; an
      :class:`~protocol.envelope.Envelope` is made only when one is handed out.
    * At most one waiter: the owner's serving task, parked on a future that the next
      delivery or the close resolves.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator

from protocol.envelope import Envelope
from protocol.errors import BusClosedError, MailboxEmptyError
from protocol.messages import AgentDetail, Message

__all__ = ["Delivery", "Mailbox"]

Delivery = tuple[AgentDetail, float, int, Message, str | None]
"""One unread delivery inside a :class:`Mailbox`: sender, ``t``, ``seq``, message, topic."""


class Mailbox:
    """An agent's inbox: envelopes in arrival order.

    Only the bus puts; the owning agent gets. Inside, a delivery is kept as a plain
    ``(sender, t, seq, message, topic)`` tuple, the cheapest record CPython makes;
    :meth:`get`, :meth:`get_nowait` and :meth:`drain` hand out :class:`Envelope` s.
    ``BaseAgent`` reads the tuples directly (:meth:`wait` and ``items``), which is what
    keeps a delivery close to the cost of an ``asyncio.Queue`` round trip.
    """

    __slots__ = ("_closed", "_waiter", "items", "owner")

    def __init__(self, owner: AgentDetail) -> None:
        self.owner = owner
        self.items: deque[Delivery] = deque()
        """Unread deliveries, oldest first (read-only outside the bus)."""
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False

    def __len__(self) -> int:
        return len(self.items)

    @property
    def closed(self) -> bool:
        """Whether the owner has disconnected."""
        return self._closed

    def _envelope(self, item: Delivery) -> Envelope:
        sender, t, seq, message, topic = item
        return Envelope(sender, self.owner.id, t, seq, message, topic)

    def _close(self) -> list[Envelope]:
        self._closed = True
        unread = [self._envelope(item) for item in self.items]
        self.items.clear()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        self._waiter = None
        return unread

    def get_nowait(self) -> Envelope:
        """Take the oldest envelope without waiting.

        Returns:
            The oldest unread envelope.

        Raises:
            MailboxEmptyError: if none is waiting.
        """
        try:
            return self._envelope(self.items.popleft())
        except IndexError:
            raise MailboxEmptyError(f"mailbox of {self.owner.id!r} is empty") from None

    def park(self) -> asyncio.Future[None] | None:
        """The future the next delivery (or the close) resolves; ``None`` once closed.

        The owner awaits it when nothing is unread: :meth:`wait` without a coroutine,
        for the agent's serving loop.
        """
        if self._closed:
            return None
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        return waiter

    async def wait(self) -> None:
        """Wait until something is unread (at once if something is).

        Raises:
            BusClosedError: if the owner disconnects while nothing is unread.
        """
        while not self.items:
            waiter = self.park()
            if waiter is None:
                raise BusClosedError(f"mailbox of {self.owner.id!r} is closed")
            await waiter

    async def get(self) -> Envelope:
        """Take the oldest envelope, waiting for one if needed.

        Returns:
            The oldest unread envelope.

        Raises:
            BusClosedError: if the owner disconnects while waiting.
        """
        await self.wait()
        return self._envelope(self.items.popleft())

    def drain(self) -> Iterator[Envelope]:
        """Yield every waiting envelope, oldest first, including ones put meanwhile."""
        items = self.items
        while items:
            yield self._envelope(items.popleft())
