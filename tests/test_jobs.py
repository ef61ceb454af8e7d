"""Jobs and assignments: the platforms' task objects over one manager's team."""

import re
from typing import Any

import pytest
from jobparts import JobParts, items

from agents import (
    Consensus,
    Distribution,
    Pulling,
    Runtime,
    TaskManager,
    WorkerAgent,
    WorkloadUnit,
)
from agents.errors import (
    JobError,
    UnknownAnnotatorError,
    UnknownAssignmentError,
    UnknownItemError,
    UnknownJobError,
)
from protocol import SkillsimError, TaskWithdrawn

pytestmark = pytest.mark.usefixtures("quiet_logs")


def pins(parts: JobParts) -> dict[Any, str | None]:
    return {r.id: r.designated for r in parts.board}


class TestCreate:
    def test_items_by_id_are_split_among_assignees_in_turn(self) -> None:
        """Without pulling or consensus, each item is pinned to one assignee, in turn."""
        parts = JobParts()
        job = parts.jobs.create("cars", item_ids=["i0", "i1", "i2"], assignee_ids=["a", "b"])
        assert job.id == "job-1"
        assert job.item_ids() == ["i0", "i1", "i2"]
        assert pins(parts) == {"i0": "a", "i1": "b", "i2": "a"}
        assert [a.id for a in job.assignments.list()] == ["job-1:a", "job-1:b"]
        assert job.assignments.get("a").item_ids() == ["i0", "i2"]

    def test_items_by_filter_over_metadata(self) -> None:
        """A DQL filter picks the dataset items no job holds; a second job gets the rest."""
        parts = JobParts()
        first = parts.jobs.create("a-dir", filters={"metadata.dir": "/a"}, assignee_ids=["a"])
        second = parts.jobs.create(
            "big", filters={"metadata.n": {"$gte": 2}}, assignee_ids=["b"], due_date=50.0
        )
        assert first.item_ids() == ["i1", "i3", "i5"]
        assert second.item_ids() == ["i2", "i4"]
        assert [t.id for t in parts.jobs.free_items()] == ["i0"]
        assert parts.board.get("i2").task.due == 50.0

    def test_workload_units_split_by_percentage(self) -> None:
        """A job's workload split pins items by the largest-remainder rule."""
        parts = JobParts(4)
        units = (WorkloadUnit("a", 75), WorkloadUnit("b", 25))
        job = parts.jobs.create(
            "w", filters={"metadata.n": {"$lt": 4}}, mode=Distribution(workload=units)
        )
        assert job.assignee_ids == ["a", "b"]
        assert sorted(pins(parts).values()) == ["a", "a", "a", "b"]

    def test_consensus_items_stay_open_to_the_assignees_only(self) -> None:
        """A consensus item needs two distinct assignees and no outsider may take it."""
        parts = JobParts(1)
        mode = Distribution(consensus=Consensus(100, 2))
        parts.jobs.create("c", item_ids=["i0"], assignee_ids=["a", "b"], mode=mode)
        parts.join("out", 9, capacity=3)
        parts.join("a", 5)
        parts.join("b", 5)
        assert sorted(parts.place()) == [("a", "i0"), ("b", "i0")]
        assert parts.board.get("i0").required == 2

    def test_an_outsider_never_gets_a_restricted_item(self) -> None:
        """With only an outsider free, the job's item waits."""
        parts = JobParts(1)
        parts.join("out", 9)
        parts.jobs.create("p", item_ids=["i0"], assignee_ids=["a"])
        assert parts.place() == []
        parts.join("a", 1)
        assert parts.place() == [("a", "i0")]

    def test_refusals(self) -> None:
        """Bad creations name what was wrong."""
        parts = JobParts()
        parts.jobs.create("x", item_ids=["i0"], assignee_ids=["a"])
        cases = [
            (lambda: parts.jobs.create("x", assignee_ids=["a"]),
             JobError, r"^a job named 'x' exists already$"),
            (lambda: parts.jobs.create(" ", assignee_ids=["a"]),
             JobError, r"^a job's name must not be blank$"),
            (lambda: parts.jobs.create("y", item_ids=["nope"], assignee_ids=["a"]),
             UnknownItemError, r"^item 'nope' is not in the dataset$"),
            (lambda: parts.jobs.create("y", item_ids=["i0"], assignee_ids=["a"]),
             JobError, r"^item 'i0' belongs to job 'x'$"),
            (lambda: parts.jobs.create("y", item_ids=["i1"]),
             JobError, r"^job 'y' needs at least one assignee$"),
            (lambda: parts.jobs.create(
                "y", assignee_ids=["a"], mode=Distribution(consensus=Consensus(100, 2))),
             JobError, r"^job 'y': consensus wants 2 annotators per item, the job has 1$"),
            (lambda: parts.jobs.create(
                "y", assignee_ids=["a"], mode=Distribution(pulling=Pulling())),
             JobError, r"^job 'y': pulling batches are the manager's \(None\), the job asks "
                       r"Pulling\(batch_size=10, max_batch_workload=15\)$"),
            (lambda: parts.jobs.create(
                "y", assignee_ids=["a"], mode=Distribution(workload=(WorkloadUnit("b", 100),))),
             JobError, r"^job 'y': workload names 'b', not an assignee$"),
            (lambda: parts.jobs.create("y", assignee_ids=["a"], mode=Distribution(min_submitted=2)),
             JobError, r"^job 'y': a job's mode is consensus, pulling or a workload split; "
                       r"QA is a QA job, min_submitted is the manager's$"),
        ]  # fmt: skip
        for call, error, message in cases:
            with pytest.raises(error, match=message):
                call()
        assert len(parts.jobs.list()) == 1
        assert issubclass(JobError, SkillsimError)

    def test_a_departed_annotator_is_refused(self) -> None:
        """A job cannot be given to someone who has left."""
        parts = JobParts()
        parts.join("gone", 5)
        parts.settlement.departed("gone")
        with pytest.raises(
            JobError, match=r"^annotator 'gone' takes no new work \(gone or leaving\)$"
        ):
            parts.jobs.create("y", item_ids=["i0"], assignee_ids=["gone"])


