"""Answer aggregation: majority vote and the skill-weighted vote."""

import math

import pytest

from agents import log_odds, majority, weighted


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
        assert weighted(answers, [0.9, 0.6, 0.6], labels=4) == "dog"
        assert majority(answers) == "cat"

    def test_the_label_count_matters(self) -> None:
        """A 0.8 senior beats two 0.6 juniors on 2 labels but not on 4."""
        answers = ["dog", "cat", "cat"]
        assert weighted(answers, [0.8, 0.6, 0.6], labels=2) == "dog"
        assert weighted(answers, [0.8, 0.6, 0.6], labels=4) == "cat"

    def test_equal_accuracies_follow_the_majority(self) -> None:
        """With equal accuracies above chance the weighted vote is the majority vote."""
        answers = ["cat", "dog", "dog", "bird", "dog"]
        assert weighted(answers, [0.7] * 5, labels=3) == majority(answers) == "dog"

    def test_worse_than_chance_counts_against_its_answer(self) -> None:
        """A below-chance worker's answer loses to a weaker but above-chance one."""
        assert weighted(["cat", "dog"], [0.1, 0.55], labels=2) == "dog"

    def test_certain_workers_are_clipped(self) -> None:
        """Two workers at p=1 outweigh one: clipping keeps weights finite and additive."""
        assert weighted(["cat", "dog", "dog"], [1.0, 1.0, 1.0], labels=2) == "dog"

    def test_tie_goes_to_the_first_given(self) -> None:
        """Equal scores: the answer given first wins."""
        assert weighted(["dog", "cat"], [0.7, 0.7], labels=2) == "dog"

    def test_no_answers(self) -> None:
        """No answers give None."""
        assert weighted([], [], labels=3) is None

    def test_one_accuracy_per_answer(self) -> None:
        """Answers and accuracies must pair up."""
        with pytest.raises(ValueError, match=r"^zip\(\) argument 2 is shorter than argument 1$"):
            weighted(["cat", "dog"], [0.7])
