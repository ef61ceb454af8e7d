"""The floor: what skillsim's runtime, bus, workers and messages alone cost per task.

The scenario of ``manager_scale.py`` (same draws, FIFO), run by the real ``Runtime``,
``MessageBus`` and ``WorkerAgent`` with validated messages (an assignment, an
acceptance and a result per task), but with a manager that keeps nothing beyond a
FIFO of tasks and one of free workers: no board, no index, no policy, no recorder, no
metrics. One placement pass per instant, as the real manager does. Its time against
the SimPy model of the same arrivals is the ratio no manager on this runtime can beat
without changing the runtime, the bus or the protocol.

Each run is a fresh subprocess; CPU seconds (``time.process_time``) from just before the
tasks are made to the run's end; the kinds alternate within each round; medians. The
floor's makespan and mean wait must equal SimPy's (FIFO list scheduling, the same
arrivals), which shows both simulate the same thing.

Usage::

    python benchmarks/floor.py                      # 100k x 1k batch and Poisson 150/s, 3 rounds
    python benchmarks/floor.py --rounds 2 --size 20000x1000
    python benchmarks/floor.py --child floor 100000 1000 150
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import deque
from typing import Any

from harness import child, environment, expect, rounds
from manager_scale import _draws, _peak_mib, run_simpy

from agents import BaseAgent, Runtime, WorkerAgent, on
from protocol.messages import (
    AgentDetail,
    SimulationComplete,
    Task,
    TaskAccepted,
    TaskAssignment,
    TaskResult,
    compact,
)

SEED = 1


class FifoManager(BaseAgent):
    """Hands tasks to free workers in arrival order, one pass per instant."""

    role = "manager"

    def __init__(self, arrivals: list[tuple[float, Task]], workers: list[str]) -> None:
        super().__init__("manager")
        self.arrivals = arrivals
        self.pending: deque[tuple[float, Task]] = deque()
        self.free = deque(workers)
        self.waits: list[float] = []
        self.successes = 0
        self.left = len(arrivals)

    def _start(self, runtime: Any) -> None:
        super()._start(runtime)
        for when, task in self.arrivals:
            self.call_later(when, self._arrive, when, task)

    def _arrive(self, when: float, task: Task) -> None:
        self.pending.append((when, task))
        self.runtime.at_instant_end(self._place)

    def _place(self) -> None:
        now = self.now
        pending, free = self.pending, self.free
        while pending and free:
            arrived, task = pending.popleft()
            self.waits.append(now - arrived)
            self.send_nowait(free.popleft(), TaskAssignment(task=task))

    @on(TaskAccepted)
    async def accepted(self, data: TaskAccepted, time: float, agent: AgentDetail) -> None:
        """Nothing to keep: the start was recorded at assignment."""

    @on(TaskResult)
    async def result(self, data: TaskResult, time: float, agent: AgentDetail) -> None:
        """Free the worker; end the run after the last result."""
        self.successes += data.success
        self.free.append(data.worker)
        self.left -= 1
        if self.left:
            self.runtime.at_instant_end(self._place)
        else:
            await self.broadcast(
                SimulationComplete(total=len(self.arrivals), completed=self.successes, failed=0)
            )
            self.stop("complete")


def run_floor(n: int, m: int, rate: float) -> dict[str, Any]:
    from scenarios.console import configure_logging

    configure_logging("warning")
    cpu, wall = time.process_time(), time.perf_counter()
    times, skills, difficulties = _draws(n, m, rate)
    tasks = [
        (when, compact(Task(id=i, difficulty=d)))
        for i, (when, d) in enumerate(zip(times, difficulties, strict=True))
    ]
    workers = [WorkerAgent(f"w{i}", skill) for i, skill in enumerate(skills)]
    manager = FifoManager(tasks, [w.id for w in workers])
    runtime = Runtime(seed=SEED)
    runtime.add(manager, *workers)
    summary = runtime.run()
    expect(manager.left == 0, f"floor: {manager.left} tasks left")
    return {
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - wall,
        "peak_mib": _peak_mib(),
        "completed": manager.successes,
        "makespan": round(summary.t, 6),
        "wait_mean": round(sum(manager.waits) / len(manager.waits), 6),
    }


def spawn(kind: str, n: int, m: int, rate: float) -> dict[str, Any]:
    return child(__file__, kind, n, m, rate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", default="100000x1000", help="TASKSxWORKERS")
    parser.add_argument("--rate", type=float, default=150.0, help="Poisson tasks/s")
    parser.add_argument("--child", nargs=4, metavar=("KIND", "N", "M", "RATE"))
    args = parser.parse_args(argv)
    if args.child:
        kind, n, m, rate = args.child
        run = run_simpy if kind == "simpy" else run_floor
        print(json.dumps(run(int(n), int(m), float(rate))))
        return 0
    n, m = (int(x) for x in args.size.split("x"))
    runs = {
        "simpy_batch": ("simpy", n, m, 0.0),
        "floor_batch": ("floor", n, m, 0.0),
        "simpy_poisson": ("simpy", n, m, args.rate),
        "floor_poisson": ("floor", n, m, args.rate),
    }
    seen: dict[str, list[dict[str, Any]]] = {name: [] for name in runs}
    for round_, order in rounds(list(runs), args.rounds):
        for name in order:
            figures = spawn(*runs[name])
            seen[name].append(figures)
            print(f"round {round_ + 1} {name:14} cpu {figures['cpu']:8.2f}s", flush=True)
    median = {name: statistics.median(f["cpu"] for f in got) for name, got in seen.items()}
    print(json.dumps({"environment": environment(), "median_cpu": median}, indent=1))
    for arrivals in ("batch", "poisson"):
        floor, simpy = seen[f"floor_{arrivals}"][0], seen[f"simpy_{arrivals}"][0]
        same = (floor["makespan"], floor["wait_mean"]) == (simpy["makespan"], simpy["wait_mean"])
        expect(same, f"{arrivals}: floor {floor} and SimPy {simpy} differ")
        ratio = median[f"floor_{arrivals}"] / median[f"simpy_{arrivals}"]
        print(f"floor / SimPy, {arrivals} {n} x {m}: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
