"""Answer aggregation: majority vote, the Bayes-weighted vote and its posterior."""

import itertools
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents import QualityInputError, confidence, log_odds, majority, posterior, weighted
from protocol import SkillsimError

LABELS4 = ["cat", "dog", "bird", "fish"]


class TestMajority:
    def test_most_frequent_wins(self) -> None:
        """The answer given most often wins."""
        assert majority(["cat", "dog", "dog"]) == "dog"

    def test_tie_goes_to_the_first_given(self) -> None:
        """Between equally frequent answers the one given first wins."""
        assert majority(["dog", "cat", "cat", "dog"]) == "dog"
        assert majority(["cat", "dog", "dog", "cat"]) == "cat"

    def test_three_way_tie(self) -> None:
        """Three answers once each: the first one wins."""
        assert majority(["bird", "cat", "dog"]) == "bird"

    def test_single_answer(self) -> None:
        """One answer is the majority."""
        assert majority(["cat"]) == "cat"

    def test_no_answers(self) -> None:
        """No answers give None."""
        assert majority([]) is None

    @pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7])
    @pytest.mark.parametrize("p", [0.55, 0.7, 0.9])
    def test_accuracy_is_the_binomial_formula(self, n: int, p: float) -> None:
        """Over every answer pattern of n independent binary voters, majority is right with
        probability sum_{k > n/2} C(n, k) p^k (1-p)^(n-k), plus half the tie term for even n
        (a tie goes to the first answer, right with probability 1/2 given the tie)."""
        exact = 0.0
        for pattern in itertools.product([True, False], repeat=n):
            answers = ["yes" if right else "no" for right in pattern]
            k = sum(pattern)
            if majority(answers) == "yes":
                exact += p**k * (1 - p) ** (n - k)
        closed = sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n // 2 + 1, n + 1))
        if n % 2 == 0:
            closed += math.comb(n, n // 2) * (p * (1 - p)) ** (n // 2) / 2
        assert exact == pytest.approx(closed, abs=1e-12)


class TestLogOdds:
    def test_chance_is_zero(self) -> None:
        """A worker at chance level (1/labels) has weight 0."""
        assert log_odds(0.5) == 0.0
        assert log_odds(0.25, labels=4) == 0.0

    def test_formula(self) -> None:
        """The weight is log(p (labels - 1) / (1 - p))."""
        assert log_odds(0.9, labels=4) == pytest.approx(math.log(27))
        assert log_odds(0.6, labels=2) == pytest.approx(math.log(1.5))

    def test_certainty_is_clipped(self) -> None:
        """p = 1 counts as 0.99 and p = 0 as 0.01, so weights stay finite."""
        assert log_odds(1.0) == log_odds(0.99) == pytest.approx(math.log(99))
        assert log_odds(0.0) == log_odds(0.01) == pytest.approx(-math.log(99))
        assert log_odds(1.0, labels=4) == pytest.approx(math.log(297))

    def test_worse_than_chance_is_negative(self) -> None:
        """A worker below chance gets a negative weight."""
        assert log_odds(0.1, labels=2) == pytest.approx(-math.log(9))
        assert log_odds(0.2, labels=4) < 0

    def test_one_label_counts_as_two(self) -> None:
        """labels below 2 use labels - 1 = 1, the binary weight."""
        assert log_odds(0.8, labels=1) == log_odds(0.8, labels=2)


class TestWeighted:
    def test_senior_outvotes_two_juniors_with_four_labels(self) -> None:
        """With 4 labels a 0.9 senior (log 27) beats two 0.6 juniors (2 log 4.5)."""
        answers = ["dog", "cat", "cat"]
        assert weighted(answers, [0.9, 0.6, 0.6], labels=LABELS4) == "dog"
        assert weighted(answers, [0.9, 0.6, 0.6], labels=4) == "dog"
        assert majority(answers) == "cat"

    def test_the_label_count_matters(self) -> None:
        """A 0.8 senior beats two 0.6 juniors on 2 labels but not on 4."""
        answers = ["dog", "cat", "cat"]
        assert weighted(answers, [0.8, 0.6, 0.6], labels=["dog", "cat"]) == "dog"
        assert weighted(answers, [0.8, 0.6, 0.6], labels=LABELS4) == "cat"

    def test_equal_accuracies_follow_the_majority(self) -> None:
        """With equal accuracies above chance the weighted vote is the majority vote."""
        answers = ["cat", "dog", "dog", "bird", "dog"]
        assert weighted(answers, [0.7] * 5, labels=["cat", "dog", "bird"]) == "dog"
        assert majority(answers) == "dog"

    def test_worse_than_chance_counts_against_its_answer(self) -> None:
        """A below-chance worker's answer loses to a weaker but above-chance one."""
        assert weighted(["cat", "dog"], [0.1, 0.55], labels=["cat", "dog"]) == "dog"

    def test_certain_workers_are_clipped(self) -> None:
        """Two workers at p=1 outweigh one: clipping keeps weights finite and additive."""
        assert weighted(["cat", "dog", "dog"], [1.0, 1.0, 1.0], labels=["cat", "dog"]) == "dog"

    def test_tie_goes_to_the_first_given(self) -> None:
        """Equal scores: the answer given first wins."""
        assert weighted(["dog", "cat"], [0.7, 0.7], labels=["cat", "dog"]) == "dog"

    def test_no_answers(self) -> None:
        """No answers give None."""
        assert weighted([], [], labels=["cat", "dog", "bird"]) is None
        assert weighted([], [], labels=3) is None

    def test_an_unanswered_label_wins_when_every_voter_is_below_chance(self) -> None:
        """Two voters at p = 0.1 on 4 labels: each unanswered label is 3 times as likely."""
        assert weighted(["cat", "dog"], [0.1, 0.1], labels=LABELS4) == "bird"

    def test_unanswered_ties_follow_the_label_set(self) -> None:
        """Among equally likely unanswered labels the first of the label set wins."""
        assert weighted(["cat", "dog"], [0.1, 0.1], labels=["fish", "cat", "dog", "bird"]) == (
            "fish"
        )

    def test_an_answered_label_wins_a_tie_with_an_unanswered_one(self) -> None:
        """A chance-level voter (score 0) ties with every unanswered label and wins."""
        assert weighted(["dog"], [0.25], labels=LABELS4) == "dog"

    def test_a_bare_count_chooses_among_the_answered_labels(self) -> None:
        """Without label names the unanswered labels cannot be named: the best answered wins."""
        assert weighted(["cat", "dog"], [0.1, 0.2], labels=4) == "dog"

    def test_an_answer_outside_the_label_set_is_a_label(self) -> None:
        """An answer not in the label set counts as one more label."""
        assert weighted(["zebra"], [0.9], labels=["cat", "dog"]) == "zebra"

    def test_bayes_accuracy_by_enumeration(self) -> None:
        """3 labels, voters at p = 0.3 and 0.2 (both below 1/3), uniform truth.

        By hand: if both say a, P(a, y=a) = 0.3 * 0.2 / 3 = 0.02 and P(a, y=b) = 0.35 * 0.4 / 3
        = 0.14 / 3; if they differ (a, b), P(y=a) = 0.3 * 0.4 / 3, P(y=b) = 0.35 * 0.2 / 3 and
        P(y=c) = 0.35 * 0.4 / 3 = 0.14 / 3, the largest. So the Bayes rule picks an unanswered
        label every time and is right with probability 9 * 0.14 / 3 = 0.42; the majority vote
        (the first answer on a split) gets (3 * 0.06 + 6 * 0.12) / 3 = 0.30.
        """
        labels = ["a", "b", "c"]
        p = [0.3, 0.2]

        def chance(given: str, truth: str, accuracy: float) -> float:
            return accuracy if given == truth else (1 - accuracy) / 2

        bayes = vote = 0.0
        for truth, a1, a2 in itertools.product(labels, repeat=3):
            mass = chance(a1, truth, p[0]) * chance(a2, truth, p[1]) / 3
            bayes += mass * (weighted([a1, a2], p, labels) == truth)
            vote += mass * (majority([a1, a2]) == truth)
        assert bayes == pytest.approx(0.42, abs=1e-12)
        assert vote == pytest.approx(0.30, abs=1e-12)

    def test_one_accuracy_per_answer(self) -> None:
        """Answers and accuracies must pair up; the error is a SkillsimError and a ValueError."""
        for labels in (2, ["cat", "dog"]):
            with pytest.raises(
                QualityInputError, match=r"^one accuracy per answer: got 2 answers, 1 accuracies$"
            ):
                weighted(["cat", "dog"], [0.7], labels)
        assert issubclass(QualityInputError, SkillsimError)

    @pytest.mark.parametrize("p", [-0.1, 1.5, math.nan])
    def test_accuracies_are_probabilities(self, p: float) -> None:
        """An accuracy outside [0, 1] (or NaN) is refused, not clipped."""
        with pytest.raises(
            QualityInputError, match=rf"^an accuracy is a probability in \[0, 1\], got {p}$"
        ):
            posterior(["cat"], [p], LABELS4)
        assert issubclass(QualityInputError, ValueError)


class TestPosterior:
    def test_every_voter_below_chance(self) -> None:
        """p = 0.1 twice on 4 labels: answered labels 0.1 * 0.3 each, unanswered 0.3 * 0.3."""
        result = posterior(["cat", "dog"], [0.1, 0.1], LABELS4)
        assert list(result) == LABELS4
        assert result == pytest.approx({"cat": 0.125, "dog": 0.125, "bird": 0.375, "fish": 0.375})

    def test_senior_and_two_juniors_by_hand(self) -> None:
        """dog (0.9), cat (0.6), cat (0.6) on 4 labels, each term written out."""
        joint = {
            "dog": 0.9 * (0.4 / 3) ** 2,
            "cat": (0.1 / 3) * 0.6**2,
            "bird": (0.1 / 3) * (0.4 / 3) ** 2,
            "fish": (0.1 / 3) * (0.4 / 3) ** 2,
        }
        total = sum(joint.values())
        result = posterior(["dog", "cat", "cat"], [0.9, 0.6, 0.6], LABELS4)
        assert result == pytest.approx({k: v / total for k, v in joint.items()}, rel=1e-12)
        assert confidence(["dog", "cat", "cat"], [0.9, 0.6, 0.6], LABELS4) == pytest.approx(
            joint["dog"] / total, rel=1e-12
        )

    def test_no_answers_is_uniform(self) -> None:
        """With no answers every label has probability 1/K, and so has the confidence."""
        assert posterior([], [], LABELS4) == dict.fromkeys(LABELS4, 0.25)
        assert confidence([], [], LABELS4) == 0.25

    def test_no_labels_at_all(self) -> None:
        """No answers and an empty label set: nothing to be confident about."""
        assert posterior([], [], []) == {}
        assert confidence([], [], []) == 0.0

    def test_one_answer_confidence_is_the_clipped_accuracy(self) -> None:
        """One answer: P(answer) = p (the likelihood ratio is the weight); p = 1 counts as 0.99."""
        assert confidence(["dog"], [0.8], LABELS4) == pytest.approx(0.8)
        assert confidence(["dog"], [1.0], LABELS4) == pytest.approx(0.99)

    def test_strong_weights_do_not_overflow(self) -> None:
        """Hundreds of certain voters: probabilities stay finite and sum to 1."""
        result = posterior(["cat"] * 500, [1.0] * 500, LABELS4)
        assert result["cat"] == 1.0
        assert math.fsum(result.values()) == pytest.approx(1.0)


names = st.sampled_from(["a", "b", "c", "d", "e"])
votes = st.lists(
    st.tuples(names, st.floats(min_value=0.0, max_value=1.0, allow_nan=False)), max_size=8
)


class TestPosteriorInvariants:
    @given(votes=votes, extra=st.lists(names, max_size=5))
    def test_is_a_distribution_over_answers_and_labels(
        self, votes: list[tuple[str, float]], extra: list[str]
    ) -> None:
        """Probabilities lie in [0, 1], sum to 1, and cover every answer and label."""
        answers = [a for a, _ in votes]
        result = posterior(answers, [p for _, p in votes], extra)
        if not answers and not extra:
            assert result == {}
            return
        assert set(result) == set(answers) | set(extra)
        assert all(0.0 <= v <= 1.0 for v in result.values())
        assert math.fsum(result.values()) == pytest.approx(1.0)

    @given(votes=votes, order=st.permutations(["a", "b", "c", "d", "e"]))
    def test_renaming_labels_renames_the_posterior(
        self, votes: list[tuple[str, float]], order: list[str]
    ) -> None:
        """A bijection on label names maps the posterior and the vote along with it."""
        rename = dict(zip("abcde", order, strict=True))
        answers = [a for a, _ in votes]
        p = [q for _, q in votes]
        before = posterior(answers, p, list("abcde"))
        after = posterior([rename[a] for a in answers], p, [rename[x] for x in "abcde"])
        assert after == pytest.approx({rename[k]: v for k, v in before.items()})
        if answers:
            won = weighted(answers, p, list("abcde"))
            assert won is not None
            assert weighted([rename[a] for a in answers], p, order) == rename[won]

    @given(votes=votes, seed=st.randoms(use_true_random=False))
    def test_voter_order_does_not_matter(
        self, votes: list[tuple[str, float]], seed: random.Random
    ) -> None:
        """Shuffling the voters (answer and accuracy together) leaves the posterior as it is."""
        shuffled = list(votes)
        seed.shuffle(shuffled)
        before = posterior([a for a, _ in votes], [p for _, p in votes], list("abcde"))
        after = posterior([a for a, _ in shuffled], [p for _, p in shuffled], list("abcde"))
        assert after == pytest.approx(before)

    @given(votes=votes, extra=names)
    def test_a_chance_level_voter_changes_nothing(
        self, votes: list[tuple[str, float]], extra: str
    ) -> None:
        """A voter at p = 1/K carries no information: the posterior stays as it is."""
        answers = [a for a, _ in votes]
        p = [q for _, q in votes]
        before = posterior(answers, p, list("abcde"))
        after = posterior([*answers, extra], [*p, 0.2], list("abcde"))
        assert after == pytest.approx(before, abs=1e-12)

    @given(votes=votes, extra=names, p=st.floats(min_value=0.21, max_value=1.0))
    def test_a_vote_above_chance_raises_its_label(
        self, votes: list[tuple[str, float]], extra: str, p: float
    ) -> None:
        """One more answer from a better-than-chance voter never lowers its label's posterior."""
        answers = [a for a, _ in votes]
        accuracies = [q for _, q in votes]
        before = posterior(answers, accuracies, list("abcde"))[extra]
        after = posterior([*answers, extra], [*accuracies, p], list("abcde"))[extra]
        assert after >= before - 1e-12

    @given(votes=votes)
    def test_the_vote_has_the_largest_posterior(self, votes: list[tuple[str, float]]) -> None:
        """The weighted vote's label is a label of maximal posterior (the Bayes rule)."""
        answers = [a for a, _ in votes]
        p = [q for _, q in votes]
        won = weighted(answers, p, list("abcde"))
        if not answers:
            assert won is None
            return
        result = posterior(answers, p, list("abcde"))
        assert won is not None
        assert result[won] == pytest.approx(max(result.values()))
