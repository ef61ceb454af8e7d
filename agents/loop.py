"""An asyncio event loop whose time is the simulation's clock.

Design:
    ``SimulationLoop`` is a ``SelectorEventLoop`` given a selector that never waits on
    the operating system. ``loop.time()`` reads the simulation clock, so
    ``asyncio.sleep``, ``call_later`` and ``wait_for`` inside agents are simulated.
    When nothing is ready, asyncio asks the selector to wait for the next timer; the
    selector asks the clock to move there instead (virtual: at once; realtime: after a
    scaled sleep), the way Trio's ``MockClock`` autojumps.

    Before time moves on, the callbacks registered with :meth:`SimulationLoop.at_instant_end`
    run, once each: the manager uses this to place all the work freed at one instant in
    a single policy call. When nothing is ready and no timer is left, the loop calls
    its ``on_stall`` callback, which must make progress (the runtime stops agents).

    Timers the simulation itself sets (:meth:`SimulationLoop.schedule`: a worker's
    work finishing) live in a heap of plain tuples beside asyncio's: when nothing is
    ready, the loop jumps to whichever comes first. A tuple heap compares in C, where
    asyncio's ``TimerHandle`` compares in Python, which matters at a million timers.

    Timers that fall due at the same instant run in the order they were scheduled:
    the heap is keyed by ``(when, seq)``, never by object identity, so equal runs give
    equal traces.

asyncio internals:
    This module relies on three details of CPython's ``BaseEventLoop`` beyond its
    public API, all held since 3.4 and tested on 3.11, 3.12 and 3.13: the
    ``_scheduled`` heap of ``TimerHandle`` (with ``TimerHandle._scheduled`` set when
    on it), ``_check_closed()``, and ``_run_once`` calling ``selector.select(timeout)``
    when nothing is ready. Every access to them is in the "asyncio internals" section
    below, and :func:`check_asyncio_internals` refuses, with a clear error, a Python
    whose asyncio lacks them, instead of a simulation that goes wrong later.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import selectors
import sys
from collections.abc import Callable, Mapping
from contextvars import Context
from typing import Any, TypeVarTuple, Unpack

from agents.clock import Clock

__all__ = ["SimulationLoop", "Timer", "check_asyncio_internals"]

_Ts = TypeVarTuple("_Ts")

_SNAP = 1e-9  # a timer this close to the jump target is the target (float noise)
_DUE = 1e-6  # an asyncio timer this close to now may be due (asyncio adds its clock resolution)


# -- asyncio internals (the only place that touches them) -------------------------------


def check_asyncio_internals(loop: asyncio.AbstractEventLoop) -> None:
    """Check that ``loop`` has the private parts of ``BaseEventLoop`` this module uses.

    Raises:
        RuntimeError: naming what is missing and the Python version.
    """
    missing = [
        name
        for name in ("_scheduled", "_check_closed", "_run_once", "_selector")
        if not hasattr(loop, name)
    ]
    if missing or not isinstance(getattr(loop, "_scheduled", None), list):
        raise RuntimeError(
            f"this Python's asyncio ({sys.version.split()[0]}) lacks "
            f"{', '.join(missing) or '_scheduled as a list'}, which the simulation loop "
            "needs (tested on CPython 3.11, 3.12 and 3.13)"
        )


def _asyncio_timers(loop: asyncio.AbstractEventLoop) -> list[asyncio.TimerHandle]:
    """The heap of asyncio's own timers (``call_later``, ``asyncio.sleep``)."""
    return loop._scheduled  # type: ignore[attr-defined,no-any-return]


def _push_asyncio_timer(loop: asyncio.AbstractEventLoop, timer: asyncio.TimerHandle) -> None:
    """Put ``timer`` on asyncio's heap, as ``BaseEventLoop.call_at`` does."""
    loop._check_closed()  # type: ignore[attr-defined]
    heapq.heappush(_asyncio_timers(loop), timer)
    timer._scheduled = True  # type: ignore[attr-defined]


# -- the loop -------------------------------------------------------------------------


class _OrderedTimerHandle(asyncio.TimerHandle):
    __slots__ = ("_seq",)

    def __init__(
        self,
        seq: int,
        when: float,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        loop: asyncio.AbstractEventLoop,
        context: Context | None,
    ) -> None:
        super().__init__(when, callback, args, loop, context)
        self._seq = seq

    def __lt__(self, other: object) -> bool:
        if isinstance(other, _OrderedTimerHandle):
            return (self.when(), self._seq) < (other.when(), other._seq)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.when(), self._seq))


