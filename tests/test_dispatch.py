"""The dispatcher alone: its index kept up to date, and placement from it."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parts import Parts

from agents import Consensus, Distribution, PolicyError, Pulling
from agents.policies import Assignment, BestFit, Snapshot


def free(parts: Parts) -> dict[str, int]:
    """The index's free capacity by worker, in key order."""
    index = parts.dispatcher.index
    return {key[3]: index.free(key[3]) for key in index.keys(None)}


class TestIndexUpkeep:
    def test_join_files_the_worker_with_its_capacity(self) -> None:
        """A connection counts the worker and files its room."""
        parts = Parts()
        parts.join("a", 5, capacity=2)
        parts.join("b", 3)
        assert (free(parts), parts.dispatcher.connected) == ({"b": 1, "a": 2}, 2)

    def test_a_hold_takes_room_and_a_release_gives_it_back_later_in_line(self) -> None:
        """Assigning uses room; taking work back re-files the worker as idle since now."""
        parts = Parts()
        a, _ = parts.join("a", 5), parts.join("b", 5)
        record = parts.add(1)
        parts.place()
        assert (free(parts), list(a.held)) == ({"b": 1}, [1])
        parts.now = 4.0
        parts.dispatcher.take_back(record, "a")
        assert (list(free(parts)), a.idle_since, a.held) == (["b", "a"], 4.0, {})

    def test_leave_crash_and_refusal_take_the_worker_out(self) -> None:
        """Leaving, departing and refusing as busy each remove the worker's room."""
        parts = Parts()
        a, c = parts.join("a", 5), parts.join("c", 5)
        parts.join("b", 5)
        parts.dispatcher.leaving(a)
        parts.settlement.departed("b")
        parts.dispatcher.block(c)
        assert (free(parts), parts.dispatcher.connected) == ({}, 2)
        parts.dispatcher.asked(c)
        assert free(parts) == {"c": 1}

    def test_asking_with_a_capacity_changes_the_room(self) -> None:
        """A worker that says its capacity gets that much room."""
        parts = Parts()
        a = parts.join("a", 5)
        parts.dispatcher.asked(a, 3)
        assert (free(parts), parts.dispatcher.limit(a)) == ({"a": 3}, 3)
        with pytest.raises(ValueError, match=r"^capacity must be >= 1, got 0$"):
            parts.dispatcher.asked(a, 0)

    def test_a_reconnection_under_the_same_id_counts_once(self) -> None:
        """The newer record replaces the older one."""
        parts = Parts()
        parts.join("a", 5)
        parts.join("a", 7)
        assert (parts.dispatcher.connected, [k[0] for k in parts.dispatcher.index.keys(None)]) == (
            1,
            [7],
        )

    def test_reviewers_are_not_filed(self) -> None:
        """Reviewers have their own pool, outside the index."""
        parts = Parts()
        parts.join("r", 5, role="reviewer")
        assert (free(parts), list(parts.dispatcher.reviewers)) == ({}, ["r"])

    def test_a_pass_is_asked_for_once_until_it_runs(self) -> None:
        """request_pass wakes the manager once per pass, and not before placement began."""
        parts = Parts()
        parts.dispatcher.ready = False
        parts.dispatcher.request_pass()
        assert parts.wakes == 0
        parts.dispatcher.ready = True
        parts.dispatcher.request_pass()
        parts.dispatcher.request_pass()
        assert parts.wakes == 1
        parts.place()
        parts.dispatcher.request_pass()
        assert parts.wakes == 2


