"""Random sequences of job operations mixed with arrivals, answers, crashes and leaves.

Beside the manager's own invariants (the index equals a recomputation; no task lost
or held twice), after every step:

* each item of a live job is on the board and belongs to that job only;
* an assignment's items equal a recomputation from the board (pinned to or held by
  its annotator, unfinished), and an open item is pinned to an assignee of its job or
  to nobody, never to someone who left it;
* no open item of a live job is lost: it is held, queued, or in review;
* a placement never gives a live job's item to someone outside the job.
"""

from typing import Any

import hypothesis.strategies as st
import test_manager_parts_invariants as base
from hypothesis import settings
from hypothesis.stateful import invariant, precondition, rule
from jobparts import JobParts

from agents import Consensus, Distribution, JobError, TaskState, WorkloadUnit


class JobsAndParts(base.ManagerParts):
    def __init__(self) -> None:
        super().__init__()
        self.parts = JobParts(40, distribution=Distribution(overlap=1))
        self.parts.settlement.max_attempts = 2
        self.jobs = self.parts.jobs
        self.names = 0

    def usable(self) -> list[str]:
        return sorted(w for w, r in self.parts.dispatcher.workers.items() if r.usable)

    def live(self) -> list[Any]:
        return self.jobs.list()

    # -- rules of jobs -------------------------------------------------------------------

    @rule(data=st.data(), size=st.integers(1, 4), consensus=st.booleans())
    def create_job(self, data: st.DataObject, size: int, consensus: bool) -> None:
        free = [t.id for t in self.jobs.free_items()]
        if not free:
            return
        chosen = data.draw(st.lists(st.sampled_from(free), min_size=1, max_size=size, unique=True))
        people = [*self.usable(), "new1", "new2"]
        assignees = data.draw(
            st.lists(st.sampled_from(people), min_size=1, max_size=3, unique=True)
        )
        mode = Distribution()
        if consensus and len(assignees) >= 2:
            mode = Distribution(consensus=Consensus(100, 2))
        elif data.draw(st.booleans()):
            load = 100 / len(assignees)
            units = tuple(WorkloadUnit(a, load) for a in assignees[:-1])
            mode = Distribution(
                workload=(*units, WorkloadUnit(assignees[-1], 100 - sum(u.load for u in units)))
            )
        self.names += 1
        self.jobs.create(f"job {self.names}", item_ids=chosen, assignee_ids=assignees, mode=mode)

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def add_items(self, data: st.DataObject) -> None:
        free = [t.id for t in self.jobs.free_items()]
        if not free:
            return
        job = data.draw(st.sampled_from(self.live()))
        people = self.usable()
        who = (
            data.draw(st.lists(st.sampled_from(people), max_size=2, unique=True)) if people else []
        )
        job.add_items(
            item_ids=data.draw(
                st.lists(st.sampled_from(free), min_size=1, max_size=2, unique=True)
            ),
            assignee_ids=who,
        )

    @precondition(lambda self: self.live() and self.usable())
    @rule(data=st.data())
    def reassign_items(self, data: st.DataObject) -> None:
        job = data.draw(st.sampled_from(self.live()))
        ids = data.draw(
            st.lists(st.sampled_from(job.item_ids()), min_size=1, max_size=3, unique=True)
        )
        job.reassign_items(ids, data.draw(st.sampled_from(self.usable())))
        self.deliver_withdrawals()

    @precondition(lambda self: self.live() and self.usable())
    @rule(data=st.data())
    def reassign_assignment(self, data: st.DataObject) -> None:
        job = data.draw(st.sampled_from(self.live()))
        assignments = job.assignments.list()
        if not assignments:
            return
        assignment = data.draw(st.sampled_from(assignments))
        targets = data.draw(
            st.lists(st.sampled_from(self.usable()), min_size=1, max_size=2, unique=True)
        )
        assignment.reassign(targets)
        self.deliver_withdrawals()

    @precondition(lambda self: self.live() and self.usable())
    @rule(data=st.data())
    def redistribute(self, data: st.DataObject) -> None:
        job = data.draw(st.sampled_from(self.live()))
        who = data.draw(
            st.lists(st.sampled_from(self.usable()), min_size=1, max_size=2, unique=True)
        )
        units = [WorkloadUnit(w, 100 / len(who)) for w in who]
        job.redistribute(units)
        self.deliver_withdrawals()

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def delete_assignment(self, data: st.DataObject) -> None:
        job = data.draw(st.sampled_from(self.live()))
        assignments = job.assignments.list()
        if assignments:
            data.draw(st.sampled_from(assignments)).delete()
            self.deliver_withdrawals()

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def delete_job(self, data: st.DataObject) -> None:
        data.draw(st.sampled_from(self.live())).delete()
        self.deliver_withdrawals()

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        job = data.draw(st.sampled_from(self.live()))
        self.names += 1
        job.rename(f"renamed {self.names}")
        assert self.jobs.get(name=f"renamed {self.names}") == job

    @precondition(lambda self: len(self.parts.dispatcher.workers) >= 2)
    @rule(data=st.data())
    def reassign(self, data: st.DataObject) -> None:
        """The run-wide reassign, then the manager's follow-up: receivers join jobs."""
        super().reassign(data)
        self.jobs.follow_pins()

    @rule(data=st.data())
    def place(self, data: st.DataObject) -> None:
        parts = self.parts
        parts.now += data.draw(st.sampled_from([0.0, 0.5, 1.0]))
        for worker, item in parts.place():
            job = self.jobs.job_of(item)
            if job is not None:
                state = self.jobs.state(job)
                assert worker in state.allowed or not state.assignees, (worker, item)
        self.deliver_withdrawals()

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def no_task_is_lost_or_held_twice(self) -> None:
        board, dispatcher = self.parts.board, self.parts.dispatcher
        arrived = [r.id for r in board if isinstance(r.id, int)]
        assert arrived == list(range(self.next_task))
        held_by_workers = sorted(
            (str(t), w) for w, r in dispatcher.workers.items() for t in r.held if r.connected
        )
        assert sorted((str(t), w) for t, w in self.held_pairs()) == held_by_workers
        for record in board:
            assert len(record.holders) <= record.required + record.overlap
            if record.terminal is None and record.open_slots > 0:
                assert record.queued, record
        finals = sum(board.count(s) for s in (TaskState.COMPLETED, TaskState.FAILED))
        assert finals + board.count(TaskState.REMOVED) + board.open_count() == len(board)

    @invariant()
    def jobs_agree_with_the_board(self) -> None:
        board = self.parts.board
        owners: dict[Any, str] = {}
        for job in self.live():
            state = self.jobs.state(job)
            for item_id in job.item_ids():
                assert item_id in board
                assert item_id not in owners
                owners[item_id] = job.id
                record = board.get(item_id)
                if record.terminal is None:
                    assert record.designated is None or record.designated in state.assignees
                    assert (
                        record.holders
                        or record.queued
                        or record.in_review
                        or record.open_slots <= 0
                    )
            for assignment in job.assignments.list():
                expected = [
                    i
                    for i in job.item_ids()
                    if board.get(i).terminal is None
                    and (
                        board.get(i).designated == assignment.assignee_id
                        or board.get(i).held_by(assignment.assignee_id)
                    )
                ]
                assert assignment.item_ids() == expected
        assert {i: j.id for i in owners if (j := self.jobs.job_of(i)) is not None} == owners


TestJobsAndParts = JobsAndParts.TestCase
TestJobsAndParts.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)


def test_refusals_are_job_errors() -> None:
    """The named errors of jobs all descend from JobError."""
    from agents import (
        UnknownAnnotatorError,
        UnknownAssignmentError,
        UnknownItemError,
        UnknownJobError,
    )

    for error in (UnknownAnnotatorError, UnknownAssignmentError, UnknownItemError, UnknownJobError):
        assert issubclass(error, JobError)
