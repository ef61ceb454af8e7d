"""The ``skillsim`` command: run, compare, plot, report, replay, schema and list.

Exit codes: 0 success; 1 a run that stalled (it says what it waited for); 2 bad
input (a scenario file, a policy name, an argument), reported in one message that
names the file and field, never with a traceback; 3 a run in which a handler raised
(listed; ``--isolate`` keeps the run's own ending and exit code).

A scenario file is data: its ``policy = "module:Class"`` is imported only with
``--allow-import`` (this file is code). ``--policy module:Class`` is the user's own
choice and imports from the current directory. Results (``--json``, ``--trace``) are
written before the report is drawn, so a report that fails loses nothing.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from agents.dispatch_rules import dispatch_rule_names, make_dispatch_rule
from agents.distribution import WorkloadUnit
from agents.errors import PolicyError
from agents.policies.registry import find_policy, installed_policies, make_policy, policy_names
from protocol.errors import SkillsimError
from scenarios.compare import Comparison, run_comparison
from scenarios.console import configure_logging
from scenarios.limits import DEFAULT_LIMITS, Limits
from scenarios.live import run_live
from scenarios.loader import LoadedScenario, bundled_scenarios, load_scenario
from scenarios.metrics import RunResult
from scenarios.replay import read_replay, render_page
from scenarios.report import render_comparison, render_run
from scenarios.run import run_scenario
from scenarios.script import ScriptScenario, load_source
from scenarios.spec import ScenarioSpec
from scenarios.sweep.command import add_sweep_parser, sweep_command
from scenarios.variants import compare_files

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


class _UsageError(Exception):
    """A bad command line, reported like any bad input (exit 2, one line)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {message}")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _loading(parser: argparse.ArgumentParser) -> None:
    """The options every command that reads a scenario file takes."""
    parser.add_argument(
        "--allow-import",
        action="store_true",
        help="let the file's policy = 'module:Class' import that module: this file is code",
    )
    limits = DEFAULT_LIMITS
    for flag, default, what in (
        ("--max-workers", limits.workers, "workers"),
        ("--max-tasks", limits.tasks, "tasks"),
        ("--max-file-bytes", limits.file_bytes, "bytes of scenario file"),
    ):
        parser.add_argument(
            flag, type=_positive, default=default, help=f"refuse more {what} (default {default})"
        )


def _version() -> str:
    try:
        return importlib.metadata.version("skillsim")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover (a bare checkout)
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="skillsim", description="Simulate skill-based task assignment.")
    parser.add_argument("--version", action="version", version=f"skillsim {_version()}")
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default="warning",
        help="show simulation events at this level and above (default: warning)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario and print a report")
    run.add_argument("scenario", help="a scenario file or a bundled name (see `list`)")
    run.add_argument("--policy", help="override the scenario's policy (name or module:Class)")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--json", help="write the result as JSON here ('-': standard output)")
    run.add_argument("--trace", type=Path, help="write every message as JSON lines here")
    run.add_argument(
        "--workers", type=_non_negative, default=20, help="worker rows to show (0: all)"
    )
    run.add_argument(
        "--isolate",
        action="store_true",
        help="a handler that raises does not fail the run (it is still listed)",
    )
    _add_table_options(run)
    run.add_argument("--live", action="store_true", help="run in real time with a dashboard")
    run.add_argument(
        "--speed", type=float, default=1.0, help="with --live: simulated seconds per second"
    )
    _loading(run)
    compare = sub.add_parser(
        "compare", help="run policies, or scenario files side by side, on common seeds"
    )
    compare.add_argument("scenario", nargs="+", help="one scenario, or several to compare")
    compare.add_argument("--policy", action="append", default=[], help="repeat per policy")
    _add_seed_options(compare)
    compare.add_argument("--json", help="write the comparison as JSON here ('-': standard output)")
    compare.add_argument(
        "--isolate",
        action="store_true",
        help="a handler that raises does not fail the comparison (it is still listed)",
    )
    compare.add_argument(
        "--max-runs",
        type=_positive,
        default=DEFAULT_LIMITS.runs,
        help=f"refuse more runs, seeds x policies (default {DEFAULT_LIMITS.runs})",
    )
    _loading(compare)
    sub.add_parser("list", help="list bundled scenarios and registered policies")
    _add_picture_commands(sub)
    replay = sub.add_parser("replay", help="turn a --trace into an animated HTML page")
    replay.add_argument("trace", type=Path, help="a file written by `run --trace`")
    replay.add_argument("-o", "--output", type=Path, required=True, help="the page to write")
    replay.add_argument(
        "--result", type=Path, help="the same run's --json file: arrivals and final states"
    )
    add_sweep_parser(sub)
    return parser


def _add_table_options(run: argparse.ArgumentParser) -> None:
    run.add_argument("--parquet", type=Path, metavar="DIR", help="write the tables as Parquet")
    run.add_argument("--csv", type=Path, metavar="DIR", help="write the tables as CSV")


