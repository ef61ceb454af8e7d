"""Label metrics: accuracy against the truth and answers bought per correct label."""

import pytest

from agents import QualityInputError, accuracy, correct_labels, cost_per_correct

TRUTH = {1: "cat", 2: "dog", 3: "cat", 4: "bird"}


class TestAccuracy:
    def test_share_of_right_labels(self) -> None:
        """3 of 4 labelled tasks right: 0.75."""
        labels = {1: "cat", 2: "dog", 3: "dog", 4: "bird"}
        assert correct_labels(labels, TRUTH) == 3
        assert accuracy(labels, TRUTH) == 0.75

    def test_no_label_counts_wrong(self) -> None:
        """A task that got no aggregated label (None) is scored as wrong."""
        assert accuracy({1: "cat", 2: None}, TRUTH) == 0.5

    def test_only_tasks_with_a_truth_are_scored(self) -> None:
        """Labels of tasks without a truth are ignored; truths without a label too."""
        assert accuracy({1: "cat", 9: "dog"}, TRUTH) == 1.0

    def test_nothing_to_score_is_an_error(self) -> None:
        """No task with both a label and a truth: accuracy is undefined."""
        with pytest.raises(
            QualityInputError,
            match=r"^accuracy needs at least one labelled task with a known truth$",
        ):
            accuracy({9: "dog"}, TRUTH)


class TestCostPerCorrect:
    def test_answers_per_correct_label(self) -> None:
        """12 answers bought, 3 right labels: 4 answers per correct label."""
        labels = {1: "cat", 2: "dog", 3: "dog", 4: "bird"}
        assert cost_per_correct(12, labels, TRUTH) == 4.0

    def test_nothing_correct_is_none(self) -> None:
        """No correct label: there is no cost per correct label."""
        assert cost_per_correct(5, {1: "dog"}, TRUTH) is None

    def test_negative_answers_are_an_error(self) -> None:
        """Answers bought cannot be negative."""
        with pytest.raises(QualityInputError, match=r"^answers_bought must be >= 0, got -1$"):
            cost_per_correct(-1, {1: "cat"}, TRUTH)
