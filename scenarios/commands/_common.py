"""What every ``skillsim`` command shares: argument types, size limits, outputs, errors.

Bad input of any kind ends the same way, whichever command met it: one plain
``error:`` line per problem on standard error and exit code 2, never a traceback.
A bad command line is reported through :class:`UsageError`; a bad file, policy or
value through the exceptions of :data:`BAD_INPUT`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rich.console import Console

from agents.errors import PolicyError
from agents.policies.registry import find_policy
from protocol.errors import SkillsimError
from scenarios.limits import DEFAULT_LIMITS, Limits
from scenarios.loader import LoadedScenario
from scenarios.script import ScriptScenario, load_source

BAD_INPUT = (SkillsimError, ValueError, OSError)
"""What a command raises for bad input (exit code 2)."""

BAD_INPUT_EXIT = 2


class UsageError(Exception):
    """A bad command line, reported like any bad input (exit 2, one line)."""


class Parser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        """Raise the parser's complaint, prefixed with the (sub)command's name."""
        raise UsageError(f"{self.prog}: {message}")


def usage_failed(error: UsageError) -> int:
    """Report a bad command line on standard error; return the exit code of bad input."""
    print(f"error: {error} (see --help)", file=sys.stderr)
    return BAD_INPUT_EXIT


def input_failed(error: BaseException) -> int:
    """Report bad input on standard error; return its exit code.

    One plain message per problem, unwrapped, so that paths stay greppable.
    """
    for line in str(error).splitlines():
        print(f"error: {line}", file=sys.stderr)
    return BAD_INPUT_EXIT


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
    return value


def positive(text: str) -> int:
    """An argument type: a whole number of at least 1."""
    return _whole_number(text, 1)


def non_negative(text: str) -> int:
    """An argument type: a whole number of at least 0."""
    return _whole_number(text, 0)


def add_loading_options(parser: argparse.ArgumentParser) -> None:
    """Add the options every command that reads a scenario file takes: imports and size limits."""
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
            flag, type=positive, default=default, help=f"refuse more {what} (default {default})"
        )


def add_max_runs_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--max-runs``, the limit on seeds x policies."""
    parser.add_argument(
        "--max-runs",
        type=positive,
        default=DEFAULT_LIMITS.runs,
        help=f"refuse more runs, seeds x policies (default {DEFAULT_LIMITS.runs})",
    )


def add_seed_options(parser: argparse.ArgumentParser, seeds: int | None = 5) -> None:
    """Add ``--seeds``, ``--seed`` and ``--baseline``, the options of a comparison."""
    shown = "5" if seeds else "5 when comparing"
    parser.add_argument("--seeds", type=positive, default=seeds, help=f"how many seeds ({shown})")
    parser.add_argument("--seed", type=int, help="first seed (default: the scenario's)")
    parser.add_argument("--baseline", help="compare the others with this policy (default: first)")


def limits_of(args: argparse.Namespace) -> Limits:
    """The size limits the command line sets (``--max-runs`` only where the command has it)."""
    runs = getattr(args, "max_runs", DEFAULT_LIMITS.runs)
    return Limits(args.max_workers, args.max_tasks, args.max_file_bytes, runs)


def load(args: argparse.Namespace, policies: Sequence[str]) -> LoadedScenario | ScriptScenario:
    """Load ``args.scenario``, first importing the command line's own ``--policy`` paths.

    Raises:
        PolicyError: for a ``--policy`` that names no policy.
    """
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
        limits=limits_of(args),
    )


def check_outputs(args: argparse.Namespace, *flags: str) -> None:
    """Refuse, before any run, an output file whose directory does not exist.

    Raises:
        ValueError: naming the flag and the missing directory.
    """
    # A result that cannot be written would be a result lost.
    for flag in flags:
        target = getattr(args, flag.removeprefix("--"), None)
        if target is not None and str(target) != "-" and not Path(target).parent.is_dir():
            raise ValueError(f"{flag}: no such directory: {Path(target).parent}")


def write_output(target: str, text: str) -> None:
    """Write ``text`` to the file ``target``, or to standard output for ``-``."""
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(target).write_text(text, encoding="utf-8")


def report_console(args: argparse.Namespace, console: Console) -> Console:
    """Where the report goes: standard error when ``--json -`` takes standard output."""
    # JSON on standard output keeps it parseable: the report goes to standard error.
    if args.json == "-":
        return Console(stderr=True, width=None if console.is_terminal else 120)
    return console
