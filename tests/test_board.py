"""The task board alone: every transition, its precondition and its refusal."""

import pytest

from agents import TaskBoard, TaskRecord, TaskState
from protocol import Task, TaskResult


def board_with(*tasks: Task, required: int = 1, overlap: int = 0) -> TaskBoard:
    board = TaskBoard()
    for task in tasks:
        board.add(task, 0.0, required=required, overlap=overlap)
    return board


def answer(task_id: int, worker: str, status: str = "submitted") -> TaskResult:
    return TaskResult(task_id=task_id, worker=worker, success=True, status=status)  # type: ignore[arg-type]


class TestRecords:
    def test_a_record_refuses_writes_from_outside(self) -> None:
        """Only the board writes a record: assigning an attribute raises."""
        record = board_with(Task(id=1, difficulty=3)).get(1)
        with pytest.raises(
            AttributeError,
            match=r"^task records are read-only: change 'terminal' through TaskBoard$",
        ):
            record.terminal = TaskState.COMPLETED  # type: ignore[misc]

    def test_holders_is_a_read_only_view(self) -> None:
        """The holders mapping cannot be changed through the record."""
        board = board_with(Task(id=1, difficulty=3))
        record = board.get(1)
        board.hold(record, "a", 0.0)
        with pytest.raises(TypeError):
            record.holders["b"] = record.holders["a"]  # type: ignore[index]

    def test_a_plain_record_keeps_no_containers_at_rest(self) -> None:
        """A task nobody holds has no holders dict; answers and attempts are tuples."""
        record = board_with(Task(id=1, difficulty=3)).get(1)
        assert (record._holders, record.responses, record.tried_by) == (None, (), ())
        assert not hasattr(record, "__dict__")


class TestAdd:
    def test_duplicate_id_is_refused(self) -> None:
        """A second task with the same id is refused, naming it."""
        board = board_with(Task(id=1, difficulty=3))
        with pytest.raises(ValueError, match=r"^duplicate task id 1$"):
            board.add(Task(id=1, difficulty=4), 0.0)

    @pytest.mark.parametrize(("required", "overlap"), [(0, 0), (1, -1)])
    def test_bad_counts_are_refused(self, required: int, overlap: int) -> None:
        """required below 1 or overlap below 0 is refused."""
        with pytest.raises(ValueError, match=r"^required must be >= 1 and overlap >= 0, got "):
            TaskBoard().add(Task(id=1, difficulty=3), 0.0, required=required, overlap=overlap)

    def test_a_new_task_is_pending_and_queued(self) -> None:
        """A new task is pending, queued, with one open slot."""
        record = board_with(Task(id=1, difficulty=3)).get(1)
        assert (record.state, record.queued, record.open_slots) == (TaskState.PENDING, True, 1)


class TestQueue:
    def test_window_is_priority_then_arrival_per_category(self) -> None:
        """The window takes the best k of each category, ordered by priority then arrival."""
        board = board_with(
            Task(id=1, difficulty=1),
            Task(id=2, difficulty=1, priority=3),
            Task(id=3, difficulty=1, skill="v"),
            Task(id=4, difficulty=1, priority=2),
            Task(id=5, difficulty=1, skill="v", priority=5),
            Task(id=6, difficulty=1, skill="v"),
        )
        window = board.window(per_category=2)
        assert [r.id for r in window] == [5, 2, 4, 3]
        assert [r.queued for r in window] == [False] * 4
        assert board.queued() == 2

    def test_restore_requeues_only_open_tasks(self) -> None:
        """A task placed in the pass is not queued again; the others are."""
        board = board_with(Task(id=1, difficulty=1), Task(id=2, difficulty=1))
        window = board.window(per_category=5)
        board.hold(window[0], "a", 0.0)
        board.restore(window)
        assert [r.id for r in board.window(per_category=5)] == [2]

    def test_a_task_requeued_twice_is_offered_once(self) -> None:
        """Lazy deletion: a stale heap entry is skipped."""
        board = board_with(Task(id=1, difficulty=1), required=2)
        record = board.get(1)
        board.window(per_category=1)
        board.requeue(record)
        board.requeue(record)
        assert [r.id for r in board.window(per_category=5)] == [1]
        assert board.window(per_category=5) == []


