"""The attempts table, read from the messages that travel, and the run record built on it."""

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.envelope import Envelope
from protocol.messages import AgentDetail, TaskAccepted, TaskAssignment, TaskRejected, TaskResult
from scenarios.build import build
from scenarios.loader import LoadedScenario, bundled_scenarios, load_scenario
from scenarios.metrics import RunResult, collect
from scenarios.recorder import Attempt, Recorder
from scenarios.run import run_scenario
from scenarios.spec import ScenarioSpec

pytestmark = pytest.mark.usefixtures("quiet_logs")

RETRY = """
name = "retry"
seed = 0
max_attempts = 2

[model]
name = "threshold"

[[workers.items]]
name = "low"
skill_level = 3

[[workers.items]]
name = "mid"
skill_level = 6

[[tasks.items]]
id = 1
difficulty = 10

[[tasks.items]]
id = 2
difficulty = 2
"""


@cache
def bundled(name: str) -> RunResult:
    return run_scenario(load_scenario(name)).result


@pytest.fixture(name="retry")
def fixture_retry(tmp_path: Path) -> RunResult:
    path = tmp_path / "retry.toml"
    path.write_text(RETRY, encoding="utf-8")
    return run_scenario(load_scenario(str(path))).result


def cells(attempt: Attempt) -> tuple[object, ...]:
    return (
        attempt.task,
        attempt.worker,
        attempt.attempt,
        attempt.assigned,
        attempt.started,
        attempt.finished,
        attempt.outcome,
    )


class TestAttempts:
    def test_quickstart_has_one_attempt_per_task(self) -> None:
        """The seed's three tasks: one successful attempt each, from 0 to the difficulty."""
        assert [cells(a) for a in bundled("quickstart").attempts] == [
            (1, "Junior", 1, 0.0, 0.0, 2.0, "success"),
            (2, "Intermediate", 1, 0.0, 0.0, 5.0, "success"),
            (3, "Senior", 1, 0.0, 0.0, 8.0, "success"),
        ]

    def test_a_retried_task_has_a_row_per_attempt(self, retry: RunResult) -> None:
        """The retried task's two attempts are two rows, where the task row merges them."""
        assert [cells(a) for a in retry.attempts] == [
            (1, "mid", 1, 0.0, 0.0, 10.0, "failure"),
            (2, "low", 1, 0.0, 0.0, 2.0, "success"),
            (1, "mid", 2, 10.0, 10.0, 20.0, "failure"),
        ]
        row = retry.tasks[0]
        assert (row.attempts, row.started, row.finished) == (2, 0.0, 20.0)

    def test_crashed_work_is_lost_as_drafts(self) -> None:
        """churn: each attempt lost in a crash is one of the run's drafts."""
        result = bundled("churn")
        lost = [a for a in result.attempts if a.outcome == "lost"]
        assert len(lost) == result.metrics.drafts == 2
        assert {a.worker for a in lost} == {"w03", "w09"}
        crashes = {e.agent: e.t for e in result.events if e.reason == "crashed"}
        assert all(a.finished == crashes[a.worker] for a in lost)

    def test_reviews_are_the_qa_reviews(self) -> None:
        """qa_loop: approved plus rejected reviews are the QA reviews, rejected the rejections."""
        result = bundled("qa_loop")
        reviews = Counter(a.outcome for a in result.attempts if a.kind == "review")
        assert reviews["approved"] + reviews["rejected"] == result.metrics.qa_reviews
        assert reviews["rejected"] == result.metrics.qa_rejections

    @pytest.mark.parametrize("name", [n for n in bundled_scenarios() if n != "mixed_skills"])
    def test_answered_attempts_are_the_tasks_attempts(self, name: str) -> None:
        """Answered attempts are the board's attempts plus overshoot and ignored results."""
        result = bundled(name)
        answered = Counter(
            a.task
            for a in result.attempts
            if a.kind == "work" and a.outcome in ("success", "failure", "discarded")
        )
        extra = [answered[t.id] - t.attempts for t in result.tasks]
        assert min(extra) >= 0
        assert sum(extra) == result.metrics.overshoot + result.metrics.stale_results

    @pytest.mark.parametrize("name", [n for n in bundled_scenarios() if n != "mixed_skills"])
    def test_each_attempt_is_ordered_in_time(self, name: str) -> None:
        """assigned <= started <= finished wherever they are known."""
        for a in bundled(name).attempts:
            times = [t for t in (a.assigned, a.started, a.finished) if t is not None]
            assert times == sorted(times), a

    def test_a_kept_trace_gives_the_same_attempts(self) -> None:
        """collect without a recorder reads the kept trace, and finds the same rows."""
        loaded = load_scenario("churn")
        sim = build(loaded, trace=True)
        summary = sim.runtime.run(until=sim.until)
        assert collect(sim, summary).attempts == bundled("churn").attempts

    def test_no_recorder_and_no_trace_is_refused(self) -> None:
        """collect cannot invent attempts it never saw."""
        sim = build(load_scenario("quickstart"))
        summary = sim.runtime.run()
        with pytest.raises(ValueError, match=r"^collect needs the run's attempts: attach "):
            collect(sim, summary)


