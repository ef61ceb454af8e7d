"""Run a scenario once: build it, run it, measure it (``compare`` repeats this).

A handler that raised anywhere in the run (an agent's, or the director applying an
event) makes the result's ``ending`` ``failed`` and is listed in ``failures``; the run
itself went on. With ``isolate=True`` the failures are still listed, but the ending
is the one the run reached (the agents' failures were isolated, as asked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agents.board import TaskRecord
from agents.manager import TaskManager
from agents.summary import RunSummary
from scenarios.build import Simulation, build
from scenarios.loader import LoadedScenario
from scenarios.metrics import EventRow, FailureRow, RunResult, collect
from scenarios.recorder import Recorder

__all__ = ["Outcome", "run_scenario", "run_simulation"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished run: the measured result and, when asked, the trace lines."""

    result: RunResult
    trace: list[str] | None


def run_simulation(
    sim: Simulation, *, on_progress: Progress | None = None, isolate: bool = False
) -> Outcome:
    """Run a built simulation to its end and measure it.

    Args:
        sim: From :func:`scenarios.build.build`.
        on_progress: Called with ``(finished tasks, total tasks)`` after each task
            settles; it only observes.
        isolate: Keep the run's ending when a handler raised (default: ``failed``).

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
    return Outcome(_account(sim, summary, collect(sim, summary, recorder), isolate), trace)


def _account(sim: Simulation, summary: RunSummary, result: RunResult, isolate: bool) -> RunResult:
    """Add the events' outcomes and the handler failures to ``result``."""
    director = sim.director
    outcomes = {o.index: o for o in director.outcomes} if director is not None else {}
    events = director.events if director is not None else []
    ended = f"the run ended at t={summary.t:g} before this event"
    partial: list[EventRow] = []
    skipped: list[EventRow] = []
    for index, event in enumerate(events):
        outcome = outcomes.get(index)
        if outcome is None:
            skipped.append(EventRow(index, event.at, event.action, ended))
        elif outcome.outcome != "applied":
            row = EventRow(index, event.at, event.action, outcome.reason)
            (partial if outcome.outcome == "partial" else skipped).append(row)
    failures = [*summary.failures, *(director.failures if director is not None else [])]
    rows = [
        FailureRow(f.t, f.agent, f.where, f"{type(f.error).__name__}: {f.error}")
        for f in sorted(failures, key=lambda f: f.t)
    ]
    return result.model_copy(
        update={
            "ending": "failed" if rows and not isolate else result.ending,
            "events_applied": len(events) - len(skipped),
            "events_partial": partial,
            "events_skipped": skipped,
            "failures": rows,
        }
    )


def run_scenario(
    loaded: LoadedScenario,
    *,
    seed: int | None = None,
    policy: str | None = None,
    trace: bool = False,
    on_progress: Progress | None = None,
    isolate: bool = False,
) -> Outcome:
    """Build and run a scenario.

    Args:
        loaded: The scenario.
        seed: Overrides the file's seed.
        policy: Overrides the file's policy.
        trace: Keep every message.
        on_progress: See :func:`run_simulation`.
        isolate: See :func:`run_simulation`.

    Returns:
        The measured outcome.

    Raises:
        PolicyError: for an unknown policy.
    """
    sim = build(loaded, seed=seed, policy=policy, trace=trace)
    return run_simulation(sim, on_progress=on_progress, isolate=isolate)