class TestLookup:
    def test_get_by_id_or_name_and_list(self) -> None:
        """Jobs are found by id or name and listed in order of creation."""
        parts = JobParts()
        one = parts.jobs.create("one", item_ids=["i0"], assignee_ids=["a"])
        two = parts.jobs.create("two", item_ids=["i1"], assignee_ids=["a"])
        assert parts.jobs.get("job-2") == two
        assert parts.jobs.get(name="one") == one
        assert parts.jobs.list() == [one, two]
        assert parts.jobs.get_assignment("job-1:a").item_ids() == ["i0"]
        assert parts.jobs.job_of("i1") == two

    def test_unknown_names_and_ids(self) -> None:
        """Unknown ids, names and assignments are named exceptions."""
        parts = JobParts()
        job = parts.jobs.create("one", item_ids=["i0"], assignee_ids=["a"])
        with pytest.raises(UnknownJobError, match=r"^no job with id 'job-9'$"):
            parts.jobs.get("job-9")
        with pytest.raises(UnknownJobError, match=r"^no job named 'two'$"):
            parts.jobs.get(name="two")
        with pytest.raises(
            UnknownAssignmentError, match=r"^assignment of 'z' in job 'one' does not exist$"
        ):
            job.assignments.get("z")
        with pytest.raises(UnknownAssignmentError, match=r"^no assignment with id 'job-7:a'$"):
            parts.jobs.get_assignment("job-7:a")
        with pytest.raises(JobError, match=r"^give a job id or a name, not both or neither$"):
            parts.jobs.get()


