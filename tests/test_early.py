"""Per-assignee queues (early binding): the board's lanes, binding, feeding, the effect."""

import random
import statistics
from pathlib import Path

import pytest
from conftest import CallAt
from parts import Parts

from agents import Runtime, TaskManager, WorkerAgent
from agents.board import TaskBoard
from agents.dispatch_rules import LeastLoadedQueue, RandomQueue
from agents.distribution import Distribution, WorkloadUnit
from agents.errors import PolicyError
from agents.performance import ThresholdModel
from agents.platform import policies_for
from agents.policies.best_fit import BestFit
from agents.policies.least_loaded import LeastLoaded
from protocol.messages import Task
from scenarios.build import build
from scenarios.loader import ScenarioError, load_scenario

pytestmark = pytest.mark.usefixtures("quiet_logs")


def queueing_run(
    policy: str, seed: int, *, queue: str = "assignee", n: int = 1500, rho: float = 0.9
) -> float:
    """Mean wait of ``n`` tasks, 10 workers x capacity 1, Poisson arrivals, exponential service."""
    rng = random.Random(f"{seed}/tasks")
    t, arrivals = 0.0, []
    for i in range(n):
        t += rng.expovariate(rho * 10)
        arrivals.append((t, Task(id=i + 1, difficulty=1)))
    model = ThresholdModel(noise="exponential")
    manager = TaskManager(
        expected_workers=10,
        policy=policy,
        arrivals=arrivals,
        model=model,
        distribution=Distribution(queue=queue),  # type: ignore[arg-type]
        name="manager",
    )
    workers = [
        WorkerAgent(f"w{i}", skill_level=5, admin_peer=manager.id, model=model) for i in range(10)
    ]
    runtime = Runtime(seed=seed)
    runtime.add(manager, *workers)
    assert runtime.run().ending == "complete"
    waits = [r.first_started - r.arrived for r in manager.board if r.first_started is not None]
    assert len(waits) == n
    return statistics.fmean(waits)


class TestQueueingEffect:
    def test_jsq_beats_two_choices_which_beats_random_by_far(self) -> None:
        """Early binding at rho = 0.9: mean wait JSQ <= two choices, and random > 2x two choices.

        Over 4 seeds x 1,500 tasks, compared on the same tasks and luck (common random
        numbers); M/M/1 queues (random) wait about 9 service times, JSQ under one.
        """
        seeds = range(4)
        mean = {
            p: statistics.fmean(queueing_run(p, s) for s in seeds)
            for p in ("least_loaded", "power_of_two", "random")
        }
        assert mean["least_loaded"] <= mean["power_of_two"]
        assert mean["random"] > 2 * mean["power_of_two"]
        assert mean["random"] > 4.0  # the M/M/1 regime, not a fluke of small numbers

    def test_the_central_queue_makes_them_equal(self) -> None:
        """Late binding: whoever gets a task starts it at once, so the waits are identical."""
        waits = {p: queueing_run(p, 1, queue="central", n=400) for p in ("least_loaded", "random")}
        assert waits["least_loaded"] == waits["random"]


class TestBoardLanes:
    def test_a_pinned_task_waits_in_its_workers_queue_in_priority_then_arrival_order(self) -> None:
        """lane_next gives the higher priority first, then the older; others see nothing."""
        board = TaskBoard(assignee_queues=True)
        low = board.add(Task(id=1, difficulty=1), 0.0)
        high = board.add(Task(id=2, difficulty=1, priority=5), 0.0)
        old = board.add(Task(id=3, difficulty=1), 0.0)
        for record in (low, high, old):
            board.designate(record, "a")
        lengths = (board.lanes.length("a"), board.lanes.length("b"), board.lanes.owners())
        assert lengths == (3, 0, ["a"])
        assert board.window(per_category=10) == []
        assert board.lane_next("b") is None
        taken = [board.lane_next("a"), board.lane_next("a"), board.lane_next("a")]
        assert taken == [high, low, old]
        assert (board.lane_next("a"), board.lanes.length("a")) == (None, 0)

    def test_moving_a_task_empties_its_old_queue(self) -> None:
        """Designating another worker (or nobody) takes the task out of the old queue."""
        board = TaskBoard(assignee_queues=True)
        record = board.add(Task(id=1, difficulty=1), 0.0)
        board.designate(record, "a")
        board.designate(record, "b")
        assert (board.lanes.length("a"), board.lanes.length("b")) == (0, 1)
        board.designate(record, None)
        assert (board.lanes.length("b"), board.window(per_category=5)) == (0, [record])

    def test_a_settled_task_leaves_its_queue(self) -> None:
        """A task closed while it waits is no longer counted nor handed out."""
        board = TaskBoard(assignee_queues=True)
        record = board.add(Task(id=1, difficulty=1), 0.0)
        board.designate(record, "a")
        from agents.record import TaskState

        board.settle(record, TaskState.REMOVED, 1.0)
        assert (board.lanes.length("a"), board.lane_next("a")) == (0, None)

    def test_without_assignee_queues_a_pin_stays_central(self) -> None:
        """The default board keeps pinned tasks in the central queue (a workload split)."""
        board = TaskBoard()
        record = board.add(Task(id=1, difficulty=1), 0.0)
        board.designate(record, "a")
        assert (board.lanes.length("a"), board.window(per_category=5)) == (0, [record])


