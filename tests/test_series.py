"""Queue length and busy workers over time, checked against a brute-force count."""

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from scenarios.series import SeriesPoint, occupancy, union


class TestUnion:
    def test_merges_overlapping_and_touching_and_drops_empty(self) -> None:
        """[0,2) and [1,3) merge, [3,4) touches and joins, [5,5) vanishes."""
        assert union([(3, 4), (0, 2), (1, 3), (5, 5), (6, 7)]) == [(0, 4), (6, 7)]


class TestOccupancy:
    def test_hand_computed(self) -> None:
        """Two tasks, one worker: task 2 waits from its arrival until the worker is free."""
        tasks = [(1, 0.0, 3.0), (2, 1.0, 5.0)]
        attempts = [(1, "w", 0.0, 0.0, 3.0), (2, "w", 3.0, 3.0, 5.0)]
        assert occupancy(tasks, attempts, 5.0) == (
            SeriesPoint(0.0, 0, 1),
            SeriesPoint(1.0, 1, 1),
            SeriesPoint(3.0, 0, 1),
            SeriesPoint(5.0, 0, 0),
        )

    def test_assigned_but_not_started_is_held_not_busy(self) -> None:
        """A task waiting in a worker's own queue is not queued, and its worker not busy."""
        tasks = [(1, 0.0, 4.0)]
        attempts = [(1, "w", 0.0, 2.0, 4.0)]
        assert occupancy(tasks, attempts, 4.0) == (
            SeriesPoint(2.0, 0, 1),
            SeriesPoint(4.0, 0, 0),
        )

    def test_open_work_ends_at_the_run_end(self) -> None:
        """A task and an attempt still open when the run stopped count until its end."""
        assert occupancy([(1, 0.0, None)], [(1, "w", 1.0, 1.0, None)], 3.0) == (
            SeriesPoint(0.0, 1, 0),
            SeriesPoint(1.0, 0, 1),
            SeriesPoint(3.0, 0, 0),
        )


@st.composite
def runs(draw: st.DrawFn) -> tuple[list, list, float]:
    times = st.integers(min_value=0, max_value=20).map(float)
    tasks, attempts = [], []
    for task in range(draw(st.integers(min_value=0, max_value=6))):
        arrived = draw(times)
        finished = draw(st.one_of(st.none(), times.filter(lambda t, a=arrived: t >= a)))
        tasks.append((task, arrived, finished))
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            assigned = draw(times.filter(lambda t, a=arrived: t >= a))
            started = draw(st.one_of(st.none(), times.filter(lambda t, s=assigned: t >= s)))
            low = assigned if started is None else started
            stop = draw(st.one_of(st.none(), times.filter(lambda t, s=low: t >= s)))
            attempts.append((task, draw(st.sampled_from("abc")), assigned, started, stop))
    return tasks, attempts, 21.0


def brute(tasks: list, attempts: list, end: float, t: float) -> tuple[int, int]:
    def inside(start: float, stop: float | None) -> bool:
        return start <= t < (end if stop is None else stop)

    queued = sum(
        1
        for task, arrived, finished in tasks
        if inside(arrived, finished)
        and not any(a[0] == task and inside(a[2], a[4]) for a in attempts)
    )
    busy = len({a[1] for a in attempts if a[3] is not None and inside(a[3], a[4])})
    return queued, busy


@given(runs())
def test_every_step_equals_the_brute_force_count(run: tuple[list, list, float]) -> None:
    """At every half-second the step function equals a direct count of the definition."""
    tasks, attempts, end = run
    points = occupancy(tasks, attempts, end)
    for step in range(44):
        t = step / 2
        current = [p for p in points if p.t <= t]
        value = (current[-1].queued, current[-1].busy) if current else (0, 0)
        assert value == brute(tasks, attempts, end, t), t
    assert all(a.t < b.t for a, b in pairwise(points))
