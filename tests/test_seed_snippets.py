"""Each snippet of the platform guides (seeds 000-002) about distributing work, run here.

One test per snippet, in the guides' order, written with skillsim's names: the
platform's task is a ``Job``, its assignment a ``JobAssignment``, its item a ``Task``.
"""

from typing import Any

import pytest

from agents import (
    BaseAgent,
    Consensus,
    Distribution,
    Pulling,
    Runtime,
    TaskManager,
    WorkerAgent,
    Workload,
    WorkloadUnit,
    on_run,
)
from protocol import Task

pytestmark = pytest.mark.usefixtures("quiet_logs")

TEAM = ("annotator1", "annotator2", "annotator3")


def dataset(count: int = 6) -> list[Task]:
    """Items in two folders, half of them marked to annotate."""
    return [
        Task(
            id=f"item{n}",
            difficulty=3,
            metadata={
                "dir": "/my/folder/path" if n % 2 else "/other",
                "user": {"status": "to-annotate" if n < 3 else "done"},
            },
        )
        for n in range(count)
    ]


def manager(**kwargs: Any) -> TaskManager:
    return TaskManager(expected_workers=len(TEAM), dataset=dataset(), **kwargs)


class Operator(BaseAgent):
    """Calls one function at a simulated time during a run."""

    def __init__(self, at: float, step: Any) -> None:
        super().__init__("operator")
        self.at, self.step = at, step

    @on_run()
    async def play(self) -> None:
        await self.sleep(self.at)
        self.step()
        self.stop()


def run(boss: TaskManager, *extra: BaseAgent, capacity: int = 1) -> None:
    runtime = Runtime()
    runtime.add(boss, *(WorkerAgent(n, 6, capacity=capacity) for n in TEAM), *extra)
    assert runtime.run(strict=True).ending == "complete"


class TestCreatingTasks:
    def test_basic_task_creation(self) -> None:
        """tasks.create(task_name, due_date, assignee_ids): a named job split among two."""
        boss = manager()
        job = boss.jobs.create(
            "my_annotation_task", item_ids=["item0", "item1"], due_date=100.0,
            assignee_ids=["annotator1", "annotator2"],
        )  # fmt: skip
        assert (job.name, job.due_date, job.assignee_ids) == (
            "my_annotation_task", 100.0, ["annotator1", "annotator2"]
        )  # fmt: skip
        run(boss)
        assert [boss.board.get(i).tried_by for i in job.item_ids()] == [
            ("annotator1",),
            ("annotator2",),
        ]

    def test_task_with_filters(self) -> None:
        """filters=dl.Filters(field='dir', ...) and metadata.user.status: a job by filter."""
        boss = manager()
        by_dir = boss.jobs.create(
            "filtered_task",
            filters={"metadata.dir": "/my/folder/path"},
            assignee_ids=["annotator1"],
        )
        by_status = boss.jobs.create(
            "Batch Annotation",
            filters={"$and": [{"metadata.dir": "/other"}, {"metadata.user.status": "to-annotate"}]},
            assignee_ids=["annotator2"],
        )
        assert by_dir.item_ids() == ["item1", "item3", "item5"]
        assert by_status.item_ids() == ["item0", "item2"]

    def test_qa_task(self) -> None:
        """create_qa_task(task, due_date, assignee_ids): reviewers get every completed item."""
        boss = manager()
        job = boss.jobs.create("t", item_ids=["item0", "item1"], assignee_ids=["annotator1"])
        qa = boss.jobs.create_qa(job, assignee_ids=["annotator2", "annotator3"], due_date=50.0)
        run(boss)
        assert qa.item_ids() == ["item0:qa", "item1:qa"]
        assert [boss.board.get(i).tried_by for i in qa.item_ids()] == [
            ("annotator2",),
            ("annotator3",),
        ]

    def test_pulling_task_with_allowed_assignees(self) -> None:
        """batch_size, max_batch_workload, allowed_assignees: only the allowed pull its items."""
        pulling = Pulling(batch_size=3, max_batch_workload=5)
        boss = TaskManager(
            expected_workers=3, dataset=dataset(), distribution=Distribution(pulling=pulling)
        )
        job = boss.jobs.create(
            "dynamic_task", filters={"id": {"$exists": True}}, mode=Distribution(pulling=pulling),
            assignee_ids=["annotator1", "annotator2"],
        )  # fmt: skip
        runtime = Runtime()
        runtime.add(
            boss,
            *(WorkerAgent(n, 6, admin_peer="TaskManager", pull=True, capacity=3) for n in TEAM),
        )
        assert runtime.run(strict=True).ending == "complete"
        workers = {w for i in job.item_ids() for w in boss.board.get(i).tried_by}
        assert workers <= {"annotator1", "annotator2"}
        assert job.progress()["completed"] == 6

    def test_consensus_task(self) -> None:
        """consensus_percentage=100, consensus_assignees=2: two distinct answers per item."""
        boss = manager()
        job = boss.jobs.create(
            "consensus_task", item_ids=["item0", "item1"],
            assignee_ids=["annotator1", "annotator2"],
            mode=Distribution(consensus=Consensus(percentage=100, assignees=2)),
        )  # fmt: skip
        run(boss)
        assert [sorted(boss.board.get(i).tried_by) for i in job.item_ids()] == [
            ["annotator1", "annotator2"], ["annotator1", "annotator2"]
        ]  # fmt: skip

    def test_workload_units(self) -> None:
        """workload=[WorkloadUnit(assignee_id, load=50), ...]: a job split by percentage."""
        boss = manager()
        units = (WorkloadUnit("annotator1", 50), WorkloadUnit("annotator2", 50))
        job = boss.jobs.create(
            "w", filters={"id": {"$exists": True}}, mode=Distribution(workload=units)
        )
        assert [len(a.item_ids()) for a in job.assignments.list()] == [3, 3]


