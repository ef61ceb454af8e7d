"""The SimPy reference model of the scale scenario, batch or Poisson arrivals.

``N`` tasks with integer difficulty uniform on 1..10, ``M`` workers with skill uniform
on 1..10 (3 places), capacity 1, the threshold rule (duration = difficulty, success iff
skill >= difficulty). Skills, arrival times and difficulties come from the same
seeded streams, drawn in the same order, as ``scenarios.build`` draws them for the
equivalent scenario, so both simulate the same tasks arriving at the same times.

Arrivals: all at t=0 (``rate`` None) or a Poisson process at ``rate`` tasks per
simulated second: a source process waits each exponential gap and ``put``s the task
into a FIFO ``simpy.Store``; one process per worker ``get``s, waits
``timeout(difficulty)`` and records the result.

Run as a script it is a whole user-facing process, the counterpart of ``skillsim run
FILE --json OUT``: it imports SimPy, builds, runs, and writes a report with one row per
task as JSON::

    python benchmarks/simpy_model.py 100000 1000 --json out.json [--rate 150]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["draws", "simulate"]

Row = tuple[int, int, bool, float, float, float]
"""One task's result: (task id, worker, success, arrived, started, finished)."""


def draws(
    n: int, m: int, seed: int, rate: float | None
) -> tuple[list[float], list[float], list[int]]:
    """Worker skills, arrival times and task difficulties, as ``scenarios.build`` draws them."""
    worker_rng = random.Random(f"{seed}/workers")
    task_rng = random.Random(f"{seed}/tasks")
    skills = [round(max(0.0, worker_rng.uniform(1, 10)), 3) for _ in range(m)]
    arrivals = [0.0] * n
    if rate is not None:
        t = 0.0
        for i in range(n):
            t += task_rng.expovariate(rate)
            arrivals[i] = t
    return skills, arrivals, [task_rng.randint(1, 10) for _ in range(n)]


def simulate(
    n: int, m: int, seed: int, rate: float | None = None
) -> tuple[list[Row], list[float], dict[str, Any]]:
    """Run the model; return its rows, each worker's busy time and the report."""
    import simpy

    skills, arrivals, difficulties = draws(n, m, seed, rate)
    env = simpy.Environment()
    store: simpy.Store = simpy.Store(env)
    rows: list[Row] = []
    busy = [0.0] * m

    def worker(index: int, skill: float) -> Any:
        while True:
            task_id, arrived, difficulty = yield store.get()
            start = env.now
            yield env.timeout(difficulty)
            busy[index] += difficulty
            rows.append((task_id, index, skill >= difficulty, arrived, start, env.now))

    def source() -> Any:
        for task_id, (arrived, difficulty) in enumerate(zip(arrivals, difficulties, strict=True)):
            if arrived > env.now:
                yield env.timeout(arrived - env.now)
            store.put((task_id + 1, arrived, difficulty))

    env.process(source())
    for index, skill in enumerate(skills):
        env.process(worker(index, skill))
    env.run()

    # The report: the figures skillsim's Metrics would give for this run.
    completed = sum(1 for r in rows if r[2])
    makespan = max((r[5] for r in rows), default=0.0)
    waits = sorted(r[4] - r[3] for r in rows)
    squares = sum(b * b for b in busy)
    report = {
        "completed": completed,
        "failed": len(rows) - completed,
        "success_rate": completed / len(rows) if rows else 0.0,
        "makespan": makespan,
        "wait_mean": sum(waits) / len(waits) if waits else 0.0,
        "wait_p95": waits[max(0, -(-95 * len(waits) // 100) - 1)] if waits else 0.0,
        "utilization_mean": sum(busy) / (m * makespan) if makespan else 0.0,
        "fairness_jain": sum(busy) ** 2 / (m * squares) if squares else 1.0,
        "total_work": float(sum(difficulties)),
        "store_left": len(store.items),
    }
    return rows, busy, report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("n", type=int, help="tasks")
    parser.add_argument("m", type=int, help="workers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=None, help="Poisson arrivals per second")
    parser.add_argument("--json", required=True, help="write the report and rows here")
    args = parser.parse_args(argv)
    rows, busy, report = simulate(args.n, args.m, args.seed, args.rate)
    document = {
        "report": report,
        "workers": [{"id": f"w{i}", "busy_time": b} for i, b in enumerate(busy)],
        "tasks": [
            {
                "id": r[0],
                "worker": f"w{r[1]}",
                "success": r[2],
                "arrived": r[3],
                "started": r[4],
                "finished": r[5],
            }
            for r in sorted(rows)
        ],
    }
    with open(args.json, "w", encoding="utf-8") as out:
        out.write(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