class TestHold:
    def test_hold_numbers_attempts_past_finished_and_held_ones(self) -> None:
        """Attempts count up past answered attempts and past other holders."""
        board = board_with(Task(id=1, difficulty=4), required=3)
        record = board.get(1)
        assert board.hold(record, "a", 0.0).attempt == 1
        assert board.hold(record, "b", 0.0).attempt == 2
        board.release(record, "a", reassigned=True)
        assert board.hold(record, "c", 1.0).attempt == 3
        board.drop(record, "b")
        board.attempted(record, "b", counts=True)
        assert board.hold(record, "d", 2.0).attempt == 4
        assert (record.first_assigned, record.reassignments) == (0.0, 1)

    def test_hold_without_an_open_slot_is_refused(self) -> None:
        """A plain task held once has no slot left."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.hold(record, "a", 0.0)
        with pytest.raises(ValueError, match=r"^task 1 has no open slot$"):
            board.hold(record, "b", 0.0)

    def test_the_same_worker_twice_is_refused(self) -> None:
        """One worker cannot hold one task twice."""
        board = board_with(Task(id=1, difficulty=4), required=2)
        record = board.get(1)
        board.hold(record, "a", 0.0)
        with pytest.raises(ValueError, match=r"^worker 'a' holds task 1 already$"):
            board.hold(record, "a", 0.0)

    def test_a_final_task_takes_no_holder(self) -> None:
        """Holding a removed task is refused."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.settle(record, TaskState.REMOVED, 1.0)
        with pytest.raises(ValueError, match=r"^task 1 is already removed$"):
            board.hold(record, "a", 2.0)

    def test_open_slots_count_required_overlap_answers_and_holders(self) -> None:
        """open_slots = required + overlap - counted - holders."""
        board = board_with(Task(id=1, difficulty=4), required=2, overlap=1)
        record = board.get(1)
        assert record.open_slots == 3
        board.hold(record, "a", 0.0)
        assert record.open_slots == 2
        board.drop(record, "a")
        board.attempted(record, "a", counts=True)
        assert record.open_slots == 2
        board.attempted(record, "b", counts=False)
        assert record.open_slots == 2

    def test_state_follows_holders(self) -> None:
        """pending -> assigned -> in_progress -> pending again when dropped."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.hold(record, "a", 0.0)
        assert record.state is TaskState.ASSIGNED
        assert board.start(record, "a", 1.0) is True
        assert record.state is TaskState.IN_PROGRESS
        assert board.start(record, "a", 2.0) is False
        assert board.start(record, "b", 2.0) is False
        assert (record.holders["a"].started, record.first_started) == (1.0, 1.0)
        board.drop(record, "a")
        assert (record.state, record.holders) == (TaskState.PENDING, {})

    def test_drop_of_a_non_holder_is_refused(self) -> None:
        """Dropping a worker that does not hold the task raises KeyError naming both."""
        board = board_with(Task(id=1, difficulty=4))
        with pytest.raises(KeyError, match=r"worker 'a' does not hold task 1"):
            board.drop(board.get(1), "a")

    def test_release_requeues_and_counts_only_a_reassignment(self) -> None:
        """A refusal requeues without counting; a crash counts one reassignment."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.window(per_category=1)
        board.hold(record, "a", 0.0)
        assert board.release(record, "a", reassigned=False) is not None
        assert (record.queued, record.reassignments) == (True, 0)
        board.window(per_category=1)
        board.hold(record, "b", 0.0)
        board.release(record, "b", reassigned=True)
        assert (record.queued, record.reassignments) == (True, 1)
        assert board.release(record, "b", reassigned=True) is None


