"""A job's own queue place and reservation time-to-live, the run's settings the default."""

from typing import Any

import pytest
from parts import Parts

from agents import (
    Consensus,
    Distribution,
    Pulling,
    Reservations,
    Runtime,
    TaskManager,
    WorkerAgent,
    WorkloadUnit,
)
from agents.errors import JobError
from protocol import Task

pytestmark = pytest.mark.usefixtures("quiet_logs")


def item(name: str, difficulty: int) -> Task:
    return Task(id=name, difficulty=difficulty)


def who(manager: TaskManager, item_id: str) -> list[str]:
    """The workers that answered an item, in order."""
    return [r.worker for r in manager.board.get(item_id).responses]


def run(manager: TaskManager, *workers: WorkerAgent) -> None:
    runtime = Runtime()
    runtime.add(manager, *workers)
    runtime.run(strict=True)


def two_jobs(distribution: Distribution | None = None, policy: Any = "best_fit") -> TaskManager:
    """Job "early" (a, b) and job "late" (c, d), each over items of 5, 1, 1, 1 seconds."""
    dataset = [item(f"{job}{n}", d) for job in ("e", "l") for n, d in enumerate((5, 1, 1, 1))]
    return TaskManager(
        expected_workers=4, dataset=dataset, distribution=distribution, policy=policy
    )


def team() -> list[WorkerAgent]:
    return [WorkerAgent(name, 9) for name in ("a", "b", "c", "d")]


class TestTwoJobsTwoPlaces:
    def test_in_a_central_run(self) -> None:
        """The early job's items wait in their annotator's own queue, split in turn, and
        are done by them; the late job's wait in the central queue, each to whichever of
        its assignees is free: d, quick, takes three while c does the long one."""
        manager = two_jobs()
        early = manager.jobs.create(
            "early", item_ids=["e0", "e1", "e2", "e3"], assignee_ids=["a", "b"], queue="assignee"
        )
        late = manager.jobs.create(
            "late", item_ids=["l0", "l1", "l2", "l3"], assignee_ids=["c", "d"], queue="central"
        )
        board = manager.board
        assert [board.get(i).designated for i in early.item_ids()] == ["a", "b", "a", "b"]
        assert (board.lanes.length("a"), board.lanes.length("b")) == (2, 2)
        assert [board.get(i).designated for i in late.item_ids()] == [None] * 4
        run(manager, *team())
        assert [who(manager, i) for i in early.item_ids()] == [["a"], ["b"], ["a"], ["b"]]
        assert [who(manager, i) for i in late.item_ids()] == [["c"], ["d"], ["d"], ["d"]]
        # b idles from t=2 while a's item waits until t=6; nobody waits on the late job.
        assert [board.get(i).finished for i in early.item_ids()] == [5.0, 1.0, 6.0, 2.0]
        assert [board.get(i).finished for i in late.item_ids()] == [5.0, 1.0, 2.0, 3.0]

    def test_in_a_run_with_per_assignee_queues(self) -> None:
        """With queue = "assignee" for the run, a job placed from the central queue is
        not bound; its items go to whichever assignee is free, as in a central run."""
        manager = two_jobs(Distribution(queue="assignee"), policy="round_robin")
        early = manager.jobs.create(
            "early", item_ids=["e0", "e1", "e2", "e3"], assignee_ids=["a", "b"]
        )
        late = manager.jobs.create(
            "late", item_ids=["l0", "l1", "l2", "l3"], assignee_ids=["c", "d"], queue="central"
        )
        run(manager, *team())
        assert [who(manager, i) for i in early.item_ids()] == [["a"], ["b"], ["a"], ["b"]]
        assert [who(manager, i) for i in late.item_ids()] == [["c"], ["d"], ["d"], ["d"]]

    def test_by_default_a_job_follows_the_run(self) -> None:
        """Without its own queue, a job pins its items in turn, as the platform splits a
        task at creation, in either run."""
        for distribution, policy in (
            (None, "best_fit"),
            (Distribution(queue="assignee"), "random"),
        ):
            manager = two_jobs(distribution, policy)
            job = manager.jobs.create(
                "j", item_ids=["l0", "l1", "l2", "l3"], assignee_ids=["c", "d"]
            )
            lanes = manager.board.lanes
            in_lanes = lanes.length("c") + lanes.length("d")
            assert in_lanes == (0 if distribution is None else 4)  # central run: pinned there
            run(manager, *team())
            assert [who(manager, i) for i in job.item_ids()] == [["c"], ["d"], ["c"], ["d"]]

    def test_a_workload_split_into_the_annotators_own_queues(self) -> None:
        """queue="assignee" with workload units: each item pinned by the split, in lanes."""
        manager = two_jobs()
        units = (WorkloadUnit("c", 75), WorkloadUnit("d", 25))
        job = manager.jobs.create(
            "j", item_ids=["l0", "l1", "l2", "l3"], mode=Distribution(workload=units),
            queue="assignee",
        )  # fmt: skip
        board = manager.board
        assert [board.get(i).designated for i in job.item_ids()] == ["c", "c", "d", "c"]
        assert (board.lanes.length("c"), board.lanes.length("d")) == (3, 1)


