"""The manager at scale: batch and streaming arrivals, many workers, against SimPy.

Scenario (as ``scale.py``): ``N`` tasks, integer difficulty uniform on 1..10; ``M``
workers, skill uniform on 1..10, capacity 1; the threshold model (duration =
difficulty); ``best_fit``; seed 1. Arrivals are all at t=0 (``rate 0``) or Poisson at
``rate`` per second. The SimPy reference draws the same arrival times, skills and
difficulties from the same seeded streams as ``scenarios.build``, puts each task into a
FIFO store at its time, and runs one process per worker.

Each run is a fresh subprocess. It reports the CPU seconds (``time.process_time``) and
wall seconds from just before the scenario is validated to the finished result
(``collect``, rows included), and its peak RSS (``ru_maxrss``). CPU seconds are the
figure compared: on a machine shared with other jobs, wall time measures the others
too. Variants alternate within each round (the order rotates), and medians are taken.

Measures:

* ``batch``: 100k x 1k, all at t=0, skillsim / SimPy.
* ``poisson``: 100k x 1k at 150 tasks/s (utilisation about 0.8), skillsim / SimPy.
* ``one_task``: 1 task with 40,000 workers / with 4,000 workers (start-up: linear
  would be 10x).
* ``per_worker``: CPU per task, Poisson at utilisation 0.8, 10k workers / 100 workers
  (20k tasks each); also net of start-up (minus a 1-task run with as many workers).
* ``batch_10k``: 100k x 10k / 100k x 1k, all at t=0.
* peak memory of the 100k x 1k batch run.

Usage::

    python benchmarks/manager_scale.py            # every measure, 3 rounds
    python benchmarks/manager_scale.py --rounds 1
    python benchmarks/manager_scale.py --child skillsim 100000 1000 150   # one run
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from harness import child, environment, expect, rounds

SEED = 1
MEAN_WORK = 5.5  # mean difficulty, so rate = 0.8 * M / 5.5 gives utilisation 0.8


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _draws(n: int, m: int, rate: float) -> tuple[list[float], list[float], list[int]]:
    """Arrival times, skills and difficulties as ``scenarios.build`` draws them."""
    worker_rng = random.Random(f"{SEED}/workers")
    task_rng = random.Random(f"{SEED}/tasks")
    skills = [round(max(0.0, worker_rng.uniform(1, 10)), 3) for _ in range(m)]
    times = [0.0] * n
    if rate:
        t = 0.0
        for i in range(n):
            t += task_rng.expovariate(rate)
            times[i] = t
    return times, skills, [task_rng.randint(1, 10) for _ in range(n)]


def run_simpy(n: int, m: int, rate: float) -> dict[str, Any]:
    import simpy

    cpu, wall = time.process_time(), time.perf_counter()
    times, skills, difficulties = _draws(n, m, rate)
    env = simpy.Environment()
    store: simpy.Store = simpy.Store(env)
    results: list[tuple[int, bool, float, float, float]] = []

    def source() -> Any:
        for task_id, (when, difficulty) in enumerate(zip(times, difficulties, strict=True)):
            if when > env.now:
                yield env.timeout(when - env.now)
            store.put((task_id, difficulty, when))

    def worker(skill: float) -> Any:
        while True:
            task_id, difficulty, arrived = yield store.get()
            start = env.now
            yield env.timeout(difficulty)
            results.append((task_id, skill >= difficulty, arrived, start, env.now))

    env.process(source())
    for skill in skills:
        env.process(worker(skill))
    env.run()
    waits = [r[3] - r[2] for r in results]
    figures = {
        "completed": sum(1 for r in results if r[1]),
        "makespan": round(max(r[4] for r in results), 6),
        "wait_mean": round(sum(waits) / len(waits), 6),
    }
    expect(len(results) == n, f"simpy: {len(results)} results of {n}")
    return {
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - wall,
        "peak_mib": _peak_mib(),
        **figures,
    }


def run_skillsim(n: int, m: int, rate: float, policy: str = "best_fit") -> dict[str, Any]:
    from scenarios.console import configure_logging

    configure_logging("warning")
    from scenarios.build import build
    from scenarios.loader import LoadedScenario
    from scenarios.run import run_simulation
    from scenarios.spec import ScenarioSpec

    cpu, wall = time.process_time(), time.perf_counter()
    tasks: dict[str, Any] = {
        "count": n,
        "difficulty": {"dist": "uniform", "low": 1, "high": 10, "integer": True},
    }
    if rate:
        tasks["arrival"] = {"process": "poisson", "rate": rate}
    spec = ScenarioSpec.model_validate(
        {
            "name": "manager_scale",
            "seed": SEED,
            "policy": policy,
            "model": {"name": "threshold"},
            "workers": {
                "generate": {"count": m, "skill": {"dist": "uniform", "low": 1, "high": 10}}
            },
            "tasks": {"generate": tasks},
        }
    )
    sim = build(LoadedScenario("manager_scale", Path("<benchmark>"), spec))
    result = run_simulation(sim).result
    figures = {
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - wall,
        "peak_mib": _peak_mib(),
        "completed": result.metrics.completed,
        "makespan": result.metrics.makespan,
        "wait_mean": result.metrics.wait_mean,
    }
    expect(result.ending == "complete", f"skillsim ended {result.ending!r}")
    expect(result.metrics.pending == 0, "skillsim left tasks pending")
    return figures


def spawn(kind: str, n: int, m: int, rate: float) -> dict[str, Any]:
    return child(__file__, kind, n, m, rate)


RUNS = {
    "simpy_batch": ("simpy", 100_000, 1_000, 0.0),
    "batch": ("skillsim", 100_000, 1_000, 0.0),
    "simpy_poisson": ("simpy", 100_000, 1_000, 150.0),
    "poisson": ("skillsim", 100_000, 1_000, 150.0),
    "one_4k": ("skillsim", 1, 4_000, 0.0),
    "one_40k": ("skillsim", 1, 40_000, 0.0),
    "one_100": ("skillsim", 1, 100, 0.0),
    "one_10k": ("skillsim", 1, 10_000, 0.0),
    "stream_100": ("skillsim", 20_000, 100, round(0.8 * 100 / MEAN_WORK, 3)),
    "stream_10k": ("skillsim", 20_000, 10_000, round(0.8 * 10_000 / MEAN_WORK, 3)),
    "batch_10k": ("skillsim", 100_000, 10_000, 0.0),
}
RATIOS = (
    ("batch 100k x 1k / SimPy", "batch", "simpy_batch", 2.0, "cpu"),
    ("Poisson 150/s 100k x 1k / SimPy", "poisson", "simpy_poisson", 2.5, "cpu"),
    ("1 task: 40k / 4k workers", "one_40k", "one_4k", 12.0, "cpu"),
    ("per task, Poisson: 10k / 100 workers", "stream_10k", "stream_100", 1.5, "cpu"),
    ("batch 100k: 10k / 1k workers", "batch_10k", "batch", 1.3, "cpu"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated run names")
    parser.add_argument("--child", nargs=4, metavar=("KIND", "N", "M", "RATE"))
    args = parser.parse_args(argv)
    if args.child:
        kind, n, m, rate = args.child
        run = run_simpy if kind == "simpy" else run_skillsim
        print(json.dumps(run(int(n), int(m), float(rate))))
        return 0
    names = [n for n in RUNS if not args.only or n in args.only.split(",")]
    seen: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for round_, order in rounds(names, args.rounds):
        for name in order:
            figures = spawn(*RUNS[name])
            seen[name].append(figures)
            print(
                f"round {round_ + 1} {name:14} cpu {figures['cpu']:8.2f}s wall "
                f"{figures['wall']:8.2f}s peak {figures['peak_mib']:7.1f} MiB",
                flush=True,
            )
    median = {
        name: {k: statistics.median(f[k] for f in runs) for k in ("cpu", "wall", "peak_mib")}
        for name, runs in seen.items()
    }
    print(json.dumps({"environment": environment(), "median": median}, indent=1))
    for label, top, bottom, target, key in RATIOS:
        if top in median and bottom in median:
            ratio = median[top][key] / median[bottom][key]
            verdict = "ok" if ratio <= target else "MISSED"
            print(f"{label:40} {ratio:6.2f}x (target <= {target}x) {verdict}")
    net = ("stream_10k", "one_10k", "stream_100", "one_100")
    if all(name in median for name in net):
        big, big0, small, small0 = (median[name]["cpu"] for name in net)
        ratio = (big - big0) / (small - small0)
        label = "per task, Poisson, net of start-up"
        print(f"{label:40} {ratio:6.2f}x (target <= 1.5x) {'ok' if ratio <= 1.5 else 'MISSED'}")
    if "batch" in median:
        peak = median["batch"]["peak_mib"]
        print(
            f"{'peak memory, batch 100k x 1k':40} {peak:6.1f} MiB (target <= 250) "
            f"{'ok' if peak <= 250 else 'MISSED'}"
        )
    for name, runs in seen.items():
        same = {(f["completed"], f["makespan"], f["wait_mean"]) for f in runs}
        expect(len(same) == 1, f"{name}: results differ between rounds: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