class TestIndexedPlacement:
    def test_best_fit_takes_the_least_skilled_capable_then_the_most_skilled(self) -> None:
        """Each task gets the least skilled worker at or above its difficulty."""
        parts = Parts()
        for name, skill in [("s9", 9), ("s3", 3), ("s6", 6), ("s5", 5)]:
            parts.join(name, skill)
        for i, difficulty in enumerate([6, 5, 10, 2]):
            parts.add(i, difficulty)
        assert parts.place() == [("s6", 0), ("s5", 1), ("s9", 2), ("s3", 3)]

    def test_a_retry_escalates_above_the_best_that_failed(self) -> None:
        """After a failure by skill 5, a worker above 5 is preferred, not an equal one."""
        parts = Parts(max_attempts=2)
        parts.join("five", 5)
        parts.add(1, 4)
        parts.place()
        parts.answer(1, "five", success=False)
        parts.join("other_five", 5)
        parts.join("seven", 7)
        assert parts.place() == [("seven", 1)]

    def test_a_specialist_gets_only_its_category(self) -> None:
        """A task of category v never goes to a text specialist."""
        parts = Parts()
        parts.join("t", 9, specialties=["t"])
        parts.join("v", 2, specialties=["v"])
        parts.add(1, 5, skill="v")
        parts.add(2, 5, skill="x")
        assert parts.place() == [("v", 1)]

    def test_a_designated_task_waits_for_its_worker(self) -> None:
        """A pinned task goes to its worker alone, capable or not."""
        parts = Parts()
        parts.join("senior", 9)
        parts.add(1, 5)
        parts.board.designate(parts.board.get(1), "junior")
        assert parts.place() == []
        parts.join("junior", 2)
        assert parts.place() == [("junior", 1)]

    def test_most_skilled_takes_the_top(self) -> None:
        """most_skilled ignores fit."""
        parts = Parts(policy="most_skilled")
        for name, skill in [("a", 3), ("b", 9), ("c", 6)]:
            parts.join(name, skill)
        parts.add(1, 1)
        parts.add(2, 1)
        assert parts.place() == [("b", 1), ("c", 2)]

    def test_consensus_places_distinct_workers_in_one_pass(self) -> None:
        """A task wanting three answers gets three different workers at once."""
        parts = Parts(distribution=Distribution(min_submitted=3))
        for name in "abcd":
            parts.join(name, 5)
        parts.add(1, 3)
        assert sorted(parts.place()) == [("a", 1), ("b", 1), ("c", 1)]


class Recording:
    """A user policy: remembers its snapshots, places like best_fit."""

    def __init__(self) -> None:
        self.seen: list[Snapshot] = []

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        self.seen.append(snapshot)
        return BestFit().assign(snapshot)


class TestSnapshotPlacement:
    def test_a_user_policy_gets_a_snapshot_longest_idle_first(self) -> None:
        """The snapshot lists free workers by idle time and the offered tasks in order."""
        policy = Recording()
        parts = Parts(policy=policy)
        parts.now = 1.0
        parts.join("late", 5)
        parts.now = 0.5
        parts.join("early", 5)
        parts.add(1, 5, priority=1)
        parts.add(2, 5, priority=2)
        assert parts.place() == [("early", 2), ("late", 1)]
        snapshot = policy.seen[0]
        assert [w.id for w in snapshot.workers] == ["early", "late"]
        assert [p.task.id for p in snapshot.pending] == [2, 1]

    @pytest.mark.parametrize(
        ("assignment", "problem"),
        [
            (Assignment(9, "a"), "task 9, which was not offered"),
            (Assignment(1, "zz"), "task 1 to 'zz', which has no free capacity"),
        ],
    )
    def test_a_wrong_assignment_is_refused(self, assignment: Assignment, problem: str) -> None:
        """Every assignment of a user policy is checked before it is sent."""

        class Wrong:
            def assign(self, snapshot: Snapshot) -> list[Assignment]:
                return [assignment]

        parts = Parts(policy=Wrong())
        parts.join("a", 5)
        parts.add(1, 5)
        with pytest.raises(PolicyError, match=rf"^policy 'Wrong' assigned {problem}$"):
            parts.place()

    def test_optimal_still_gets_a_snapshot(self) -> None:
        """optimal is not indexed: it solves its snapshot."""
        pytest.importorskip("scipy")
        parts = Parts(policy="optimal")
        parts.join("a", 3)
        parts.join("b", 9)
        parts.add(1, 8)
        parts.add(2, 2)
        assert sorted(parts.place()) == [("a", 2), ("b", 1)]


@pytest.mark.parametrize("policy", ["round_robin", "random", "least_loaded", "learning"])
def test_the_index_is_kept_for_snapshot_policies(policy: str) -> None:
    """The index is kept for snapshot policies too: it is where free workers are read."""
    parts = Parts(policy=policy)
    parts.join("a", 5, capacity=2)
    parts.add(1, 5)
    parts.place()
    assert free(parts) == {"a": 1}


