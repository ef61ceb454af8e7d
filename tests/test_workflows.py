"""Distribution workflows end to end: a TaskManager and WorkerAgents in one Runtime."""

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from agents import (
    BaseAgent,
    Consensus,
    Distribution,
    LogisticModel,
    Pulling,
    QualityReview,
    RunSummary,
    Runtime,
    TaskBoard,
    TaskManager,
    TaskRecord,
    WorkerAgent,
    Workload,
    WorkloadUnit,
    majority,
    on,
    on_run,
    split,
)
from protocol import (
    AgentDetail,
    Message,
    SimulationComplete,
    Task,
    TaskAssignment,
    TaskResult,
    WorkRequest,
)

LABELS = ["cat", "dog", "bird"]

Step = tuple[float, Callable[[], object]]


pytestmark = pytest.mark.usefixtures("quiet_logs")


class Operator(BaseAgent):
    """Calls each step's function at its simulated time, keeping what it returned."""

    def __init__(self, steps: list[Step], name: str = "operator") -> None:
        super().__init__(name)
        self.steps = steps
        self.returned: list[object] = []

    @on_run()
    async def play(self) -> None:
        for at, step in self.steps:
            await self.sleep(at - self.now)
            self.returned.append(step())
        self.stop()


def run(*agents: BaseAgent, trace: bool = False, seed: int = 0) -> tuple[Runtime, RunSummary]:
    runtime = Runtime(seed=seed, trace=trace)
    runtime.add(*agents)
    return runtime, runtime.run(strict=True)


def labelled(
    count: int, difficulty: Callable[[int], int], labels: list[str] = LABELS
) -> list[Task]:
    return [
        Task(id=i, difficulty=difficulty(i), truth=labels[i % len(labels)], labels=labels)
        for i in range(count)
    ]


def plain(count: int, difficulty: int = 4) -> list[Task]:
    return [Task(id=i, difficulty=difficulty) for i in range(count)]


def submitted(record: TaskRecord) -> list[str]:
    return [r.worker for r in record.responses if r.status == "submitted"]


def kinds(runtime: Runtime) -> Counter[str]:
    assert runtime.trace is not None
    return Counter(e.message.kind for e in runtime.trace)


def states(manager: TaskManager) -> dict[Any, str]:
    return {r.id: str(r.state) for r in manager.board}


def finals(manager: TaskManager) -> dict[Any, str]:
    """Who gave each completed task's last submitted answer."""
    return {r.id: submitted(r)[-1] for r in manager.board if str(r.state) == "completed"}


def budget(runtime: Runtime, limit: int = 5000) -> None:
    """Fail the run (through the sender's handler) instead of looping for ever in one instant."""
    seen = [0]

    def count(_: object) -> None:
        seen[0] += 1
        if seen[0] > limit:
            raise RuntimeError(f"more than {limit} messages: the run loops")

    runtime.bus.tap(count)


def consensus_run(
    tasks: list[Task], workers: list[WorkerAgent], percentage: int = 100
) -> TaskManager:
    """Run ``tasks`` with 3-assignee consensus on ``percentage`` of them; return the manager."""
    manager = TaskManager(
        tasks,
        expected_workers=len(workers),
        distribution=Distribution(consensus=Consensus(percentage, 3)),
    )
    run(manager, *workers)
    return manager


