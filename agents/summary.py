"""How a run ended: the summary ``Runtime.run`` returns, and the failures it caught."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from protocol.bus import BusStatistics

__all__ = ["Ending", "HandlerFailure", "RunSummary"]

Ending = Literal["complete", "stalled", "until", "failed"]
"""How a run ended (see :class:`RunSummary`)."""


@dataclass(frozen=True, slots=True)
class HandlerFailure:
    """One exception raised by an agent's handler (the run went on).

    Attributes:
        t: Simulated time.
        agent: The agent's id.
        where: The message kind being handled, ``"run"`` or ``"spawned"``.
        error: The exception.
    """

    t: float
    agent: str
    where: str
    error: Exception


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How a run ended.

    Attributes:
        value: What the main coroutine returned (``None`` without one).
        t: Simulated time at the end.
        ending: ``complete`` (every agent stopped by itself or the main returned),
            ``stalled`` (nothing left to happen), ``until`` (time limit reached), or
            ``failed`` (strict run, a handler raised).
        waiting_for: At a stall, what each agent said it was waiting for.
        failures: Handler exceptions that were caught.
        bus: The bus counters at the end.
    """

    value: Any
    t: float
    ending: Ending
    waiting_for: tuple[str, ...]
    failures: tuple[HandlerFailure, ...]
    bus: BusStatistics
