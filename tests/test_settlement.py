"""The settlement alone: how answers, verdicts and departures become final states."""

import pytest
from parts import Parts

from agents import Consensus, Distribution, QualityReview, TaskState
from protocol import (
    ReviewResult,
    Task,
    TaskAccepted,
    TaskAssignment,
    TaskRejected,
    TaskResult,
    TaskWithdrawn,
    Undeliverable,
)


def states(parts: Parts) -> dict[object, str]:
    return {r.id: str(r.state) for r in parts.board}


class TestPlain:
    def test_a_success_completes(self) -> None:
        """One successful answer completes a plain task and is its deciding result."""
        parts = Parts()
        parts.join("a", 5)
        parts.add(1, 3)
        parts.place()
        result = parts.answer(1, "a")
        assert (states(parts), parts.settlement.task_results) == ({1: "completed"}, [result])
        assert [r.id for r in parts.settled] == [1]

    def test_a_failure_retries_until_the_last_attempt(self) -> None:
        """max_attempts 2: the first failure requeues, the second fails the task."""
        parts = Parts(max_attempts=2)
        parts.join("a", 5)
        parts.add(1, 7)
        parts.place()
        parts.answer(1, "a", success=False)
        record = parts.board.get(1)
        assert (record.state, record.queued, record.best_failed, record.counted) == (
            TaskState.PENDING,
            True,
            5.0,
            0,
        )
        parts.place()
        parts.answer(1, "a", success=False)
        assert (record.state, record.success, record.attempts) == (TaskState.FAILED, False, 2)

    def test_a_late_result_is_stale(self) -> None:
        """A result from a worker that does not hold the task is ignored and counted."""
        parts = Parts()
        parts.join("a", 5)
        parts.add(1, 3)
        result = TaskResult(task_id=1, worker="a", success=True)
        parts.settlement.result(result, 0.0)
        parts.settlement.rejected(TaskRejected(task_id=1, worker="a", reason="busy"), 0.0)
        assert (parts.settlement.stale_results, parts.board.get(1).responses) == (2, ())

    def test_every_connected_worker_declining_fails_the_task(self) -> None:
        """A task declined by all connected workers fails; declined by some, it waits."""
        parts = Parts()
        parts.join("a", 5)
        parts.join("b", 5)
        parts.add(1, 3)
        parts.place()
        parts.answer(1, "a", status="discarded")
        assert states(parts) == {1: "pending"}
        assert parts.place() == [("b", 1)]
        parts.answer(1, "b", status="discarded")
        assert states(parts) == {1: "failed"}

    def test_a_departure_leaves_a_draft_and_requeues(self) -> None:
        """A crashed holder's started work is a draft; the task is placed again."""
        parts = Parts()
        parts.join("a", 5)
        parts.add(1, 3)
        parts.place()
        parts.settlement.accepted(TaskAccepted(task_id=1, worker="a"), 1.0)
        parts.settlement.departed("a")
        record = parts.board.get(1)
        assert [(r.worker, r.status) for r in record.responses] == [("a", "draft")]
        assert (record.reassignments, record.queued, record.holders) == (1, True, {})


class TestMinSubmitted:
    def test_two_submissions_complete_drafts_and_declines_do_not_count(self) -> None:
        """min_submitted 2: a discarded answer does not count; two submitted ones do."""
        parts = Parts(distribution=Distribution(min_submitted=2))
        for name in "abc":
            parts.join(name, 5)
        parts.add(1, 3)
        assert sorted(parts.place()) == [("a", 1), ("b", 1)]
        parts.answer(1, "a", status="discarded")
        assert (states(parts), parts.board.get(1).counted) == ({1: "assigned"}, 0)
        parts.answer(1, "b")
        assert (states(parts), parts.board.get(1).counted) == ({1: "pending"}, 1)
        assert parts.place() == [("c", 1)]
        parts.answer(1, "c")
        assert states(parts) == {1: "completed"}

    def test_a_final_task_withdraws_its_unstarted_holds(self) -> None:
        """With overlap, the holder left when the task completes is told to drop it."""
        parts = Parts(distribution=Distribution(min_submitted=1, overlap=1))
        parts.join("a", 5)
        parts.join("b", 5)
        parts.add(1, 3, truth="x", labels=["x", "y"])
        parts.place()
        parts.answer(1, "a", answer="x")
        assert parts.sent[-1] == ("b", TaskWithdrawn(task_id=1))
        parts.answer(1, "b", answer="x")
        assert parts.board.get(1).overshoot == 1


