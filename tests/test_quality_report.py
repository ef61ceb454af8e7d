"""Label-quality figures of a run, on hand-built tasks with figures computed by hand."""

from typing import Any

import pytest

from agents import MissingExtraError
from scenarios import quality_report
from scenarios.quality_report import LabelledTask, quality_figures


def task(
    task_id: int,
    truth: str,
    answers: list[tuple[str, str]],
    weighted: str | None,
    *,
    golden: bool = False,
    completed: bool = True,
) -> LabelledTask:
    return LabelledTask(
        id=task_id,
        truth=truth,
        labels=("x", "y"),
        golden=golden,
        completed=completed,
        kept=tuple(answers),
        given=tuple(answers),
        majority=answers[0][1] if answers else None,
        weighted=weighted,
    )


TASKS = [
    task(1, "x", [("a", "x"), ("b", "x")], "x"),
    task(2, "x", [("a", "x"), ("b", "y")], "y"),
    task(3, "y", [("a", "y"), ("b", "y")], "y"),
    task(4, "x", [("a", "x"), ("b", "x")], "x", golden=True),
]


class TestFigures:
    def test_accuracy_and_cost_of_the_settled_vote(self) -> None:
        """Golden task 4 is not scored but is paid for: 2 of 3 right, 8 answers / 2."""
        metrics = quality_figures(TASKS).metrics
        assert (metrics["answers_bought"], metrics["cost_per_correct_weighted"]) == (8, 4.0)

    def test_agreement_by_hand(self) -> None:
        """Units xx, xy, yy, xx: kappa = (0.75 - 34/64) / (30/64) = 0.466667;
        alpha = 1 - 7 * 2 / 30 = 0.533333."""
        metrics = quality_figures(TASKS).metrics
        assert (metrics["fleiss_kappa"], metrics["krippendorff_alpha"]) == (0.466667, 0.533333)

    def test_dawid_skene_on_unanimous_answers(self) -> None:
        """Unanimous answers leave EM nothing to doubt: x (right) and y (wrong): 0.5."""
        tasks = [
            task(1, "x", [("a", "x"), ("b", "x")], "x"),
            task(2, "x", [("a", "y"), ("b", "y")], "y"),
        ]
        metrics = quality_figures(tasks).metrics
        assert (metrics["accuracy_ds_one_coin"], metrics["accuracy_ds_full"]) == (0.5, 0.5)
        assert (metrics["cost_per_correct_ds_one_coin"], metrics["cost_per_correct_ds_full"]) == (
            4.0,
            4.0,
        )

    def test_open_tasks_are_not_scored(self) -> None:
        """A task that did not complete counts in answers bought, not in accuracy."""
        tasks = [*TASKS[:1], task(9, "x", [("a", "y")], None, completed=False)]
        metrics = quality_figures(tasks).metrics
        assert (metrics["answers_bought"], metrics["accuracy_ds_full"]) == (3, 1.0)

    def test_no_labelled_tasks_no_figures(self) -> None:
        """Without labelled tasks there is nothing to report."""
        figures = quality_figures([])
        assert (figures.metrics, figures.notes) == ({}, {})


class TestReasons:
    def test_unequal_answer_counts_leave_kappa_out(self) -> None:
        """One and two answers: kappa is None with Fleiss' own reason; alpha is computed."""
        tasks = [task(1, "x", [("a", "x")], "x"), task(2, "x", [("a", "x"), ("b", "y")], "x")]
        figures = quality_figures(tasks)
        assert figures.metrics["fleiss_kappa"] is None
        assert figures.notes == {
            "fleiss_kappa": "Fleiss' kappa needs the same number of ratings per item, got [1, 2]"
        }
        assert figures.metrics["krippendorff_alpha"] is not None

    def test_no_correct_label_has_no_cost(self) -> None:
        """Every settled label wrong: cost per correct label is None, and says why."""
        tasks = [task(1, "x", [("a", "y"), ("b", "y")], "y")]
        figures = quality_figures(tasks)
        assert figures.metrics["cost_per_correct_weighted"] is None
        assert figures.notes["cost_per_correct_weighted"] == "no label is correct"

    def test_without_numpy_dawid_skene_says_what_to_install(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Dawid-Skene without its extra: None, and the install line as the reason."""

        def missing(*args: Any, **kwargs: Any) -> None:
            raise MissingExtraError("Dawid-Skene needs numpy: pip install 'skillsim[optimal]'")

        monkeypatch.setattr(quality_report, "dawid_skene", missing)
        figures = quality_figures(TASKS)
        assert (figures.metrics["accuracy_ds_full"], figures.notes["accuracy_ds_full"]) == (
            None,
            "Dawid-Skene needs numpy: pip install 'skillsim[optimal]'",
        )