class Timer:
    """A callback set with :meth:`SimulationLoop.schedule`; ``cancel()`` stops it."""

    __slots__ = ("args", "callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[..., object], args: tuple[Any, ...]) -> None:
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        """Do not run the callback (no effect once it has run)."""
        self.cancelled = True


class _ClockSelector(selectors.BaseSelector):
    """A selector with nothing to select: waiting means moving the clock."""

    def __init__(self, loop_ref: Callable[[], SimulationLoop]) -> None:
        self._loop_ref = loop_ref
        self._map: dict[Any, selectors.SelectorKey] = {}

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        key = selectors.SelectorKey(fileobj, id(fileobj), events, data)
        self._map[fileobj] = key
        return key

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._map.pop(fileobj)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout == 0:
            return []
        self._loop_ref()._idle(timeout)
        return []

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._map

    def close(self) -> None:
        self._map.clear()


class SimulationLoop(asyncio.SelectorEventLoop):
    """The event loop of one simulation run.

    Args:
        clock: Where time comes from and how waiting is done.
        on_stall: Called when nothing is ready and no timer is left; it must schedule
            something (or stop the loop), or the run cannot go on.
    """

    def __init__(self, clock: Clock, on_stall: Callable[[], None]) -> None:
        self._clock = clock
        self._on_stall = on_stall
        self._timer_seq = itertools.count()
        self._instant_end: dict[Callable[[], None], None] = {}
        self._timers: list[tuple[float, int, Timer]] = []
        self._deadline: tuple[float, Callable[[], None]] | None = None
        super().__init__(_ClockSelector(lambda: self))
        check_asyncio_internals(self)

    @property
    def clock(self) -> Clock:
        """The clock this loop reads."""
        return self._clock

    def time(self) -> float:
        """Simulated time in seconds."""
        return self._clock.now()

    def call_at(
        self,
        when: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        """Schedule ``callback`` at simulated time ``when``, after earlier ones for ``when``."""
        timer = _OrderedTimerHandle(next(self._timer_seq), when, callback, args, self, context)
        _push_asyncio_timer(self, timer)
        return timer

    def schedule(self, when: float, callback: Callable[..., object], *args: Any) -> Timer:
        """Call ``callback(*args)`` at simulated time ``when`` (cheaper than ``call_at``).

        Timers due at one instant run in the order they were set, after the callbacks
        that are ready at that instant.
        """
        timer = Timer(when, callback, args)
        heapq.heappush(self._timers, (when, next(self._timer_seq), timer))
        return timer

    def _fire_due(self) -> None:
        timers = self._timers
        now = self._clock.now()
        while timers and timers[0][0] <= now:
            timer = heapq.heappop(timers)[2]
            if not timer.cancelled:
                try:
                    timer.callback(*timer.args)
                except Exception as error:
                    self.call_exception_handler(
                        {"message": "simulation timer failed", "exception": error}
                    )

    def at_instant_end(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once before simulated time next moves on (deduplicated)."""
        self._instant_end[callback] = None

    def set_deadline(self, when: float, callback: Callable[[], None]) -> None:
        """Call ``callback`` once at ``when``, before anything else due then.

        Unlike a timer, the deadline keeps nothing alive: if nothing else is left to
        happen before it, the loop stalls (``on_stall``) instead of jumping to it.
        """
        self._deadline = (when, callback)

    def _idle(self, timeout: float | None) -> None:
        # Called from inside ``select`` with nothing ready. What it schedules runs in
        # this same turn of the loop, ahead of asyncio's timers that fall due now; so
        # when none of those is due at the instant it acts at, it calls instead of
        # scheduling: the same order, without a ``Handle`` per callback.
        if self._instant_end:
            callbacks = list(self._instant_end)
            self._instant_end.clear()
            direct = not self._asyncio_timer_due()
            for callback in callbacks:
                if direct:
                    self._call_now(callback)
                else:
                    self.call_soon(callback)
            return
        timers = self._timers
        while timers and timers[0][2].cancelled:
            heapq.heappop(timers)
        now = self._clock.now()
        if self._deadline is not None and self._deadline_due(timeout, timers):
            return
        if timers and (timeout is None or timers[0][0] <= now + timeout):
            # Our timer comes first (or ties): move there and fire it.
            self._clock.wait_until(timers[0][0])
            if self._asyncio_timer_due():
                self.call_soon(self._fire_due)
            else:
                self._fire_due()
            return
        if timeout is None:
            self._on_stall()
            return
        scheduled = _asyncio_timers(self)
        target = now + timeout
        if scheduled and abs(scheduled[0].when() - target) <= _SNAP * max(1.0, abs(target)):
            target = scheduled[0].when()
        self._clock.wait_until(target)

    def _asyncio_timer_due(self) -> bool:
        """Whether one of asyncio's timers (maybe a cancelled one) is due about now."""
        scheduled = _asyncio_timers(self)
        return bool(scheduled) and scheduled[0].when() <= self._clock.now() + _DUE

    def _call_now(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` as a ``Handle`` would: an exception goes to the handler."""
        try:
            callback()
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as error:
            self.call_exception_handler(
                {"message": f"Exception in callback {callback!r}", "exception": error}
            )

    def _deadline_due(self, timeout: float | None, timers: list[tuple[float, int, Timer]]) -> bool:
        # The deadline fires when the next event is at or after it, never on its own:
        # a run with nothing left to happen before it is a stall, not a time-up.
        deadline = self._deadline
        assert deadline is not None
        upcoming = [timers[0][0]] if timers else []
        scheduled = _asyncio_timers(self)
        if timeout is not None and scheduled:
            upcoming.append(scheduled[0].when())
        if not upcoming or min(upcoming) < deadline[0]:
            return False
        self._deadline = None
        self._clock.wait_until(deadline[0])
        self.call_soon(deadline[1])
        return True
