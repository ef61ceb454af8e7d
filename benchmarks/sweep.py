"""Sweep: what each executor costs per run beyond the run itself, and its speed-up.

The sweep: a small scenario (3 to 7 generated workers, 12 tasks, Poisson arrivals,
logistic model) over ``workers.generate.count = [3, 4, 5, 6, 7]``, policies
``best_fit`` and ``round_robin``, 100 seeds: 5 x 2 x 100 = 1,000 runs (``--quick``:
10 seeds, 100 runs).

Variants, interleaved (the order rotates every round), each on a fresh output file,
after a full garbage collection:

* ``direct``: the runs themselves, no sweep: a loop of ``run_scenario`` over the
  plan's runs in this process (each cell's scenario validated once), with a full
  garbage collection every 25 runs as a sweep's worker does (without it a long loop
  slows itself down: see ``scenarios/sweep/runner.py``).
* ``serial``: ``run_sweep(executor="serial")``: planning, rows, the journal and
  Parquet file, the summary frame.
* ``process``: ``run_sweep(executor="process", jobs=2)``: the local pool of two
  worker processes, started by the call (start-up included).
* ``dask``: ``run_sweep(executor="dask", jobs=2)``: a new ``LocalCluster`` of two
  single-threaded worker processes, started and stopped by the call.

Figures, from each variant's median wall time ``T`` over the rounds, with ``N`` runs,
``j`` worker processes (1 for serial) and ``D`` the median of ``direct``:

* overhead per run = ``(j T - D) / N``: the worker time per run that is not the run
  (for serial, ``(T - D) / N``): what the executor adds, start-up included;
* CPU overhead per run = ``(C - C(direct)) / N``, with ``C`` the CPU seconds (user +
  system) of this process and of every worker process it started (read from
  ``psutil`` at the last row, while the workers are alive): what the executor costs
  in CPU beyond the runs, start-up included. A loaded machine stretches wall times
  far more than CPU times, so this is the steadier figure on a shared machine;
* speed-up over serial = ``T(serial) / T``, and over the bare loop = ``D / T``;
* start-up: a pool (or cluster) opened, given one run of a bad cell (no simulation),
  and closed, timed apart.

Checks (not ``assert``): every variant gives ``N`` rows without error, and the same
metrics as ``serial`` for every run.

Usage::

    python benchmarks/sweep.py             # 1,000 runs, 3 rounds
    python benchmarks/sweep.py --quick     # 100 runs, 1 round
    python benchmarks/sweep.py --json out.json
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from harness import environment, expect, rounds

from scenarios.console import configure_logging
from scenarios.loader import LoadedScenario
from scenarios.run import run_scenario
from scenarios.spec import ScenarioSpec
from scenarios.sweep import open_executor, parse_sweep, plan_sweep, run_sweep

SCENARIO = """\
name = "bench"
seed = 1
[model]
name = "logistic"
[workers.generate]
count = 3
skill = { dist = "uniform", low = 2, high = 9 }
[tasks.generate]
count = 12
difficulty = { dist = "uniform", low = 1, high = 10, integer = true }
arrival = { process = "poisson", rate = 0.5 }
"""

VARIANTS = ["direct", "serial", "process", "dask"]
JOBS = {"direct": 1, "serial": 1, "process": 2, "dask": 2}


def direct(plan: Any) -> None:
    loaded: dict[str, LoadedScenario] = {}
    for task in plan.tasks:
        if task.digest not in loaded:
            spec = ScenarioSpec.model_validate(task.scenario)
            loaded[task.digest] = LoadedScenario(task.name, Path("bench"), spec)
        run_scenario(loaded[task.digest], seed=task.seed, policy=task.policy)


def descendant_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of each live descendant process, by pid."""
    out = {}
    for process in psutil.Process().children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        out[process.pid] = times.user + times.system
    return out


