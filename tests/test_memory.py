"""eased_gc: the collector is eased inside, restored after, and nesting is safe."""

from __future__ import annotations

import gc

import pytest

from agents import eased_gc


@pytest.fixture(autouse=True)
def default_collector() -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)


def test_eases_inside_and_restores_after() -> None:
    """Inside, old objects are frozen and gen 0 waits longer; after, all is as before."""
    with eased_gc():
        assert gc.get_threshold() == (100_000, 50, 1_000)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_nested_blocks_restore_only_at_the_outermost() -> None:
    """An inner block leaves the outer one's easing in place."""
    with eased_gc():
        with eased_gc():
            pass
        assert gc.get_threshold() == (100_000, 50, 1_000)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (700, 10, 10)


def test_restores_after_an_exception() -> None:
    """An exception inside still restores the collector."""
    with pytest.raises(RuntimeError, match="boom"), eased_gc():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_disabled_changes_nothing() -> None:
    """enabled=False is a no-op."""
    with eased_gc(enabled=False):
        assert gc.get_threshold() == (700, 10, 10)
        assert gc.get_freeze_count() == 0
