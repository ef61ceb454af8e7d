"""The ``skillsim`` command: ``run``, ``compare``, ``plot``, ``report``, ``schema`` and ``list``.

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
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from agents.errors import PolicyError
from agents.policies.registry import make_policy, policy_names
from scenarios.compare import Comparison, run_comparison
from scenarios.console import configure_logging
from scenarios.extras import MissingExtraError
from scenarios.loader import LoadedScenario, ScenarioError, bundled_scenarios, load_scenario
from scenarios.metrics import RunResult
from scenarios.report import render_comparison, render_run
from scenarios.run import run_scenario

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
    _add_table_options(run)
    compare = sub.add_parser("compare", help="run policies on common seeds and compare")
    compare.add_argument("scenario")
    compare.add_argument("--policy", action="append", required=True, help="repeat per policy")
    _add_seed_options(compare)
    compare.add_argument("--json", type=Path, help="write the comparison as JSON here")
    sub.add_parser("list", help="list bundled scenarios and registered policies")
    _add_picture_commands(sub)
    return parser


def _add_table_options(run: argparse.ArgumentParser) -> None:
    run.add_argument("--parquet", type=Path, metavar="DIR", help="write the tables as Parquet")
    run.add_argument("--csv", type=Path, metavar="DIR", help="write the tables as CSV")


def _add_seed_options(parser: argparse.ArgumentParser, seeds: int | None = 5) -> None:
    shown = "5" if seeds else "5 when comparing"
    parser.add_argument("--seeds", type=int, default=seeds, help=f"how many seeds ({shown})")
    parser.add_argument("--seed", type=int, help="first seed (default: the scenario's)")
    parser.add_argument("--baseline", help="compare the others with this policy (default: first)")


def _add_picture_commands(sub: Any) -> None:
    source = "a scenario (name or file), or a .json written by `run --json` or `compare --json`"
    for name, help_text in (
        ("plot", "draw a run (timeline, queue, heatmap) or a comparison as PNG or SVG"),
        ("report", "write one self-contained HTML page of a run or a comparison"),
    ):
        parser = sub.add_parser(name, help=help_text)
        parser.add_argument("source", help=source)
        parser.add_argument("--policy", action="append", help="one to run; several to compare")
        _add_seed_options(parser, seeds=None)
        if name == "plot":
            parser.add_argument("--out", type=Path, default=Path("figures"), help="directory")
            parser.add_argument("--format", choices=["png", "svg"], default="png")
        else:
            parser.add_argument("--out", type=Path, default=Path("report.html"), help="file")
    schema = sub.add_parser("schema", help="print the JSON schema of `run --json`")
    schema.add_argument("--out", type=Path, help="write it here instead")


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
    _write_tables(args, outcome.result, console)
    return 0 if outcome.result.ending in ("complete", "until") else 1


def _write_tables(args: argparse.Namespace, result: RunResult, console: Console) -> None:
    from scenarios.frames import write_frames

    for fmt in ("parquet", "csv"):
        directory = getattr(args, fmt, None)
        if directory is not None:
            paths = write_frames(result, directory, fmt)
            console.print(f"wrote {len(paths)} {fmt} tables to {directory}")


def _comparison(
    args: argparse.Namespace,
    loaded: LoadedScenario,
    policies: list[str],
    count: int,
    console: Console,
) -> Comparison:
    if count < 1:
        raise ValueError(f"--seeds must be >= 1, got {count}")
    for name in policies:
        make_policy(name)  # fail fast on an unknown name, before any run
    if args.baseline is not None and args.baseline not in policies:
        raise ValueError(
            f"--baseline {args.baseline} is not among the policies: {', '.join(policies)}"
        )
    first = loaded.spec.seed if args.seed is None else args.seed
    seeds = list(range(first, first + count))
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} runs"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with bar:
        task = bar.add_task(f"{loaded.name}", total=len(seeds) * len(policies))

        def advance(policy: str, seed: int) -> None:
            bar.update(task, advance=1, description=f"{loaded.name}: {policy}, seed {seed}")

        return run_comparison(loaded, policies, seeds, baseline=args.baseline, on_run=advance)


def _compare(args: argparse.Namespace, console: Console) -> int:
    loaded = load_scenario(args.scenario)
    comparison = _comparison(args, loaded, list(args.policy), args.seeds, console)
    render_comparison(comparison, console)
    if args.json is not None:
        document = comparison.to_document()
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


def _source(args: argparse.Namespace, console: Console) -> RunResult | Comparison:
    """What ``plot`` and ``report`` draw: a JSON document, a comparison, or one run."""
    path = Path(args.source)
    if path.suffix == ".json":
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(document, dict) and "runs" in document:
                return Comparison.from_document(document)
            return RunResult.model_validate(document)
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f"{path}: not a document of `run --json` or `compare --json`: {error}"
            ) from None
    policies = list(args.policy or [])
    loaded = load_scenario(args.source)
    if len(policies) > 1 or args.seeds is not None:
        count = 5 if args.seeds is None else args.seeds
        return _comparison(args, loaded, policies or [loaded.spec.policy.name], count, console)
    return run_scenario(loaded, seed=args.seed, policy=policies[0] if policies else None).result


def _plot(args: argparse.Namespace, console: Console) -> int:
    from scenarios.plot import write_figures

    for path in write_figures(_source(args, console), args.out, args.format):
        console.print(f"wrote {path}")
    return 0


def _report(args: argparse.Namespace, console: Console) -> int:
    from scenarios.webreport import write_report

    console.print(f"wrote {write_report(_source(args, console), args.out)}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    text = json.dumps(RunResult.model_json_schema(), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


_COMMANDS = {"compare": _compare, "plot": _plot, "report": _report}


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
        if args.command in _COMMANDS:
            return _COMMANDS[args.command](args, console)
        return _schema(args)
    except (ScenarioError, PolicyError, MissingExtraError, ValueError, OSError) as error:
        # One plain message per problem, unwrapped, so that paths stay greppable.
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
