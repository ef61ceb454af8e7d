"""Running a simulation beside an event loop that is already running (a notebook's).

A simulation runs on its own :class:`~agents.loop.SimulationLoop`, and asyncio allows
one running loop per thread. Where the caller's thread already runs one (a Jupyter
kernel, an async program), the simulation runs in a worker thread: the plain call
waits for it, the awaitable one awaits it and leaves the caller's loop free. If the
caller is interrupted meanwhile (the notebook's interrupt button, a cancelled task),
``on_interrupt`` is called so the simulation can stop at its next step rather than run
on unseen, and the interruption goes on to the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["await_in_thread", "loop_running", "wait_in_thread"]

T = TypeVar("T")


def loop_running() -> bool:
    """Whether an event loop runs in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def wait_in_thread(work: Callable[[], T], on_interrupt: Callable[[], None]) -> T:
    """Run ``work`` in a worker thread and wait for its value (or its exception).

    Raises:
        KeyboardInterrupt: after calling ``on_interrupt``, if interrupted while waiting.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="skillsim-run") as pool:
        future = pool.submit(work)
        try:
            return future.result()
        except KeyboardInterrupt:
            on_interrupt()
            raise


async def await_in_thread(work: Callable[[], T], on_interrupt: Callable[[], None]) -> T:
    """Run ``work`` in a worker thread and await its value (or its exception).

    Raises:
        asyncio.CancelledError: after calling ``on_interrupt``, if the awaiting task is
            cancelled.
    """
    try:
        return await asyncio.to_thread(work)
    except asyncio.CancelledError:
        on_interrupt()
        raise
