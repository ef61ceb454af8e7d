"""``skillsim replay TRACE -o PAGE``: a run's ``--trace`` as an animated HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from scenarios.replay import read_replay, render_page

__all__ = ["add_replay_parser", "replay_command"]


def add_replay_parser(sub: Any) -> None:
    """Add the ``replay`` subcommand to the ``skillsim`` parser's subparsers."""
    replay = sub.add_parser("replay", help="turn a --trace into an animated HTML page")
    replay.add_argument("trace", type=Path, help="a file written by `run --trace`")
    replay.add_argument("-o", "--output", type=Path, required=True, help="the page to write")
    replay.add_argument(
        "--result", type=Path, help="the same run's --json file: arrivals and final states"
    )


def replay_command(args: argparse.Namespace, console: Console) -> int:
    """Run ``skillsim replay``: write the page and say what it holds; return 0.

    Raises:
        SkillsimError: for a trace or result file that cannot be read as one run.
        OSError: for a page that cannot be written.
    """
    replay = read_replay(args.trace, args.result)
    args.output.write_text(render_page(replay), encoding="utf-8")
    console.print(
        f"wrote {args.output}: {len(replay.attempts)} attempts by {len(replay.workers)} workers",
        markup=False,
        highlight=False,
    )
    return 0