class TestConsensus:
    def test_each_consensus_task_gets_three_distinct_workers(self) -> None:
        """With assignees=3 every task gets exactly 3 submitted answers from 3 distinct workers."""
        workers = [WorkerAgent(f"w{i}", 3 + 2 * i) for i in range(4)]
        manager = consensus_run(labelled(12, lambda i: 1 + i % 9), workers)
        assert manager.finished_at is not None
        for record in manager.board:
            answered = submitted(record)
            assert (str(record.state), record.required, len(answered)) == ("completed", 3, 3)
            assert len(set(answered)) == 3

    def test_a_tasks_assignees_are_placed_in_one_instant(self) -> None:
        """Every free worker gets work at once, though the tasks are fewer than the workers."""
        manager = consensus_run(plain(2), [WorkerAgent(f"w{i}", 9) for i in range(3)])
        assert [len(set(submitted(r))) for r in manager.board] == [3, 3]
        # Six answers of 4 s on three workers: 8 s when nobody idles (12 s one by one).
        assert manager.finished_at == 8.0

    def test_holders_of_one_task_never_share_an_attempt_number(self) -> None:
        """A hold given after another holder let go is numbered past every hold in hand."""
        board = TaskBoard()
        record = board.add(Task(id=1, difficulty=4), 0.0, required=3)
        board.hold(record, "a", 0.0)
        b = board.hold(record, "b", 0.0)
        board.release(record, "a", reassigned=True)
        c = board.hold(record, "c", 1.0)
        assert (b.attempt, c.attempt) == (2, 3)

    def test_percentage_fifty_gives_every_second_task_consensus(self) -> None:
        """percentage=50 makes exactly half the tasks (every second one) need 3 answers."""
        workers = [WorkerAgent(f"w{i}", 3 + 2 * i) for i in range(4)]
        manager = consensus_run(labelled(20, lambda i: 1 + i % 9), workers, percentage=50)
        assert [r.required for r in manager.board] == [1, 3] * 10
        assert [len(submitted(r)) for r in manager.board] == [1, 3] * 10

    def test_completed_tasks_carry_both_votes(self) -> None:
        """Every completed task has a majority answer and a weighted answer among its answers."""
        workers = [WorkerAgent(f"w{i}", 3 + 3 * i) for i in range(3)]
        manager = consensus_run(labelled(12, lambda i: 1 + i % 9), workers)
        for record in manager.board:
            answers = [r.answer for r in record.responses if r.status == "submitted"]
            assert record.answer == majority([a for a in answers if a is not None])
            assert record.answer_weighted in answers

    def test_senior_outvotes_two_juniors(self) -> None:
        """Two wrong juniors win the majority vote; the right senior wins the weighted vote."""
        tasks = labelled(4, lambda _: 5, labels=["yes", "no"])
        workers = [WorkerAgent("senior", 9), WorkerAgent("junior-1", 3), WorkerAgent("junior-2", 3)]
        manager = consensus_run(tasks, workers)
        wrong = {"yes": "no", "no": "yes"}
        assert [(r.answer, r.answer_weighted, r.success) for r in manager.board] == [
            (wrong[t.truth or ""], t.truth, False) for t in tasks
        ]


class TestMinSubmitted:
    def test_completes_with_two_submissions(self) -> None:
        """Without overlap a task completes with exactly two submitted answers from two workers."""
        manager = TaskManager(
            labelled(10, lambda i: 1 + i % 5),
            expected_workers=3,
            distribution=Distribution(min_submitted=2),
        )
        run(manager, *(WorkerAgent(f"w{i}", 6) for i in range(3)))
        for record in manager.board:
            answered = submitted(record)
            assert (str(record.state), len(answered), len(set(answered))) == ("completed", 2, 2)
        assert manager.overshoot == 0

    def test_discarded_responses_do_not_count(self) -> None:
        """A worker that declines hard tasks leaves discards, and two others still answer each."""
        manager = TaskManager(
            labelled(12, lambda i: 3 + i % 5),
            expected_workers=3,
            distribution=Distribution(min_submitted=2),
        )
        declining = WorkerAgent("c", 2, discard_below=0.9)
        run(manager, WorkerAgent("a", 9), WorkerAgent("b", 9), declining)
        discards = 0
        for record in manager.board:
            assert str(record.state) == "completed"
            assert sorted(submitted(record)) == ["a", "b"]
            statuses = {r.status for r in record.responses if r.worker == "c"}
            assert statuses <= {"discarded"}
            discards += sum(1 for r in record.responses if r.status == "discarded")
        assert discards > 0
        users = manager.progress(with_users_distribution=True)["users"]
        assert users["c"]["completed"] == {"submitted": 0, "draft": 0, "discarded": discards}

    def test_a_crash_leaves_a_draft_that_does_not_count(self) -> None:
        """The task a crashed worker was doing gets a draft and two submissions from others."""
        manager = TaskManager(
            labelled(6, lambda _: 4),
            expected_workers=3,
            distribution=Distribution(min_submitted=2),
        )
        workers = [WorkerAgent(f"w{i}", 6) for i in range(3)]
        crasher = workers[0]
        run(manager, *workers, Operator([(1.0, crasher.crash)]))
        drafted = [r for r in manager.board if any(x.status == "draft" for x in r.responses)]
        assert len(drafted) == 1
        record = drafted[0]
        assert [(x.worker, x.status) for x in record.responses if x.status == "draft"] == [
            ("w0", "draft")
        ]
        assert sorted(submitted(record)) == ["w1", "w2"]
        assert record.reassignments == 1
        assert all(str(r.state) == "completed" for r in manager.board)

    def test_overlap_overshoot_counts_late_submissions(self) -> None:
        """With overlap=1 some tasks get a third answer, counted as the overshoot."""
        model = LogisticModel()
        manager = TaskManager(
            labelled(12, lambda i: 3 + i % 5),
            expected_workers=4,
            model=model,
            distribution=Distribution(min_submitted=2, overlap=1),
        )
        run(manager, *(WorkerAgent(f"w{i}", 2 + 2 * i, model=model) for i in range(4)))
        assert manager.overshoot > 0
        for record in manager.board:
            assert record.overshoot == len(submitted(record)) - 2
        assert manager.overshoot == sum(r.overshoot for r in manager.board)
        assert manager.stale_results == 0


