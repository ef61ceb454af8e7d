"""Scale: whole skillsim runs at 10,000 x 100 and 100,000 x 1,000 against plain SimPy.

The scenario is ``mixed_skills``-like, built in code (no TOML): ``N`` tasks with integer
difficulty uniform on 1..10, all arriving at t=0 (priority 1); ``M`` workers with
skill uniform on 1..10, capacity 1; the ``threshold`` model (duration = difficulty,
success iff skill >= difficulty), one attempt per task, seed 1.

Variants, each in its own fresh subprocess (so that ``ru_maxrss`` is the variant's own
peak and no heap or GC state leaks from one run into the next):

* ``simpy``: the reference. A plain SimPy model of the same scenario: the same
  skills and difficulties (drawn from the same seeded streams as
  ``scenarios.build``), every task ``put`` into a FIFO ``simpy.Store`` at t=0, one
  process per worker that ``get``s a task, waits ``timeout(difficulty)`` and records
  the result; then a small report (success rate, makespan, waits, utilization).
* ``best_fit`` and ``optimal``: skillsim, as a user pays for it: ``ScenarioSpec``
  validation, ``scenarios.build.build``, ``scenarios.run.run_simulation`` (the run and
  ``collect``, which computes the full ``RunResult``, rows included). Rendering
  tables is not timed.

Timed: from just before the scenario is generated to a finished report, with
``time.perf_counter`` inside the child. Interpreter start-up and imports are not timed;
the imports (from this script's own imports to the start of the timed part) are
reported apart as ``import s``. Peak memory is the child's ``ru_maxrss`` at the end.

Checks (not ``assert``: they hold under ``python -O`` too): every variant yields
exactly ``N`` results with nothing pending, and all variants of a size report the same
total work and the same makespan and mean wait. Under the threshold model a task's
duration does not depend on who does it, so any policy that fills every free worker
at every instant (all three do) has the timing of FIFO list scheduling; equal figures
show that the reference simulates the same workload.

Repeats interleave the variants (the order rotates every round), medians are
reported, and ratios are taken of the medians (the median of per-round ratios is
printed beside them).

Usage::

    python benchmarks/scale.py                # full run (make bench)
    python benchmarks/scale.py --quick        # smoke run: 10k only, one repeat
    python benchmarks/scale.py --json out.json
    # one variant, e.g. to profile it:
    python -m cProfile -s tottime benchmarks/scale.py --child best_fit 100000 1000
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_LOADED = time.perf_counter()

SEED = 1
VARIANTS = ("simpy", "best_fit", "optimal")
SIZES = ((10_000, 100), (100_000, 1_000))
TARGET_SIZE = (100_000, 1_000)
TARGET_VS_SIMPY = 1.5
"""best_fit within 1.5x of the SimPy reference's wall time at the target size."""
TARGET_PEAK_MIB = 500.0
"""best_fit's peak memory at the target size."""
TARGET_OPTIMAL = 3.0
"""optimal within 3x of best_fit at the target size."""
CHILD_TIMEOUT = 1_800.0
SOURCES = ("agents", "protocol", "scenarios")


class BenchmarkError(RuntimeError):
    """A run did not produce what it should have."""


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise BenchmarkError(what)


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    locations = None if spec is None else spec.submodule_search_locations
    if not locations:
        raise BenchmarkError(f"package {name!r} not found")
    return Path(next(iter(locations))).resolve()


def code_root() -> Path:
    """Where the measured packages are imported from (the children import the same)."""
    return _package_dir(SOURCES[0]).parent


