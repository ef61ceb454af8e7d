"""Properties every run keeps, whatever the policy, seed and (small) workload."""

import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents import (
    Distribution,
    LogisticModel,
    PerformanceModel,
    Runtime,
    TaskManager,
    TaskRecord,
    TaskState,
    ThresholdModel,
    WorkerAgent,
)
from agents.policies import policy_names
from protocol import AgentDetail, Task, TaskAssignment
from scenarios.loader import load_scenario
from scenarios.run import run_scenario

POLICIES = policy_names()
FAST = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


pytestmark = pytest.mark.usefixtures("quiet_logs")


@dataclass(frozen=True)
class WorkerSpec:
    skill: float
    capacity: int
    specialties: tuple[str, ...] | None


@dataclass(frozen=True)
class TaskSpec:
    difficulty: float
    priority: int
    category: str | None
    arrival: float


@dataclass(frozen=True)
class Workload:
    workers: tuple[WorkerSpec, ...]
    tasks: tuple[TaskSpec, ...]
    max_attempts: int
    model: str
    scale: float
    noise: str
    seed: int

    def make_model(self) -> PerformanceModel:
        if self.model == "logistic":
            return LogisticModel(scale=self.scale, noise=self.noise)  # type: ignore[arg-type]
        return ThresholdModel(noise=self.noise)  # type: ignore[arg-type]