def _add_seed_options(parser: argparse.ArgumentParser, seeds: int | None = 5) -> None:
    shown = "5" if seeds else "5 when comparing"
    parser.add_argument("--seeds", type=_positive, default=seeds, help=f"how many seeds ({shown})")
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
    schema.add_argument(
        "--scenario", action="store_true", help="the schema of a scenario file instead"
    )


def _limits(args: argparse.Namespace) -> Limits:
    runs = getattr(args, "max_runs", DEFAULT_LIMITS.runs)
    return Limits(args.max_workers, args.max_tasks, args.max_file_bytes, runs)


def _load(args: argparse.Namespace, policies: Sequence[str]) -> LoadedScenario | ScriptScenario:
    # The command line's own policies are the user's choice: import paths among them
    # are imported here, from the current directory, and fail before any run. The
    # file's policy is then never imported (an override replaces it).
    for name in policies:
        try:
            find_policy(name, allow_import=True, search=[Path.cwd()])
        except PolicyError as error:
            raise PolicyError(f"--policy: {error}") from None
    return load_source(  # a .py file is code, run because the user named it
        args.scenario,
        allow_import=args.allow_import,
        policy=policies[0] if policies else None,
        limits=_limits(args),
    )


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
    installed = installed_policies()
    for name in policy_names():
        if name in installed:  # listed without importing the package that offers it
            policies.add_row(name, f"installed: {installed[name]}")
            continue
        doc = (type(make_policy(name)).__doc__ or "").strip().splitlines()
        policies.add_row(name, doc[0] if doc else "")
    console.print(policies)
    rules = Table(title='dispatch rules (queue = "assignee")', header_style="bold")
    rules.add_column("name")
    rules.add_column("joins the queue of")
    for name in dispatch_rule_names():
        rule = make_dispatch_rule(name, (WorkloadUnit("x", 100),) if name == "workload" else ())
        doc = (type(rule).__doc__ or "").strip().splitlines()
        rules.add_row(name, doc[0] if doc else "")
    console.print(rules)
    return 0


def _replay(args: argparse.Namespace, console: Console) -> int:
    replay = read_replay(args.trace, args.result)
    args.output.write_text(render_page(replay), encoding="utf-8")
    console.print(
        f"wrote {args.output}: {len(replay.attempts)} attempts by {len(replay.workers)} workers",
        markup=False,
        highlight=False,
    )
    return 0


def _write(target: str, text: str) -> None:
    """Write ``text`` to the file ``target``, or to standard output for ``-``."""
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(target).write_text(text, encoding="utf-8")


def _report_console(args: argparse.Namespace, console: Console) -> Console:
    # JSON on standard output keeps it parseable: the report goes to standard error.
    if args.json == "-":
        return Console(stderr=True, width=None if console.is_terminal else 120)
    return console


def _notes(result: RunResult) -> None:
    # What did not go as written, on standard error, after the report.
    for row in result.events_skipped:
        print(
            f"warning: events[{row.index}] ({row.action} at t={row.at:g}) skipped: {row.reason}",
            file=sys.stderr,
        )
    for row in result.events_partial:
        print(
            f"warning: events[{row.index}] ({row.action} at t={row.at:g}) applied in part: "
            f"{row.reason}",
            file=sys.stderr,
        )
    for failure in result.failures:
        print(
            f"error: a handler failed at t={failure.t:g} in {failure.agent} "
            f"({failure.where}): {failure.error}",
            file=sys.stderr,
        )


_EXIT = {"complete": 0, "until": 0, "stalled": 1, "failed": 3}


def _check_outputs(args: argparse.Namespace, *flags: str) -> None:
    # Before the run: a result that cannot be written would be a result lost.
    for flag in flags:
        target = getattr(args, flag.removeprefix("--"), None)
        if target is not None and str(target) != "-" and not Path(target).parent.is_dir():
            raise ValueError(f"{flag}: no such directory: {Path(target).parent}")


def _run(args: argparse.Namespace, console: Console) -> int:
    _check_outputs(args, "--json", "--trace")
    loaded = _load(args, [args.policy] if args.policy else [])
    if args.live and args.speed <= 0:
        raise ValueError(f"--speed must be > 0, got {args.speed:g}")
    progress = _LazyProgress(_report_console(args, console), loaded.name)
    try:
        if args.live:
            try:
                outcome = run_live(
                    loaded,
                    console,
                    speed=args.speed,
                    seed=args.seed,
                    policy=args.policy,
                    trace=args.trace is not None,
                    max_workers=args.workers,
                    isolate=args.isolate,
                )
            except KeyboardInterrupt:  # Ctrl-C: the dashboard's last frame stays on screen
                print("interrupted: the run was stopped before its end", file=sys.stderr)
                return 130
        else:
            outcome = run_scenario(
                loaded,
                seed=args.seed,
                policy=args.policy,
                trace=args.trace is not None,
                on_progress=progress,
                isolate=args.isolate,
            )
    finally:
        progress.close()
    result = outcome.result
    # Results first: a report that fails to draw must not lose them.
    if args.json is not None:
        _write(args.json, result.model_dump_json(indent=2) + "\n")
    if args.trace is not None and outcome.trace is not None:
        args.trace.write_text("".join(line + "\n" for line in outcome.trace), encoding="utf-8")
    _write_tables(args, result, console)
    render_run(result, _report_console(args, console), max_workers=args.workers)
    _notes(result)
    return _EXIT.get(result.ending, 1)