class TestPulling:
    def pulling(self) -> Parts:
        parts = Parts(distribution=Distribution(pulling=Pulling(3, 5)))
        for i in range(8):
            parts.add(i, 4)
        return parts

    def test_a_worker_gets_a_batch_only_when_it_asks(self) -> None:
        """Pulling: nothing is pushed; a request gets batch_size tasks."""
        parts = self.pulling()
        a = parts.join("a", 5)
        assert (parts.place(), parts.dispatcher.limit(a)) == ([], 5)
        parts.dispatcher.asked(a)
        assert parts.place() == [("a", 0), ("a", 1), ("a", 2)]
        assert parts.place() == []

    def test_a_batch_never_exceeds_the_workload_limit(self) -> None:
        """Holding 3 of at most 5, a second request gets 2."""
        parts = self.pulling()
        a = parts.join("a", 5)
        parts.dispatcher.asked(a)
        parts.place()
        parts.dispatcher.asked(a)
        assert parts.place() == [("a", 3), ("a", 4)]

    def test_a_request_from_a_worker_gone_is_dropped(self) -> None:
        """A leaving worker's request is forgotten; a request nothing answers waits."""
        parts = Parts(distribution=Distribution(pulling=Pulling(3, 5)))
        a, b = parts.join("a", 5), parts.join("b", 5)
        parts.dispatcher.asked(a)
        parts.dispatcher.asked(b)
        parts.dispatcher.leaving(a)
        assert parts.place() == []
        parts.add(1, 4)
        assert parts.place() == [("b", 1)]


class TestReviewers:
    def test_a_departed_reviewers_reviews_go_first_to_another(self) -> None:
        """A reviewer that leaves hands its review back to the front of the queue."""
        from agents import QualityReview, ReviewJob

        parts = Parts(distribution=Distribution(qa=QualityReview(("r", "s"), 1.0)))
        parts.join("r", 5, role="reviewer")
        for i in (1, 2):
            parts.add(i, 3)
            parts.dispatcher.queue_review(ReviewJob(i, "w", None, 1))
        parts.dispatcher.place()
        assert [to for to, _ in parts.sent] == ["r"]
        parts.dispatcher.reviewer_gone("r")
        parts.dispatcher.reviewer_gone("nobody")
        parts.join("s", 5, role="reviewer", capacity=2)
        parts.dispatcher.place()
        assert [(to, m.task.id) for to, m in parts.sent[1:]] == [("s", 1), ("s", 2)]  # type: ignore[attr-defined]


class TestSnapshotOffers:
    def test_a_worker_without_room_is_not_offered_again(self) -> None:
        """Consensus needs a second offer in the pass; a full worker is not in it."""
        policy = Recording()
        parts = Parts(policy=policy, distribution=Distribution(min_submitted=2))
        parts.join("a", 5)
        parts.join("b", 5, capacity=2)
        parts.add(1, 3)
        parts.add(2, 3)
        parts.place()
        assert [[w.id for w in s.workers] for s in policy.seen] == [["a", "b"], ["b"]]

    def test_a_learning_policy_is_asked_for_every_category_at_stake(self) -> None:
        """The views carry the policy's estimate for each category of the window."""
        policy = Recording()
        policy.estimate = lambda worker, category: 7.0 if category else 4.0  # type: ignore[attr-defined]
        parts = Parts(policy=policy)
        parts.join("a", 5)
        parts.add(1, 3, skill="v")
        parts.place()
        view = policy.seen[0].workers[0]
        assert (view.estimate, dict(view.estimates)) == (4.0, {"v": 7.0})


