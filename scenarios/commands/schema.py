"""``skillsim schema``: the JSON schema of ``skillsim run --json``, or of a scenario file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from scenarios.metrics import RunResult
from scenarios.spec import ScenarioSpec

__all__ = ["add_schema_parser", "schema_command"]


def add_schema_parser(sub: Any) -> None:
    """Add the ``schema`` subcommand to the ``skillsim`` parser's subparsers."""
    schema = sub.add_parser("schema", help="print the JSON schema of `run --json`")
    schema.add_argument("--out", type=Path, help="write it here instead")
    schema.add_argument(
        "--scenario", action="store_true", help="the schema of a scenario file instead"
    )


def schema_command(args: argparse.Namespace, console: Console) -> int:
    """Run ``skillsim schema``: print a schema, or write it to ``--out``; return 0.

    Raises:
        OSError: for a file that cannot be written.
    """
    model = ScenarioSpec if args.scenario else RunResult
    text = json.dumps(model.model_json_schema(), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0
