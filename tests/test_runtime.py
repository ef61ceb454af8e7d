import asyncio
import re
import time
from typing import Literal

import pytest
from conftest import Feeder, Logs, Script

from agents import (
    AgentStateError,
    BaseAgent,
    LogisticModel,
    NoRuntimeError,
    RealtimeClock,
    Runtime,
    SimulationStalledError,
    TaskManager,
    VirtualClock,
    WorkerAgent,
    current_runtime,
    make_clock,
    on,
    on_run,
    run,
)
from protocol import AgentDetail, Message, Task


class Poke(Message):
    kind: Literal["runtime_poke"] = "runtime_poke"
    n: int


class Fragile(BaseAgent):
    """Fails on odd pokes, records the even ones."""

    def __init__(self) -> None:
        super().__init__("fragile")
        self.handled: list[int] = []

    @on(Poke)
    async def poke(self, message: Poke, time: float, sender: AgentDetail) -> None:
        if message.n % 2:
            raise ValueError(f"boom {message.n}")
        self.handled.append(message.n)


class Sleeper(BaseAgent):
    """Sleeps the given simulated seconds, noting the time after each, then leaves."""

    def __init__(self, *naps: float, name: str = "sleeper", plain: bool = False) -> None:
        super().__init__(name)
        self.naps = naps
        self.plain = plain
        self.woke: list[float] = []

    @on_run()
    async def nap(self) -> None:
        for seconds in self.naps:
            if self.plain:
                await asyncio.sleep(seconds)
            else:
                await self.sleep(seconds)
            self.woke.append(self.now)
        self.stop()


class Forever(BaseAgent):
    """Ticks every simulated second and never leaves on its own."""

    @on_run()
    async def tick(self) -> None:
        while True:
            await self.sleep(1)


def stalled_manager() -> tuple[TaskManager, list[WorkerAgent]]:
    manager = TaskManager([Task(id=1, difficulty=1)], expected_workers=3)
    return manager, [WorkerAgent("a", 5), WorkerAgent("b", 5)]


class TestHandlerFailures:
    def test_exception_is_isolated_counted_and_logged(self, feed: Feeder, logs: Logs) -> None:
        """A raising handler is logged and counted, and the agent handles later messages."""
        agent = Fragile()
        summary = feed(agent, Poke(n=1), Poke(n=2), Poke(n=3), Poke(n=4))
        assert agent.handled == [2, 4]
        assert [(f.t, f.agent, f.where, repr(f.error)) for f in summary.failures] == [
            (0.0, "fragile", "runtime_poke", "ValueError('boom 1')"),
            (0.0, "fragile", "runtime_poke", "ValueError('boom 3')"),
        ]
        failed = [e for e in logs if e["event"] == "handler_failed"]
        assert [
            {k: e[k] for k in ("agent", "role", "message_kind", "t", "log_level", "error")}
            for e in failed
        ] == [
            {
                "agent": "fragile",
                "role": "agent",
                "message_kind": "runtime_poke",
                "t": 0.0,
                "log_level": "error",
                "error": repr(ValueError(f"boom {n}")),
            }
            for n in (1, 3)
        ]
        assert [e["exc_info"] for e in failed] == [f.error for f in summary.failures]
        assert summary.ending == "complete"

    def test_failure_in_run_loop_is_counted(self) -> None:
        """An exception in an @on_run loop is counted with where="run"."""

        class Crashes(BaseAgent):
            @on_run()
            async def go(self) -> None:
                await self.sleep(4)
                raise RuntimeError("crashed")

        runtime = Runtime()
        runtime.add(Crashes("crasher"))
        summary = runtime.run()
        assert [(f.t, f.agent, f.where, repr(f.error)) for f in summary.failures] == [
            (4.0, "crasher", "run", "RuntimeError('crashed')")
        ]

    def test_strict_run_reraises_the_first_exception(self) -> None:
        """With strict=True the run raises the first handler exception when it returns."""
        agent = Fragile()
        runtime = Runtime()
        runtime.add(Script(agent.id, [Poke(n=2), Poke(n=1), Poke(n=3), Poke(n=4)]), agent)
        with pytest.raises(ValueError, match=r"^boom 1$"):
            runtime.run(strict=True)
        assert agent.handled == [2]
        assert [f.where for f in runtime.failures] == ["runtime_poke"]

    def test_strict_agents_run_reraises(self) -> None:
        """agents.run(strict=True) raises a handler's exception instead of returning."""

        async def main() -> str:
            runtime = current_runtime()
            agent = Fragile()
            runtime.add(Script(agent.id, [Poke(n=1)]), agent)
            await agent.wait_stopped()
            return "unreachable"

        with pytest.raises(ValueError, match=r"^boom 1$"):
            run(main(), strict=True)

    def test_non_strict_agents_run_returns(self) -> None:
        """Without strict, agents.run returns main's value despite a failing handler."""

        async def main() -> list[int]:
            agent = Fragile()
            current_runtime().add(Script(agent.id, [Poke(n=1), Poke(n=2)]), agent)
            await agent.wait_stopped()
            return agent.handled

        assert run(main()) == [2]