@st.composite
def workloads(draw: st.DrawFn) -> Workload:
    """1..6 workers (the first takes any category), 1..30 tasks, some arriving later."""
    specialties = st.sampled_from([None, ("a",), ("b",), ("a", "b")])
    workers = draw(
        st.lists(
            st.builds(
                WorkerSpec,
                skill=st.integers(0, 100).map(lambda x: x / 10),
                capacity=st.integers(1, 3),
                specialties=specialties,
            ),
            min_size=1,
            max_size=6,
        )
    )
    # A generalist, so that every task has someone who may take it (else the run stalls).
    workers[0] = WorkerSpec(workers[0].skill, workers[0].capacity, None)
    tasks = draw(
        st.lists(
            st.builds(
                TaskSpec,
                difficulty=st.integers(10, 100).map(lambda x: x / 10),
                priority=st.integers(0, 3),
                category=st.sampled_from([None, None, "a", "b"]),
                arrival=st.sampled_from([0.0, 0.0, 0.0, 1.5, 4.0, 12.25]),
            ),
            min_size=1,
            max_size=30,
        )
    )
    return Workload(
        workers=tuple(workers),
        tasks=tuple(tasks),
        max_attempts=draw(st.integers(1, 3)),
        model=draw(st.sampled_from(["threshold", "logistic"])),
        scale=draw(st.sampled_from([0.5, 1.0, 2.0])),
        noise=draw(st.sampled_from(["fixed", "exponential"])),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


class CountingWorker(WorkerAgent):
    """A worker that records the most tasks it held at once and the offers it had no room for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.most_active = 0
        self.offered_while_full = 0

    async def handle_task(self, data: TaskAssignment, time: float, agent: AgentDetail) -> None:
        if len(self.active) >= self.capacity:
            self.offered_while_full += 1
        await super().handle_task(data, time, agent)
        self.most_active = max(self.most_active, len(self.active))


@dataclass
class Ran:
    manager: TaskManager
    workers: list[CountingWorker]
    ending: str
    settled: Counter[Any]
    overloaded: list[str]


def run_workload(
    workload: Workload,
    policy: str,
    distribution: Distribution | None = None,
    silence: tuple[float, ...] = (),
) -> Ran:
    """Run a workload with a manager and counting workers in a fresh runtime.

    ``silence`` gives the workers' chances of falling silent, in order (default 0).
    """
    model = workload.make_model()
    timed = [
        (
            spec.arrival,
            Task(
                id=i + 1,
                difficulty=spec.difficulty,
                priority=spec.priority,
                skill=spec.category,
            ),
        )
        for i, spec in enumerate(workload.tasks)
    ]
    manager = TaskManager(
        [task for when, task in timed if when == 0],
        expected_workers=len(workload.workers),
        name="manager",
        policy=policy,
        max_attempts=workload.max_attempts,
        model=model,
        arrivals=[(when, task) for when, task in timed if when > 0],
        distribution=distribution,
    )
    workers = [
        CountingWorker(
            f"w{i}",
            spec.skill,
            admin_peer=manager.id,
            specialties=spec.specialties,
            capacity=spec.capacity,
            model=model,
            silence=silence[i] if i < len(silence) else 0.0,
        )
        for i, spec in enumerate(workload.workers)
    ]
    settled: Counter[Any] = Counter()
    overloaded: list[str] = []

    def listener(seen: TaskManager, record: TaskRecord) -> None:
        settled[record.id] += 1
        for worker_id, worker in seen.workers.items():
            if worker.load > worker.profile.capacity:
                overloaded.append(f"{worker_id} holds {worker.load} at t={seen.now}")

    manager.listeners.append(listener)
    runtime = Runtime(seed=workload.seed)
    runtime.add(manager, *workers)
    summary = runtime.run(strict=True)
    return Ran(manager, workers, summary.ending, settled, overloaded)


def story(ran: Ran) -> list[Any]:
    """Everything that must repeat for the same seed: every result and every task's end."""
    results = [r.model_dump(mode="json") for r in ran.manager.task_results]
    records = [
        (r.id, str(r.state), r.finished, r.attempts, list(r.tried_by)) for r in ran.manager.board
    ]
    return [results, records]


class TestEveryRun:
    @pytest.mark.parametrize("policy", POLICIES)
    @FAST
    @given(workload=workloads())
    def test_every_task_ends_exactly_once(self, policy: str, workload: Workload) -> None:
        """Each task is settled once, completed or failed, with one result per task."""
        ran = run_workload(workload, policy)
        ids = [i + 1 for i in range(len(workload.tasks))]
        assert ran.ending == "complete"
        assert len(ran.manager.task_results) == len(ids)
        assert sorted(r.task_id for r in ran.manager.task_results) == ids
        assert ran.settled == Counter(ids)
        for record in ran.manager.board:
            assert record.state in (TaskState.COMPLETED, TaskState.FAILED)
            assert record.success is (record.state is TaskState.COMPLETED)
            assert 1 <= record.attempts <= workload.max_attempts
            if record.state is TaskState.FAILED:
                assert record.attempts == workload.max_attempts

    @pytest.mark.parametrize("policy", POLICIES)
    @FAST
    @given(workload=workloads())
    def test_no_worker_holds_more_than_its_capacity(self, policy: str, workload: Workload) -> None:
        """The manager never offers a full worker work, and no worker holds more than capacity."""
        ran = run_workload(workload, policy)
        assert ran.overloaded == []
        assert [w.offered_while_full for w in ran.workers] == [0] * len(ran.workers)
        assert all(w.most_active <= w.capacity for w in ran.workers)

    @pytest.mark.parametrize("policy", POLICIES)
    @FAST
    @given(workload=workloads())
    def test_same_seed_same_story(self, policy: str, workload: Workload) -> None:
        """Two runs of one workload on one seed give identical results, in the same order."""
        assert story(run_workload(workload, policy)) == story(run_workload(workload, policy))


LAPSING = [(p, "central") for p in POLICIES] + [
    (p, "assignee")
    for p in ["least_loaded", "power_of_two", "random", "round_robin", "skill_aware"]
]


class TestReservationsThatExpire:
    @pytest.mark.parametrize(("policy", "queue"), LAPSING)
    @FAST
    @given(
        workload=workloads(),
        ttl=st.sampled_from([0.5, 3.0, 11.0]),
        silence=st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0]), max_size=6),
    )
    def test_nothing_is_lost_or_held_twice(
        self, policy: str, queue: str, workload: Workload, ttl: float, silence: list[float]
    ) -> None:
        """With expiring holds and silent workers, every task still ends exactly once.

        A task ends completed or failed (failed when too few may still answer it), once;
        no task waits in a queue or is held by an answering worker at the end; a late
        answer is counted stale at most once per expired hold; the run repeats.
        """
        distribution = Distribution(queue=queue, ttl=ttl)  # type: ignore[arg-type]
        ran = run_workload(workload, policy, distribution, tuple(silence))
        ids = [i + 1 for i in range(len(workload.tasks))]
        manager = ran.manager
        assert ran.ending == "complete"
        assert ran.settled == Counter(ids)
        assert {r.state for r in manager.board} <= {TaskState.COMPLETED, TaskState.FAILED}
        assert all(not r.queued for r in manager.board)
        assert [manager.board.lanes.length(w) for w in manager.workers] == [0] * len(ran.workers)
        silent = {w.id for w in ran.workers if w.silent}
        assert all(set(r.holders) <= silent for r in manager.board)
        reservations = manager.platform.reservations
        assert reservations is not None
        assert reservations.stale_answers <= min(reservations.expired, manager.stale_results)
        again = run_workload(workload, policy, distribution, tuple(silence))
        assert story(again) == story(ran)


