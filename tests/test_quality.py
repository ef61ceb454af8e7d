"""Golden tasks and dynamic overlap in the manager's parts, without a runtime."""

from typing import Any

import pytest
from parts import Parts

from agents import Consensus, Distribution, DynamicOverlap, Golden, Pulling, TaskState, label_set
from agents.policies.base import Assignment, Observation, Snapshot
from protocol import Task, TaskAssignment

LABELS = ["x", "y", "z", "w"]


def labelled(parts: Parts, task_id: int, difficulty: int = 3) -> None:
    parts.add(task_id, difficulty, truth="x", labels=LABELS)


class TestGoldenAdmission:
    def test_every_fourth_labelled_task_is_golden_at_share_one_quarter(self) -> None:
        """Share 1/4: labelled tasks 4 and 8 are golden; a plain task is not counted."""
        parts = Parts(golden=Golden(share=0.25, answers=2))
        parts.join("a", 5)
        parts.add(100, 3)  # plain: never golden, not counted
        for task_id in range(1, 9):
            labelled(parts, task_id)
        assert parts.quality is not None
        assert sorted(parts.quality.golden_ids) == [4, 8]
        required = {r.id: r.required for r in parts.board}
        assert (required[4], required[8], required[1], required[100]) == (2, 2, 1, 1)

    def test_workers_get_a_golden_task_as_an_ordinary_task(self) -> None:
        """The assignment of a golden task carries the task as given, no marker."""
        parts = Parts(golden=Golden(share=0.5, answers=1))
        parts.join("a", 5)
        parts.add(1, 3, truth="x", labels=LABELS)
        parts.add(2, 3, truth="x", labels=LABELS)
        assert parts.quality is not None
        assert parts.quality.golden_ids == frozenset({2})
        sent: list[Task] = []
        for task_id in (1, 2):
            parts.place()
            message = parts.sent[-1][1]
            assert isinstance(message, TaskAssignment)
            sent.append(message.task)
            parts.answer(task_id, "a", answer="x")
        assert sent == [
            Task(id=1, difficulty=3, truth="x", labels=LABELS),
            Task(id=2, difficulty=3, truth="x", labels=LABELS),
        ]


def golden_parts(**settings: Any) -> Parts:
    """Share 1/2 (even labelled tasks golden), one answer each; "good" takes task 1,
    "bad" the golden task 2."""
    parts = Parts(golden=Golden(share=0.5, answers=1, **settings))
    parts.join("good", 5)
    parts.join("bad", 5)
    labelled(parts, 1)
    labelled(parts, 2)
    assert parts.place() == [("good", 1), ("bad", 2)]
    return parts


class TestGoldenScoring:
    def test_only_golden_answers_are_scored(self) -> None:
        """An answer on an ordinary task leaves the scores alone; a golden one counts."""
        parts = golden_parts()
        parts.answer(1, "good", success=False, answer="y")
        parts.answer(2, "bad", answer="x")
        assert parts.scores is not None
        assert {w: (s.answered, s.correct) for w, s in parts.scores.snapshot().items()} == {
            "bad": (1, 1)
        }

    def test_stop_takes_the_flagged_worker_off_new_work(self) -> None:
        """Flagged with stop: it takes nothing new; the other worker gets the next task."""
        parts = golden_parts(threshold=0.5, min_answered=1, actions=frozenset({"stop"}))
        parts.answer(2, "bad", success=False, answer="y")
        parts.answer(1, "good", answer="x")
        labelled(parts, 3)
        labelled(parts, 4)
        assert parts.place() == [("good", 3)]
        assert parts.dispatcher.workers["bad"].usable is False

    def test_without_stop_a_flagged_worker_keeps_working(self) -> None:
        """Flagged with no action: only the score says so."""
        parts = golden_parts(threshold=0.5, min_answered=1)
        parts.answer(2, "bad", success=False, answer="y")
        assert parts.scores is not None
        assert parts.scores.flagged("bad")
        assert parts.dispatcher.workers["bad"].usable

    def test_a_right_answer_at_the_threshold_does_not_flag(self) -> None:
        """One right answer gives 2/3; a threshold of 2/3 is not crossed."""
        parts = golden_parts(threshold=2 / 3, min_answered=1, actions=frozenset({"stop"}))
        parts.answer(2, "bad", answer="x")
        assert parts.dispatcher.workers["bad"].usable

    def test_discard_voids_answers_on_open_tasks(self) -> None:
        """Flagged with discard: its answer on an open task stops counting, the task asks
        someone else, and the label comes from the others only."""
        parts = Parts(
            distribution=Distribution(consensus=Consensus(100, 2)),
            golden=Golden(share=0.5, answers=1, threshold=0.5, min_answered=1,
                          actions=frozenset({"discard"})),
        )  # fmt: skip
        parts.join("bad", 5)
        parts.join("third", 5)
        labelled(parts, 1)  # ordinary, two answers wanted
        assert parts.place() == [("bad", 1), ("third", 1)]
        parts.answer(1, "bad", success=False, answer="y")
        record = parts.board.get(1)
        assert record.counted == 1
        labelled(parts, 2)  # golden
        assert parts.place() == [("bad", 2)]
        parts.answer(2, "bad", success=False, answer="z")
        assert (record.voided, record.counted, record.queued) == (frozenset({"bad"}), 0, True)
        parts.join("good", 5)
        assert parts.place() == [("good", 1)]
        parts.answer(1, "good", answer="x")
        assert record.state is not TaskState.COMPLETED  # the third answer is still out
        parts.answer(1, "third", answer="x")
        assert (record.state, record.answer, record.answer_weighted) == (
            TaskState.COMPLETED,
            "x",
            "x",
        )

    def test_discard_voids_later_answers(self) -> None:
        """After the flag, its answer on another ordinary task does not count."""
        parts = golden_parts(threshold=0.5, min_answered=1, actions=frozenset({"discard"}))
        parts.answer(2, "bad", success=False, answer="y")
        labelled(parts, 3)  # ordinary; "good" still holds task 1
        assert parts.place() == [("bad", 3)]
        parts.answer(3, "bad", success=False, answer="y")
        record = parts.board.get(3)
        assert (record.voided, record.counted, record.state) == (
            frozenset({"bad"}),
            0,
            TaskState.PENDING,
        )
        assert parts.place() == []  # the voided worker may not answer it again


