"""``skillsim compare``: policies on one scenario, or scenario files side by side.

Exit codes: 0 done; 3 a run in which a handler raised (``--isolate``: 0, the run is
still listed). The runs (``--json``) are written even if the table fails to draw.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from scenarios.commands._common import (
    add_loading_options,
    add_max_runs_option,
    add_seed_options,
    check_outputs,
    limits_of,
    load,
    report_console,
    write_output,
)
from scenarios.compare import Comparison, run_comparison
from scenarios.limits import DEFAULT_LIMITS
from scenarios.loader import LoadedScenario, load_scenario
from scenarios.metrics import RunResult
from scenarios.report import render_comparison
from scenarios.script import ScriptScenario
from scenarios.variants import compare_files

__all__ = ["add_compare_parser", "compare_command", "compare_with_progress"]


def add_compare_parser(sub: Any) -> None:
    """Add the ``compare`` subcommand to the ``skillsim`` parser's subparsers."""
    compare = sub.add_parser(
        "compare", help="run policies, or scenario files side by side, on common seeds"
    )
    compare.add_argument("scenario", nargs="+", help="one scenario, or several to compare")
    compare.add_argument("--policy", action="append", default=[], help="repeat per policy")
    add_seed_options(compare)
    compare.add_argument("--json", help="write the comparison as JSON here ('-': standard output)")
    compare.add_argument(
        "--isolate",
        action="store_true",
        help="a handler that raises does not fail the comparison (it is still listed)",
    )
    add_max_runs_option(compare)
    add_loading_options(compare)


def compare_with_progress(
    args: argparse.Namespace,
    loaded: LoadedScenario | ScriptScenario,
    policies: list[str],
    count: int,
    console: Console,
) -> tuple[Comparison, list[dict[str, Any]]]:
    """Run the comparison with a progress bar; also return the runs in which a handler failed.

    Args:
        args: The command line: ``--seed``, ``--baseline``, and ``--max-runs`` and
            ``--isolate`` where the command has them.
        loaded: The scenario.
        policies: The policies to compare.
        count: How many seeds, from ``--seed`` or the scenario's own.
        console: Where the progress bar is drawn (only on a terminal).

    Returns:
        The comparison, and one ``{"policy", "seed", "failures"}`` per failed run.

    Raises:
        ValueError: for more runs than the limit, or a baseline not among the policies.
    """
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
    loaded = [
        load_scenario(name, allow_import=args.allow_import, limits=limits_of(args))
        for name in args.scenario
    ]
    first = loaded[0].spec.seed if args.seed is None else args.seed
    seeds = list(range(first, first + args.seeds))
    return compare_files(
        loaded, args.policy, seeds, baseline=args.baseline, isolate=args.isolate,
        max_runs=args.max_runs,
    )  # fmt: skip


def compare_command(
    args: argparse.Namespace,
    console: Console,
    *,
    render: Callable[[Comparison, Console], None] = render_comparison,
) -> int:
    """Run ``skillsim compare``; return its exit code.

    Args:
        args: The parsed command line.
        console: Where the table is drawn.
        render: Draws the table (:func:`scenarios.report.render_comparison`).

    Returns:
        0, or 3 if a handler failed in some run and ``--isolate`` was not given.

    Raises:
        ValueError: for a bad value, a missing ``--policy`` or output directory.
        SkillsimError: for a bad scenario or policy.
    """
    check_outputs(args, "--json")
    if len(args.scenario) > 1:
        comparison, failed = _files(args)
    else:
        args.scenario = args.scenario[0]
        if not args.policy:
            raise ValueError("compare needs --policy (one or more) for a single scenario")
        loaded = load(args, args.policy)
        comparison, failed = compare_with_progress(
            args, loaded, list(args.policy), args.seeds, console
        )
    document = comparison.to_document() | {"failed_runs": failed}
    try:
        render(comparison, report_console(args, console))
    finally:  # the runs are written even if the table fails to draw
        if args.json is not None:
            write_output(args.json, json.dumps(document, indent=2) + "\n")
    for run in failed:
        print(
            f"error: {run['policy']} on seed {run['seed']}: a handler failed: {run['failures'][0]}",
            file=sys.stderr,
        )
    return 3 if failed and not args.isolate else 0