class TestChanges:
    def test_rename_and_update(self) -> None:
        """A job renamed is found by its new name only; the seed's name-then-update works."""
        parts = JobParts()
        job = parts.jobs.create("old", item_ids=["i0"], assignee_ids=["a"])
        job.name = "newer"
        assert parts.jobs.get(name="old") == job  # not applied until update()
        job.update()
        assert parts.jobs.get(name="newer").name == "newer"
        with pytest.raises(UnknownJobError, match=r"^no job named 'old'$"):
            parts.jobs.get(name="old")
        parts.jobs.create("other", item_ids=["i1"], assignee_ids=["a"])
        with pytest.raises(JobError, match=r"^a job named 'other' exists already$"):
            job.rename("other")

    def test_add_items_with_assignees(self) -> None:
        """Added items go to the named assignees in turn, who join the job."""
        parts = JobParts()
        job = parts.jobs.create("j", item_ids=["i0"], assignee_ids=["a"])
        assert job.add_items(
            item_ids=["i1"], filters={"metadata.n": 4}, assignee_ids=["b", "c"]
        ) == [
            "i1",
            "i4",
        ]
        assert job.assignee_ids == ["a", "b", "c"]
        assert pins(parts) == {"i0": "a", "i1": "b", "i4": "c"}
        assert job.add_items(item_ids=["i2"]) == ["i2"]
        assert parts.board.get("i2").designated == "b"  # the job's round goes on

    def test_reassign_items_moves_unstarted_work_only(self) -> None:
        """Held, unstarted items are withdrawn; started ones stay; finished ones stay."""
        parts = JobParts()
        for name in ("a", "b"):
            parts.join(name, 5, capacity=3)
        job = parts.jobs.create("j", item_ids=["i0", "i1", "i2"], assignee_ids=["a"])
        assert sorted(parts.place()) == [("a", "i0"), ("a", "i1"), ("a", "i2")]
        parts.board.start(parts.board.get("i0"), "a", 0.0)
        parts.answer("i2", "a")
        moved = job.reassign_items(["i0", "i1", "i2"], "b")
        assert moved == ["i1"]
        assert parts.sent[-1] == ("a", TaskWithdrawn(task_id="i1"))
        assert parts.board.get("i1").reassignments == 1
        assert job.assignments.get("b").item_ids() == ["i1"]
        assert job.assignments.get("a").item_ids() == ["i0", "i1"]  # i1 until withdrawn

    def test_reassign_items_refusals(self) -> None:
        """Unknown items and annotators, and departed ones, are refused by name."""
        parts = JobParts()
        parts.join("a", 5)
        parts.join("gone", 5)
        parts.settlement.departed("gone")
        job = parts.jobs.create("j", item_ids=["i0"], assignee_ids=["a"])
        with pytest.raises(UnknownItemError, match=r"^item 'i3' is not in job 'j'$"):
            job.reassign_items(["i3"], "a")
        with pytest.raises(UnknownAnnotatorError, match=r"^no annotator 'zed' in the team$"):
            job.reassign_items(["i0"], "zed")
        with pytest.raises(
            JobError, match=r"^annotator 'gone' takes no new work \(gone or leaving\)$"
        ):
            job.reassign_items(["i0"], "gone")

    def test_assignment_reassign_to_several(self) -> None:
        """An assignment's unstarted items go to several annotators in turn; it ends."""
        parts = JobParts()
        for name in ("a", "b", "c"):
            parts.join(name, 5)
        job = parts.jobs.create("j", item_ids=["i0", "i1", "i2", "i3"], assignee_ids=["a"])
        assert job.assignments.get("a").reassign(["b", "c"]) == 4
        assert pins(parts) == {"i0": "b", "i1": "c", "i2": "b", "i3": "c"}
        assert job.assignee_ids == ["b", "c"]
        with pytest.raises(
            UnknownAssignmentError, match=r"^assignment of 'a' in job 'j' was deleted$"
        ):
            job.assignments.get("a")

    def test_redistribute_scoped_to_a_job(self) -> None:
        """Redistribute splits this job's unstarted items; another job's stay put."""
        parts = JobParts()
        for name in ("a", "b"):
            parts.join(name, 5)
        job = parts.jobs.create("j", item_ids=["i0", "i1", "i2", "i3"], assignee_ids=["a"])
        parts.jobs.create("k", item_ids=["i4"], assignee_ids=["a"])
        units = [WorkloadUnit("a", 50), WorkloadUnit("b", 50)]
        assert job.redistribute(units) == 2
        assert pins(parts) == {"i0": "a", "i1": "b", "i2": "a", "i3": "b", "i4": "a"}
        assert job.assignments.get("b").redistribute([WorkloadUnit("a", 100)]) == 2
        assert pins(parts)["i1"] == "a"


class TestDelete:
    def test_deleting_a_job_closes_its_unfinished_items(self) -> None:
        """Unfinished items end as removed, finished ones stay; the name is free again."""
        parts = JobParts()
        parts.join("a", 5, capacity=2)
        job = parts.jobs.create("j", item_ids=["i0", "i1", "i2"], assignee_ids=["a"])
        parts.place()
        parts.answer("i0", "a")
        assert job.delete() == ["i1", "i2"]
        assert [parts.board.get(i).state.value for i in ("i0", "i1", "i2")] == [
            "completed",
            "removed",
            "removed",
        ]
        assert ("a", TaskWithdrawn(task_id="i1")) in parts.sent
        with pytest.raises(UnknownJobError, match=r"^job 'job-1' \('j'\) was deleted$"):
            job.delete()
        with pytest.raises(UnknownJobError, match=r"^no job named 'j'$"):
            parts.jobs.get(name="j")
        with pytest.raises(JobError, match=r"^item 'i1' was in a deleted job$"):
            parts.jobs.create("j", item_ids=["i1"], assignee_ids=["a"])
        assert parts.jobs.list() == []

    def test_deleting_an_assignment_gives_its_items_to_the_others(self) -> None:
        """Its unstarted items go to the remaining assignees; a second delete is refused."""
        parts = JobParts()
        job = parts.jobs.create(
            "j", item_ids=["i0", "i1", "i2", "i3"], assignee_ids=["a", "b", "c"]
        )
        assert job.assignments.get("a").delete() == 2
        assert pins(parts) == {"i0": "b", "i1": "b", "i2": "c", "i3": "c"}
        with pytest.raises(
            UnknownAssignmentError, match=r"^assignment of 'a' in job 'j' was deleted$"
        ):
            parts.jobs.moves.delete_assignment(job, "a")

    def test_deleting_the_last_assignment_opens_the_items_to_anyone(self) -> None:
        """With no assignee left, its items go back to the central queue, for anyone."""
        parts = JobParts()
        job = parts.jobs.create("j", item_ids=["i0"], assignee_ids=["a"])
        job.assignments.get("a").delete()
        parts.join("out", 5)
        assert parts.place() == [("out", "i0")]


