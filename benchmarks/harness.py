"""What the benchmark scripts share: loud checks, the machine's description, the rounds.

Imported by ``bus_throughput.py`` and ``scale.py`` from their own folder (a script's
folder is first on ``sys.path``).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["BenchmarkError", "environment", "expect", "rounds"]

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
