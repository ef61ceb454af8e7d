"""The ``skillsim`` command: ``run``, ``compare`` and ``list``.

Exit codes: 0 success; 1 a run that stalled (it says what it waited for); 2 bad
input (a scenario file, a policy name, an argument), reported in one message that
names the file and field, never with a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from agents.errors import PolicyError
from agents.policies.registry import make_policy, policy_names
from scenarios.console import configure_logging
from scenarios.loader import ScenarioError, bundled_scenarios, load_scenario
from scenarios.report import render_comparison, render_run
from scenarios.run import run_scenario
from scenarios.variants import columns, run_columns

__all__ = ["main"]


class _LazyProgress:
    """A progress bar that appears only once a run has taken more than a second.

    It reads the wall clock to decide when to draw; it only observes the simulation.
    """

    def __init__(self, console: Console, label: str) -> None:
        self._console = console
        self._label = label
        self._start = time.perf_counter()
        self._last = self._start
        self._bar: Progress | None = None
        self._task = TaskID(0)

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        if self._bar is None:
            if now - self._start < 1.0 or not self._console.is_terminal:
                return
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} tasks"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=total)
        self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skillsim", description="Simulate skill-based task assignment."
    )
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default="warning",
        help="show simulation events at this level and above (default: warning)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario and print a report")
    run.add_argument("scenario", help="a scenario file or a bundled name (see `list`)")
    run.add_argument("--policy", help="override the scenario's policy")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--json", type=Path, help="write the result as JSON here")
    run.add_argument("--trace", type=Path, help="write every message as JSON lines here")
    run.add_argument("--workers", type=int, default=20, help="worker rows to show (0: all)")
    compare = sub.add_parser(
        "compare", help="run policies, or scenarios side by side, on common seeds and compare"
    )
    compare.add_argument("scenario", nargs="+", help="one scenario, or several to compare")
    compare.add_argument("--policy", action="append", default=[], help="repeat per policy")
    compare.add_argument("--seeds", type=int, default=5, help="how many seeds (default 5)")
    compare.add_argument("--seed", type=int, help="first seed (default: the scenario's)")
    compare.add_argument("--json", type=Path, help="write the comparison as JSON here")
    sub.add_parser("list", help="list bundled scenarios and registered policies")
    return parser


def _list(console: Console) -> int:
    scenarios = Table(title="bundled scenarios", header_style="bold")
    scenarios.add_column("name")
    scenarios.add_column("description")
    for name in bundled_scenarios():
        scenarios.add_row(name, load_scenario(name).spec.description)
    console.print(scenarios)
    policies = Table(title="policies", header_style="bold")
    policies.add_column("name")
    policies.add_column("what it does")
    for name in policy_names():
        doc = (type(make_policy(name)).__doc__ or "").strip().splitlines()
        policies.add_row(name, doc[0] if doc else "")
    console.print(policies)
    return 0


def _run(args: argparse.Namespace, console: Console) -> int:
    loaded = load_scenario(args.scenario)
    progress = _LazyProgress(console, loaded.name)
    try:
        outcome = run_scenario(
            loaded,
            seed=args.seed,
            policy=args.policy,
            trace=args.trace is not None,
            on_progress=progress,
        )
    finally:
        progress.close()
    render_run(outcome.result, console, max_workers=args.workers)
    if args.json is not None:
        args.json.write_text(outcome.result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if args.trace is not None and outcome.trace is not None:
        args.trace.write_text("".join(line + "\n" for line in outcome.trace), encoding="utf-8")
    return 0 if outcome.result.ending in ("complete", "until") else 1


def _compare(args: argparse.Namespace, console: Console) -> int:
    if args.seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {args.seeds}")
    scenarios = [load_scenario(name) for name in args.scenario]
    chosen = columns(scenarios, list(args.policy))
    first = scenarios[0].spec.seed if args.seed is None else args.seed
    seeds = list(range(first, first + args.seeds))
    grid = run_columns(chosen, seeds)
    title = " vs ".join(s.name for s in scenarios)
    summaries = render_comparison(title, grid, console)
    if args.json is not None:
        document = {
            "scenario": title,
            "seeds": seeds,
            "policies": list(grid),
            "summary": {
                metric: {
                    policy: {"mean": s.mean, "half_width": s.half_width, "n": s.n}
                    for policy, s in per_policy.items()
                }
                for metric, per_policy in summaries.items()
            },
            "runs": {policy: [m.model_dump() for m in runs] for policy, runs in grid.items()},
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 for a stalled run, 2 for bad input.
    """
    args = _parser().parse_args(argv)
    configure_logging(args.log_level)
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # files and pipes get whole rows, not 80 columns
    try:
        if args.command == "list":
            return _list(console)
        if args.command == "run":
            return _run(args, console)
        return _compare(args, console)
    except (ScenarioError, PolicyError, ValueError, OSError) as error:
        # One plain message per problem, unwrapped, so that paths stay greppable.
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