def small_run(
    policy: str, distribution: Distribution, *, crash_at: float | None = None
) -> TaskManager:
    tasks = [Task(id=i, difficulty=2) for i in range(1, 9)]
    manager = TaskManager(
        tasks, expected_workers=2, policy=policy, distribution=distribution, name="manager"
    )
    a = WorkerAgent("a", skill_level=5, admin_peer=manager.id)
    b = WorkerAgent("b", skill_level=5, admin_peer=manager.id)
    runtime = Runtime(seed=1)
    runtime.add(manager, a, b)
    if crash_at is not None:
        runtime.add(CallAt(crash_at, b.crash))
    assert runtime.run().ending == "complete"
    return manager


class TestBinding:
    def test_each_worker_works_through_its_own_queue_in_order(self) -> None:
        """Round robin binds odd ids to a and even to b; each does them in id order."""
        manager = small_run("round_robin", Distribution(queue="assignee"))
        by_worker: dict[str, list[int]] = {}
        for record in sorted(manager.board, key=lambda r: r.first_started or 0):
            by_worker.setdefault(record.responses[-1].worker, []).append(record.id)  # type: ignore[arg-type]
        assert by_worker == {"a": [1, 3, 5, 7], "b": [2, 4, 6, 8]}

    def test_the_work_of_a_crashed_worker_is_bound_again(self) -> None:
        """b crashes at t=3: its queue goes back and a does everything left; nothing lost."""
        manager = small_run("round_robin", Distribution(queue="assignee"), crash_at=3.0)
        states = {str(r.state) for r in manager.board}
        assert states == {"completed"}
        late = [r.responses[-1].worker for r in manager.board if (r.first_started or 0) > 3.0]
        assert set(late) == {"a"}

    def test_a_workload_split_binds_by_share(self) -> None:
        """75/25 over eight tasks: six to a, two to b."""
        units = (WorkloadUnit("a", 75), WorkloadUnit("b", 25))
        manager = small_run("round_robin", Distribution(queue="assignee", workload=units))
        done = [r.responses[-1].worker for r in manager.board]
        assert (done.count("a"), done.count("b")) == (6, 2)

    def test_a_placement_policy_name_is_refused(self) -> None:
        """best_fit places from a central queue; with per-assignee queues it is refused."""
        with pytest.raises(PolicyError, match=r"^'best_fit' cannot choose a worker's own queue"):
            TaskManager(policy="best_fit", distribution=Distribution(queue="assignee"))


class TestDistribution:
    @pytest.mark.parametrize(
        "settings",
        [{"min_submitted": 2}, {"overlap": 1}],
    )
    def test_assignee_queues_refuse_several_answers(self, settings: dict[str, int]) -> None:
        """One queue per task cannot gather several answers."""
        with pytest.raises(ValueError, match=r"^per-assignee queues give each task to one"):
            Distribution(queue="assignee", **settings)  # type: ignore[arg-type]

    @pytest.mark.parametrize("ttl", [0, -1.0, float("inf"), float("nan"), True])
    def test_ttl_must_be_positive_and_finite(self, ttl: float) -> None:
        """A time-to-live is a positive number of seconds (``True`` is not 1)."""
        with pytest.raises(ValueError, match=r"^ttl must be a positive number of seconds, got "):
            Distribution(ttl=ttl)

    def test_unknown_queue(self) -> None:
        """Only central and assignee."""
        with pytest.raises(ValueError, match=r"^queue must be 'central' or 'assignee', got 'x'$"):
            Distribution(queue="x")  # type: ignore[arg-type]


class TestRetries:
    def test_a_retry_joins_the_queue_of_a_worker_that_has_not_tried(self) -> None:
        """a (skill 3) fails the task; the retry goes to b, though a's queue is as short."""
        manager = TaskManager(
            [Task(id=1, difficulty=5)],
            expected_workers=2,
            policy="least_loaded",
            max_attempts=2,
            distribution=Distribution(queue="assignee"),
            name="manager",
        )
        a = WorkerAgent("a", 3, admin_peer=manager.id)
        b = WorkerAgent("b", 9, admin_peer=manager.id)
        runtime = Runtime(seed=1)
        runtime.add(manager, a, b)
        assert runtime.run().ending == "complete"
        record = manager.board.get(1)
        assert (record.tried_by, str(record.state)) == (("a", "b"), "completed")


