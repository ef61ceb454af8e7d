"""Targets: every scale figure of the manager's targets, side by side, in one command.

Each measurement is a group of cases run in fresh subprocesses, interleaved (the order
rotates every round), and reported as medians; a ratio is the ratio of two medians of
the same group, so both sides saw the same machine at the same time. The scenario is
``scale.py``'s (threshold model, integer difficulty 1..10, skill 1..10, capacity 1,
seed 1); Poisson arrivals run at 0.15 tasks/s per worker (150/s on 1,000 workers),
a utilisation of 0.15 x 5.5 = 0.83, the same at every team size.

Two kinds of case:

* **in-process** (``scale.py --child``): the time from just before the scenario is
  generated to a finished report, measured inside the child (imports not timed); peak
  memory is the child's ``ru_maxrss``. The child checks its run (every task decided,
  the same total work as the reference, and for SimPy and ``best_fit`` the same
  makespan and mean wait).
* **whole process**: what a user waits for, timed from outside from spawning the
  interpreter to its exit: ``skillsim run FILE --json OUT`` (imports, validation,
  build, run, report on the console, JSON rows) against ``python simpy_model.py N M
  --json OUT`` (imports SimPy, builds, runs, writes the same kind of rows). Peak
  memory comes from ``wait4``. The output files are checked (one row per task).

A case that exceeds ``--timeout`` is reported as timed out and is not run again in
later rounds: on a manager that does not scale, that is the figure.

Usage::

    python benchmarks/targets.py --json benchmarks/targets.json    # make bench
    python benchmarks/targets.py --quick          # every size / 10, one round
    python benchmarks/targets.py --only batch,poisson --rounds 5
    python benchmarks/figure.py benchmarks/targets.json benchmarks/scaling.png
    python benchmarks/figure.py benchmarks/targets.json --tables
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import environment, expect, rounds
from scale import ANSWERS_PER_TASK, SAME_SCHEDULE, fingerprint, git_state, scenario, spawn

HERE = Path(__file__).resolve().parent
SEED = 1
RATE_PER_WORKER = 0.15
"""Poisson arrivals per worker and second: utilisation 0.15 x mean duration 5.5."""
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Case:
    """One thing to run: ``variant`` on ``n`` tasks x ``m`` workers."""

    key: str
    variant: str  # a scale.py variant, or "skillsim_run" / "simpy_run" (whole process)
    n: int
    m: int
    poisson: bool = False

    @property
    def rate(self) -> float | None:
        return RATE_PER_WORKER * self.m if self.poisson else None

    @property
    def answers(self) -> int:
        return self.n * ANSWERS_PER_TASK.get(self.variant, 1)

    def label(self) -> str:
        arrival = f"Poisson {self.rate:g}/s" if self.poisson else "t=0"
        return f"{self.variant} {self.n:,} x {self.m:,} {arrival}"


@dataclass(slots=True)
class Figures:
    case: Case
    seconds: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)
    timed_out: float | None = None
    schedule: tuple[float, float, float] | None = None  # (total work, makespan, mean wait)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("inf")

    @property
    def peak(self) -> float:
        return statistics.median(self.peak_mib) if self.peak_mib else float("inf")


def groups(scale: int) -> dict[str, list[Case]]:
    """The measurements: cases compared with each other run interleaved in one group."""

    def c(key: str, variant: str, n: int, m: int, poisson: bool = False) -> Case:
        return Case(key, variant, max(1, n // scale), max(1, m // scale), poisson)

    figure = []
    for m in (100, 1_000, 10_000):
        for poisson in (False, True):
            tag = f"{'poisson' if poisson else 'batch'}_{m}"
            figure += [
                c(f"simpy_{tag}", "simpy", 20_000, m, poisson),
                c(f"best_fit_{tag}", "best_fit", 20_000, m, poisson),
            ]
    return {
        "batch": [
            c("simpy_100k_1k", "simpy", 100_000, 1_000),
            c("best_fit_100k_1k", "best_fit", 100_000, 1_000),
            c("consensus_100k_1k", "consensus", 100_000, 1_000),
        ],
        "poisson": [
            c("simpy_poisson_100k_1k", "simpy", 100_000, 1_000, True),
            c("best_fit_poisson_100k_1k", "best_fit", 100_000, 1_000, True),
        ],
        "process": [
            c("simpy_run_100k_1k", "simpy_run", 100_000, 1_000),
            c("skillsim_run_100k_1k", "skillsim_run", 100_000, 1_000),
        ],
        "one_task": [
            c("best_fit_1_4k", "best_fit", 1, 4_000),
            c("best_fit_1_40k", "best_fit", 1, 40_000),
        ],
        "workers": [
            c("best_fit_100k_1k_w", "best_fit", 100_000, 1_000),
            c("best_fit_100k_10k", "best_fit", 100_000, 10_000),
            c("optimal_100k_10k", "optimal", 100_000, 10_000),
        ],
        "memory": [c("best_fit_1m_1k", "best_fit", 1_000_000, 1_000)],
        "figure": figure,
    }


ROUNDS = {"memory": 1}
"""Rounds per group when not the default (1M tasks: one run is the figure)."""


@dataclass(frozen=True, slots=True)
class Target:
    what: str
    kind: str  # "ratio" (time), "per_task", "per_answer", "peak" (MiB of one case)
    top: str
    bottom: str | None
    limit: float
    goal: float | None = None


TARGETS = (
    Target(
        "best_fit, 100k x 1k, t=0 vs SimPy", "ratio", "best_fit_100k_1k", "simpy_100k_1k", 2.0, 1.5
    ),
    Target(
        "best_fit, 100k x 1k, Poisson 150/s vs SimPy of the same arrivals",
        "ratio",
        "best_fit_poisson_100k_1k",
        "simpy_poisson_100k_1k",
        2.5,
    ),
    Target(
        "whole `skillsim run FILE --json OUT` process vs whole SimPy process, 100k x 1k",
        "ratio",
        "skillsim_run_100k_1k",
        "simpy_run_100k_1k",
        2.5,
    ),
    Target("1 task: 40,000 vs 4,000 workers", "ratio", "best_fit_1_40k", "best_fit_1_4k", 12.0),
    Target(
        "time per task, Poisson, 10k vs 100 workers (utilisation 0.83)",
        "per_task",
        "best_fit_poisson_10000",
        "best_fit_poisson_100",
        1.5,
    ),
    Target("100k x 10k vs 100k x 1k, t=0", "ratio", "best_fit_100k_10k", "best_fit_100k_1k_w", 1.3),
    Target("peak memory, best_fit 100k x 1k (MiB)", "peak", "best_fit_100k_1k", None, 250.0),
    Target("peak memory, best_fit 1M x 1k (MiB)", "peak", "best_fit_1m_1k", None, 2048.0),
    Target(
        "optimal vs best_fit, 100k x 10k", "ratio", "optimal_100k_10k", "best_fit_100k_10k", 3.0
    ),
    Target("peak memory, optimal 100k x 10k (MiB)", "peak", "optimal_100k_10k", None, 1024.0),
    Target(
        "consensus (3 assignees) vs push, per answer, 100k x 1k",
        "per_answer",
        "consensus_100k_1k",
        "best_fit_100k_1k",
        1.0,
    ),
)


# -- running one case ------------------------------------------------------------------


def toml_of(spec: dict[str, Any]) -> str:
    """A scenario spec as a TOML file: top-level tables, inline tables below them."""

    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, bool):
            return "true" if v else "false"
        return json.dumps(v)

    lines = [f"{k} = {value(v)}" for k, v in spec.items() if not isinstance(v, dict)]
    for key, table in spec.items():
        if isinstance(table, dict):
            lines += ["", f"[{key}]", *(f"{k} = {value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


def run_process(command: list[str], timeout: float) -> tuple[float, float] | None:
    """Spawn ``command``; its wall seconds and peak MiB, or ``None`` past ``timeout``."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if seconds >= timeout:
            return None
        errors.seek(0)
        expect(
            proc.returncode == 0,
            f"{command} exited with {proc.returncode}:\n"
            + errors.read().decode(errors="replace")[-3000:],
        )
    return seconds, usage.ru_maxrss / 1024  # Linux: KiB