def qa_run(
    reviewers: tuple[str, ...] = ("r1",),
    extra: tuple[BaseAgent, ...] = (),
    max_attempts: int = 10,
    steps: list[Step] | None = None,
    reviewer_skill: float = 10,
) -> tuple[TaskManager, Runtime, RunSummary, dict[str, WorkerAgent]]:
    manager = TaskManager(
        labelled(16, lambda i: 2 + i % 8),
        expected_workers=3,
        max_attempts=max_attempts,
        distribution=Distribution(qa=QualityReview(reviewers, 1.0)),
    )
    staff = {
        "a": WorkerAgent("a", 4),
        "b": WorkerAgent("b", 6),
        "c": WorkerAgent("c", 9),
        **{name: WorkerAgent(name, reviewer_skill, role="reviewer") for name in reviewers},
    }
    agents: list[BaseAgent] = [manager, *staff.values(), *extra]
    if steps:
        agents.append(Operator(steps))
    runtime, summary = run(*agents, trace=True)
    return manager, runtime, summary, staff


class TestQualityReview:
    def test_every_completed_task_was_reviewed(self) -> None:
        """With sample=1.0 every completed task carries a reviewer's verdict."""
        manager, _, summary, _ = qa_run()
        assert summary.ending == "complete"
        assert all((str(r.state), r.reviewed) == ("completed", True) for r in manager.board)

    def test_a_reviewer_catches_wrong_answers_by_its_own_skill(self) -> None:
        """A reviewer who can judge every task lets no wrong answer through; a blind one all."""
        sharp, _, _, _ = qa_run()
        assert [r.id for r in sharp.board if r.answer != r.task.truth] == []
        assert sum(r.rejections for r in sharp.board) > 0
        blind, _, _, _ = qa_run(reviewer_skill=0)
        escaped = [r for r in blind.board if r.answer != r.task.truth]
        assert escaped  # the juniors' wrong answers, approved unseen
        assert all(r.reviewed and r.rejections == 0 for r in blind.board)

    def test_rejected_task_is_reworked_by_someone_else(self) -> None:
        """After each rejection the task goes to a worker that has not tried it."""
        manager, _, _, _ = qa_run()
        rejected = [r for r in manager.board if r.rejections]
        assert rejected
        for record in rejected:
            assert len(record.tried_by) == record.rejections + 1
            assert len(set(record.tried_by)) == len(record.tried_by)

    def test_final_answer_is_the_approved_rework(self) -> None:
        """A reworked task's answer is the last (approved) one, not the rejected one."""
        manager, _, _, _ = qa_run()
        for record in manager.board:
            last = [r.answer for r in record.responses if r.status == "submitted"][-1]
            assert record.answer == last

    def test_counters_agree(self) -> None:
        """rejections == rework when attempts are plentiful; each verdict is one review."""
        manager, runtime, _, _ = qa_run()
        rejections = sum(r.rejections for r in manager.board)
        assert manager.rejections == manager.rework == rejections > 0
        assert manager.reviews == len(manager.board) + rejections
        assert kinds(runtime)["review_result"] == manager.reviews

    def test_rework_stops_at_max_attempts(self) -> None:
        """With max_attempts=1 a rejected task fails instead of being reworked."""
        manager, _, _, _ = qa_run(max_attempts=1)
        assert manager.rework == 0
        assert manager.rejections == sum(1 for r in manager.board if str(r.state) == "failed") > 0

    def test_only_the_named_reviewers_review(self) -> None:
        """A reviewer-role agent that QualityReview does not name gets no review."""
        stranger = WorkerAgent("r2", 10, role="reviewer")
        _, runtime, _, _ = qa_run(reviewers=("r1",), extra=(stranger,))
        assert runtime.trace is not None
        reviewed_by = Counter(
            e.recipient
            for e in runtime.trace
            if isinstance(e.message, TaskAssignment) and e.message.review_of is not None
        )
        assert set(reviewed_by) == {"r1"}

    def test_a_crashed_reviewers_review_goes_to_another(self) -> None:
        """A review held by a reviewer that crashes is done by the other reviewer."""
        manager = TaskManager(
            labelled(4, lambda _: 4, labels=["yes", "no"]),
            expected_workers=1,
            max_attempts=3,
            distribution=Distribution(qa=QualityReview(("r1", "r2"), 1.0)),
        )
        r1 = WorkerAgent("r1", 10, role="reviewer")
        r2 = WorkerAgent("r2", 10, role="reviewer")
        # a answers task 0 at t=4; r1 reviews it from t=4 to t=6 and crashes at t=5.
        _, summary = run(manager, WorkerAgent("a", 9), r1, r2, Operator([(5.0, r1.crash)]))
        assert summary.ending == "complete"
        assert all((str(r.state), r.reviewed) == ("completed", True) for r in manager.board)