class TestAnswers:
    def test_overshoot_counts_submissions_after_completion_only(self) -> None:
        """A submission to a completed task is overshoot; a draft or a failed task's is not."""
        board = board_with(Task(id=1, difficulty=4), Task(id=2, difficulty=4))
        done, failed = board.get(1), board.get(2)
        board.respond(done, answer(1, "a"))
        assert done.overshoot == 0
        board.settle(done, TaskState.COMPLETED, 1.0)
        board.respond(done, answer(1, "b", "draft"))
        board.respond(done, answer(1, "c"))
        board.settle(failed, TaskState.FAILED, 1.0)
        board.respond(failed, answer(2, "c"))
        assert (done.overshoot, failed.overshoot, len(done.responses)) == (1, 0, 3)

    def test_a_result_for_another_task_is_refused(self) -> None:
        """respond checks the task id."""
        board = board_with(Task(id=1, difficulty=4))
        with pytest.raises(ValueError, match=r"^result for task 2 given to task 1$"):
            board.respond(board.get(1), answer(2, "a"))

    def test_attempts_on_a_final_task_are_refused(self) -> None:
        """attempted refuses a terminal task."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.settle(record, TaskState.COMPLETED, 1.0)
        with pytest.raises(ValueError, match=r"^task 1 is already completed$"):
            board.attempted(record, "a", counts=True)

    def test_failed_by_keeps_the_highest_skill(self) -> None:
        """best_failed only rises."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.failed_by(record, 3.0)
        board.failed_by(record, 5.0)
        board.failed_by(record, 4.0)
        assert record.best_failed == 5.0

    def test_want_more_asks_for_one_more_answer_and_queues_the_task(self) -> None:
        """Dynamic overlap: one more required, one open slot, offered again."""
        board = board_with(Task(id=1, difficulty=4), required=2)
        record = board.get(1)
        board.window(per_category=1)
        for worker in ("a", "b"):
            board.respond(record, answer(1, worker))
            board.attempted(record, worker, counts=True)
        assert (record.open_slots, record.queued) == (0, False)
        board.want_more(record)
        assert (record.required, record.open_slots, record.queued) == (3, 1, True)
        assert [r.id for r in board.window(per_category=5)] == [1]

    def test_want_more_on_a_pinned_task_queues_it_in_its_workers_lane(self) -> None:
        """With per-assignee queues, the wanted answer waits in the pinned worker's lane."""
        board = TaskBoard(assignee_queues=True)
        record = board.add(Task(id=1, difficulty=4), 0.0, required=1)
        board.designate(record, "c")
        assert board.lane_next("c") is record
        board.respond(record, answer(1, "a"))
        board.attempted(record, "a", counts=True)
        board.want_more(record)
        assert (record.required, record.queued, board.queued()) == (2, True, 1)
        assert board.lane_next("c") is record

    def test_want_more_on_a_final_task_is_refused(self) -> None:
        """want_more refuses a terminal task."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.settle(record, TaskState.COMPLETED, 1.0)
        with pytest.raises(ValueError, match=r"^task 1 is already completed$"):
            board.want_more(record)

    def test_designation_moves_between_workers_and_skips_final_tasks(self) -> None:
        """designated_to lists the unfinished tasks pinned to a worker."""
        board = board_with(*(Task(id=i, difficulty=4) for i in range(3)))
        for i in range(3):
            board.designate(board.get(i), "a")
        board.designate(board.get(1), "b")
        board.settle(board.get(2), TaskState.REMOVED, 0.0)
        assert [r.id for r in board.designated_to("a")] == [0]
        assert [r.id for r in board.designated_to("b")] == [1]
        board.designate(board.get(1), None)
        assert (board.designated_to("b"), board.get(1).designated) == ([], None)


class TestReview:
    def test_review_closes_the_slots_until_the_verdict(self) -> None:
        """A task in review wants nobody and is 'submitted'."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.attempted(record, "a", counts=True)
        board.to_review(record)
        assert (record.state, record.open_slots) == (TaskState.SUBMITTED, 0)

    def test_a_rejection_with_rework_voids_the_answer(self) -> None:
        """Rework: one answer less, the responses so far void, queued again."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.window(per_category=1)
        board.respond(record, answer(1, "a"))
        board.attempted(record, "a", counts=True)
        board.to_review(record)
        board.verdict(record, approved=False, rework=True)
        assert (record.counted, record.rejected_upto, record.rejections) == (0, 1, 1)
        assert (record.reviewed, record.in_review, record.queued) == (True, 0, True)

    def test_a_rejection_without_rework_keeps_the_answer(self) -> None:
        """Without rework the count stays and nothing is queued."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.window(per_category=1)
        board.attempted(record, "a", counts=True)
        board.to_review(record)
        board.verdict(record, approved=False, rework=False)
        assert (record.counted, record.rejections, record.queued) == (1, 1, False)

    def test_an_approval_only_marks_it_reviewed(self) -> None:
        """An approval counts no rejection."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        board.to_review(record)
        board.verdict(record, approved=True, rework=True)
        assert (record.reviewed, record.rejections, record.in_review) == (True, 0, 0)

    def test_a_verdict_without_a_review_is_refused(self) -> None:
        """verdict needs an answer in review."""
        board = board_with(Task(id=1, difficulty=4))
        with pytest.raises(ValueError, match=r"^task 1 has no answer in review$"):
            board.verdict(board.get(1), approved=True, rework=False)


class TestSettle:
    def test_settle_is_once_and_only_to_a_final_state(self) -> None:
        """A second settle and a non-final state are refused."""
        board = board_with(Task(id=1, difficulty=4))
        record = board.get(1)
        with pytest.raises(ValueError, match=r"^pending is not a final state$"):
            board.settle(record, TaskState.PENDING, 1.0)
        board.settle(record, TaskState.COMPLETED, 2.0, answer="x")
        with pytest.raises(ValueError, match=r"^task 1 is already completed$"):
            board.settle(record, TaskState.FAILED, 3.0)
        assert board.queued() == 0
        assert (record.finished, record.success, record.answer, record.queued) == (
            2.0,
            True,
            "x",
            False,
        )

    def test_counts_by_state(self) -> None:
        """open_count, count and the snapshot agree."""
        board = board_with(*(Task(id=i, difficulty=4) for i in range(5)))
        board.settle(board.get(0), TaskState.COMPLETED, 1.0)
        board.settle(board.get(1), TaskState.FAILED, 1.0, success=False)
        board.settle(board.get(2), TaskState.REMOVED, 1.0)
        board.hold(board.get(3), "a", 1.0)
        snap = board.snapshot()
        assert (snap.completed, snap.failed, snap.removed, snap.assigned, snap.pending) == (
            1,
            1,
            1,
            1,
            1,
        )
        assert board.open_count() == snap.unfinished == 2
        assert [board.count(s) for s in (TaskState.COMPLETED, TaskState.FAILED)] == [1, 1]
        assert [r.success for r in board][:3] == [True, False, False]


def test_records_are_task_records() -> None:
    """Iterating the board yields its records in arrival order."""
    board = board_with(Task(id=2, difficulty=4), Task(id=1, difficulty=4))
    assert [type(r) for r in board] == [TaskRecord, TaskRecord]
    assert [r.id for r in board] == [2, 1]