class TestEarlyBindingPart:
    def test_a_head_its_worker_may_no_longer_take_is_bound_again(self) -> None:
        """JSQ binds 1, 3 to a and 2, 4 to b; a is excluded from 3: it goes to b's queue."""
        parts = Parts("least_loaded", distribution=Distribution(queue="assignee"))
        parts.join("a", 5)
        parts.join("b", 5)
        for i in range(1, 5):
            parts.add(i, 2)
        assert parts.place() == [("a", 1), ("b", 2)]
        board = parts.board
        assert [board.get(i).designated for i in (3, 4)] == ["a", "b"]
        parts.dispatcher.exclude(3, "a")
        parts.answer(1, "a")
        assert parts.place() == []  # a's head went back to the inbox, a's queue is empty
        assert (board.get(3).designated, board.lanes.length("a")) == (None, 0)
        parts.place()
        assert (board.get(3).designated, board.lanes.length("b")) == ("b", 2)

    def test_feed_follows_the_workers_own_order(self) -> None:
        """A worker freed takes the head of its own queue, never another's."""
        parts = Parts("round_robin", distribution=Distribution(queue="assignee"))
        parts.join("a", 5)
        parts.join("b", 5)
        for i in range(1, 6):
            parts.add(i, 2)
        assert parts.place() == [("a", 1), ("b", 2)]
        parts.answer(2, "b")
        assert parts.place() == [("b", 4)]
        parts.answer(4, "b")
        assert parts.place() == []  # b's queue is empty; 3 and 5 wait for a


class TestScenarioFields:
    def write(self, tmp_path: Path, head: str, worker: str = "") -> Path:
        path = tmp_path / "queues.toml"
        path.write_text(
            head + '\n[[workers.items]]\nname = "a"\nskill_level = 5\n' + worker + "\n"
            "[tasks.generate]\ncount = 2\ndifficulty = 2\n",
            encoding="utf-8",
        )
        return path

    @pytest.mark.parametrize(
        ("head", "where"),
        [
            ('queue = "assignee"\noverlap = 1', "queue"),
            ('queue = "assignee"\n[pulling]\nbatch_size = 3\nmax_batch_workload = 5', "queue"),
            ('queue = "nowhere"', "queue"),
            ("ttl = 0", "ttl"),
            ("ttl = -3.5", "ttl"),
        ],
    )
    def test_bad_settings_name_their_field(self, tmp_path: Path, head: str, where: str) -> None:
        """Each bad setting is refused when the file is read, naming the field."""
        with pytest.raises(ScenarioError, match=rf": {where}: "):
            load_scenario(self.write(tmp_path, head))

    @pytest.mark.parametrize("value", ["-0.1", "1.5"])
    def test_silence_is_a_chance(self, tmp_path: Path, value: str) -> None:
        """A worker's silence must be within 0..1."""
        with pytest.raises(ScenarioError, match=r": workers\.items\[0\]\.silence: "):
            load_scenario(self.write(tmp_path, "", f"silence = {value}"))

    def test_the_settings_reach_the_manager(self, tmp_path: Path) -> None:
        """queue and ttl become the manager's distribution; silence the worker's profile."""
        path = self.write(
            tmp_path, 'queue = "assignee"\nttl = 7.5\npolicy = "random"', "silence = 0.25"
        )
        sim = build(load_scenario(path))
        distribution = sim.manager.distribution
        assert (distribution.queue, distribution.ttl) == ("assignee", 7.5)
        assert sim.workers[0].profile_data.silence == 0.25


class TestPolicies:
    def test_a_rule_object_is_the_dispatch_rule(self) -> None:
        """An object with choose() is used as the rule; placement falls back to best_fit."""
        rule = RandomQueue()
        placement, chosen = policies_for(rule, Distribution(queue="assignee"))  # type: ignore[arg-type]
        assert (chosen, getattr(placement, "name", None)) == (rule, "best_fit")

    def test_a_placement_policy_object_is_refused_by_name(self) -> None:
        """A placement policy object names its rule: least_loaded's is JSQ; best_fit has none."""
        placement, chosen = policies_for(LeastLoaded(), Distribution(queue="assignee"))
        assert (type(chosen), type(placement)) == (LeastLoadedQueue, LeastLoaded)
        with pytest.raises(PolicyError, match=r"^'best_fit' cannot choose a worker's own queue"):
            policies_for(BestFit(), Distribution(queue="assignee"))

    def test_the_central_queue_has_no_rule(self) -> None:
        """Without per-assignee queues the policy places and no rule is made."""
        placement, chosen = policies_for("random", Distribution())
        assert (chosen, getattr(placement, "name", None)) == (None, "random")