class TestPulling:
    def test_batches_respect_the_bounds(self) -> None:
        """Workers ask before each batch, get at most batch_size, never hold more than the max."""
        manager = TaskManager(
            [Task(id=i, difficulty=1 + i % 9) for i in range(60)],
            expected_workers=3,
            distribution=Distribution(pulling=Pulling(3, 5)),
        )
        workers = [
            WorkerAgent(f"w{i}", 5 + 2 * i, admin_peer=manager.id, pull=True, capacity=1 + i)
            for i in range(3)
        ]
        runtime = Runtime(trace=True)
        runtime.add(manager, *workers)
        peak: Counter[str] = Counter()

        def watch(_: object) -> None:
            for name, record in manager.workers.items():
                peak[name] = max(peak[name], record.load)

        runtime.bus.tap(watch)
        summary = runtime.run(strict=True)
        assert summary.ending == "complete"
        assert max(peak.values()) <= 5
        assert manager.progress()["pending"] == 0
        assert runtime.trace is not None
        asked: dict[str, bool] = {}
        batches: Counter[tuple[str, float]] = Counter()
        for envelope in runtime.trace:
            message = envelope.message
            if isinstance(message, WorkRequest):
                asked[message.worker] = True
            elif isinstance(message, TaskAssignment):
                key = (envelope.recipient, envelope.t)
                if key not in batches:
                    assert asked.pop(envelope.recipient, False), key
                batches[key] += 1
        assert max(batches.values()) == 3
        assert sum(batches.values()) == 60
        assert kinds(runtime)["work_request"] >= len(batches)

    def test_a_push_worker_never_asks(self) -> None:
        """Without pulling no WorkRequest travels."""
        manager = TaskManager(plain(6), expected_workers=2)
        runtime, _ = run(manager, WorkerAgent("a", 6), WorkerAgent("b", 6), trace=True)
        assert kinds(runtime)["work_request"] == 0

    def test_a_pulling_worker_needs_admin_peer(self) -> None:
        """pull=True without admin_peer is refused."""
        with pytest.raises(
            ValueError, match=r"^a pulling worker needs admin_peer: whom to ask for work$"
        ):
            WorkerAgent("a", 5, pull=True)


class TestWorkloadSplit:
    def test_tasks_go_by_largest_remainder_shares(self) -> None:
        """Ten tasks split 50/30/20 are done 5/3/2, each by its designated worker."""
        units = (WorkloadUnit("ana", 50), WorkloadUnit("ben", 30), WorkloadUnit("cy", 20))
        manager = TaskManager(
            plain(10), expected_workers=3, distribution=Distribution(workload=units)
        )
        run(manager, *(WorkerAgent(name, 6) for name in ("ana", "ben", "cy")))
        assert [r.designated for r in manager.board] == split(10, units)
        assert finals(manager) == {r.id: r.designated for r in manager.board}
        done = Counter(finals(manager).values())
        assert [done["ana"], done["ben"], done["cy"]] == [5, 3, 2]

    def test_seven_tasks_split_fifty_fifty(self) -> None:
        """Seven tasks split 50/50 are done 4/3."""
        units = (WorkloadUnit("ana", 50), WorkloadUnit("ben", 50))
        manager = TaskManager(
            plain(7), expected_workers=2, distribution=Distribution(workload=units)
        )
        run(manager, WorkerAgent("ana", 6), WorkerAgent("ben", 6))
        assert Counter(finals(manager).values()) == {"ana": 4, "ben": 3}

    @pytest.mark.parametrize("how", ["crash", "leave"])
    def test_a_designated_worker_that_goes_leaves_no_task_behind(self, how: str) -> None:
        """Tasks designated to a worker that crashes or leaves are done by the others."""
        units = (WorkloadUnit("w0", 50), WorkloadUnit("w1", 50))
        manager = TaskManager(
            plain(10, difficulty=3),
            expected_workers=3,
            distribution=Distribution(workload=units),
        )
        workers = [WorkerAgent(f"w{i}", 8, admin_peer=manager.id) for i in range(3)]
        _, summary = run(manager, *workers, Operator([(1.0, getattr(workers[0], how))]))
        assert summary.ending == "complete"
        assert set(states(manager).values()) == {"completed"}


