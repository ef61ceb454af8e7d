"""Easing CPython's cyclic garbage collector around bulk work.

A large run builds a big, long-lived task board and then allocates millions of
short-lived objects beside it; with the default thresholds the collector rescans the
board again and again (a third of a 100,000-task run's wall time went there).
:func:`eased_gc` collects the youngest generation every 100,000 allocations instead of
every 700 and the middle one every 50 of those instead of 10. Reference counting still
frees garbage at once; only reference cycles wait longer. Everything is restored on
exit. It nests: only the outermost one acts.

When the young generations hold many objects at the start of a block (the board, just
built), they are frozen (``gc.freeze``) so that no collection inside scans them; on
exit they are unfrozen and filed with the oldest objects. Small young generations are
left alone: freezing them would also freeze the garbage an earlier run left (a dropped
simulation is a web of reference cycles), and unfreezing would file that garbage where
only a full collection finds it, so a process doing thousands of small runs grew run
after run. Unfrozen, such garbage stays young and the ordinary collections free it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["eased_gc"]

_THRESHOLDS = (100_000, 50, 1_000)
FREEZE_ABOVE = 50_000
"""Young objects (generations 0 and 1) above which a block freezes what exists."""
_depth = 0


def _young() -> int:
    return len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))


@contextmanager
def eased_gc(enabled: bool = True) -> Iterator[None]:
    """Ease the cyclic collector inside the block (no-op when ``enabled`` is false)."""
    global _depth
    if not enabled or _depth:
        yield
        return
    _depth += 1
    thresholds = gc.get_threshold()
    frozen = _young() > FREEZE_ABOVE
    if frozen:
        gc.freeze()
    gc.set_threshold(*_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if frozen:
            gc.unfreeze()
        _depth -= 1