@pytest.mark.parametrize("policy", ["best_fit", "most_skilled"])
def test_indexed_policies_build_no_snapshot(policy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """best_fit and most_skilled place from the index: no Snapshot is ever made."""

    def refuse(*args: object) -> None:
        raise AssertionError("a snapshot was built")

    monkeypatch.setattr("agents.dispatch.Snapshot", refuse)
    parts = Parts(policy=policy)
    parts.join("a", 5)
    parts.add(1, 3)
    assert parts.place() == [("a", 1)]


class TestLookingPastTasksNobodyFreeMayTake:
    """A pass looks past the head of the queue when no free worker may take it."""

    def blocked_head(self, policy: str = "best_fit", **kwargs: object) -> Parts:
        parts = Parts(policy, **kwargs)  # type: ignore[arg-type]
        for i in range(10):
            parts.add(i, 4)
        for i in range(8):
            parts.dispatcher.exclude(i, "a")  # a refused the first eight
        return parts

    def test_indexed_push_places_a_task_behind_the_blocked_ones(self) -> None:
        """best_fit: a free worker gets the first task it may take, not nothing."""
        parts = self.blocked_head()
        parts.join("a", 5, capacity=2)
        assert parts.place() == [("a", 8), ("a", 9)]

    def test_the_tasks_passed_keep_their_place(self) -> None:
        """Tasks looked past wait in the queue in their order, for the next worker."""
        parts = self.blocked_head()
        parts.join("a", 5)
        assert parts.place() == [("a", 8)]
        parts.join("b", 5, capacity=3)
        assert parts.place() == [("b", 0), ("b", 1), ("b", 2)]
        assert parts.board.queued() == 6

    def test_a_pinned_task_does_not_hide_the_others(self) -> None:
        """A task pinned to a busy worker does not keep a free one idle."""
        parts = Parts()
        parts.join("b", 5)
        parts.add(0, 4)
        assert parts.place() == [("b", 0)]
        for i in (1, 2):
            parts.board.designate(parts.add(i, 4), "b")
        parts.add(3, 4)
        parts.join("a", 5)
        assert parts.place() == [("a", 3)]

    def test_a_consensus_task_its_free_worker_answered_does_not_hide_the_next(self) -> None:
        """Consensus: a worker that answered the head task takes the next one at once."""
        parts = Parts(distribution=Distribution(consensus=Consensus(100, 2)))
        parts.join("a", 5)
        for i in range(3):
            parts.add(i, 4)
        assert parts.place() == [("a", 0)]
        parts.answer(0, "a")
        assert parts.place() == [("a", 1)]

    def test_snapshot_push_offers_the_next_window(self) -> None:
        """A snapshot policy is offered the tasks behind those nobody free may take."""
        parts = self.blocked_head("random")
        parts.join("a", 5)
        assert parts.place() == [("a", 8)]

    def test_a_puller_gets_a_batch_from_deeper_in_the_queue(self) -> None:
        """Pulling: a request is answered from past the tasks the worker may not take."""
        parts = self.blocked_head(distribution=Distribution(pulling=Pulling(3, 5)))
        a = parts.join("a", 5)
        parts.dispatcher.asked(a)
        assert parts.place() == [("a", 8), ("a", 9)]
        assert parts.board.queued() == 8


@st.composite
def blocked_queues(draw: st.DrawFn) -> tuple[str, list[tuple[int, list[str] | None]], list[Any]]:
    """A policy, workers (capacity, specialties) and tasks (category, workers excluded)."""
    policy = draw(st.sampled_from(["best_fit", "most_skilled", "random", "round_robin"]))
    specialties = st.one_of(st.none(), st.lists(st.sampled_from("xyz"), min_size=1, unique=True))
    workers = draw(st.lists(st.tuples(st.integers(1, 2), specialties), min_size=1, max_size=4))
    names = [f"w{i}" for i in range(len(workers))]
    tasks = draw(
        st.lists(
            st.tuples(st.sampled_from("xyz"), st.lists(st.sampled_from(names), unique=True)),
            max_size=12,
        )
    )
    return policy, workers, tasks


class TestNoWorkerIdlesBesideWorkItMayTake:
    @settings(max_examples=150, deadline=None)
    @given(blocked_queues())
    def test_after_a_pass(self, case: tuple[str, list[Any], list[Any]]) -> None:
        """After a pass, no worker with room may take any task still waiting."""
        policy, workers, tasks = case
        parts = Parts(policy)
        for i, (category, excluded) in enumerate(tasks):
            parts.add(i, 3, skill=category)
            for name in excluded:
                parts.dispatcher.exclude(i, name)
        for i, (capacity, specialties) in enumerate(workers):
            parts.join(f"w{i}", 5, capacity=capacity, specialties=specialties)
        parts.place()
        dispatcher = parts.dispatcher
        idle_beside_work = [
            (worker.detail.id, record.id)
            for worker in dispatcher.workers.values()
            if dispatcher.room(worker) > 0
            for record in parts.board
            if record.open_slots > 0
            and worker.takes(record.task.skill)
            and worker.detail.id not in dispatcher.excluded(record.id)
        ]
        assert idle_beside_work == []