class TestOperations:
    def test_add_tasks_mid_run(self) -> None:
        """Tasks added at t=5 arrive then and are done."""
        manager = TaskManager(plain(4), expected_workers=2)
        extra = [Task(id=f"x{i}", difficulty=2) for i in range(3)]
        operator = Operator([(5.0, lambda: manager.add_tasks(extra))])
        run(manager, WorkerAgent("a", 6), WorkerAgent("b", 6), operator)
        assert manager.progress() == {
            "total": 7,
            "completed": 7,
            "pending": 0,
            "failed": 0,
            "removed": 0,
        }
        assert [manager.board.get(t.id).arrived for t in extra] == [5.0, 5.0, 5.0]

    def test_add_tasks_refuses_a_known_id(self) -> None:
        """Adding a task whose id is on the board raises ValueError naming the id."""
        manager = TaskManager(plain(2))
        with pytest.raises(ValueError, match=r"^duplicate task id 1$"):
            manager.add_tasks([Task(id=1, difficulty=1)])

    def test_remove_tasks_keeps_finished_ones(self) -> None:
        """Removing a finished and an unfinished task removes only the unfinished one."""
        manager = TaskManager(plain(6), expected_workers=1)
        operator = Operator([(5.0, lambda: manager.remove_tasks([0, 4, 5]))])
        run(manager, WorkerAgent("a", 6), operator)
        assert operator.returned == [[4, 5]]
        assert states(manager) == {
            0: "completed",
            1: "completed",
            2: "completed",
            3: "completed",
            4: "removed",
            5: "removed",
        }
        assert manager.board.get(4).responses == ()

    def test_remove_unknown_task_raises(self) -> None:
        """Removing an id that is not on the board raises KeyError naming it."""
        manager = TaskManager(plain(1))
        with pytest.raises(KeyError, match=r"^'no task with id 99'$"):
            manager.remove_tasks([99])

    def test_reassign_moves_unstarted_pulled_work(self) -> None:
        """reassign(a, b) moves a's two queued tasks to b; the one a started stays with a."""
        manager = TaskManager(
            plain(8), expected_workers=2, distribution=Distribution(pulling=Pulling(3, 5))
        )
        a = WorkerAgent("a", 6, admin_peer="TaskManager", pull=True)
        b = WorkerAgent("b", 6, admin_peer="TaskManager", pull=True)
        operator = Operator([(1.0, lambda: manager.reassign("a", "b"))])
        run(manager, a, b, operator)
        assert operator.returned == [2]
        assert finals(manager) == {0: "a", 1: "b", 2: "b", 3: "b", 4: "b", 5: "b", 6: "a", 7: "a"}
        assert [manager.board.get(i).reassignments for i in range(3)] == [0, 1, 1]

    def test_reassign_unknown_worker_raises(self) -> None:
        """reassign naming an unknown worker raises KeyError."""
        manager = TaskManager(plain(1))
        with pytest.raises(KeyError, match=r"""^"no worker with id 'zed'"$"""):
            manager.reassign("zed", "ana")

    def test_redistribute_splits_unstarted_work_again(self) -> None:
        """All work designated to ana is split 50/50 between ben and cy at t=1."""
        units = (WorkloadUnit("ana", 100), WorkloadUnit("ben", 0), WorkloadUnit("cy", 0))
        manager = TaskManager(
            plain(9), expected_workers=3, distribution=Distribution(workload=units)
        )
        again = Workload([WorkloadUnit("ben", 50), WorkloadUnit("cy", 50)])
        operator = Operator([(1.0, lambda: manager.redistribute(again))])
        run(manager, *(WorkerAgent(name, 6) for name in ("ana", "ben", "cy")), operator)
        # ana started task 0 at t=0; the other 8 are split 4/4.
        assert operator.returned == [8]
        assert Counter(finals(manager).values()) == {"ana": 1, "ben": 4, "cy": 4}
        assert [r.designated for r in manager.board][1:] == split(8, again)

    def test_redistribute_refuses_a_bad_workload(self) -> None:
        """redistribute checks the loads before moving anything."""
        manager = TaskManager(plain(1))
        with pytest.raises(ValueError, match=r"^workload loads must sum to 100, got 50$"):
            manager.redistribute([WorkloadUnit("ana", 50)])

    def test_set_status_failed(self) -> None:
        """set_status("failed", [id]) ends that task failed; finished tasks are not changed."""
        manager = TaskManager(plain(4), expected_workers=1)
        operator = Operator([(5.0, lambda: manager.set_status("failed", [0, 3]))])
        run(manager, WorkerAgent("a", 6), operator)
        assert operator.returned == [[3]]
        assert states(manager) == {0: "completed", 1: "completed", 2: "completed", 3: "failed"}
        assert manager.board.get(3).success is False

    def test_closing_a_queued_task_withdraws_it_once(self) -> None:
        """set_status("completed") on a task queued at a worker sends one TaskWithdrawn."""
        manager = TaskManager(
            plain(6), expected_workers=1, distribution=Distribution(pulling=Pulling(3, 5))
        )
        operator = Operator([(1.0, lambda: manager.set_status("completed", [2]))])
        runtime, _ = run(
            manager, WorkerAgent("a", 6, admin_peer=manager.id, pull=True), operator, trace=True
        )
        assert operator.returned == [[2]]
        assert kinds(runtime)["task_withdrawn"] == 1
        assert submitted(manager.board.get(2)) == []

    def test_set_status_refuses_other_states(self) -> None:
        """Only completed, failed and removed may be set."""
        manager = TaskManager(plain(1))
        with pytest.raises(
            ValueError, match=r"^status must be completed, failed or removed, got 'pending'$"
        ):
            manager.set_status("pending")  # type: ignore[arg-type]

    def test_leave_finishes_what_it_started_then_goes(self) -> None:
        """A leaving worker finishes its started task, hands back its queue, then disconnects."""
        manager = TaskManager(
            plain(8), expected_workers=2, distribution=Distribution(pulling=Pulling(3, 5))
        )
        a = WorkerAgent("a", 6, admin_peer="TaskManager", pull=True)
        b = WorkerAgent("b", 6, admin_peer="TaskManager", pull=True)
        runtime, _ = run(manager, a, b, Operator([(1.0, a.leave)]), trace=True)
        assert [r.task_id for r in a.completed] == [0]
        assert a.stopped
        assert set(states(manager).values()) == {"completed"}
        assert runtime.trace is not None
        late = [
            e
            for e in runtime.trace
            if e.recipient == "a" and e.t >= 1.0 and e.message.kind == "task_assignment"
        ]
        assert late == []
        assert manager.workers["a"].connected is False

    def test_leave_without_admin_peer_does_not_loop(self) -> None:
        """A push worker without admin_peer that leaves with free room takes nothing new."""
        tasks = [Task(id=0, difficulty=2), Task(id=1, difficulty=9), *plain(8)[2:]]
        manager = TaskManager(tasks, expected_workers=2)
        a = WorkerAgent("a", 10, capacity=2)
        runtime = Runtime()
        runtime.add(manager, a, WorkerAgent("b", 6), Operator([(1.0, a.leave)]))
        budget(runtime)
        summary = runtime.run(strict=True)
        assert summary.ending == "complete"
        assert a.stopped
        assert set(states(manager).values()) == {"completed"}

    def test_crash_puts_held_work_back(self) -> None:
        """A crashed worker's held tasks finish elsewhere; the one it had started gets a draft."""
        manager = TaskManager(
            plain(8), expected_workers=2, distribution=Distribution(pulling=Pulling(3, 5))
        )
        a = WorkerAgent("a", 6, admin_peer="TaskManager", pull=True)
        b = WorkerAgent("b", 6, admin_peer="TaskManager", pull=True)
        run(manager, a, b, Operator([(1.0, a.crash)]))
        assert set(finals(manager).values()) == {"b"}
        assert [manager.board.get(i).reassignments for i in range(8)] == [1, 1, 1, 0, 0, 0, 0, 0]
        assert [(r.worker, r.status) for r in manager.board.get(0).responses] == [
            ("a", "draft"),
            ("b", "submitted"),
        ]
        assert manager.board.get(1).responses[0].worker == "b"

    def test_a_worker_joining_mid_run_gets_work(self) -> None:
        """A worker added at t=3 is given tasks."""
        manager = TaskManager(plain(12), expected_workers=1)
        late = WorkerAgent("late", 6)
        runtime = Runtime()
        operator = Operator([(3.0, lambda: runtime.add(late))])
        runtime.add(manager, WorkerAgent("a", 6), operator)
        summary = runtime.run(strict=True)
        assert summary.ending == "complete"
        assert manager.workers["late"].tasks > 0
        assert manager.workers["late"].tasks + manager.workers["a"].tasks == 12

    def test_reassign_to_a_crashed_worker_loses_nothing(self) -> None:
        """Reassigning to a worker that crashed is refused or harmless: every task still ends."""
        manager = TaskManager(
            plain(10, difficulty=3),
            expected_workers=3,
            distribution=Distribution(pulling=Pulling(3, 5)),
        )
        workers = [WorkerAgent(f"w{i}", 8, admin_peer="TaskManager", pull=True) for i in range(3)]
        refused: list[Exception] = []

        def reassign() -> None:
            try:
                manager.reassign("w0", "w2")
            except (KeyError, ValueError) as error:
                refused.append(error)

        _, summary = run(manager, *workers, Operator([(0.5, workers[2].crash), (1.0, reassign)]))
        assert summary.ending == "complete"
        assert set(states(manager).values()) == {"completed"}
        assert [repr(e) for e in refused] == [
            repr(ValueError("worker 'w2' takes no new work (gone or leaving)"))
        ]

    def test_redistribute_to_a_crashed_worker_loses_nothing(self) -> None:
        """Redistributing to a worker that crashed is refused or harmless: every task still ends."""
        manager = TaskManager(plain(10, difficulty=3), expected_workers=3)
        workers = [WorkerAgent(f"w{i}", 8) for i in range(3)]
        refused: list[Exception] = []

        def redistribute() -> None:
            try:
                manager.redistribute([WorkloadUnit("w2", 100)])
            except (KeyError, ValueError) as error:
                refused.append(error)

        _, summary = run(
            manager, *workers, Operator([(0.5, workers[2].crash), (1.0, redistribute)])
        )
        assert summary.ending == "complete"
        assert set(states(manager).values()) == {"completed"}
        assert [repr(e) for e in refused] == [
            repr(ValueError("worker 'w2' takes no new work (gone or leaving)"))
        ]

    def test_reassign_keeps_tasks_that_need_several_workers_possible(self) -> None:
        """reassign on min_submitted=2 work must not pin a task to one worker for good."""
        manager = TaskManager(
            labelled(10, lambda _: 3, labels=["a", "b"]),
            expected_workers=3,
            distribution=Distribution(min_submitted=2, pulling=Pulling(3, 5)),
        )
        workers = [WorkerAgent(f"w{i}", 8, admin_peer="TaskManager", pull=True) for i in range(3)]
        _, summary = run(manager, *workers, Operator([(1.0, lambda: manager.reassign("w0", "w1"))]))
        assert summary.ending == "complete"
        assert all(len(set(submitted(r))) == 2 for r in manager.board)