def startup(name: str, plan: Any) -> float:
    # One run of a bad cell (no simulation): a pool starts its workers on first use.
    task = dataclasses.replace(plan.tasks[0], key="startup", error="not run")
    start = time.perf_counter()
    executor = open_executor(name, jobs=2)
    expect(len(list(executor.results([task]))) == 1, f"{name}: start-up row")
    executor.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="100 runs, 1 round")
    parser.add_argument("--repeats", type=int, default=None, help="rounds (3; --quick: 1)")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="write figures")
    args = parser.parse_args()
    configure_logging("warning")  # as the command line does; workers log at warning too
    seeds = 10 if args.quick else 100
    repeats = args.repeats or (1 if args.quick else 3)
    folder = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    (folder / "bench.toml").write_text(SCENARIO, encoding="utf-8")
    data = {
        "scenario": "bench.toml",
        "policies": ["best_fit", "round_robin"],
        "seeds": seeds,
        "grid": {"workers.generate.count": [3, 4, 5, 6, 7]},
    }
    spec = parse_sweep(data, source="bench", base_dir=folder)
    plan = plan_sweep(spec)
    n = len(plan.tasks)
    times: dict[str, list[float]] = {v: [] for v in VARIANTS}
    reference: dict[str, Any] = {}
    cpus: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for round_, order in rounds(VARIANTS, repeats + 1):
        for variant in order:
            gc.collect()
            before = descendant_cpu()
            cpu_start, start = time.process_time(), time.perf_counter()
            if variant == "direct":
                direct(plan)
                elapsed = time.perf_counter() - start
                cpu = time.process_time() - cpu_start
            else:
                out = folder / f"{variant}-{round_}.parquet"
                workers: dict[int, float] = {}
                seen: list[str] = []

                def at_last_row(row: Any, seen: list[str] = seen, workers: Any = workers) -> None:
                    # Worker processes stop with the sweep: read their CPU time while alive.
                    seen.append(row["key"])
                    if len(seen) == n:
                        workers.update(descendant_cpu())

                runs = run_sweep(
                    spec, out=out, executor=variant, jobs=JOBS[variant], on_row=at_last_row
                )
                elapsed = time.perf_counter() - start
                cpu = time.process_time() - cpu_start
                cpu += sum(t - before.get(pid, 0.0) for pid, t in workers.items())
                expect(len(runs) == n and runs["error"].isna().all(), f"{variant}: {n} good rows")
                metrics = runs.drop(columns=["wall_time"]).set_index("key").sort_index()
                if variant == "serial" and not reference:
                    reference["frame"] = metrics
                if "frame" in reference:
                    expect(metrics.equals(reference["frame"]), f"{variant}: serial's rows")
            if round_ > 0:  # round 0 warms up (imports, caches, the forkserver)
                times[variant].append(elapsed)
                cpus[variant].append(cpu)
            print(f"round {round_} {variant:8s} {elapsed:7.2f} s wall {cpu:7.2f} s cpu", flush=True)
    starts = {name: startup(name, plan) for name in ("process", "dask")}
    median = {v: statistics.median(t) for v, t in times.items()}
    cpu = {v: statistics.median(t) for v, t in cpus.items()}
    d, dc = median["direct"], cpu["direct"]
    print(f"\n{n} runs; direct loop {d:.2f} s wall = {1000 * d / n:.2f} ms per run,"
          f" {dc:.2f} s cpu")  # fmt: skip
    print(f"{'executor':8s} {'median s':>9s} {'min..max s':>14s} {'wall ms/run':>12s}"
          f" {'cpu s':>7s} {'cpu ms/run':>11s} {'vs serial':>10s} {'vs direct':>10s}")  # fmt: skip
    figures: dict[str, Any] = {"runs": n, "repeats": repeats, "environment": environment()}
    for variant in VARIANTS[1:]:
        t, j = median[variant], JOBS[variant]
        row = {
            "median_s": t,
            "min_s": min(times[variant]),
            "max_s": max(times[variant]),
            "overhead_ms_per_run": 1000 * (j * t - d) / n,
            "cpu_s": cpu[variant],
            "cpu_overhead_ms_per_run": 1000 * (cpu[variant] - dc) / n,
            "speedup_vs_serial": median["serial"] / t,
            "speedup_vs_direct": d / t,
            "startup_s": starts.get(variant),
        }
        figures[variant] = row
        print(f"{variant:8s} {t:9.2f} {row['min_s']:6.2f}..{row['max_s']:<6.2f}"
              f" {row['overhead_ms_per_run']:12.2f} {row['cpu_s']:7.2f}"
              f" {row['cpu_overhead_ms_per_run']:11.2f}"
              f" {row['speedup_vs_serial']:9.2f}x {row['speedup_vs_direct']:9.2f}x")  # fmt: skip
    figures["direct"] = {"median_s": d, "ms_per_run": 1000 * d / n, "cpu_s": dc}
    print(f"start-up (open, one bad-cell run, close): process {starts['process']:.2f} s,"
          f" dask {starts['dask']:.2f} s")  # fmt: skip
    for kind in ("overhead_ms_per_run", "cpu_overhead_ms_per_run"):
        verdict = figures["process"][kind] <= 20
        print(f"target: local pool {kind} <= 20: {'met' if verdict else 'NOT met'}")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
