"""A manager's parts with its jobs and a small dataset, for tests of jobs."""

from typing import Any

from parts import Parts

from agents import Distribution, Jobs
from protocol import Task


def items(count: int, **fields: Any) -> list[Task]:
    """Dataset items i0..i{count-1}; odd ones in /a, even ones in /b."""
    return [
        Task(id=f"i{n}", difficulty=3, metadata={"dir": "/a" if n % 2 else "/b", "n": n}, **fields)
        for n in range(count)
    ]


class JobParts(Parts):
    """A manager's parts with its jobs, and a dataset of items."""

    def __init__(
        self, count: int = 6, distribution: Distribution | None = None, policy: Any = "best_fit"
    ) -> None:
        super().__init__(policy, distribution=distribution)
        self.jobs = Jobs(
            self.board,
            self.dispatcher,
            self.operations,
            distribution or Distribution(),
            send=self._send,
            clock=self._clock,
            dataset=items(count),
        )
        self.settlement._on_settled = self._both

    def _both(self, record: Any) -> None:
        self.settled.append(record)
        self.jobs.settled(record)