class TestVirtualTime:
    def test_long_sleep_is_simulated(self) -> None:
        """An agent sleeping 10,000 simulated seconds ends at t == 10000 without waiting."""
        sleeper = Sleeper(10_000)
        runtime = Runtime()
        runtime.add(sleeper)
        started = time.perf_counter()
        summary = runtime.run()
        assert time.perf_counter() - started < 1.0  # loose sanity bound only
        assert (sleeper.woke, summary.t, runtime.now, summary.ending) == (
            [10_000.0],
            10_000.0,
            10_000.0,
            "complete",
        )

    def test_asyncio_sleep_is_simulated(self) -> None:
        """A plain asyncio.sleep inside an agent waits in simulated time."""
        sleeper = Sleeper(5, 0.5, 86_400 * 3, plain=True)
        runtime = Runtime()
        runtime.add(sleeper)
        summary = runtime.run()
        assert sleeper.woke == [5.0, 5.5, 5.5 + 86_400 * 3]
        assert summary.t == 5.5 + 86_400 * 3

    def test_wait_for_times_out_in_simulated_time(self) -> None:
        """asyncio.wait_for's timeout elapses in simulated time."""

        async def main() -> float:
            never = asyncio.get_running_loop().create_future()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(never, timeout=30)
            return current_runtime().now

        assert run(main()) == 30.0

    def test_sleepers_wake_in_time_order(self) -> None:
        """Agents sleeping different spans wake in simulated-time order."""
        woke: list[tuple[float, str]] = []

        class Noter(Sleeper):
            async def nap(self) -> None:
                await self.sleep(self.naps[0])
                woke.append((self.now, self.id))
                self.stop()

        runtime = Runtime()
        runtime.add(Noter(3, name="c"), Noter(1, name="a"), Noter(2, name="b"), Noter(1, name="d"))
        runtime.run()
        assert woke == [(1.0, "a"), (1.0, "d"), (2.0, "b"), (3.0, "c")]

    def test_realtime_clock_sleeps_scaled_intervals(self) -> None:
        """A realtime clock at speed 2 sleeps half of each simulated interval."""
        slept: list[float] = []
        clock = RealtimeClock(speed=2, sleep=slept.append)
        sleeper = Sleeper(3, 7)
        runtime = Runtime(clock=clock)
        runtime.add(sleeper)
        summary = runtime.run()
        assert slept == [1.5, 3.5]
        assert (sleeper.woke, summary.t) == ([3.0, 10.0], 10.0)

    def test_realtime_clock_refuses_non_positive_speed(self) -> None:
        """A realtime speed of 0 raises ValueError."""
        with pytest.raises(ValueError, match=r"^speed must be > 0, got 0$"):
            RealtimeClock(speed=0)

    def test_virtual_clock_never_goes_back(self) -> None:
        """A virtual clock starts where told and ignores jumps into the past."""
        clock = VirtualClock(start=5)
        clock.wait_until(3)
        assert clock.now() == 5.0
        clock.wait_until(8)
        assert clock.now() == 8.0

    def test_make_clock(self) -> None:
        """make_clock builds clocks by name and passes clock objects through."""
        clock = VirtualClock()
        realtime = make_clock("realtime", 4)
        assert make_clock(clock) is clock
        assert type(make_clock("virtual")) is VirtualClock
        assert isinstance(realtime, RealtimeClock)
        assert realtime.speed == 4.0
        with pytest.raises(
            ValueError, match=r"^clock must be 'virtual' or 'realtime', got 'sundial'$"
        ):
            make_clock("sundial")


