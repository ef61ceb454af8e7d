"""The envelope: who sent a message, to whom, when, and in which order.

The payload stays a pure domain object; routing facts live here, and handlers receive
``time`` and ``sender`` from the envelope (rule 7 of the style guide).

Inside a mailbox a delivery is a plain tuple (see ``protocol.mailbox.Mailbox``); an
``Envelope`` is made when one is handed out: to a tap, or by the mailbox's ``get``.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.messages import AgentDetail, Message

__all__ = ["Envelope"]


@dataclass(frozen=True, slots=True)
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