def three_voters() -> Parts:
    """A labelled task placed on three workers for consensus."""
    parts = Parts(distribution=Distribution(consensus=Consensus(100, 3)))
    for name in "abc":
        parts.join(name, 5)
    parts.add(1, 3, truth="x", labels=["x", "y"])
    parts.place()
    return parts


class TestConsensus:
    def test_majority_decides_and_success_is_the_truth(self) -> None:
        """Three answers x, y, y on a task whose truth is x: answer y, not a success."""
        parts = three_voters()
        parts.answer(1, "a", answer="x")
        parts.answer(1, "b", success=False, answer="y")
        assert (states(parts), parts.board.get(1).counted) == ({1: "assigned"}, 2)
        parts.answer(1, "c", success=False, answer="y")
        record = parts.board.get(1)
        assert (record.state, record.answer, record.success) == (TaskState.COMPLETED, "y", False)

    def test_a_right_majority_is_a_success(self) -> None:
        """Two of three right: completed and a success."""
        parts = three_voters()
        for name, answer in zip("abc", "xyx", strict=True):
            parts.answer(1, name, success=answer == "x", answer=answer)
        record = parts.board.get(1)
        assert (record.answer, record.answer_weighted, record.success) == ("x", "x", True)


class TestQualityReview:
    def qa(self, max_attempts: int) -> Parts:
        parts = Parts(
            distribution=Distribution(qa=QualityReview(("r",), 1.0)), max_attempts=max_attempts
        )
        parts.join("a", 5)
        parts.join("b", 5)
        parts.join("r", 5, role="reviewer")
        parts.add(1, 3)
        parts.place()
        parts.answer(1, "a")
        return parts

    def verdict(self, parts: Parts, approved: bool) -> None:
        review = ReviewResult(task_id=1, reviewer="r", worker="a", approved=approved, attempt=1)
        parts.settlement.review(review, 1.0)

    def test_an_answer_waits_for_its_verdict(self) -> None:
        """With sample 1, every answer is queued for review and the reviewer gets it."""
        parts = self.qa(2)
        assert (states(parts), parts.settlement.reviews) == ({1: "submitted"}, 1)
        parts.dispatcher.place()
        assert parts.sent[-1][0] == "r"

    def test_a_rejection_is_reworked_by_another_worker(self) -> None:
        """Rejected with attempts left: rework, and never by the same worker."""
        parts = self.qa(2)
        parts.dispatcher.place()
        self.verdict(parts, approved=False)
        assert (states(parts), parts.settlement.rework) == ({1: "pending"}, 1)
        assert parts.place() == [("b", 1)]
        assert parts.dispatcher.reviewers["r"].successes == 1

    def test_a_rejection_on_the_last_attempt_fails(self) -> None:
        """Rejected with no attempt left: failed."""
        parts = self.qa(1)
        parts.dispatcher.place()
        self.verdict(parts, approved=False)
        assert (states(parts), parts.settlement.rework) == ({1: "failed"}, 0)

    def test_an_approval_completes(self) -> None:
        """Approved: completed, reviewed, and a second verdict is stale."""
        parts = self.qa(2)
        parts.dispatcher.place()
        self.verdict(parts, approved=True)
        assert (states(parts), parts.board.get(1).reviewed) == ({1: "completed"}, True)
        self.verdict(parts, approved=True)
        assert parts.settlement.stale_results == 1