class TestProgress:
    def test_shape_and_counts(self) -> None:
        """progress() counts tasks by final state, in the seed's shape plus failed and removed."""
        tasks = [*plain(3, difficulty=2), Task(id=3, difficulty=10), Task(id=4, difficulty=2)]
        manager = TaskManager(tasks, expected_workers=1)
        operator = Operator([(0.5, lambda: manager.remove_tasks([4]))])
        run(manager, WorkerAgent("a", 5), operator)
        assert manager.progress() == {
            "total": 5,
            "completed": 3,
            "pending": 0,
            "failed": 1,
            "removed": 1,
        }

    def test_pending_while_running(self) -> None:
        """Mid-run, the four counts add up to the total and pending falls by one per task."""
        manager = TaskManager(plain(5, difficulty=2), expected_workers=1)
        seen: list[dict[str, Any]] = []
        manager.listeners.append(lambda m, _: seen.append(m.progress()))
        run(manager, WorkerAgent("a", 5))
        assert [(p["completed"], p["pending"]) for p in seen] == [
            (1, 4),
            (2, 3),
            (3, 2),
            (4, 1),
            (5, 0),
        ]
        assert all(p["total"] == 5 for p in seen)

    def test_users_distribution(self) -> None:
        """with_users_distribution adds each worker's responses by status, completed and pending."""
        manager = TaskManager(
            labelled(6, lambda _: 4),
            expected_workers=3,
            distribution=Distribution(min_submitted=2),
        )
        workers = [
            WorkerAgent("ana", 6),
            WorkerAgent("ben", 6),
            WorkerAgent("cy", 2, discard_below=0.5),
        ]
        snapshots: list[dict[str, Any]] = []
        operator = Operator([(2.0, lambda: snapshots.append(manager.progress(True)))])
        run(manager, *workers, operator)
        zero = {"submitted": 0, "draft": 0, "discarded": 0}
        final = manager.progress(with_users_distribution=True)
        assert set(final) == {"total", "completed", "pending", "failed", "removed", "users"}
        assert final["users"] == {
            "ana": {"completed": {**zero, "submitted": 6}, "pending": zero},
            "ben": {"completed": {**zero, "submitted": 6}, "pending": zero},
            "cy": {"completed": {**zero, "discarded": 6}, "pending": zero},
        }
        assert list(final["users"]) == ["ana", "ben", "cy"]
        # At t=2 nothing is complete; cy has declined every task (each pass looks past
        # those it declined), and all are still pending.
        assert snapshots == [
            {
                "total": 6,
                "completed": 0,
                "pending": 6,
                "failed": 0,
                "removed": 0,
                "users": {"cy": {"completed": zero, "pending": {**zero, "discarded": 6}}},
            }
        ]

    def test_users_are_named_by_worker_name(self) -> None:
        """The users table uses each worker's name, not its id."""
        manager = TaskManager(plain(2, difficulty=2), expected_workers=1)
        run(manager, WorkerAgent("Ana Lima", 5, id="u-17"))
        assert manager.progress(True)["users"] == {
            "Ana Lima": {
                "completed": {"submitted": 2, "draft": 0, "discarded": 0},
                "pending": {"submitted": 0, "draft": 0, "discarded": 0},
            }
        }


