"""Churn invariants: random workloads with crashes, departures, arrivals and removals."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents import TaskManager, TaskRecord, WorkerAgent
from scenarios.build import build
from scenarios.loader import load_scenario
from scenarios.run import run_scenario, run_simulation

pytestmark = pytest.mark.usefixtures("quiet_logs")


@dataclass(frozen=True)
class Case:
    """A random scenario file and what it does to its workers."""

    text: str
    removed_workers: tuple[str, ...]
    pulling: bool = False


def _event(at: float, action: str, **fields: Any) -> list[str]:
    lines = ["[[events]]", f"at = {at:.3f}", f'action = "{action}"']
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in fields.items()]
    return lines


@st.composite
def cases(draw: st.DrawFn) -> Case:
    workers = draw(st.integers(2, 6))
    count = draw(st.integers(5, 40))
    min_submitted = draw(st.one_of(st.just(1), st.integers(1, min(3, workers))))
    lines = [
        f"seed = {draw(st.integers(0, 10_000))}",
        f"max_attempts = {draw(st.integers(1, 3))}",
        f"min_submitted = {min_submitted}",
    ]
    # Reservations expire in some runs; only then may workers fall silent (without a
    # ttl a silent worker holds its work for ever, and the run rightly stalls).
    ttl = draw(st.one_of(st.none(), st.floats(2, 30, allow_nan=False)))
    if ttl is not None:
        lines.append(f"ttl = {ttl:.3f}")
    pulling = draw(st.booleans())
    if pulling:
        batch = draw(st.integers(3, 5))
        extra = draw(st.integers(2, 4))
        lines += ["[pulling]", f"batch_size = {batch}", f"max_batch_workload = {batch + extra}"]
    elif min_submitted == 1 and draw(st.booleans()):
        policy = draw(st.sampled_from(["least_loaded", "power_of_two", "random", "round_robin"]))
        lines[0:0] = ['queue = "assignee"', f'policy = "{policy}"']
    lines += ['[model]\nname = "logistic"']
    lines += [
        "[workers.generate]",
        f"count = {workers}",
        'skill = { dist = "uniform", low = 3, high = 9 }',
        f"capacity = {draw(st.sampled_from([1, 1, 2]))}",
        f"silence = {0.0 if ttl is None else draw(st.sampled_from([0.0, 0.0, 0.05, 0.2]))}",
    ]
    lines += [
        "[tasks.generate]",
        f"count = {count}",
        'difficulty = { dist = "uniform", low = 1, high = 9, integer = true }',
    ]
    if draw(st.booleans()):
        lines.append('labels = ["a", "b", "c"]')
    names = [f"w{i + 1}" for i in range(workers)]
    times = st.floats(0, 80, allow_nan=False)
    # Keep at least min_submitted original workers, so every task stays possible.
    gone = draw(st.lists(st.sampled_from(names), unique=True, max_size=workers - min_submitted))
    for name in gone:
        action = draw(st.sampled_from(["crash", "leave"]))
        lines += _event(draw(times), action, worker=name)
    if ttl is not None:
        staying = [n for n in names if n not in gone]  # an event may not name one gone
        for name in draw(st.lists(st.sampled_from(staying), unique=True, max_size=2)):
            lines += _event(draw(times), "silence", worker=name)
    for n in range(draw(st.integers(0, 2))):
        lines += _event(
            draw(times), "join", worker=f"j{n + 1}", skill_level=draw(st.integers(3, 9))
        )
    for _ in range(draw(st.integers(0, 2))):
        action = draw(st.sampled_from(["add_tasks", "remove_tasks"]))
        lines += _event(draw(times), action, count=draw(st.integers(1, 8)))
    if draw(st.booleans()):
        ids = draw(st.lists(st.integers(1, count), min_size=1, max_size=3, unique=True))
        lines += _event(draw(times), "remove_tasks", ids=ids)
    return Case("\n".join(lines) + "\n", tuple(gone), pulling)


@dataclass
class Watch:
    """What a manager listener saw during a run."""

    settled: list[Any]
    bad_progress: list[dict[str, Any]]

    def __call__(self, manager: TaskManager, record: TaskRecord) -> None:
        self.settled.append(record.id)
        progress = manager.progress(with_users_distribution=True)
        counted = sum(progress[k] for k in ("completed", "pending", "failed", "removed"))
        if counted != progress["total"]:
            self.bad_progress.append(progress)


class TestChurn:
    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(case=cases())
    def test_nothing_is_lost(self, case: Case, tmp_path: Path) -> None:
        """Every task ends once, progress adds up, crashed work ends elsewhere, runs repeat."""
        path = tmp_path / "churn.toml"
        path.write_text(case.text, encoding="utf-8")
        loaded = load_scenario(path)
        sim = build(loaded)
        watch = Watch([], [])
        sim.manager.listeners.append(watch)
        crashes: dict[str, tuple[float, list[Any], list[Any]]] = {}
        for worker in sim.workers:

            def crash(worker: Any = worker, crash: Any = worker.crash) -> None:
                record = sim.manager.workers[worker.id]
                open_ = [t for t in record.held if sim.manager.board.get(t).terminal is None]
                started = [
                    t
                    for t in open_
                    if sim.manager.board.get(t).holders[worker.id].started is not None
                ]
                crashes[worker.id] = (worker.now, open_, started)
                crash()

            worker.crash = crash  # type: ignore[method-assign]
        result = run_simulation(sim).result

        metrics = result.metrics
        assert metrics.completed + metrics.failed + metrics.removed + metrics.pending == (
            metrics.total
        )
        if result.ending == "stalled":
            # A puller that fell silent never asks for work, so a task that only it may
            # still take (every other worker let its hold lapse) waits for it: the stall
            # is named, and the waiting tasks are queued, held by nobody, not lost.
            silent = [a for a in sim.runtime.agents() if isinstance(a, WorkerAgent) and a.silent]
            assert case.pulling
            assert silent
            unfinished = [r for r in sim.manager.board if r.terminal is None]
            assert len(unfinished) == metrics.pending > 0
            assert all(r.queued and not r.holders for r in unfinished)
            assert run_scenario(loaded).result.model_dump_json() == result.model_dump_json()
            return
        assert (result.ending, result.waiting_for) == ("complete", [])
        assert metrics.pending == 0
        ids = [row.id for row in result.tasks]
        assert len(set(ids)) == len(ids) == metrics.total
        assert sorted(map(str, watch.settled)) == sorted(map(str, ids))
        assert {row.status for row in result.tasks} <= {"completed", "failed", "removed"}
        assert watch.bad_progress == []
        progress = result.progress
        assert progress["pending"] == 0
        assert progress["completed"] + progress["failed"] + progress["removed"] == progress["total"]

        for name, (crashed_at, held, started) in crashes.items():
            for task_id in held:
                record = sim.manager.board.get(task_id)
                assert record.terminal is not None
                if str(record.terminal) == "removed" and record.finished == crashed_at:
                    # Removed in the crash's own instant, it may go (and the run end)
                    # before the manager hears of the crash: no new worker, no draft.
                    continue
                assert record.reassignments >= 1
                if str(record.terminal) == "completed":
                    last = [r.worker for r in record.responses if r.status == "submitted"][-1]
                    assert last != name
                drafts = [r for r in record.responses if r.worker == name and r.status == "draft"]
                assert len(drafts) == (1 if task_id in started else 0)
        for row in result.tasks:
            if row.worker in crashes and row.started is not None:
                assert crashes[row.worker][0] >= row.started

        again = run_scenario(loaded).result
        assert again.model_dump_json() == result.model_dump_json()

    def test_bundled_churn_keeps_every_task(self) -> None:
        """The bundled churn scenario ends complete with every task in a final state."""
        result = run_scenario(load_scenario("churn")).result
        metrics = result.metrics
        assert result.ending == "complete"
        assert metrics.completed + metrics.failed + metrics.removed == metrics.total == 1100
        assert metrics.reassignments > 0