class TestRefusals:
    def refused(self, reason: str) -> Parts:
        parts = Parts()
        parts.join("a", 5)
        parts.join("b", 3)
        parts.add(1, 4)
        assert parts.place() == [("a", 1)]
        parts.settlement.rejected(TaskRejected(task_id=1, worker="a", reason=reason), 1.0)
        return parts

    def test_a_busy_worker_is_blocked_until_it_asks(self) -> None:
        """busy: the task goes to another worker; the refuser gets nothing until it asks."""
        parts = self.refused("busy")
        worker = parts.dispatcher.workers["a"]
        assert (worker.blocked, worker.leaving, parts.place()) == (True, False, [("b", 1)])

    def test_a_leaving_worker_takes_nothing_more(self) -> None:
        """leaving: marked leaving, never blocked."""
        parts = self.refused("leaving")
        worker = parts.dispatcher.workers["a"]
        assert (worker.blocked, worker.leaving, parts.place()) == (False, True, [("b", 1)])

    def test_a_specialty_refusal_excludes_that_worker_for_that_task(self) -> None:
        """specialty: the task never goes back to it, other tasks do."""
        parts = self.refused("specialty")
        parts.dispatcher.block(parts.dispatcher.workers["b"])
        assert parts.place() == []
        parts.add(2, 4, priority=2)
        assert parts.place() == [("a", 2)]

    def test_a_withdrawal_answer_just_requeues(self) -> None:
        """withdrawn: neither blocked, leaving nor excluded; placed again."""
        parts = self.refused("withdrawn")
        worker = parts.dispatcher.workers["a"]
        assert (worker.blocked, worker.leaving, parts.place()) == (False, False, [("a", 1)])

    def test_a_bounced_assignment_is_placed_again(self) -> None:
        """An Undeliverable assignment drops the hold; a bounced review changes nothing."""
        parts = Parts()
        parts.join("a", 5)
        parts.add(1, 4)
        parts.place()
        assignment = parts.sent[-1][1]
        review = TaskAssignment(task=Task(id=1, difficulty=4), review_of="a")
        for original in (review, assignment):
            bounced = Undeliverable(recipient="a", reason="departed", original=original)
            parts.settlement.bounced(bounced, 1.0)
            if original is review:
                assert parts.board.get(1).held_by("a")
        assert (parts.board.get(1).holders, parts.board.get(1).queued) == ({}, True)


class TestWorkerFigures:
    def test_answers_count_toward_the_worker_declines_do_not(self) -> None:
        """tasks, successes and busy time count submitted answers, not declines."""
        parts = Parts(max_attempts=3)
        worker = parts.join("a", 5)
        parts.add(1, 4)
        parts.place()
        parts.settlement.accepted(TaskAccepted(task_id=1, worker="a"), 1.0)
        parts.now = 5.0
        parts.answer(1, "a", success=False)
        parts.place()
        parts.now = 6.0
        parts.answer(1, "a", status="discarded")
        assert (worker.tasks, worker.successes, worker.busy_time) == (1, 0, 4.0)
        assert worker.idle_since == 6.0


class TestSetStatus:
    def test_all_unfinished_tasks_close_and_final_ones_stay(self) -> None:
        """Without ids every unfinished task closes; a final one keeps its state."""
        parts = Parts()
        for i in range(3):
            parts.add(i)
        parts.operations.set_status("removed", [0])
        assert parts.operations.set_status("failed") == [1, 2]
        assert parts.operations.set_status("completed", [0, 1]) == []
        assert states(parts) == {0: "removed", 1: "failed", 2: "failed"}
        with pytest.raises(
            ValueError, match=r"^status must be completed, failed or removed, got 'x'$"
        ):
            parts.operations.set_status("x")  # type: ignore[arg-type]

    def test_qa_approval_reports_the_last_submitted_answer(self) -> None:
        """The deciding result of an approved task is its last submitted answer."""
        parts = Parts(distribution=Distribution(qa=QualityReview(("r",), 1.0)))
        parts.join("a", 5)
        parts.join("r", 5, role="reviewer")
        parts.add(1, 3)
        parts.place()
        submitted = parts.answer(1, "a")
        parts.dispatcher.place()
        draft = TaskResult(task_id=1, worker="z", success=False, status="draft")
        parts.board.respond(parts.board.get(1), draft)
        review = ReviewResult(task_id=1, reviewer="r", worker="a", approved=True, attempt=1)
        parts.settlement.review(review, 1.0)
        assert parts.settlement.task_results == [submitted]
