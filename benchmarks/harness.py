"""What the benchmark scripts share: loud checks, the machine's description, the rounds.

Imported by ``bus_throughput.py`` and ``scale.py`` from their own folder (a script's
folder is first on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["BenchmarkError", "child", "environment", "expect", "rounds"]

T = TypeVar("T")


class BenchmarkError(RuntimeError):
    """A run did not do exactly what it should have, so its figures mean nothing."""


def expect(condition: bool, what: str) -> None:
    """Raise :class:`BenchmarkError` with ``what`` unless ``condition`` holds.

    Not ``assert``: the checks must hold under ``python -O`` too.
    """
    if not condition:
        raise BenchmarkError(what)


def environment() -> dict[str, Any]:
    """The interpreter and machine the figures come from."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def rounds(variants: Sequence[T], repeats: int) -> Iterator[tuple[int, list[T]]]:
    """Each round's number and its order of the variants, rotated by one each round.

    Interleaving spreads a shared machine's noise over all variants alike.
    """
    for round_ in range(repeats):
        shift = round_ % len(variants)
        yield round_, [*variants[shift:], *variants[:shift]]


def child(script: str, kind: str, n: int, m: int, rate: float) -> dict[str, Any]:
    """Run ``script --child KIND N M RATE`` in a fresh interpreter; its JSON figures.

    Raises:
        BenchmarkError: with the end of its standard error, if it failed.
    """
    command = [sys.executable, os.path.abspath(script), "--child", kind, str(n), str(m)]
    done = subprocess.run(
        [*command, str(rate)], capture_output=True, text=True, timeout=1800, check=False
    )
    expect(done.returncode == 0, f"{kind} {n}x{m}@{rate} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]