class TestRecorderMessages:
    def feed(self, recorder: Recorder, *steps: tuple[float, str, object]) -> None:
        manager = AgentDetail(id="m", name="m")
        for seq, (t, recipient, message) in enumerate(steps):
            recorder(Envelope(manager, recipient, t, seq, message, None))  # type: ignore[arg-type]

    def test_refusal_withdrawal_and_open_work(self) -> None:
        """A refusal, a withdrawal, and work still open at the end each have their outcome."""
        from protocol.messages import Task

        recorder = Recorder()
        task = Task(id=7, difficulty=3)
        other = Task(id=8, difficulty=3)
        self.feed(
            recorder,
            (0.0, "a", TaskAssignment(task=task)),
            (0.0, "m", TaskRejected(task_id=7, worker="a", reason="busy")),
            (1.0, "b", TaskAssignment(task=task)),
            (1.0, "m", TaskAccepted(task_id=7, worker="b")),
            (2.0, "c", TaskAssignment(task=other)),
            (3.0, "m", TaskRejected(task_id=8, worker="c", reason="withdrawn")),
            (4.0, "m", TaskResult(task_id=7, worker="b", success=True, answer=None)),
            (5.0, "b", TaskAssignment(task=other, attempt=2)),
            (5.5, "m", TaskAccepted(task_id=8, worker="b")),
        )
        assert [cells(a) for a in recorder.attempts()] == [
            (7, "a", 1, 0.0, None, 0.0, "refused"),
            (7, "b", 1, 1.0, 1.0, 4.0, "success"),
            (8, "c", 1, 2.0, None, 3.0, "withdrawn"),
            (8, "b", 2, 5.0, 5.5, None, "unfinished"),
        ]

    def test_a_withdrawal_ends_work_not_started_and_only_that(self) -> None:
        """TaskWithdrawn to a worker ends its unstarted attempt there (a silent worker
        never answers it); a started one goes on to its result; a later refusal of the
        withdrawn task adds no row."""
        from protocol.messages import Task, TaskWithdrawn

        recorder = Recorder()
        self.feed(
            recorder,
            (0.0, "a", TaskAssignment(task=Task(id=1, difficulty=3))),
            (0.0, "b", TaskAssignment(task=Task(id=2, difficulty=3))),
            (0.0, "m", TaskAccepted(task_id=2, worker="b")),
            (5.0, "a", TaskWithdrawn(task_id=1)),
            (5.0, "b", TaskWithdrawn(task_id=2)),
            (5.0, "m", TaskRejected(task_id=1, worker="a", reason="withdrawn")),
            (6.0, "m", TaskResult(task_id=2, worker="b", success=True, answer=None)),
        )
        assert [cells(a) for a in recorder.attempts()] == [
            (1, "a", 1, 0.0, None, 5.0, "withdrawn"),
            (2, "b", 1, 0.0, 0.0, 6.0, "success"),
        ]

    def test_attach_taps_the_bus(self) -> None:
        """A recorder attached before a run sees every assignment of it."""
        sim = build(load_scenario("quickstart"))
        recorder = Recorder.attach(sim.runtime)
        summary = sim.runtime.run()
        assert [a.task for a in recorder.attempts()] == [1, 2, 3]
        assert collect(sim, summary, recorder) == bundled("quickstart")


def test_result_reads_back_from_json(tmp_path: Path, retry: RunResult) -> None:
    """The result with its attempts, events and series survives JSON unchanged."""
    assert RunResult.model_validate_json(retry.model_dump_json()) == retry


def test_old_documents_still_read() -> None:
    """A document written before attempts existed reads, with empty new tables."""
    document = bundled("quickstart").model_dump(exclude={"attempts", "events", "series"})
    for worker in document["workers"]:
        del worker["id"]
    old = RunResult.model_validate(document)
    assert (old.attempts, old.events, old.series) == ([], [], [])


@st.composite
def small_scenarios(draw: st.DrawFn) -> tuple[LoadedScenario, str]:
    """A few workers and tasks, Poisson arrivals, retries, maybe a crash and a joiner."""
    workers = draw(st.integers(min_value=2, max_value=5))
    spec: dict[str, Any] = {
        "name": "small",
        "seed": draw(st.integers(min_value=0, max_value=1000)),
        "max_attempts": draw(st.integers(min_value=1, max_value=3)),
        "model": {"name": draw(st.sampled_from(["threshold", "logistic"]))},
        "workers": {
            "generate": {"count": workers, "skill": {"dist": "uniform", "low": 1, "high": 10}}
        },
        "tasks": {
            "generate": {
                "count": draw(st.integers(min_value=1, max_value=30)),
                "difficulty": {"dist": "uniform", "low": 1, "high": 10, "integer": True},
                "arrival": {"process": "poisson", "rate": draw(st.sampled_from([0.2, 1.0, 5.0]))},
            }
        },
    }
    if draw(st.booleans()):
        spec["events"] = [
            {"at": draw(st.sampled_from([1.0, 5.0])), "action": "crash", "worker": "w1"},
            {"at": 6.0, "action": "join", "worker": "late", "skill_level": 7},
        ]
    loaded = LoadedScenario("small", Path("<test>"), ScenarioSpec.model_validate(spec))
    return loaded, draw(st.sampled_from(["best_fit", "random", "round_robin", "most_skilled"]))


@settings(max_examples=25, deadline=None)
@given(small_scenarios())
def test_attempts_agree_with_the_board(case: tuple[LoadedScenario, str]) -> None:
    """Any small run: answers match the board, losses are drafts, counts stay in bounds."""
    loaded, policy = case
    result = run_scenario(loaded, policy=policy).result
    answered = Counter(
        a.task for a in result.attempts if a.outcome in ("success", "failure", "discarded")
    )
    extra = [answered[t.id] - t.attempts for t in result.tasks]
    assert min(extra, default=0) >= 0
    assert sum(extra) == result.metrics.overshoot + result.metrics.stale_results
    assert sum(a.outcome == "lost" for a in result.attempts) == result.metrics.drafts
    assert all(0 <= p.queued <= len(result.tasks) for p in result.series)
    assert all(0 <= p.busy <= len(result.workers) for p in result.series)
    if result.ending == "complete":
        assert result.series[-1].queued == 0
        assert result.series[-1].busy == 0