class Impostor(BaseAgent):
    """Sends one message to the manager at t=1, then leaves."""

    def __init__(self, message: Message) -> None:
        super().__init__("impostor")
        self.message = message

    @on_run()
    async def play(self) -> None:
        await self.sleep(1.0)
        self.send_nowait("TaskManager", self.message)
        self.stop()


class Echo(BaseAgent):
    """A worker that reports every result twice."""

    role = "worker"

    def profile(self) -> dict[str, Any]:
        return {"skill_level": 5}

    @on(TaskAssignment)
    async def work(self, data: TaskAssignment, time: float, agent: AgentDetail) -> None:
        result = TaskResult(
            task_id=data.task.id, worker=self.id, success=True, attempt=data.attempt
        )
        self.send_nowait(agent.id, result)
        self.send_nowait(agent.id, result)

    @on(SimulationComplete)
    async def done(self, data: SimulationComplete, time: float, agent: AgentDetail) -> None:
        self.stop()


class TestStaleResults:
    def test_result_from_a_non_holder_is_ignored(self) -> None:
        """A TaskResult for a task its sender does not hold changes nothing and is counted."""
        manager = TaskManager(plain(2), expected_workers=1)
        fake = TaskResult(task_id=1, worker="impostor", success=False)
        run(manager, WorkerAgent("a", 6), Impostor(fake))
        assert manager.stale_results == 1
        assert [(r.worker, r.status) for r in manager.board.get(1).responses] == [
            ("a", "submitted")
        ]
        assert set(states(manager).values()) == {"completed"}

    def test_late_result_from_a_crashed_worker_is_ignored(self) -> None:
        """A result that arrives from a worker after it crashed counts as stale, nothing more."""
        manager = TaskManager(plain(2), expected_workers=2)
        workers = [WorkerAgent("w0", 6), WorkerAgent("w1", 6)]
        late = Impostor(TaskResult(task_id=0, worker="w0", success=True))
        run(manager, *workers, Operator([(0.5, workers[0].crash)]), late)
        assert manager.stale_results == 1
        assert [(r.worker, r.status) for r in manager.board.get(0).responses] == [
            ("w0", "draft"),
            ("w1", "submitted"),
        ]
        assert set(states(manager).values()) == {"completed"}

    def test_result_for_an_unknown_task_is_counted(self) -> None:
        """A TaskResult for a task that is not on the board is counted as stale."""
        manager = TaskManager(plain(1), expected_workers=1)
        run(
            manager, WorkerAgent("a", 6), Impostor(TaskResult(task_id=42, worker="a", success=True))
        )
        assert manager.stale_results == 1

    def test_duplicate_results_are_ignored(self) -> None:
        """Each second copy is ignored and counted; the last one finds the manager gone."""
        manager = TaskManager(plain(3), expected_workers=1)
        run(manager, Echo("echo"))
        assert manager.stale_results == 2
        assert [len(r.responses) for r in manager.board] == [1, 1, 1]
        assert manager.workers["echo"].tasks == 3
