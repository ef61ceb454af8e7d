"""The project's stand-ins for ``asyncio.run``: :func:`run` and :func:`run_async`.

Each makes a :class:`~agents.runtime.Runtime` and runs a driver coroutine as a
simulation: agents started inside join the run, and every sleep is simulated. Both
work where an event loop already runs (a notebook): see :mod:`agents.threads`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from agents.clock import Clock
from agents.runtime import Runtime

__all__ = ["run", "run_async"]

T = TypeVar("T")


def run(
    main: Awaitable[T],
    *,
    seed: int = 0,
    clock: str | Clock = "virtual",
    speed: float = 1.0,
    strict: bool = False,
    strict_bus: bool = False,
) -> T:
    """Run ``main`` as a simulation: the project's stand-in for ``asyncio.run``.

    Agents started inside (for example by ``TaskManager.start_agent``) join this run,
    and every sleep inside is simulated.

    Args:
        main: The driver coroutine.
        seed: Seeds every random stream of the run.
        clock: ``"virtual"`` (default) or ``"realtime"``.
        speed: For ``"realtime"``: simulated seconds per wall-clock second.
        strict: Fail on the first handler exception.
        strict_bus: Round-trip every message through the JSON codec.

    Returns:
        What ``main`` returned.

    Raises:
        SimulationStalledError: if ``main`` still waits when nothing is left to happen.
    """
    runtime = Runtime(seed=seed, clock=clock, speed=speed, strict_bus=strict_bus)
    value: T = runtime.run(main, strict=strict).value
    return value


async def run_async(
    main: Awaitable[T],
    *,
    seed: int = 0,
    clock: str | Clock = "virtual",
    speed: float = 1.0,
    strict: bool = False,
    strict_bus: bool = False,
) -> T:
    """Await ``main`` run as a simulation: :func:`run` for async callers and notebooks.

    The simulation runs on its own loop in a worker thread; the caller's loop stays
    free. Arguments, return value and errors are those of :func:`run`.
    """
    runtime = Runtime(seed=seed, clock=clock, speed=speed, strict_bus=strict_bus)
    value: T = (await runtime.run_async(main, strict=strict)).value
    return value