class TestManagingTasks:
    def test_add_items_by_filter_and_by_id_with_assignees(self) -> None:
        """task.add_items(filters=..., assignee_ids=...) and add_items(items=[...], ...)."""
        boss = manager()
        job = boss.jobs.create("t", item_ids=["item0"], assignee_ids=["annotator1"])
        job.add_items(
            filters={"metadata.dir": "/my/folder/path"}, assignee_ids=["annotator1", "annotator2"]
        )
        job.add_items(item_ids=["item2"], assignee_ids=["annotator3"])
        assert job.assignments.get("annotator2").item_ids() == ["item3"]
        assert job.assignments.get("annotator3").item_ids() == ["item2"]

    def test_finding_tasks_and_assignments(self) -> None:
        """tasks.get(task_id), tasks.get(task_name), tasks.list(), assignments.get/list."""
        boss = manager()
        job = boss.jobs.create(
            "task-name", item_ids=["item0", "item1"], assignee_ids=["annotator1", "annotator2"]
        )
        assert boss.jobs.get(job.id) == boss.jobs.get(name="task-name") == job
        assert boss.jobs.list() == [job]
        assignment = boss.jobs.get_assignment(f"{job.id}:annotator2")
        assert job.assignments.list()[1] == assignment
        assert assignment.item_ids() == ["item1"]

    def test_redistribute_and_reassign_during_a_run(self) -> None:
        """assignment.redistribute(Workload([...])) and assignment.reassign([new])."""
        boss = manager()
        job = boss.jobs.create("t", filters={"id": {"$exists": True}}, assignee_ids=["annotator1"])

        def operate() -> None:
            assignment = job.assignments.get("annotator1")
            assignment.redistribute(
                Workload([WorkloadUnit("annotator1", 50), WorkloadUnit("annotator2", 50)])
            )
            job.assignments.get("annotator2").reassign(["annotator3"])

        run(boss, Operator(1.0, operate))
        workers = [boss.board.get(i).tried_by[0] for i in job.item_ids()]
        # item0 was started at t=0; of the other five, annotator2 got every second one
        # (item2, item4) and handed them to annotator3.
        one, three = "annotator1", "annotator3"
        assert workers == [one, one, three, one, three, one]

    def test_rename_set_status_remove_reassign_items(self) -> None:
        """task.name = ...; update(), reassign_items, remove_items, set_status."""
        boss = manager()
        job = boss.jobs.create(
            "Annotate Cars", item_ids=["item0", "item1", "item2"], assignee_ids=["annotator1"]
        )
        job.name = "Updated Task Name"
        job.update()
        assert boss.jobs.get(name="Updated Task Name") == job
        returned: list[object] = []

        def operate() -> None:
            returned.append(job.reassign_items(["item1"], "annotator2"))
            returned.append(boss.remove_tasks(["item2"]))

        run(boss, Operator(0.0, operate))
        assert returned == [["item1"], ["item2"]]
        assert [boss.board.get(i).tried_by for i in job.item_ids()] == [
            ("annotator1",),
            ("annotator2",),
            (),
        ]
        assert job.progress()["removed"] == 1

    def test_delete_task_and_assignment(self) -> None:
        """task.delete() closes its unfinished items; assignment.delete() hands its items on."""
        boss = manager()
        kept = boss.jobs.create(
            "kept", item_ids=["item0", "item1"], assignee_ids=["annotator1", "annotator2"]
        )
        gone = boss.jobs.create("gone", item_ids=["item2"], assignee_ids=["annotator3"])
        kept.assignments.get("annotator2").delete()
        assert gone.delete() == ["item2"]
        run(boss)
        assert [boss.board.get(i).tried_by for i in kept.item_ids()] == [
            ("annotator1",),
            ("annotator1",),
        ]
        assert boss.board.get("item2").state.value == "removed"


class TestArgilla:
    def test_min_submitted_and_progress(self) -> None:
        """TaskDistribution(min_submitted=2) and dataset.progress(with_users_distribution)."""
        boss = TaskManager(
            [Task(id=n, difficulty=3) for n in range(4)],
            3,
            distribution=Distribution(min_submitted=2),
        )
        run(boss)
        progress = boss.progress(with_users_distribution=True)
        assert (progress["total"], progress["completed"], progress["pending"]) == (4, 4, 0)
        assert sum(u["completed"]["submitted"] for u in progress["users"].values()) == 8
