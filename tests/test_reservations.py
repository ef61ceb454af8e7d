"""Reservations that expire, late answers counted stale, and workers that go silent."""

from pathlib import Path

import pytest
from conftest import CallAt

from agents import Runtime, TaskManager, WorkerAgent
from agents.distribution import Distribution
from agents.performance import LogisticModel, task_draws
from agents.record import TaskState
from protocol.messages import Task
from scenarios.loader import load_scenario
from scenarios.run import run_scenario

pytestmark = pytest.mark.usefixtures("quiet_logs")


def run(
    tasks: list[Task],
    workers: list[tuple[str, float, float]],
    ttl: float | None,
    *,
    policy: str = "best_fit",
    model: LogisticModel | None = None,
    silence_at: tuple[str, float] | None = None,
) -> tuple[TaskManager, dict[str, WorkerAgent], str]:
    manager = TaskManager(
        tasks,
        expected_workers=len(workers),
        policy=policy,
        model=model,
        distribution=Distribution(ttl=ttl),
        name="manager",
    )
    agents = {
        name: WorkerAgent(name, skill, admin_peer=manager.id, silence=silence, model=model)
        for name, skill, silence in workers
    }
    runtime = Runtime(seed=1)
    runtime.add(manager, *agents.values())
    if silence_at is not None:
        runtime.add(CallAt(silence_at[1], agents[silence_at[0]].silence))
    return manager, agents, runtime.run().ending


class TestExpiry:
    def test_a_late_answer_is_stale_and_someone_else_settles_the_task(self) -> None:
        """a (p = 0.5, 4 s) holds past ttl 3: b takes it at 3 and answers in ~1 s; a's is stale."""
        manager, _, ending = run(
            [Task(id=1, difficulty=4)],
            [("a", 4, 0.0), ("b", 10, 0.0)],
            ttl=3.0,
            model=LogisticModel(),
        )
        record = manager.board.get(1)
        assert ending == "complete"
        assert record.state is TaskState.COMPLETED
        assert [r.worker for r in record.responses] == ["b"]
        assert record.first_assigned == 0.0
        reservations = manager.platform.reservations
        assert reservations is not None
        assert (reservations.expired, reservations.stale_answers, manager.stale_results) == (
            1,
            1,
            1,
        )

    def test_an_answer_in_time_is_not_touched(self) -> None:
        """A hold answered exactly within the ttl never expires."""
        manager, _, ending = run([Task(id=1, difficulty=4)], [("a", 5, 0.0)], ttl=4.5)
        reservations = manager.platform.reservations
        assert reservations is not None
        assert (ending, reservations.expired, manager.board.get(1).state) == (
            "complete",
            0,
            TaskState.COMPLETED,
        )

    def test_the_hold_ends_exactly_at_the_ttl(self) -> None:
        """ttl 4 on a 4 s task: the expiry timer was set first, so it fires first."""
        manager, _, _ = run([Task(id=1, difficulty=4)], [("a", 5, 0.0), ("b", 5, 0.0)], ttl=4.0)
        record = manager.board.get(1)
        reservations = manager.platform.reservations
        assert reservations is not None
        assert reservations.expired >= 1
        assert record.terminal is not None

    def test_a_task_everyone_let_lapse_fails(self) -> None:
        """One worker, too slow for the ttl: the task fails instead of waiting for ever."""
        manager, _, ending = run([Task(id=1, difficulty=4)], [("a", 5, 0.0)], ttl=2.0)
        record = manager.board.get(1)
        assert (ending, record.state, record.finished) == ("complete", TaskState.FAILED, 2.0)

    def test_without_a_ttl_nothing_expires(self) -> None:
        """No ttl, no reservations object and nothing counted."""
        manager, _, _ = run([Task(id=1, difficulty=4)], [("a", 5, 0.0)], ttl=None)
        assert manager.platform.reservations is None


