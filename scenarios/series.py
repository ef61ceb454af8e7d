"""Queue length and busy workers over time, from tasks and attempts alone.

* ``queued``: tasks that have arrived, are not finished, and are held by nobody (no
  worker or reviewer has an open assignment of them): the work waiting for a worker.
* ``busy``: workers and reviewers working on at least one started attempt.

Both are step functions: a :class:`SeriesPoint` gives the values from its ``t`` until
the next point. Intervals are half-open ``[start, end)``; an interval still open when
the run stopped ends at the run's end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from protocol.messages import TaskId

__all__ = ["SeriesPoint", "occupancy", "union"]


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """From ``t`` on (until the next point): tasks queued and workers busy."""

    t: float
    queued: int
    busy: int


def union(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Merge half-open intervals into disjoint ones, in order; empty ones vanish."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _gaps(span: tuple[float, float], held: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Parts of ``span`` not covered by ``held`` (disjoint, sorted)."""
    out, cursor = [], span[0]
    for start, end in held:
        if start > cursor:
            out.append((cursor, min(start, span[1])))
        cursor = max(cursor, end)
    if cursor < span[1]:
        out.append((cursor, span[1]))
    return [g for g in out if g[1] > g[0]]


def occupancy(
    tasks: Iterable[tuple[TaskId, float, float | None]],
    attempts: Iterable[tuple[TaskId, str, float, float | None, float | None]],
    end: float,
) -> tuple[SeriesPoint, ...]:
    """The queue-length and busy-worker step functions of a run.

    Args:
        tasks: ``(id, arrived, finished)`` per task (``finished`` ``None``: open at the end).
        attempts: ``(task, worker, assigned, started, finished)`` per attempt.
        end: When the run stopped.

    Each of ``tasks`` and ``attempts`` is read once, in order: generators do, and
    spare a run's worth of tuples.

    Returns:
        One point per instant where either count changes, starting with the first.
    """
    holds: dict[TaskId, list[tuple[float, float]]] = defaultdict(list)
    working: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for task, worker, assigned, started, finished in attempts:
        stop = end if finished is None else finished
        holds[task].append((assigned, stop))
        if started is not None:
            working[worker].append((started, stop))
    changes: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for task, arrived, finished in tasks:
        span = (arrived, end if finished is None else finished)
        for start, stop in _gaps(span, union(holds.get(task, ()))):
            changes[start][0] += 1
            changes[stop][0] -= 1
    for spans in working.values():
        for start, stop in union(spans):
            changes[start][1] += 1
            changes[stop][1] -= 1
    points: list[SeriesPoint] = []
    queued = busy = 0
    for t in sorted(changes):
        queued += changes[t][0]
        busy += changes[t][1]
        if not points or (points[-1].queued, points[-1].busy) != (queued, busy):
            points.append(SeriesPoint(t, queued, busy))
    return tuple(points)
