"""The exception hierarchy of skillsim, rooted at :class:`SkillsimError`.

Errors live in the lowest layer that raises them and all descend from this root, so
``except SkillsimError`` catches every failure the project reports on purpose. Signals
that are not errors (a message nobody could receive, a run that ends) are values, not
exceptions: see :class:`protocol.messages.Undeliverable`.
"""

from __future__ import annotations

__all__ = [
    "BusClosedError",
    "CodecError",
    "DuplicateAgentError",
    "MailboxEmptyError",
    "SkillsimError",
    "UnknownAgentError",
]


class SkillsimError(Exception):
    """Root of every error skillsim raises on purpose."""


class UnknownAgentError(SkillsimError):
    """Raised by the bus when a *sender* or subscriber is not connected.

    A message *to* an unknown agent is not an error: it comes back to its sender as
    an ``Undeliverable``.
    """


class DuplicateAgentError(SkillsimError):
    """Raised by ``MessageBus.connect`` when an agent id is already connected."""


class BusClosedError(SkillsimError):
    """Raised by every bus operation after ``MessageBus.close``."""


class MailboxEmptyError(SkillsimError):
    """Raised by ``Mailbox.get_nowait`` when no envelope is waiting."""


class CodecError(SkillsimError):
    """Raised by the codec when a message cannot be written or read.

    The message names the kind and the field: an unknown ``kind``, a malformed
    payload, or a value that has no JSON form.
    """