class TestSilence:
    def test_a_silent_worker_holds_for_ever_without_a_ttl(self) -> None:
        """b goes silent on its first assignment; with no ttl the run stalls on it."""
        _, agents, ending = run(
            [Task(id=1, difficulty=2), Task(id=2, difficulty=2)],
            [("a", 5, 0.0), ("b", 5, 1.0)],
            ttl=None,
            policy="round_robin",
        )
        assert (ending, agents["b"].silent, agents["b"].completed) == ("stalled", True, [])

    def test_with_a_ttl_the_silent_workers_task_goes_to_another(self) -> None:
        """b's task expires at 5 and a does it; b never answers, so nothing is stale."""
        manager, agents, ending = run(
            [Task(id=1, difficulty=2), Task(id=2, difficulty=2)],
            [("a", 5, 0.0), ("b", 5, 1.0)],
            ttl=5.0,
            policy="round_robin",
        )
        reservations = manager.platform.reservations
        assert reservations is not None
        assert ending == "complete"
        assert [r.responses[-1].worker for r in manager.board] == ["a", "a"]
        assert manager.board.get(2).first_started == 5.0
        assert (reservations.expired, reservations.stale_answers) == (1, 0)
        assert agents["b"].silent

    def test_silence_zero_never_silences(self) -> None:
        """A worker with silence 0 answers everything."""
        _, agents, ending = run(
            [Task(id=i, difficulty=1) for i in range(1, 6)], [("a", 5, 0.0)], ttl=None
        )
        assert (ending, agents["a"].silent, len(agents["a"].completed)) == ("complete", False, 5)

    def test_silenced_midway_its_work_in_hand_is_never_answered(self) -> None:
        """Silenced at t=1 while on a 4 s task: no answer; the ttl hands it to b at 6."""
        manager, agents, ending = run(
            [Task(id=1, difficulty=4)],
            [("a", 4, 0.0), ("b", 9, 0.0)],
            ttl=6.0,
            silence_at=("a", 1.0),
        )
        record = manager.board.get(1)
        assert ending == "complete"
        assert ([r.worker for r in record.responses], record.finished) == (["b"], 10.0)
        assert agents["a"].completed == []

    def test_the_silence_draw_is_the_attempts_own(self) -> None:
        """a goes silent at the first task whose (seed, task, attempt, a|silence) draw is < p."""
        draws = [task_draws(1, i, 1, "a|silence").success for i in range(1, 21)]
        first = next(i for i, u in enumerate(draws) if u < 0.3)
        _, agents, ending = run(
            [Task(id=i, difficulty=1) for i in range(1, 21)], [("a", 5, 0.3)], ttl=None
        )
        assert first > 0  # the seed is chosen so that some work is done first
        assert (ending, len(agents["a"].completed), agents["a"].silent) == ("stalled", first, True)


class TestScenario:
    def test_silence_event_and_ttl_from_a_file(self, tmp_path: Path) -> None:
        """A silence event at t=1, ttl 5: b swallows tasks 2 and 4 (it looks free); a does all.

        The manager cannot tell silence from slowness, so a silent worker whose hold
        expired looks free and gets more work: each of its holds expires once. Task 2
        expires at 5 (a redoes it 6-9); b may not take it again, so the pass looks past
        it and task 4 goes to b at 5, to expire at 10 (a does it 10-13).
        """
        path = tmp_path / "ghost.toml"
        path.write_text(
            'seed = 1\nttl = 5\npolicy = "round_robin"\n'
            '[[workers.items]]\nname = "a"\nskill_level = 5\n'
            '[[workers.items]]\nname = "b"\nskill_level = 5\n'
            "[tasks.generate]\ncount = 4\ndifficulty = 3\n"
            '[[events]]\nat = 1.0\naction = "silence"\nworker = "b"\n',
            encoding="utf-8",
        )
        result = run_scenario(load_scenario(path)).result
        metrics = result.metrics
        assert (result.ending, metrics.completed, metrics.expired, metrics.stale_answers) == (
            "complete",
            4,
            2,
            0,
        )
        assert [w.name for w in result.workers if w.tasks == 4] == ["a"]
        assert result.metrics.makespan == 13.0


class TestRefusalLapse:
    def test_a_busy_refusal_lapses_so_a_silent_worker_cannot_hold_up_the_run(self) -> None:
        """a lets task 1 lapse at 3, refuses task 2 as busy, falls silent at 3.5.

        It never asks again; its refusal lapses at 6, it is offered task 2 and keeps
        it silently; that hold expires at 9 and, nobody else may take it, task 2 fails.
        """
        manager, agents, ending = run(
            [Task(id=1, difficulty=4), Task(id=2, difficulty=1)],
            [("a", 5, 0.0)],
            ttl=3.0,
            silence_at=("a", 3.5),
        )
        first, second = manager.board.get(1), manager.board.get(2)
        assert ending == "complete"
        assert (first.state, first.finished) == (TaskState.FAILED, 3.0)
        assert (second.state, second.first_assigned, second.finished) == (
            TaskState.FAILED,
            3.0,
            9.0,
        )
        assert agents["a"].silent
