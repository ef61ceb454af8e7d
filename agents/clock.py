"""Simulated time: the virtual clock, and a realtime clock for watching demos.

The virtual clock is the base class. When every agent waits, the event loop asks the
clock to move to the next timer, and :class:`VirtualClock` jumps there at once: a
simulated week takes as long as its events take to compute, never wall-clock time.
:class:`RealtimeClock` overrides only that waiting step, sleeping the scaled interval
first (the shape of SimPy's ``RealtimeEnvironment``).
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "RealtimeClock", "VirtualClock", "make_clock"]


class Clock(Protocol):
    """What the event loop needs of a clock."""

    def now(self) -> float:
        """Current simulated time in seconds."""
        ...

    def wait_until(self, when: float) -> None:
        """Move time forward to ``when``; called only when nothing else can run."""
        ...


class VirtualClock:
    """Simulated time that jumps to the next timer without waiting.

    Args:
        start: Simulated time at the start of the run.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        """Current simulated time in seconds."""
        return self._now

    def wait_until(self, when: float) -> None:
        """Jump to ``when`` at once (never backwards)."""
        if when > self._now:
            self._now = when


class RealtimeClock(VirtualClock):
    """Simulated time that passes ``speed`` times as fast as the wall clock.

    Args:
        speed: Simulated seconds per wall-clock second; 2.0 runs twice as fast.
        start: Simulated time at the start of the run.
        sleep: The blocking sleep to use (tests pass a fake).

    Raises:
        ValueError: if ``speed`` is not positive.
    """

    def __init__(
        self,
        speed: float = 1.0,
        start: float = 0.0,
        sleep: Callable[[float], None] = _time.sleep,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed!r}")
        super().__init__(start)
        self.speed = float(speed)
        self._sleep = sleep

    def wait_until(self, when: float) -> None:
        """Sleep the scaled interval on the wall clock, then move to ``when``."""
        if when > self._now:
            self._sleep((when - self._now) / self.speed)
        super().wait_until(when)


def make_clock(clock: str | Clock = "virtual", speed: float = 1.0) -> Clock:
    """Build a clock from its name (``"virtual"`` or ``"realtime"``) or pass one through.

    Raises:
        ValueError: for another name, or a realtime ``speed`` that is not positive.
    """
    if not isinstance(clock, str):
        return clock
    if clock == "virtual":
        return VirtualClock()
    if clock == "realtime":
        return RealtimeClock(speed)
    raise ValueError(f"clock must be 'virtual' or 'realtime', got {clock!r}")