class TestEndings:
    def test_stall_ends_the_run_with_reasons(self, logs: Logs) -> None:
        """A manager waiting for a third worker that never comes ends the run as stalled."""
        manager, workers = stalled_manager()
        runtime = Runtime()
        runtime.add(manager, *workers)
        summary = runtime.run()
        assert (summary.ending, summary.t, summary.waiting_for) == (
            "stalled",
            0.0,
            ("TaskManager: 3 expected workers, 2 connected",),
        )
        assert manager.stopped
        assert all(w.stopped for w in workers)
        assert [e for e in logs if e["event"] == "run_stalled"] == [
            {
                "event": "run_stalled",
                "log_level": "warning",
                "agent": "runtime",
                "role": "runtime",
                "t": 0.0,
                "waiting_for": ["TaskManager: 3 expected workers, 2 connected"],
            }
        ]

    def test_stalled_start_agent_returns(self) -> None:
        """The seed's start_agent returns when its run stalls instead of hanging."""

        async def main() -> TaskManager:
            manager, workers = stalled_manager()
            await manager.start_agent(b"", workers)
            return manager

        summary = Runtime().run(main())
        assert (summary.ending, summary.waiting_for) == (
            "stalled",
            ("TaskManager: 3 expected workers, 2 connected",),
        )
        assert summary.value.task_results == []

    def test_stall_before_time_limit_is_still_a_stall(self) -> None:
        """A run that stalls before `until` ends stalled at the stall, not at the limit."""
        manager, workers = stalled_manager()
        runtime = Runtime()
        runtime.add(manager, *workers)
        summary = runtime.run(until=1_000)
        assert (summary.ending, summary.t, summary.waiting_for) == (
            "stalled",
            0.0,
            ("TaskManager: 3 expected workers, 2 connected",),
        )

    def test_idle_agents_end_the_run_quietly(self, logs: Logs) -> None:
        """Agents that wait for nothing in particular are stopped and the run is complete."""
        runtime = Runtime()
        idle = BaseAgent("idle")
        runtime.add(idle)
        summary = runtime.run()
        assert (summary.ending, summary.waiting_for, idle.stopped) == ("complete", (), True)
        assert [e["event"] for e in logs if e["event"].startswith("run_")] == ["run_idle"]

    def test_main_waiting_forever_raises(self) -> None:
        """A main coroutine awaiting a future nobody resolves raises SimulationStalledError."""

        async def main() -> None:
            await asyncio.get_running_loop().create_future()

        with pytest.raises(
            SimulationStalledError,
            match=r"^run stalled at t=0: the main coroutine still waits and nothing is left to "
            r"happen; no agent said what it waited for$",
        ):
            run(main())

    def test_a_stopped_agents_timers_do_not_move_the_clock(self) -> None:
        """Timers an agent set are cancelled when it stops: the stall is at once, not at 100."""
        fired: list[float] = []

        async def main() -> None:
            agent = BaseAgent("quitter")
            current_runtime().add(agent)
            await asyncio.sleep(0)
            agent.call_later(100, lambda: fired.append(agent.now))
            agent.stop()
            await asyncio.get_running_loop().create_future()

        with pytest.raises(SimulationStalledError, match=r"^run stalled at t=0: "):
            run(main())
        assert fired == []

    def test_main_waiting_forever_reports_the_agents_reasons(self) -> None:
        """The stall error carries what the stopped agents were waiting for."""

        async def main() -> None:
            manager, workers = stalled_manager()
            current_runtime().add(manager, *workers)
            await asyncio.sleep(2)
            await asyncio.get_running_loop().create_future()

        with pytest.raises(
            SimulationStalledError,
            match=r"^run stalled at t=2: the main coroutine still waits and nothing is left to "
            r"happen; TaskManager: 3 expected workers, 2 connected$",
        ):
            run(main())

    def test_until_stops_the_run(self) -> None:
        """`until` stops every agent at that simulated time."""
        runtime = Runtime()
        agents = [Forever("f1"), Forever("f2")]
        runtime.add(*agents)
        summary = runtime.run(until=10)
        assert (summary.ending, summary.t, summary.value) == ("until", 10.0, None)
        assert [a.stopped for a in agents] == [True, True]

    def test_until_cancels_main(self) -> None:
        """`until` also ends a main coroutine that would run longer."""

        async def main() -> str:
            await asyncio.sleep(100)
            return "late"

        summary = Runtime().run(main(), until=7.5)
        assert (summary.ending, summary.t, summary.value) == ("until", 7.5, None)

    def test_run_returns_mains_value(self) -> None:
        """The summary holds what the main coroutine returned, and the time it ended."""

        async def main() -> str:
            await asyncio.sleep(2)
            return "done"

        summary = Runtime().run(main())
        assert (summary.value, summary.t, summary.ending, summary.failures) == (
            "done",
            2.0,
            "complete",
            (),
        )

    def test_runtime_runs_once(self) -> None:
        """A second run of one runtime raises AgentStateError."""
        runtime = Runtime()
        runtime.run()
        with pytest.raises(AgentStateError, match=r"^a runtime runs once; make a new one$"):
            runtime.run()

    def test_agent_cannot_be_added_twice(self) -> None:
        """Adding an agent that is already waiting to start raises AgentStateError."""
        runtime = Runtime()
        agent = BaseAgent("dup")
        runtime.add(agent)
        with pytest.raises(AgentStateError, match=r"^agent 'dup' is already started$"):
            runtime.add(agent)

    def test_agent_added_during_run_starts_at_once(self) -> None:
        """An agent added while the run is under way starts at the current time."""

        async def main() -> list[float]:
            await asyncio.sleep(4)
            sleeper = Sleeper(1)
            current_runtime().add(sleeper)
            await sleeper.wait_stopped()
            return sleeper.woke

        assert run(main()) == [5.0]