def count_rows(path: Path) -> int:
    """The task rows of a JSON report, counted in another process.

    Not here: a child's ``ru_maxrss`` starts at its parent's peak (Linux carries the
    peak across ``fork`` and ``exec``), so the harness must stay small.
    """
    script = "import json, sys; print(len(json.load(open(sys.argv[1]))['tasks']))"
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def run_case(case: Case, timeout: float, workdir: Path) -> dict[str, Any] | None:
    """Run ``case`` once in a fresh process; its figures, or ``None`` on timeout."""
    if case.variant in ("skillsim_run", "simpy_run"):
        out = workdir / f"{case.key}.json"
        if case.variant == "skillsim_run":
            toml = workdir / f"{case.key}.toml"
            toml.write_text(toml_of(scenario(case.n, case.m, SEED, "best_fit", case.rate)))
            cli = Path(sys.executable).with_name("skillsim")
            command = [str(cli), "run", str(toml), "--json", str(out)]
        else:
            command = [
                sys.executable,
                str(HERE / "simpy_model.py"),
                str(case.n),
                str(case.m),
                "--seed",
                str(SEED),
                "--json",
                str(out),
            ]
            if case.rate is not None:
                command += ["--rate", repr(case.rate)]
        got = run_process(command, timeout)
        if got is not None:
            rows = count_rows(out)
            expect(rows == case.n, f"{case.label()}: {rows} rows of {case.n}")
        out.unlink(missing_ok=True)
        return None if got is None else {"seconds": got[0], "peak_mib": got[1]}
    try:
        figures = spawn(case.variant, case.n, case.m, SEED, case.rate, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    expect(figures["results"] == case.n, f"{case.label()}: {figures['results']} results")
    return figures


# -- the plan, the verdicts ------------------------------------------------------------


def measure(
    cases: Sequence[Case], repeats: int, timeout: float, source: str, workdir: Path
) -> list[Figures]:
    figures = {c.key: Figures(c) for c in cases}
    for round_, order in rounds(list(cases), repeats):
        for case in order:
            got = figures[case.key]
            if got.timed_out is not None:
                continue
            expect(fingerprint() == source, "the measured code changed during the benchmark")
            result = run_case(case, timeout, workdir)
            if result is None:
                got.timed_out = timeout
                print(
                    f"  round {round_ + 1}/{repeats} {case.label():<45} timed out "
                    f"(> {timeout:.0f} s)",
                    flush=True,
                )
                continue
            got.seconds.append(result["seconds"])
            got.peak_mib.append(result["peak_mib"])
            if case.variant in SAME_SCHEDULE:
                got.schedule = (result["total_work"], result["makespan"], result["wait_mean"])
            print(
                f"  round {round_ + 1}/{repeats} {case.label():<45} "
                f"{result['seconds']:8.2f} s {result['peak_mib']:8.1f} MiB",
                flush=True,
            )
    check_schedules(figures.values())
    return list(figures.values())


def check_schedules(figures: Iterable[Figures]) -> None:
    """SimPy, best_fit and optimal on one scenario simulate the same tasks and timing.

    Under the threshold model a task's duration does not depend on its worker, so any
    policy that fills every free worker at every instant has the timing of FIFO list
    scheduling, batch or Poisson: equal figures show the SimPy model and skillsim ran
    the same arrivals and work.
    """
    seen: dict[tuple[int, int, bool], tuple[str, tuple[float, float, float]]] = {}
    for f in figures:
        if f.schedule is None:
            continue
        where = (f.case.n, f.case.m, f.case.poisson)
        first = seen.setdefault(where, (f.case.label(), f.schedule))
        same = all(
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
            for a, b in zip(first[1], f.schedule, strict=True)
        )
        expect(
            same,
            f"{f.case.label()} simulated another workload than {first[0]}: (work, makespan, "
            f"mean wait) {f.schedule} vs {first[1]}",
        )


def verdict(target: Target, by_key: dict[str, Figures]) -> dict[str, Any] | None:
    top = by_key.get(target.top)
    bottom = by_key.get(target.bottom) if target.bottom else None
    if top is None or (target.bottom and bottom is None):
        return None
    if target.kind == "peak":
        value = top.peak
        shown = f"{value:.0f} MiB" if top.peak_mib else f"timed out (> {top.timed_out:.0f} s)"
    else:
        assert bottom is not None
        late = top.timed_out is not None or bottom.timed_out is not None
        a = top.median if top.seconds else top.timed_out or 0.0
        b = bottom.median if bottom.seconds else bottom.timed_out or 0.0
        if target.kind == "per_task":
            a, b = a / top.case.n, b / bottom.case.n
        if target.kind == "per_answer":
            a, b = a / top.case.answers, b / bottom.case.answers
        value = a / b
        shown = f"{value:.2f}x"
        if late:  # a bound, not a figure
            shown = f"{'>' if top.timed_out else '<'} {value:.1f}x (timed out)"
            value = float("inf") if top.timed_out else value
    met = value <= target.limit
    return {
        "target": target.what,
        "limit": target.limit,
        "goal": target.goal,
        "measured": shown,
        "value": value if value != float("inf") else None,
        "met": met,
    }


def main(argv: Sequence[str] | None = None) -> int:
    plan = groups(1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="every size divided by 10 (figure sizes too), one round",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per group (3)")
    parser.add_argument(
        "--only", default=",".join(plan), metavar="G,...", help=f"groups to run ({','.join(plan)})"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds before a case counts as not finishing (300)",
    )
    parser.add_argument("--json", default=None, metavar="PATH", help="write the figures")
    parser.add_argument(
        "--figure",
        default=None,
        metavar="PNG",
        help="also draw the time-per-task figure (needs matplotlib)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        plan = groups(10)
    chosen = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = [g for g in chosen if g not in plan]
    if unknown or not chosen:
        parser.error(f"unknown group(s) {unknown}; choose from {','.join(plan)}")
    source = fingerprint()
    code = {**git_state(), "fingerprint": source}
    machine = environment()
    print(
        f"targets: Python {machine['python']}, {machine['cpus']} CPUs; code at "
        f"{code['commit'] or '?'}{' + changes' if code['dirty'] else ''}",
        flush=True,
    )
    results: list[Figures] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            repeats = 1 if args.quick else ROUNDS.get(name, args.rounds)
            print(f"{name}: {repeats} round(s)", flush=True)
            results += measure(plan[name], repeats, args.timeout, source, Path(tmp))
    by_key = {f.case.key: f for f in results}
    checks = [v for t in TARGETS if (v := verdict(t, by_key)) is not None]
    if args.quick:  # the targets are stated at the full sizes
        for check in checks:
            check["target"] = f"[sizes / 10] {check['target']}"
            check["met"] = None
    for f in results:
        shown = (
            f"{f.median:8.2f} s {1e6 * f.median / f.case.n:9.1f} us/task "
            f"{f.peak:8.1f} MiB {f.peak * MIB / f.case.n / 1024:7.2f} KiB/task"
            if f.seconds
            else f"timed out (> {f.timed_out:.0f} s)"
        )
        print(f"{f.case.label():<48} {shown}")
    for check in checks:
        state = {True: "met", False: "NOT met", None: "quick sizes: no verdict"}[check["met"]]
        print(f"{check['target']}: {check['measured']} (limit {check['limit']:g}; {state})")
    if args.json is not None:
        payload = {
            "benchmark": "targets",
            "environment": machine,
            "code": code,
            "quick": args.quick,
            "timeout": args.timeout,
            "command": " ".join(["python", "benchmarks/targets.py", *(argv or sys.argv[1:])]),
            "cases": [
                {
                    **asdict(f.case),
                    "label": f.case.label(),
                    "seconds": f.seconds,
                    "peak_mib": f.peak_mib,
                    "timed_out": f.timed_out,
                    "median_seconds": f.median if f.seconds else None,
                    "median_peak_mib": f.peak if f.peak_mib else None,
                }
                for f in results
            ],
            "targets": checks,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        if args.figure is not None:
            from figure import draw

            draw(payload, Path(args.figure))
        from figure import tables

        print(tables(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
