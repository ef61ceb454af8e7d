"""Size limits: how much a scenario or a command may ask for, checked before allocating.

A file downloaded from someone else must not be able to exhaust memory or hang the
machine with ``count = 1000000000``. Each limit is checked when the file is read,
before anything of that size is built, and the error says the limit and how to raise
it: ``load_scenario(path, limits=Limits(tasks=...))`` in Python, ``--max-tasks`` and
friends on the command line. A file cannot raise its own limits.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """The largest sizes accepted (each one overridable).

    Attributes:
        workers: Workers in a scenario: listed, generated and joining (``--max-workers``).
        tasks: Tasks in a scenario: listed, generated and added by events
            (``--max-tasks``).
        file_bytes: Size of a scenario file (``--max-file-bytes``).
        runs: Runs of one ``compare``: seeds x policies (``--max-runs``).
    """

    workers: int = 100_000
    tasks: int = 1_000_000
    file_bytes: int = 10_000_000
    runs: int = 10_000

    def __post_init__(self) -> None:
        for name in ("workers", "tasks", "file_bytes", "runs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {name} must be an int >= 1, got {value!r}")


DEFAULT_LIMITS = Limits()
"""The limits used unless others are given."""