def _write_tables(args: argparse.Namespace, result: RunResult, console: Console) -> None:
    from scenarios.frames import write_frames

    for fmt in ("parquet", "csv"):
        directory = getattr(args, fmt, None)
        if directory is not None:
            paths = write_frames(result, directory, fmt)
            console.print(f"wrote {len(paths)} {fmt} tables to {directory}")


def _comparison(
    args: argparse.Namespace,
    loaded: LoadedScenario | ScriptScenario,
    policies: list[str],
    count: int,
    console: Console,
) -> tuple[Comparison, list[dict[str, Any]]]:
    """Run the comparison with a progress bar; also return the runs in which a handler failed."""
    runs = count * len(policies)
    limit = getattr(args, "max_runs", DEFAULT_LIMITS.runs)
    if runs > limit:
        raise ValueError(
            f"--seeds {count} x {len(policies)} policies is {runs} runs, over the "
            f"limit of {limit}; raise it with --max-runs"
        )
    if args.baseline is not None and args.baseline not in policies:
        raise ValueError(
            f"--baseline {args.baseline} is not among the policies: {', '.join(policies)}"
        )
    default = loaded.seed if isinstance(loaded, ScriptScenario) else loaded.spec.seed
    first = default if args.seed is None else args.seed
    seeds = list(range(first, first + count))
    failed: list[dict[str, Any]] = []
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

        def advance(policy: str, seed: int, result: RunResult) -> None:
            if result.failures:
                errors = [f.error for f in result.failures]
                failed.append({"policy": policy, "seed": seed, "failures": errors})
            bar.update(task, advance=1, description=f"{loaded.name}: {policy}, seed {seed}")

        comparison = run_comparison(
            loaded,
            policies,
            seeds,
            baseline=args.baseline,
            isolate=getattr(args, "isolate", False),
            on_run=advance,
        )
    return comparison, failed


def _files(args: argparse.Namespace) -> tuple[Comparison, list[dict[str, Any]]]:
    """Several scenario files side by side (see ``scenarios.variants``)."""
    load = [
        load_scenario(name, allow_import=args.allow_import, limits=_limits(args))
        for name in args.scenario
    ]
    first = load[0].spec.seed if args.seed is None else args.seed
    seeds = list(range(first, first + args.seeds))
    return compare_files(
        load, args.policy, seeds, baseline=args.baseline, isolate=args.isolate,
        max_runs=args.max_runs,
    )  # fmt: skip


def _compare(args: argparse.Namespace, console: Console) -> int:
    _check_outputs(args, "--json")
    if len(args.scenario) > 1:
        comparison, failed = _files(args)
    else:
        args.scenario = args.scenario[0]
        if not args.policy:
            raise ValueError("compare needs --policy (one or more) for a single scenario")
        loaded = _load(args, args.policy)
        comparison, failed = _comparison(args, loaded, list(args.policy), args.seeds, console)
    document = comparison.to_document() | {"failed_runs": failed}
    try:
        render_comparison(comparison, _report_console(args, console))
    finally:  # the runs are written even if the table fails to draw
        if args.json is not None:
            _write(args.json, json.dumps(document, indent=2) + "\n")
    for run in failed:
        print(
            f"error: {run['policy']} on seed {run['seed']}: a handler failed: {run['failures'][0]}",
            file=sys.stderr,
        )
    return 3 if failed and not args.isolate else 0


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
    loaded = load_source(args.source)
    if len(policies) > 1 or args.seeds is not None:
        count = 5 if args.seeds is None else args.seeds
        if not policies and isinstance(loaded, ScriptScenario):
            raise ValueError(f"{args.source}: name the policies to compare with --policy")
        if not policies and isinstance(loaded, LoadedScenario):
            policies = [loaded.spec.policy.name]
        return _comparison(args, loaded, policies, count, console)[0]
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
    model = ScenarioSpec if args.scenario else RunResult
    text = json.dumps(model.model_json_schema(), indent=2) + "\n"
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
        0 on success, 1 for a stalled run, 2 for bad input, 3 for a run in which a
        handler failed.
    """
    try:
        args = _parser().parse_args(argv)
    except _UsageError as error:
        print(f"error: {error} (see --help)", file=sys.stderr)
        return 2
    configure_logging(args.log_level)
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # files and pipes get whole rows, not 80 columns
    try:
        if args.command == "list":
            return _list(console)
        if args.command == "run":
            return _run(args, console)
        if args.command == "replay":
            return _replay(args, console)
        if args.command == "sweep":
            return sweep_command(args, console)
        if args.command in _COMMANDS:
            return _COMMANDS[args.command](args, console)
        return _schema(args)
    except (SkillsimError, ValueError, OSError) as error:
        # One plain message per problem, unwrapped, so that paths stay greppable.
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
