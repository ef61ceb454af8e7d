"""The envelope: who sent a message, to whom, when, and in which order.

The payload stays a pure domain object; routing facts live here, and handlers receive
``time`` and ``sender`` from the envelope (rule 7 of the style guide).

One envelope is made per delivery, so its constructor is on the bus's hottest path.
The class is a frozen slots dataclass (immutable, compared and printed by value), but
its ``__init__`` is written here rather than generated: the generated one stores each
field through ``object.__setattr__`` to get past the frozen ``__setattr__``, which costs
more than the rest of a delivery; storing through the slots' own descriptors does the
same in about two thirds of the time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from protocol.messages import AgentDetail, Message

__all__ = ["Envelope"]


@dataclass(frozen=True, slots=True, init=False)
class Envelope:
    """One delivery of one message.

    Attributes:
        sender: The sending agent.
        recipient: The receiving agent's id.
        t: Simulated time of sending.
        seq: Position in the bus's single global order of deliveries.
        message: The payload, shared by reference (messages are frozen).
        topic: The topic, for a published message; ``None`` otherwise.
    """

    sender: AgentDetail
    recipient: str
    t: float
    seq: int
    message: Message
    topic: str | None

    def __init__(
        self,
        sender: AgentDetail,
        recipient: str,
        t: float,
        seq: int,
        message: Message,
        topic: str | None = None,
    ) -> None:
        _set_sender(self, sender)
        _set_recipient(self, recipient)
        _set_t(self, t)
        _set_seq(self, seq)
        _set_message(self, message)
        _set_topic(self, topic)


def _setter(name: str) -> Callable[[Envelope, Any], None]:
    # The slot's descriptor of the class the decorator made (frozen and slots make a
    # new class, so it is read after the decorator ran).
    descriptor: Any = vars(Envelope)[name]
    setter: Callable[[Envelope, Any], None] = descriptor.__set__
    return setter


_set_sender = _setter("sender")
_set_recipient = _setter("recipient")
_set_t = _setter("t")
_set_seq = _setter("seq")
_set_message = _setter("message")
_set_topic = _setter("topic")