class TestDynamicOverlap:
    def dynamic(self, target: float, low: int = 1, high: int = 3) -> Parts:
        parts = Parts(dynamic=DynamicOverlap(low, high, target))
        for name in "abcd":
            parts.join(name, 5)
        labelled(parts, 1)
        return parts

    def test_asks_for_one_more_while_below_target(self) -> None:
        """Threshold model, capable workers (p = 0.99, K = 4): one answer is 0.99 sure;
        target 0.995 wants a second, which reaches 0.99997 and completes."""
        parts = self.dynamic(0.995)
        record = parts.board.get(1)
        assert parts.place() == [("a", 1)]
        parts.answer(1, "a", answer="x")
        assert (record.required, record.state) == (2, TaskState.PENDING)
        assert parts.place() == [("b", 1)]
        parts.answer(1, "b", answer="x")
        assert (record.required, record.state, record.answer) == (2, TaskState.COMPLETED, "x")

    def test_a_confident_first_answer_completes(self) -> None:
        """Target 0.99: the first answer (0.99) reaches it."""
        parts = self.dynamic(0.99)
        parts.place()
        parts.answer(1, "a", answer="x")
        assert (parts.board.get(1).required, parts.board.get(1).state) == (
            1,
            TaskState.COMPLETED,
        )

    def test_stops_at_the_maximum(self) -> None:
        """Disagreeing answers keep it unsure: it stops at max 3."""
        parts = self.dynamic(0.999, high=3)
        record = parts.board.get(1)
        for worker, answer in zip("abc", "xyz", strict=True):
            parts.place()
            parts.answer(1, worker, answer=answer, success=answer == "x")
        assert (record.required, record.state, record.attempts) == (3, TaskState.COMPLETED, 3)

    def test_stops_when_no_worker_is_left_to_ask(self) -> None:
        """Two workers, both answered, still unsure: it completes with two."""
        parts = Parts(dynamic=DynamicOverlap(1, 5, 0.999))
        parts.join("a", 5)
        parts.join("b", 5)
        labelled(parts, 1)
        for worker, answer in (("a", "x"), ("b", "y")):
            parts.place()
            parts.answer(1, worker, answer=answer, success=answer == "x")
        assert parts.board.get(1).state is TaskState.COMPLETED

    def test_workers_that_take_nothing_new_do_not_count(self) -> None:
        """Four connected, two answered, the other two leaving: nobody is left to ask,
        so the unsure task completes with two answers instead of waiting."""
        parts = Parts(dynamic=DynamicOverlap(1, 5, 0.999))
        for name in "abcd":
            parts.join(name, 5)
        labelled(parts, 1)
        for worker, answer in (("a", "x"), ("b", "y")):
            assert parts.place() == [(worker, 1)]
            parts.answer(1, worker, answer=answer, success=answer == "x")
            if worker == "a":
                for gone in "cd":
                    parts.dispatcher.leaving(parts.dispatcher.workers[gone])
        assert parts.board.get(1).state is TaskState.COMPLETED

    def test_plain_tasks_are_left_alone(self) -> None:
        """A task without a truth wants one answer as before."""
        parts = self.dynamic(0.999)
        parts.add(2, 3)
        assert parts.board.get(2).required == 1

    @pytest.mark.parametrize(
        ("distribution", "message"),
        [
            (
                Distribution(consensus=Consensus(100, 3)),
                r"^dynamic overlap sets the number of answers itself: it cannot be combined "
                r"with consensus or min_submitted > 1$",
            ),
            (
                Distribution(min_submitted=2),
                r"^dynamic overlap sets the number of answers itself",
            ),
            (
                Distribution(pulling=Pulling()),
                r"^golden tasks and dynamic overlap cannot be combined with pulling or a "
                r"workload split$",
            ),
        ],
    )
    def test_refused_combinations(self, distribution: Distribution, message: str) -> None:
        """Modes that fix the number of answers or the worker are refused."""
        with pytest.raises(ValueError, match=message):
            Parts(distribution=distribution, dynamic=DynamicOverlap())


