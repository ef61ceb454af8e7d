"""eased_gc: the collector is eased inside, restored after, and nesting is safe."""

from __future__ import annotations

import gc
import weakref

import pytest

from agents import eased_gc
from agents.memory import FREEZE_ABOVE


@pytest.fixture(autouse=True)
def default_collector() -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    gc.collect()  # the young generations start empty


def thawed() -> int:
    """What stays frozen after ``gc.unfreeze()``: 0, or CPython 3.12's static objects."""
    gc.unfreeze()
    return gc.get_freeze_count()


class _Node:
    """A reference cycle: the node refers to itself."""

    def __init__(self) -> None:
        self.me = self


def test_eases_inside_and_restores_after() -> None:
    """Inside, gen 0 and gen 1 wait longer; after, all is as before."""
    base = thawed()
    with eased_gc():
        assert gc.get_threshold() == (100_000, 50, 1_000)
        assert gc.get_freeze_count() == base
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == base


def test_a_large_young_generation_is_frozen_inside() -> None:
    """More than FREEZE_ABOVE young objects (a board just built) are frozen, then thawed."""
    gc.disable()  # keep them young
    try:
        base = thawed()
        board = [[i] for i in range(FREEZE_ABOVE + 1_000)]
        with eased_gc():
            assert gc.get_freeze_count() > base + len(board)
        assert gc.get_freeze_count() == base
    finally:
        gc.enable()


def test_a_small_young_generation_is_not_frozen() -> None:
    """Fewer young objects than FREEZE_ABOVE: nothing is frozen."""
    gc.disable()
    try:
        base = thawed()
        kept = [[i] for i in range(FREEZE_ABOVE - 1_000)]
        with eased_gc():
            assert gc.get_freeze_count() == base
        assert len(kept) == FREEZE_ABOVE - 1_000
    finally:
        gc.enable()


def test_garbage_from_before_a_block_stays_young() -> None:
    """A cycle dropped before a block is freed by a young collection after it.

    A block that froze the heap and unfroze it on exit filed such garbage with the
    oldest objects, where a collection of generations 0 and 1 does not look.
    """
    node = _Node()
    gone = weakref.ref(node)
    del node
    with eased_gc():
        pass
    gc.collect(1)
    assert gone() is None


def test_nested_blocks_restore_only_at_the_outermost() -> None:
    """An inner block leaves the outer one's easing in place."""
    with eased_gc():
        with eased_gc():
            pass
        assert gc.get_threshold() == (100_000, 50, 1_000)
    assert gc.get_threshold() == (700, 10, 10)


def test_restores_after_an_exception() -> None:
    """An exception inside still restores the collector."""
    with pytest.raises(RuntimeError, match=r"^boom$"), eased_gc():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


def test_disabled_changes_nothing() -> None:
    """enabled=False is a no-op."""
    with eased_gc(enabled=False):
        assert gc.get_threshold() == (700, 10, 10)
