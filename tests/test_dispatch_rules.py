"""Dispatch rules: which worker's own queue a task joins."""

import random

import pytest

from agents.dispatch_rules import (
    LeastLoadedQueue,
    QueueCandidate,
    RandomQueue,
    RoundRobinQueue,
    SkillAwareQueue,
    TwoChoicesQueue,
    WorkloadQueue,
    dispatch_rule_names,
    make_dispatch_rule,
)
from agents.distribution import WorkloadUnit
from agents.errors import PolicyError
from protocol.messages import Task

TASK = Task(id=1, difficulty=5)


def cand(name: str, order: int, length: int, capacity: int = 1, skill: float = 5) -> QueueCandidate:
    return QueueCandidate(name, order, length, capacity, skill)


class TestLeastLoaded:
    def test_joins_the_shortest_queue_per_unit_of_capacity(self) -> None:
        """3 tasks on capacity 4 (0.75) beat 1 task on capacity 1 (1.0)."""
        chosen = LeastLoadedQueue().choose(
            TASK, [cand("a", 0, 1), cand("b", 1, 3, capacity=4)], random.Random(0)
        )
        assert chosen.id == "b"

    def test_ties_go_to_connection_order(self) -> None:
        """Equal loads: the earlier connected worker."""
        candidates = [cand("b", 1, 2), cand("a", 0, 2)]
        chosen = LeastLoadedQueue().choose(TASK, candidates, random.Random(0))
        assert chosen.id == "a"


class TestTwoChoices:
    def test_takes_the_shorter_of_the_two_sampled(self) -> None:
        """With two candidates both are sampled: the shorter queue wins whatever the draw."""
        for seed in range(20):
            chosen = TwoChoicesQueue().choose(
                TASK, [cand("a", 0, 5), cand("b", 1, 2)], random.Random(seed)
            )
            assert chosen.id == "b"

    def test_never_takes_the_longest_of_three(self) -> None:
        """Among three, the longest queue can never be the better of two distinct draws."""
        picks = {
            TwoChoicesQueue()
            .choose(TASK, [cand("a", 0, 1), cand("b", 1, 9), cand("c", 2, 2)], random.Random(s))
            .id
            for s in range(50)
        }
        assert picks == {"a", "c"}

    def test_one_candidate_is_taken(self) -> None:
        """A single candidate needs no draw."""
        assert TwoChoicesQueue().choose(TASK, [cand("a", 0, 3)], random.Random(0)).id == "a"


class TestRandom:
    def test_draws_uniformly_from_the_stream(self) -> None:
        """The pick is the stream's randrange over the candidates."""
        candidates = [cand(c, i, 0) for i, c in enumerate("abcd")]
        expected = "abcd"[random.Random(3).randrange(4)]
        assert RandomQueue().choose(TASK, candidates, random.Random(3)).id == expected


class TestRoundRobin:
    def test_takes_turns_in_connection_order_and_wraps(self) -> None:
        """a, b, c, a: skipping nobody, whatever the queue lengths."""
        rule = RoundRobinQueue()
        candidates = [cand("a", 0, 9), cand("b", 1, 0), cand("c", 2, 5)]
        picks = [rule.choose(TASK, candidates, random.Random(0)).id for _ in range(4)]
        assert picks == ["a", "b", "c", "a"]


class TestWorkload:
    def test_follows_the_shares(self) -> None:
        """50/30/20 over ten tasks binds 5, 3 and 2, interleaved."""
        rule = WorkloadQueue((WorkloadUnit("a", 50), WorkloadUnit("b", 30), WorkloadUnit("c", 20)))
        candidates = [cand("a", 0, 0), cand("b", 1, 0), cand("c", 2, 0)]
        picks = [rule.choose(TASK, candidates, random.Random(0)).id for _ in range(10)]
        assert (picks.count("a"), picks.count("b"), picks.count("c")) == (5, 3, 2)
        assert picks[:3] == ["a", "b", "c"]

    def test_equal_deficits_go_to_the_listing_order(self) -> None:
        """50/50 listed b then a: b first, then a, alternating."""
        rule = WorkloadQueue((WorkloadUnit("b", 50), WorkloadUnit("a", 50)))
        candidates = [cand("a", 0, 0), cand("b", 1, 0)]
        picks = [rule.choose(TASK, candidates, random.Random(0)).id for _ in range(4)]
        assert picks == ["b", "a", "b", "a"]

    def test_without_a_named_candidate_joins_the_shortest_queue(self) -> None:
        """Nobody with a share may take it: the shortest queue does."""
        rule = WorkloadQueue((WorkloadUnit("a", 100),))
        chosen = rule.choose(TASK, [cand("x", 0, 3), cand("y", 1, 1)], random.Random(0))
        assert chosen.id == "y"


class TestSkillAware:
    def test_shortest_capable_queue_ties_to_the_least_skilled(self) -> None:
        """The junior below the difficulty is out; of two equal queues the lower skill wins."""
        chosen = SkillAwareQueue().choose(
            TASK,
            [
                cand("junior", 0, 0, skill=4),
                cand("senior", 1, 1, skill=9),
                cand("mid", 2, 1, skill=5),
            ],
            random.Random(0),
        )
        assert chosen.id == "mid"

    def test_shorter_queue_beats_lower_skill(self) -> None:
        """Queue length first, skill second."""
        chosen = SkillAwareQueue().choose(
            TASK, [cand("mid", 0, 2, skill=5), cand("senior", 1, 1, skill=9)], random.Random(0)
        )
        assert chosen.id == "senior"

    def test_nobody_capable_gives_it_to_the_most_skilled(self) -> None:
        """All below the difficulty: the most skilled."""
        chosen = SkillAwareQueue().choose(
            TASK, [cand("a", 0, 0, skill=2), cand("b", 1, 5, skill=4)], random.Random(0)
        )
        assert chosen.id == "b"


class TestRegistry:
    def test_names(self) -> None:
        """Six rules by name."""
        assert dispatch_rule_names() == [
            "least_loaded",
            "power_of_two",
            "random",
            "round_robin",
            "skill_aware",
            "workload",
        ]

    def test_unknown_name_lists_the_known(self) -> None:
        """best_fit chooses a worker, not a queue: refused, naming the rules."""
        with pytest.raises(PolicyError, match=r"^'best_fit' cannot choose a worker's own queue; "):
            make_dispatch_rule("best_fit")

    def test_workload_needs_shares(self) -> None:
        """The workload rule without shares is refused."""
        with pytest.raises(PolicyError, match=r"^the workload dispatch rule needs workload shares"):
            make_dispatch_rule("workload")

    def test_shares_select_the_workload_rule(self) -> None:
        """Given shares, the rule is the workload split whatever the name."""
        rule = make_dispatch_rule("random", (WorkloadUnit("a", 100),))
        assert isinstance(rule, WorkloadQueue)