class TestTimeToLive:
    def test_a_job_s_ttl_overrides_the_run_s(self) -> None:
        """A silent annotator's holds expire after its job's ttl (2 s), or the run's (50 s)
        for a job without one; another assignee then does the item."""
        dataset = [item("q", 1), item("s", 1)]
        manager = TaskManager(
            expected_workers=2, dataset=dataset, distribution=Distribution(ttl=50)
        )
        manager.jobs.create("quick", item_ids=["q"], assignee_ids=["mute", "a"], ttl=2)
        manager.jobs.create("slow", item_ids=["s"], assignee_ids=["mute2", "b"])
        workers = [WorkerAgent(n, 9, silence=1.0) for n in ("mute", "mute2")]
        run(manager, *workers, WorkerAgent("a", 9), WorkerAgent("b", 9))
        assert (manager.board.get("q").finished, manager.board.get("s").finished) == (3.0, 51.0)
        assert (who(manager, "q"), who(manager, "s")) == (["a"], ["b"])
        assert manager.platform.reservations is not None
        assert manager.platform.reservations.expired == 2

    def test_a_job_s_ttl_in_a_run_without_one(self) -> None:
        """A run without a ttl still expires the holds of a job with its own."""
        manager = TaskManager(expected_workers=2, dataset=[item("q", 1)])
        assert manager.platform.reservations is None
        manager.jobs.create("quick", item_ids=["q"], assignee_ids=["mute", "a"], ttl=4)
        run(manager, WorkerAgent("mute", 9, silence=1.0), WorkerAgent("a", 9))
        assert (manager.board.get("q").finished, who(manager, "q")) == (5.0, ["a"])


class TestRefused:
    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"queue": "nowhere"}, "job 'j': queue must be 'central' or 'assignee', got 'nowhere'"),
            ({"ttl": 0}, "job 'j': ttl must be a positive number of seconds, got 0"),
            ({"ttl": float("inf")}, "job 'j': ttl must be a positive number of seconds, got inf"),
            ({"ttl": True}, "job 'j': ttl must be a positive number of seconds, got True"),
            (
                {"mode": Distribution(ttl=5)},
                r"job 'j': queue and ttl are the job's own settings \(jobs.create\(\.\.\., "
                r"queue=\.\.\., ttl=\.\.\.\)\), not its mode's",
            ),
            (
                {"queue": "assignee", "mode": Distribution(consensus=Consensus(100, 2))},
                "job 'j': per-assignee queues give each item to one annotator's queue, so they "
                "cannot be combined with consensus, pulling, min_submitted > 1 or overlap",
            ),
        ],
    )
    def test_bad_settings_name_the_job(self, kwargs: dict[str, Any], message: str) -> None:
        """A queue place or ttl the job cannot have is refused with JobError."""
        manager = two_jobs()
        with pytest.raises(JobError, match=f"^{message}$"):
            manager.jobs.create("j", item_ids=["l0"], assignee_ids=["c", "d"], **kwargs)

    @pytest.mark.parametrize(
        "run_mode", [Distribution(min_submitted=2), Distribution(overlap=1)], ids=["min2", "ov1"]
    )
    def test_per_assignee_queues_in_a_run_wanting_several_answers(
        self, run_mode: Distribution
    ) -> None:
        """A job's own queues take one answer per item: refused with min_submitted or overlap."""
        manager = TaskManager(dataset=[item("x", 1)], distribution=run_mode)
        with pytest.raises(JobError, match=r"^job 'j': per-assignee queues give each item"):
            manager.jobs.create("j", item_ids=["x"], assignee_ids=["a"], queue="assignee")

    def test_a_workload_split_in_the_central_queue(self) -> None:
        """A workload split pins each item: it cannot wait in the central queue."""
        manager = two_jobs()
        with pytest.raises(JobError, match=r"^job 'j': a workload split pins each item to an "):
            manager.jobs.create(
                "j", item_ids=["l0"], mode=Distribution(workload=(WorkloadUnit("c", 100),)),
                queue="central",
            )  # fmt: skip

    def test_per_assignee_queues_in_a_pulling_run(self) -> None:
        """A pulling run gives batches on request: a job cannot keep its own queues in it."""
        manager = TaskManager(
            dataset=[item("x", 1)], distribution=Distribution(pulling=Pulling(3, 5))
        )
        with pytest.raises(JobError, match=r"^job 'j': per-assignee queues give each item"):
            manager.jobs.create("j", item_ids=["x"], assignee_ids=["a"], queue="assignee")


class TestReservationsWithoutARunTtl:
    def test_only_tasks_with_their_own_ttl_expire_and_refusals_never_lapse(self) -> None:
        """Reservations(ttl=None): a hold of a task with a job's ttl gets a timer, others
        and a refusal as busy get none."""
        parts = Parts()
        timers: list[tuple[float, Any]] = []
        reservations = Reservations(
            parts.board,
            parts.dispatcher,
            parts.settlement,
            None,
            later=lambda delay, *args: timers.append((delay, args[1].id)),
            log=parts.log,
        )
        parts.dispatcher.on_hold = reservations.held
        reservations.ttls[1] = 7.0
        parts.join("w", 5, capacity=2)
        parts.add(1, 3)
        parts.add(2, 3)
        parts.place()
        reservations.refused("w")
        assert timers == [(7.0, 1)]
