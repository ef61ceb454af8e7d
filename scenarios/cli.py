"""The ``skillsim`` command: run, compare, plot, report, replay, schema, list and sweep.

Exit codes: 0 success; 1 a run that stalled (it says what it waited for); 2 bad
input (a scenario file, a policy name, an argument), reported in one message that
names the file and field, never with a traceback; 3 a run in which a handler raised
(listed; ``--isolate`` keeps the run's own ending and exit code).

A scenario file is data: its ``policy = "module:Class"`` is imported only with
``--allow-import`` (this file is code). ``--policy module:Class`` is the user's own
choice and imports from the current directory. Results (``--json``, ``--trace``) are
written before the report is drawn, so a report that fails loses nothing.

Each command lives in its own module of :mod:`scenarios.commands`; this module
builds the parser from them, configures logging, and turns bad input into exit
code 2.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Callable, Sequence

from rich.console import Console

from scenarios.commands import (
    add_compare_parser,
    add_list_parser,
    add_picture_parsers,
    add_replay_parser,
    add_run_parser,
    add_schema_parser,
    compare_command,
    list_command,
    plot_command,
    replay_command,
    report_command,
    run_command,
    schema_command,
)
from scenarios.commands._common import BAD_INPUT, Parser, UsageError, input_failed, usage_failed
from scenarios.console import configure_logging
from scenarios.live import run_live
from scenarios.report import render_comparison, render_run
from scenarios.sweep.command import add_sweep_parser, sweep_command

__all__ = ["main"]

_COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "list": list_command,
    "plot": plot_command,
    "replay": replay_command,
    "report": report_command,
    "schema": schema_command,
    "sweep": sweep_command,
}


def _version() -> str:
    try:
        return importlib.metadata.version("skillsim")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover (a bare checkout)
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="skillsim", description="Simulate skill-based task assignment.")
    parser.add_argument("--version", action="version", version=f"skillsim {_version()}")
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default="warning",
        help="show simulation events at this level and above (default: warning)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_run_parser(sub)
    add_compare_parser(sub)
    add_list_parser(sub)
    add_picture_parsers(sub)
    add_schema_parser(sub)
    add_replay_parser(sub)
    add_sweep_parser(sub)
    return parser


def _dispatch(args: argparse.Namespace, console: Console) -> int:
    # The report's renderers and the live dashboard are looked up in this module at
    # each call and handed to the command, so replacing one here (as the tests do,
    # to show that results are written before a report that fails) reaches it.
    if args.command == "run":
        return run_command(args, console, live=run_live, render=render_run)
    if args.command == "compare":
        return compare_command(args, console, render=render_comparison)
    return _COMMANDS[args.command](args, console)


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
    except UsageError as error:
        return usage_failed(error)
    configure_logging(args.log_level)
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # files and pipes get whole rows, not 80 columns
    try:
        return _dispatch(args, console)
    except BAD_INPUT as error:
        return input_failed(error)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