def fingerprint() -> str:
    """A hash of the measured code (``.py`` and ``.toml`` of the ``SOURCES`` packages)."""
    digest = hashlib.sha256()
    for name in SOURCES:
        top = _package_dir(name)
        for path in sorted(top.rglob("*")):
            if path.suffix in (".py", ".toml") and path.is_file():
                digest.update(f"{name}/{path.relative_to(top)}".encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def git_state() -> dict[str, Any]:
    """The commit, and whether the measured code differs from it (read-only git)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=code_root(), capture_output=True, text=True, check=False
            )
        except OSError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    status = git("status", "--porcelain", "--", *SOURCES)
    commit = git("rev-parse", "HEAD") or None
    dirty = commit is not None and bool(status)
    return {"root": str(code_root()), "commit": commit, "dirty": dirty}


def _peak_mib() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


# -- the children: one timed run of one variant ------------------------------------------


def run_simpy(n: int, m: int, seed: int) -> dict[str, Any]:
    """The plain SimPy reference; returns its figures."""
    import random

    import simpy

    imported = _peak_mib()
    started = time.perf_counter()
    # The same streams and draws as scenarios.build: skills rounded to 3 places.
    worker_rng = random.Random(f"{seed}/workers")
    task_rng = random.Random(f"{seed}/tasks")
    skills = [round(max(0.0, worker_rng.uniform(1, 10)), 3) for _ in range(m)]
    difficulties = [task_rng.randint(1, 10) for _ in range(n)]

    env = simpy.Environment()
    store: simpy.Store = simpy.Store(env)
    # (task id, worker, success, started, finished)
    results: list[tuple[int, int, bool, float, float]] = []
    busy = [0.0] * m

    def worker(index: int, skill: float) -> Any:
        while True:
            task_id, difficulty = yield store.get()
            start = env.now
            yield env.timeout(difficulty)
            busy[index] += difficulty
            results.append((task_id, index, skill >= difficulty, start, env.now))

    for task in enumerate(difficulties, start=1):
        store.put(task)
    for index, skill in enumerate(skills):
        env.process(worker(index, skill))
    env.run()

    # The report: the figures skillsim's Metrics would give for this run.
    completed = sum(1 for r in results if r[2])
    makespan = max((r[4] for r in results), default=0.0)
    waits = sorted(r[3] for r in results)
    utilization = [b / makespan for b in busy] if makespan else [0.0] * m
    squares = sum(b * b for b in busy)
    report = {
        "completed": completed,
        "failed": len(results) - completed,
        "success_rate": completed / len(results) if results else 0.0,
        "makespan": makespan,
        "wait_mean": sum(waits) / len(waits) if waits else 0.0,
        "wait_p95": waits[max(0, -(-95 * len(waits) // 100) - 1)] if waits else 0.0,
        "utilization_mean": sum(utilization) / m,
        "fairness_jain": sum(busy) ** 2 / (m * squares) if squares else 1.0,
    }
    seconds = time.perf_counter() - started
    _expect(len(results) == n, f"simpy: {len(results)} results of {n}")
    _expect(not store.items, f"simpy: {len(store.items)} tasks left in the store")
    return {
        "seconds": seconds,
        "peak_mib": _peak_mib(),
        "import_peak_mib": imported,
        "import_seconds": started - _LOADED,
        "results": len(results),
        "pending": 0,
        "completed": completed,
        "total_work": float(sum(difficulties)),
        "makespan": round(report["makespan"], 6),
        "wait_mean": round(report["wait_mean"], 6),
    }


def run_skillsim(policy: str, n: int, m: int, seed: int) -> dict[str, Any]:
    """skillsim: validate, build, run and collect; returns its figures."""
    import logging

    import structlog

    # As the CLI does: agents log at debug and info; keep only warnings.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    from scenarios.build import build
    from scenarios.loader import LoadedScenario
    from scenarios.run import run_simulation
    from scenarios.spec import ScenarioSpec

    if policy == "optimal":  # its imports are lazy; do not time scipy's import
        import numpy  # noqa: F401
        import scipy.optimize  # noqa: F401

    imported = _peak_mib()
    started = time.perf_counter()
    spec = ScenarioSpec.model_validate(
        {
            "name": "scale",
            "seed": seed,
            "policy": policy,
            "model": {"name": "threshold"},
            "workers": {
                "generate": {"count": m, "skill": {"dist": "uniform", "low": 1, "high": 10}}
            },
            "tasks": {
                "generate": {
                    "count": n,
                    "difficulty": {"dist": "uniform", "low": 1, "high": 10, "integer": True},
                }
            },
        }
    )
    sim = build(LoadedScenario("scale", Path("<benchmark>"), spec))
    result = run_simulation(sim).result
    seconds = time.perf_counter() - started
    peak = _peak_mib()

    metrics = result.metrics
    _expect(result.ending == "complete", f"{policy}: run ended {result.ending!r}")
    _expect(len(result.tasks) == n, f"{policy}: {len(result.tasks)} task rows of {n}")
    _expect(metrics.total == n, f"{policy}: {metrics.total} tasks of {n}")
    _expect(metrics.pending == 0, f"{policy}: {metrics.pending} tasks pending")
    _expect(metrics.completed + metrics.failed == n, f"{policy}: not every task decided")
    _expect(len(result.workers) == m, f"{policy}: {len(result.workers)} workers of {m}")
    return {
        "seconds": seconds,
        "peak_mib": peak,
        "import_peak_mib": imported,
        "import_seconds": started - _LOADED,
        "results": metrics.completed + metrics.failed,
        "pending": metrics.pending,
        "completed": metrics.completed,
        "total_work": float(sum(t.difficulty for t in result.tasks)),
        "makespan": metrics.makespan,
        "wait_mean": metrics.wait_mean,
    }


def child(variant: str, n: int, m: int, seed: int) -> dict[str, Any]:
    if variant == "simpy":
        return run_simpy(n, m, seed)
    return run_skillsim(variant, n, m, seed)


# -- the harness ---------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    n: int
    m: int
    variant: str
    seconds: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)
    completed: int = 0
    total_work: float = 0.0
    makespan: float = 0.0
    wait_mean: float = 0.0
    import_peak_mib: float = 0.0
    import_seconds: list[float] = field(default_factory=list)
    median_seconds: float = 0.0
    tasks_per_second: float = 0.0
    median_peak_mib: float = 0.0


@dataclass(slots=True)
class Ratio:
    n: int
    m: int
    name: str
    of_medians: float
    median_of_rounds: float
    rounds: list[float]


def spawn(variant: str, n: int, m: int, seed: int) -> dict[str, Any]:
    """Run one variant in a fresh interpreter; return its figures."""
    command = [sys.executable, os.path.abspath(__file__), "--child", variant, str(n), str(m)]
    command += ["--seed", str(seed)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise BenchmarkError(
            f"{variant} {n}x{m} exited with {done.returncode}:\n{done.stderr.strip()}"
        )
    lines = done.stdout.strip().splitlines()
    _expect(bool(lines), f"{variant} {n}x{m}: no output")
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


def measure(
    n: int, m: int, variants: Sequence[str], repeats: int, seed: int, source: str
) -> tuple[list[Result], list[Ratio]]:
    results = {v: Result(n, m, v) for v in variants}
    for round_ in range(repeats):
        shift = round_ % len(variants)
        for variant in [*variants[shift:], *variants[:shift]]:
            # Others may be editing the code: figures from two versions do not compare.
            _expect(
                fingerprint() == source,
                "the measured code (agents/, protocol/, scenarios/) changed during the "
                "benchmark; its figures would mix versions: run it again on a quiet tree",
            )
            figures = spawn(variant, n, m, seed)
            _expect(figures["results"] == n, f"{variant}: {figures['results']} results of {n}")
            _expect(figures["pending"] == 0, f"{variant}: {figures['pending']} pending")
            result = results[variant]
            result.seconds.append(figures["seconds"])
            result.peak_mib.append(figures["peak_mib"])
            result.completed = figures["completed"]
            result.total_work = figures["total_work"]
            result.makespan = figures["makespan"]
            result.wait_mean = figures["wait_mean"]
            result.import_peak_mib = figures["import_peak_mib"]
            result.import_seconds.append(figures["import_seconds"])
            print(
                f"  {n:>7,} x {m:<5,} round {round_ + 1}/{repeats} {variant:<8} "
                f"{figures['seconds']:7.2f} s {figures['peak_mib']:7.1f} MiB",
                flush=True,
            )
    ordered = [results[v] for v in variants]
    first = ordered[0]
    for result in ordered:
        same = (result.total_work, result.makespan, result.wait_mean)
        reference = (first.total_work, first.makespan, first.wait_mean)
        _expect(
            all(
                math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
                for a, b in zip(same, reference, strict=True)
            ),
            f"{n}x{m}: {result.variant} simulated a different workload than {first.variant}: "
            f"(work, makespan, mean wait) {same} vs "
            f"{reference}",
        )
        result.median_seconds = statistics.median(result.seconds)
        result.tasks_per_second = n / result.median_seconds
        result.median_peak_mib = statistics.median(result.peak_mib)
    ratios = []
    for name, top, bottom in (
        ("best_fit / simpy", "best_fit", "simpy"),
        ("optimal / best_fit", "optimal", "best_fit"),
    ):
        if top in results and bottom in results:
            a, b = results[top], results[bottom]
            rounds = [x / y for x, y in zip(a.seconds, b.seconds, strict=True)]
            ratios.append(
                Ratio(
                    n,
                    m,
                    name,
                    a.median_seconds / b.median_seconds,
                    statistics.median(rounds),
                    rounds,
                )
            )
    return ordered, ratios


def table(results: Sequence[Result]) -> str:
    head = (
        f"{'size':<15} {'variant':<9} {'median s':>9} {'min..max s':>15} {'tasks/s':>9} "
        f"{'peak MiB':>9} {'success':>8} {'import s':>9}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        spread = f"{min(r.seconds):.2f}..{max(r.seconds):.2f}"
        lines.append(
            f"{f'{r.n:,} x {r.m:,}':<15} {r.variant:<9} {r.median_seconds:>9.2f} {spread:>15} "
            f"{r.tasks_per_second:>9,.0f} {r.median_peak_mib:>9.1f} {r.completed / r.n:>8.3f}"
            f" {statistics.median(r.import_seconds):>9.2f}"
        )
    return "\n".join(lines)


def verdicts(results: Sequence[Result], ratios: Sequence[Ratio]) -> list[dict[str, Any]]:
    n, m = TARGET_SIZE
    by_variant = {r.variant: r for r in results if (r.n, r.m) == TARGET_SIZE}
    by_name = {r.name: r for r in ratios if (r.n, r.m) == TARGET_SIZE}
    out: list[dict[str, Any]] = []
    if "best_fit / simpy" in by_name:
        value = by_name["best_fit / simpy"].of_medians
        out.append(
            {
                "target": f"best_fit within {TARGET_VS_SIMPY}x of SimPy at {n:,} x {m:,}",
                "measured": f"{value:.2f}x",
                "met": value <= TARGET_VS_SIMPY,
            }
        )
    if "best_fit" in by_variant:
        peak = by_variant["best_fit"].median_peak_mib
        out.append(
            {
                "target": f"best_fit peak memory < {TARGET_PEAK_MIB:.0f} MiB at {n:,} x {m:,}",
                "measured": f"{peak:.0f} MiB",
                "met": peak < TARGET_PEAK_MIB,
            }
        )
    if "optimal / best_fit" in by_name:
        value = by_name["optimal / best_fit"].of_medians
        out.append(
            {
                "target": f"optimal within {TARGET_OPTIMAL}x of best_fit at {n:,} x {m:,}",
                "measured": f"{value:.2f}x",
                "met": value <= TARGET_OPTIMAL,
            }
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run: 10k only, 1 repeat")
    parser.add_argument(
        "--repeats", type=int, default=None, help="rounds per size (10k: 5, 100k: 3)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"scenario seed ({SEED})")
    parser.add_argument("--json", default=None, metavar="PATH", help="write the figures")
    parser.add_argument(
        "--child",
        nargs=3,
        default=None,
        metavar=("VARIANT", "N", "M"),
        help="internal: run one variant here and print its figures as JSON",
    )
    args = parser.parse_args(argv)

    if args.child is not None:
        variant, n_text, m_text = args.child
        if variant not in VARIANTS:
            parser.error(f"--child variant must be one of {', '.join(VARIANTS)}")
        print(json.dumps(child(variant, int(n_text), int(m_text), args.seed)), flush=True)
        return 0
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be >= 1")

    plan = [(SIZES[0], 1)] if args.quick else [(SIZES[0], 5), (SIZES[1], 3)]
    if args.repeats is not None:
        plan = [(size, args.repeats) for size, _ in plan]
    environment = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    source = fingerprint()
    code = {**git_state(), "fingerprint": source}
    print(
        f"scale: threshold model, batch arrival, seed {args.seed}; each run in a fresh "
        f"subprocess, variants interleaved, medians; Python {environment['python']}, "
        f"{environment['cpus']} CPUs; code in {code['root']} at {code['commit'] or '?'}"
        f"{' + uncommitted changes' if code['dirty'] else ''} (fingerprint {source})",
        flush=True,
    )
    results: list[Result] = []
    ratios: list[Ratio] = []
    for (n, m), repeats in plan:
        got, rated = measure(n, m, VARIANTS, repeats, args.seed, source)
        results += got
        ratios += rated
    print(table(results))
    for ratio in ratios:
        print(
            f"{ratio.n:>7,} x {ratio.m:<5,} {ratio.name:<18} {ratio.of_medians:5.2f}x "
            f"(median of per-round ratios {ratio.median_of_rounds:.2f}x)"
        )
    _expect(fingerprint() == source, "the measured code changed during the benchmark")
    checks = verdicts(results, ratios)
    if not checks:
        print(f"targets apply at {TARGET_SIZE[0]:,} x {TARGET_SIZE[1]:,}: not measured")
    for check in checks:
        print(f"{check['target']}: {check['measured']} ({'met' if check['met'] else 'NOT met'})")
    if args.json is not None:
        payload: dict[str, Any] = {
            "benchmark": "scale",
            "environment": environment,
            "code": code,
            "seed": args.seed,
            "plan": [{"n": n, "m": m, "repeats": r} for (n, m), r in plan],
            "results": [asdict(r) for r in results],
            "ratios": [asdict(r) for r in ratios],
            "targets": checks,
        }
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