def scenario_toml(workload: Workload, policy: str) -> str:
    """The workload as a scenario file."""
    lines = [
        f"seed = {workload.seed}",
        f'policy = "{policy}"',
        f"max_attempts = {workload.max_attempts}",
        "[model]",
        f'name = "{workload.model}"',
        f"scale = {workload.scale}",
        f'noise = "{workload.noise}"',
    ]
    for i, worker in enumerate(workload.workers):
        lines += [
            "[[workers.items]]",
            f'name = "w{i}"',
            f"skill_level = {worker.skill}",
            f"capacity = {worker.capacity}",
        ]
        if worker.specialties is not None:
            lines.append(f"specialties = {json.dumps(list(worker.specialties))}")
    for i, task in enumerate(workload.tasks):
        lines += [
            "[[tasks.items]]",
            f"id = {i + 1}",
            f"difficulty = {task.difficulty}",
            f"priority = {task.priority}",
            f"arrival = {task.arrival}",
        ]
        if task.category is not None:
            lines.append(f'skill = "{task.category}"')
    return "\n".join(lines) + "\n"


class TestScenarioFiles:
    @settings(max_examples=15, deadline=None, database=None)
    @given(workload=workloads(), policy=st.sampled_from(POLICIES))
    def test_generated_file_gives_the_same_json_for_the_same_seed(
        self, workload: Workload, policy: str
    ) -> None:
        """A generated scenario file run twice on its seed gives byte-identical result JSON."""
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "generated.toml"
            path.write_text(scenario_toml(workload, policy), encoding="utf-8")
            loaded = load_scenario(path)
            first = run_scenario(loaded).result
            second = run_scenario(loaded).result
        assert first.ending == "complete"
        assert first.metrics.total == len(workload.tasks)
        assert first.model_dump_json() == second.model_dump_json()

    @pytest.mark.parametrize("name", ["quickstart", "expert"])
    def test_bundled_scenario_is_deterministic(self, name: str) -> None:
        """Five runs of a bundled scenario on its seed give one result JSON."""
        loaded = load_scenario(name)
        results = {run_scenario(loaded).result.model_dump_json() for _ in range(5)}
        assert len(results) == 1

    @pytest.mark.parametrize("policy", POLICIES)
    def test_every_policy_is_deterministic_on_a_bundled_scenario(self, policy: str) -> None:
        """Each policy run twice on specialists with one seed gives one result JSON."""
        loaded = load_scenario("specialists")
        first = run_scenario(loaded, seed=11, policy=policy).result.model_dump_json()
        assert run_scenario(loaded, seed=11, policy=policy).result.model_dump_json() == first
