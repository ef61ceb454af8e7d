"""Every run entry point works inside a running event loop, as in a Jupyter kernel."""

import asyncio

import pytest
from conftest import Logs

from agents import Runtime, SimulationStalledError, TaskManager, run, run_async
from scenarios import load_scenario, run_scenario, run_scenario_async
from scenarios.quickstart import main as quickstart

pytestmark = pytest.mark.usefixtures("quiet_logs")

QUICKSTART_RESULTS = [
    (1, "Junior", True, 2.0),
    (2, "Intermediate", True, 5.0),
    (3, "Senior", True, 8.0),
]


def results(manager: TaskManager) -> list[tuple[object, str, bool, float]]:
    return [(r.task_id, r.worker, r.success, r.duration) for r in manager.task_results]


@pytest.fixture(name="plain_trace", scope="module")
def fixture_plain_trace() -> list[str]:
    """rush_hour's trace from a run with no loop around it (fixtures run outside the loop)."""
    with pytest.raises(RuntimeError, match=r"^no running event loop$"):
        asyncio.get_running_loop()
    trace = run_scenario(load_scenario("rush_hour"), trace=True).trace
    assert trace is not None
    return trace


async def stalls() -> None:
    await asyncio.get_running_loop().create_future()  # nothing will ever resolve it


class TestSynchronousEntryPointsInsideALoop:
    async def test_agents_run(self) -> None:
        """agents.run works while a loop runs in this thread and returns main's value."""
        asyncio.get_running_loop()  # there is one
        assert results(run(quickstart())) == QUICKSTART_RESULTS

    async def test_runtime_run(self) -> None:
        """Runtime.run works inside a loop and ends as it would outside one."""
        runtime = Runtime(seed=1)
        summary = runtime.run(quickstart())
        assert (summary.ending, summary.t, results(summary.value)) == (
            "complete",
            8.0,
            QUICKSTART_RESULTS,
        )

    async def test_run_scenario_gives_the_same_trace(self, plain_trace: list[str]) -> None:
        """run_scenario inside a loop gives the trace it gives outside one, line for line."""
        outcome = run_scenario(load_scenario("rush_hour"), trace=True)
        assert outcome.trace == plain_trace

    async def test_errors_reach_the_caller(self) -> None:
        """A stalled main raises SimulationStalledError in the caller, as outside a loop."""
        with pytest.raises(
            SimulationStalledError,
            match=r"^run stalled at t=0: the main coroutine still waits and nothing is left "
            r"to happen; no agent said what it waited for$",
        ):
            run(stalls())


class TestAwaitableEntryPoints:
    async def test_run_async(self) -> None:
        """agents.run_async returns what main returned."""
        assert results(await run_async(quickstart())) == QUICKSTART_RESULTS

    async def test_runtime_run_async(self) -> None:
        """Runtime.run_async returns the run's summary."""
        summary = await Runtime().run_async(quickstart())
        assert (summary.ending, summary.t) == ("complete", 8.0)

    async def test_run_scenario_async_gives_the_same_trace(self, plain_trace: list[str]) -> None:
        """run_scenario_async's trace equals the plain run's."""
        outcome = await run_scenario_async(load_scenario("rush_hour"), trace=True)
        assert outcome.trace == plain_trace
        assert outcome.result.metrics.deadline_misses == 1528

    async def test_errors_reach_the_awaiting_caller(self) -> None:
        """run_async raises what run raises."""
        with pytest.raises(SimulationStalledError, match=r"^run stalled at t=0: "):
            await run_async(stalls())

    async def test_the_callers_loop_keeps_running(self) -> None:
        """While a realtime run is awaited, the caller's loop runs its other tasks."""
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        task = asyncio.create_task(ticker())
        # 8 simulated seconds at 100x: at least 80 ms of wall time.
        manager = await run_async(quickstart(), clock="realtime", speed=100)
        task.cancel()
        assert results(manager) == QUICKSTART_RESULTS
        assert ticks >= 2


class TestInterruption:
    async def test_cancelling_the_await_stops_the_simulation(self, logs: Logs) -> None:
        """A cancelled run_async stops the simulation's agents at its next step, logged."""
        runtime = Runtime(clock="realtime", speed=4)  # the quick start: 8 s = 2 s of wall time
        task = asyncio.create_task(runtime.run_async(quickstart()))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(200):  # the next step is t=2, half a second of wall time away
            if runtime.agents() and all(agent.stopped for agent in runtime.agents()):
                break
            await asyncio.sleep(0.025)
        assert [agent.stopped for agent in runtime.agents()] == [True] * 4
        assert runtime.now == 2.0
        warnings = [(e["event"], e["t"]) for e in logs if e["log_level"] == "warning"]
        assert warnings == [("run_interrupted", 2.0)]