class Recording:
    """A snapshot policy that learns: it keeps what it observes and the views it saw."""

    name = "recording"

    def __init__(self) -> None:
        self.observed: list[Observation] = []
        self.accuracies: list[dict[str, float | None]] = []

    def observe(self, observation: Observation) -> None:
        self.observed.append(observation)

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        self.accuracies.append({w.id: w.accuracy for w in snapshot.workers})
        free = [w.id for w in snapshot.workers]
        return [Assignment(p.task.id, w) for p, w in zip(snapshot.pending, free, strict=False)]


class TestWhatPoliciesSee:
    def test_with_golden_tasks_a_learner_sees_only_golden_outcomes(self) -> None:
        """Tasks 1 and 2 answered; only golden task 2's outcome reaches observe()."""
        policy = Recording()
        parts = Parts(policy=policy, golden=Golden(share=0.5, answers=1))
        parts.join("a", 5)
        parts.join("b", 5)
        labelled(parts, 1)
        labelled(parts, 2)
        parts.place()
        parts.answer(1, "a", answer="x")
        parts.answer(2, "b", answer="x")
        assert [o.task.id for o in policy.observed] == [2]

    def test_with_golden_tasks_a_learner_still_sees_plain_outcomes(self) -> None:
        """An unlabelled task's success is the manager's to see: it is observed."""
        policy = Recording()
        parts = Parts(policy=policy, golden=Golden(share=0.5, answers=1))
        parts.join("a", 5)
        parts.add(1, 3)
        parts.place()
        parts.answer(1, "a")
        assert [o.task.id for o in policy.observed] == [1]

    def test_without_golden_tasks_a_learner_sees_every_outcome(self) -> None:
        """Without golden tasks every labelled outcome is observed, as before."""
        policy = Recording()
        parts = Parts(policy=policy, dynamic=DynamicOverlap(1, 1, 0.5))
        parts.join("a", 5)
        labelled(parts, 1)
        parts.place()
        parts.answer(1, "a", answer="x")
        assert [o.task.id for o in policy.observed] == [1]

    def test_snapshots_carry_the_golden_estimates(self) -> None:
        """WorkerView.accuracy is the smoothed golden estimate: 1/2, then 2/3."""
        policy = Recording()
        parts = Parts(policy=policy, golden=Golden(share=0.5, answers=1))
        parts.join("a", 5)
        labelled(parts, 1)
        labelled(parts, 2)
        parts.place()
        parts.answer(1, "a", answer="x")
        parts.place()
        parts.answer(2, "a", answer="x")
        labelled(parts, 3)
        parts.place()
        assert policy.accuracies == [{"a": 0.5}, {"a": 0.5}, {"a": 2 / 3}]

    def test_without_golden_tasks_the_views_have_no_accuracy(self) -> None:
        """accuracy is None when golden tasks are off."""
        policy = Recording()
        parts = Parts(policy=policy)
        parts.join("a", 5)
        parts.add(1, 3)
        parts.place()
        assert policy.accuracies == [{"a": None}]


class TestBayesLabel:
    def test_below_chance_voters_yield_a_label_nobody_gave(self) -> None:
        """Three voters failing (p = 0.01 under the threshold model) answering y, z, w:
        the Bayes label over all four labels is x, which nobody gave; majority says y."""
        parts = Parts(distribution=Distribution(consensus=Consensus(100, 3)))
        for name in "abc":
            parts.join(name, 1)
        parts.add(1, 9, truth="x", labels=LABELS)
        parts.place()
        for name, answer in zip("abc", "yzw", strict=True):
            parts.answer(1, name, success=False, answer=answer)
        record = parts.board.get(1)
        assert (record.answer, record.answer_weighted) == ("y", "x")


class TestLabelSet:
    def test_a_task_with_labels_votes_over_them(self) -> None:
        """Two or more labels: the task's own, in order."""
        assert label_set(Task(id=1, difficulty=1, truth="x", labels=LABELS), ["y"]) == LABELS

    @pytest.mark.parametrize(
        ("answers", "expected"),
        [
            ([], ["(another label)", "(a second label)"]),
            (["x"], ["x", "(another label)"]),
            (["x", "not x", "x"], ["x", "not x"]),
        ],
    )
    def test_without_labels_two_at_least(self, answers: list[str], expected: list[str]) -> None:
        """No label set: what was answered, padded to two, so one answer is not certain."""
        assert label_set(Task(id=1, difficulty=1, truth="x"), answers) == expected
