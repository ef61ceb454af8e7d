"""``skillsim plot`` and ``skillsim report``: pictures and an HTML page of a run or comparison.

Both draw the same source: a scenario run once (or compared, with several
``--policy`` or ``--seeds``), or a ``.json`` written by ``run --json`` or
``compare --json``. matplotlib is imported only when a picture is drawn.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from scenarios.commands._common import add_seed_options
from scenarios.commands.compare import compare_with_progress
from scenarios.compare import Comparison
from scenarios.loader import LoadedScenario
from scenarios.metrics import RunResult
from scenarios.run import run_scenario
from scenarios.script import ScriptScenario, load_source

__all__ = ["add_picture_parsers", "plot_command", "report_command"]


def add_picture_parsers(sub: Any) -> None:
    """Add the ``plot`` and ``report`` subcommands to the ``skillsim`` parser's subparsers."""
    source = "a scenario (name or file), or a .json written by `run --json` or `compare --json`"
    for name, help_text in (
        ("plot", "draw a run (timeline, queue, heatmap) or a comparison as PNG or SVG"),
        ("report", "write one self-contained HTML page of a run or a comparison"),
    ):
        parser = sub.add_parser(name, help=help_text)
        parser.add_argument("source", help=source)
        parser.add_argument("--policy", action="append", help="one to run; several to compare")
        add_seed_options(parser, seeds=None)
        if name == "plot":
            parser.add_argument("--out", type=Path, default=Path("figures"), help="directory")
            parser.add_argument("--format", choices=["png", "svg"], default="png")
        else:
            parser.add_argument("--out", type=Path, default=Path("report.html"), help="file")


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
        return compare_with_progress(args, loaded, policies, count, console)[0]
    return run_scenario(loaded, seed=args.seed, policy=policies[0] if policies else None).result


def plot_command(args: argparse.Namespace, console: Console) -> int:
    """Run ``skillsim plot``: write the pictures and name each; return 0.

    Raises:
        ValueError: for a ``.json`` that is no run or comparison, or a bad value.
        SkillsimError: for a bad scenario, policy, or a missing ``plot`` extra.
    """
    from scenarios.plot import write_figures

    for path in write_figures(_source(args, console), args.out, args.format):
        console.print(f"wrote {path}")
    return 0


def report_command(args: argparse.Namespace, console: Console) -> int:
    """Run ``skillsim report``: write the HTML page and name it; return 0.

    Raises:
        ValueError: for a ``.json`` that is no run or comparison, or a bad value.
        SkillsimError: for a bad scenario, policy, or a missing ``plot`` extra.
    """
    from scenarios.webreport import write_report

    console.print(f"wrote {write_report(_source(args, console), args.out)}")
    return 0
