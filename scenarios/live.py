"""The live view: ``skillsim run NAME --live [--speed N]``.

Design:
    The run uses a :class:`~agents.clock.RealtimeClock`, whose waiting step is a
    sleep; the live view hands it its own sleep, which sleeps in slices and redraws
    the dashboard between them. So the screen is redrawn from the simulation's own
    thread, between its steps, and never reads state while an agent changes it. The
    dashboard reads the run through a bus tap (an :class:`~scenarios.observer.Observer`)
    and the manager's board snapshot (queue, done, failed); it only observes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from agents.clock import RealtimeClock
from protocol.envelope import Envelope
from scenarios.build import Simulation
from scenarios.loader import LoadedScenario
from scenarios.observer import Observer
from scenarios.run import Outcome, run_simulation
from scenarios.script import ScriptScenario, make_simulation

__all__ = ["Dashboard", "Pacer", "run_live"]

_STYLE = {
    "idle": "dim",
    "assigned": "yellow",
    "working": "bold cyan",
    "reviewing": "bold magenta",
    "leaving": "yellow",
    "gone": "dim strike",
}


class Dashboard:
    """A rich dashboard of a simulation: counters, each worker, the latest events.

    Args:
        sim: The simulation to watch; the dashboard taps its bus, so make it before
            the run starts.
        events: How many latest events to show.
        max_workers: Worker rows to show (0: all).
    """

    def __init__(self, sim: Simulation, *, events: int = 8, max_workers: int = 20) -> None:
        self.sim = sim
        self.observer = Observer(events)
        self.max_workers = max_workers
        sim.runtime.bus.tap(self._tap)

    def _tap(self, envelope: Envelope) -> None:
        self.observer.observe(envelope.t, envelope.sender.id, envelope.recipient, envelope.message)

    def render(self) -> RenderableType:
        """The dashboard as it stands now."""
        sim = self.sim
        snap = sim.manager.board.snapshot()
        lanes = list(self.observer.lanes.values())
        busy = sum(1 for lane in lanes if lane.holds)
        present = sum(1 for lane in lanes if lane.left is None)
        title = Text.assemble(
            (f"{sim.name}", "bold"),
            f"  policy {sim.policy}  seed {sim.seed}  ",
            (f"t = {sim.runtime.now:g}", "bold"),
        )
        counters = Table.grid(padding=(0, 3))
        for _ in range(6):
            counters.add_column(justify="right")
        counters.add_row(
            Text("queued", "bold"),
            Text("busy", "bold"),
            Text("done", "bold green"),
            Text("failed", "bold red"),
            Text("arrived", "bold"),
            Text("to come", "bold"),
        )
        counters.add_row(
            str(snap.pending),
            f"{busy}/{present}",
            str(snap.completed),
            str(snap.failed),
            str(snap.total),
            str(sim.manager.arrivals_left),
        )
        workers = Table(header_style="bold", expand=False)
        for column, justify in (
            ("worker", "left"),
            ("skill", "right"),
            ("state", "left"),
            ("task", "left"),
            ("ok", "right"),
            ("failed", "right"),
        ):
            workers.add_column(column, justify=justify)  # type: ignore[arg-type]
        shown = lanes if self.max_workers == 0 else lanes[: self.max_workers]
        for lane in shown:
            task = ", ".join(
                f"{a.task} (d {a.difficulty:g})" for a in list(lane.holds.values())[:3]
            )
            workers.add_row(
                lane.name,
                f"{lane.skill:g}",
                Text(lane.state, _STYLE[lane.state]),
                task,
                str(lane.ended.get("success", 0) + lane.ended.get("approved", 0)),
                str(lane.ended.get("failure", 0)),
            )
        parts: list[RenderableType] = [title, counters, workers]
        if len(shown) < len(lanes):
            parts.append(Text(f"... and {len(lanes) - len(shown)} more workers", "dim"))
        parts.append(Text("latest events", "bold"))
        parts.extend(Text(line) for line in self.observer.recent)
        return Group(*parts)


class Pacer:
    """The realtime clock's sleep, in slices, redrawing between them.

    It reads the wall clock only to pace the screen; the simulation never sees it.

    Args:
        redraw: Called before a sleep and between slices, at most every ``interval``
            wall seconds.
        interval: Wall seconds between redraws (> 0).
        sleep: The blocking sleep (tests pass a fake).
        monotonic: The wall clock that paces redraws (tests pass a fake).

    Raises:
        ValueError: if ``interval`` is not positive.
    """

    def __init__(
        self,
        redraw: Callable[[], None] = lambda: None,
        *,
        interval: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be > 0, got {interval!r}")
        self.redraw = redraw
        self.interval = interval
        self._sleep = sleep
        self._monotonic = monotonic
        self._last = -float("inf")

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of wall time, redrawing at most every ``interval``."""
        self._tick()
        while seconds > 0:
            step = min(seconds, self.interval)
            self._sleep(step)
            seconds -= step
            self._tick()

    def _tick(self) -> None:
        now = self._monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self.redraw()


def run_live(
    source: LoadedScenario | ScriptScenario,
    console: Console,
    *,
    speed: float = 1.0,
    seed: int | None = None,
    policy: str | None = None,
    trace: bool = False,
    max_workers: int = 20,
    isolate: bool = False,
) -> Outcome:
    """Run a scenario in real time with the dashboard on ``console``.

    Args:
        source: The scenario.
        console: Where the dashboard is drawn.
        speed: Simulated seconds per wall-clock second.
        seed: Overrides the scenario's seed.
        policy: Overrides the scenario's policy.
        trace: Keep every message.
        max_workers: Worker rows to show (0: all).
        isolate: See :func:`scenarios.run.run_simulation`.

    Returns:
        The measured outcome, as :func:`scenarios.run.run_simulation` gives it.

    Raises:
        ValueError: for a speed that is not positive.
    """
    pacer = Pacer()
    clock = RealtimeClock(speed, sleep=pacer.sleep)
    sim = make_simulation(source, seed=seed, policy=policy, trace=trace, clock=clock)
    dashboard = Dashboard(sim, max_workers=max_workers)
    with Live(dashboard.render(), console=console, auto_refresh=False) as live:
        pacer.redraw = lambda: live.update(dashboard.render(), refresh=True)
        outcome = run_simulation(sim, isolate=isolate)
        live.update(dashboard.render(), refresh=True)
    return outcome