class TestNoRuntime:
    async def test_start_agent_outside_run_raises(self) -> None:
        """The seed's start_agent under plain asyncio raises NoRuntimeError."""
        manager = TaskManager([Task(id=1, difficulty=1)])
        with pytest.raises(
            NoRuntimeError,
            match=r"^no skillsim run in progress: start the simulation with "
            r"agents\.run\(main\(\)\) instead of asyncio\.run\(main\(\)\)$",
        ):
            await manager.start_agent(b"", [WorkerAgent("w", 1)])

    def test_current_runtime_outside_run_raises(self) -> None:
        """current_runtime() outside a run raises NoRuntimeError."""
        with pytest.raises(NoRuntimeError, match=r"^no skillsim run in progress: "):
            current_runtime()

    def test_scheduling_before_the_run_raises(self) -> None:
        """Runtime.call_at and at_instant_end before the run raise NoRuntimeError."""
        runtime = Runtime()
        with pytest.raises(NoRuntimeError, match=r"^the run has not started$"):
            runtime.call_at(1.0, lambda: None)
        with pytest.raises(NoRuntimeError, match=r"^the run has not started$"):
            runtime.at_instant_end(lambda: None)

    def test_unstarted_agent_has_no_runtime(self) -> None:
        """An agent that was never started raises AgentStateError when asked for its runtime."""
        with pytest.raises(AgentStateError, match=r"^agent 'x' is not started$"):
            _ = BaseAgent("x").now

    def test_trace_lines_need_a_trace(self) -> None:
        """trace_lines on a runtime made without trace=True raises AgentStateError."""
        with pytest.raises(
            AgentStateError, match=r"^this runtime keeps no trace: make it with trace=True$"
        ):
            Runtime().trace_lines()


def noisy_scenario(seed: int) -> list[str]:
    """A run full of random choices: random policy, logistic model, noisy durations."""
    model = LogisticModel(scale=1.5, noise="lognormal")
    manager = TaskManager(
        [Task(id=i, difficulty=1 + (i * 7) % 10, priority=i % 3) for i in range(12)],
        expected_workers=4,
        policy="random",
    )
    workers = [WorkerAgent(f"w{i}", skill_level=2 + 2 * i, model=model) for i in range(4)]
    runtime = Runtime(seed=seed, trace=True)
    runtime.add(manager, *workers)
    summary = runtime.run(strict=True)
    assert summary.ending == "complete"
    return runtime.trace_lines()


class TestDeterminism:
    def test_same_seed_gives_identical_traces(self) -> None:
        """Five runs with one seed produce byte-identical traces."""
        traces = [tuple(noisy_scenario(seed=11)) for _ in range(5)]
        assert len(set(traces)) == 1
        assert len(traces[0]) > 40

    def test_other_seed_gives_another_trace(self) -> None:
        """A different seed changes the run."""
        assert noisy_scenario(seed=11) != noisy_scenario(seed=12)

    def test_trace_lines_are_json_with_fixed_keys(self) -> None:
        """Each trace line is compact JSON with t, seq, sender, recipient, topic, message."""
        first = noisy_scenario(seed=11)[0]
        assert re.match(
            r'^\{"t":0\.0,"seq":0,"sender":"[^"]+","recipient":"[^"]+","topic":null,'
            r'"message":\{"kind":"[a-z_]+",',
            first,
        )

    def test_streams_are_per_agent_and_seeded(self) -> None:
        """random_for gives each agent its own stream, fixed by the seed and the agent id."""
        one, two = Runtime(seed=5), Runtime(seed=5)
        two.random_for("b").random()  # drawing for b first must not shift a's stream
        a_one = [one.random_for("a").random() for _ in range(3)]
        a_two = [two.random_for("a").random() for _ in range(3)]
        b_one = [one.random_for("b").random() for _ in range(3)]
        assert a_one == a_two
        assert a_one != b_one
        assert one.random_for("a") is one.random_for("a")
        assert [Runtime(seed=6).random_for("a").random() for _ in range(3)] != a_one

    def test_agent_random_is_its_runtime_stream(self) -> None:
        """An agent's self.random is the runtime's stream for its id."""
        seen: list[bool] = []

        class Drawer(BaseAgent):
            @on_run()
            async def draw(self) -> None:
                seen.append(self.random is current_runtime().random_for(self.id))
                self.stop()

        runtime = Runtime(seed=1)
        runtime.add(Drawer("d"))
        runtime.run()
        assert seen == [True]