class TestQA:
    def test_a_qa_job_reviews_completed_items(self) -> None:
        """Completed items of the job become review items of its reviewers, due by its date."""
        parts = JobParts()
        parts.join("a", 5, capacity=3)
        job = parts.jobs.create("j", item_ids=["i0", "i1"], assignee_ids=["a"])
        parts.place()
        parts.answer("i0", "a")
        qa = parts.jobs.create_qa(job, assignee_ids=["r1", "r2"], due_date=90.0)
        assert qa.name == "j QA"
        assert qa.qa_of == job
        assert qa.item_ids() == ["i0:qa"]
        parts.answer("i1", "a")
        assert qa.item_ids() == ["i0:qa", "i1:qa"]
        assert [parts.board.get(i).designated for i in qa.item_ids()] == ["r1", "r2"]
        assert parts.board.get("i1:qa").task.due == 90.0
        with pytest.raises(JobError, match=r"^QA job of 'j' needs at least one reviewer$"):
            parts.jobs.create_qa(job, assignee_ids=[])


class TestRuns:
    def test_two_jobs_run_at_once_over_one_team(self) -> None:
        """Two jobs over one team finish every item, each item done by its job's people."""
        manager = TaskManager(expected_workers=3, dataset=items(8))
        jobs = manager.jobs
        first = jobs.create("first", filters={"metadata.dir": "/a"}, assignee_ids=["ana", "bo"])
        second = jobs.create("second", filters={"metadata.dir": "/b"}, assignee_ids=["cy"])
        runtime = Runtime()
        runtime.add(manager, *(WorkerAgent(n, 6) for n in ("ana", "bo", "cy")))
        summary = runtime.run(strict=True)
        assert summary.ending == "complete"
        done = {r.id: r.tried_by for r in manager.board}
        assert done == {
            "i1": ("ana",), "i3": ("bo",), "i5": ("ana",), "i7": ("bo",),
            "i0": ("cy",), "i2": ("cy",), "i4": ("cy",), "i6": ("cy",),
        }  # fmt: skip
        assert first.progress() == {
            "total": 4, "completed": 4, "pending": 0, "failed": 0, "removed": 0, "late": 0
        }  # fmt: skip
        assert second.progress()["completed"] == 4

    def test_due_date_counts_late_items(self) -> None:
        """Items of a job that finish after its due date are late."""
        manager = TaskManager(expected_workers=1, dataset=items(3))
        job = manager.jobs.create("j", item_ids=["i0", "i1", "i2"], assignee_ids=["a"], due_date=5)
        runtime = Runtime()
        runtime.add(manager, WorkerAgent("a", 6))
        runtime.run(strict=True)
        assert [manager.board.get(i).finished for i in job.item_ids()] == [3.0, 6.0, 9.0]
        assert job.progress()["late"] == 2


def test_error_messages_name_the_thing() -> None:
    """Every job error message quotes the id or name it is about."""
    parts = JobParts()
    messages = []
    for call in (lambda: parts.jobs.get("nope"), lambda: parts.jobs.get(name="nope")):
        with pytest.raises(UnknownJobError) as caught:
            call()
        messages.append(str(caught.value))
    assert all(re.search(r"'nope'", m) for m in messages)


class TestRestrictionOnAssigneeQueues:
    def test_an_unpinned_item_is_bound_to_another_assignee_only(self) -> None:
        """With per-assignee queues, an item its annotator left joins another assignee's queue."""
        parts = JobParts(distribution=Distribution(queue="assignee"), policy="least_loaded")
        for name in ("a", "b", "out"):
            parts.join(name, 5)
        parts.jobs.create("j", item_ids=["i0", "i1", "i2"], assignee_ids=["a", "b"])
        assert parts.place() == [("a", "i0"), ("b", "i1")]
        parts.dispatcher.leaving(parts.dispatcher.workers["a"])
        assert parts.place() == []  # "out" is idle, but i2 is the job's, and b is busy
        assert parts.board.get("i2").designated == "b"
        parts.answer("i1", "b")
        assert parts.place() == [("b", "i2")]

    def test_an_item_of_a_job_without_assignees_left_goes_to_anyone(self) -> None:
        """When the job's last assignment is deleted, its items are open to anyone again."""
        parts = JobParts(distribution=Distribution(queue="assignee"), policy="least_loaded")
        job = parts.jobs.create("j", item_ids=["i0"], assignee_ids=["a"])
        job.assignments.get("a").delete()
        parts.join("out", 5)
        assert parts.place() == [("out", "i0")]
