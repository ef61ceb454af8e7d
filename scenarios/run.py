"""Run a scenario once: build it, run it, measure it (``compare`` repeats this)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agents.board import TaskRecord
from agents.manager import TaskManager
from scenarios.build import Simulation, build
from scenarios.loader import LoadedScenario
from scenarios.metrics import RunResult, collect
from scenarios.recorder import Recorder

__all__ = ["Outcome", "run_scenario", "run_simulation"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished run: the measured result and, when asked, the trace lines."""

    result: RunResult
    trace: list[str] | None


def run_simulation(sim: Simulation, *, on_progress: Progress | None = None) -> Outcome:
    """Run a built simulation to its end and measure it.

    Args:
        sim: From :func:`scenarios.build.build`.
        on_progress: Called with ``(finished tasks, total tasks)`` after each task
            settles; it only observes.

    Returns:
        The result, and the trace when the simulation was built with one.
    """
    if on_progress is not None:
        callback = on_progress

        def listener(manager: TaskManager, record: TaskRecord) -> None:
            total = len(manager.board) + manager.arrivals_left
            callback(total - manager.board.open_count() - manager.arrivals_left, total)

        sim.manager.listeners.append(listener)
    recorder = Recorder.attach(sim.runtime)
    summary = sim.runtime.run(until=sim.until)
    trace = sim.runtime.trace_lines() if sim.runtime.trace is not None else None
    return Outcome(collect(sim, summary, recorder), trace)


def run_scenario(
    loaded: LoadedScenario,
    *,
    seed: int | None = None,
    policy: str | None = None,
    trace: bool = False,
    on_progress: Progress | None = None,
) -> Outcome:
    """Build and run a scenario.

    Args:
        loaded: The scenario.
        seed: Overrides the file's seed.
        policy: Overrides the file's policy.
        trace: Keep every message.
        on_progress: See :func:`run_simulation`.

    Returns:
        The measured outcome.

    Raises:
        PolicyError: for an unknown policy.
    """
    sim = build(loaded, seed=seed, policy=policy, trace=trace)
    return run_simulation(sim, on_progress=on_progress)
