"""The simulation loop: its reliance on asyncio internals is checked in one place."""

import asyncio

import pytest

from agents import Runtime, check_asyncio_internals


class TestAsyncioInternals:
    def test_this_pythons_asyncio_has_what_the_loop_needs(self) -> None:
        """The running interpreter's event loop has every private part the loop uses."""
        loop = asyncio.new_event_loop()
        try:
            check_asyncio_internals(loop)
        finally:
            loop.close()

    def test_a_loop_without_them_is_refused_by_name(self) -> None:
        """A loop lacking the private heap is refused with a message naming it."""

        class Bare:
            pass

        with pytest.raises(
            RuntimeError,
            match=r"^this Python's asyncio \(3\.\d+\.\d+\S*\) lacks _scheduled, _check_closed, "
            r"_run_once, _selector, which the simulation loop needs \(tested on CPython 3\.11, "
            r"3\.12 and 3\.13\)$",
        ):
            check_asyncio_internals(Bare())  # type: ignore[arg-type]

    def test_simulated_sleep_orders_equal_times_by_scheduling(self) -> None:
        """Timers through asyncio's heap at one instant fire in the order they were set."""
        order: list[str] = []

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for name in ("a", "b", "c"):
                loop.call_later(1.0, order.append, name)
            await asyncio.sleep(2.0)

        Runtime().run(main())
        assert order == ["a", "b", "c"]
