"""Golden tasks' rules alone: the smoothed estimate, the settings' bounds, flagging."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from agents import Golden, GoldenScore, GoldenScores, smoothed


class TestSmoothed:
    @pytest.mark.parametrize(
        ("correct", "answered", "c", "expected"),
        [
            (0, 0, 1.0, 1 / 2),  # no answer yet: the prior mean
            (3, 5, 1.0, 4 / 7),  # Laplace: (3 + 1) / (5 + 2)
            (5, 5, 1.0, 6 / 7),
            (0, 5, 1.0, 1 / 7),
            (3, 5, 0.5, 3.5 / 6),
            (8, 10, 2.0, 10 / 14),
        ],
    )
    def test_closed_form(self, correct: int, answered: int, c: float, expected: float) -> None:
        """(correct + c) / (answered + 2c), computed by hand."""
        assert smoothed(correct, answered, c) == pytest.approx(expected, rel=1e-12)

    @given(
        correct=st.integers(0, 50),
        extra=st.integers(0, 50),
        c=st.floats(0.01, 10, allow_nan=False),
    )
    def test_strictly_inside_zero_one_and_between_raw_and_half(
        self, correct: int, extra: int, c: float
    ) -> None:
        """The estimate lies strictly in (0, 1), between the raw share and 1/2."""
        answered = correct + extra
        value = smoothed(correct, answered, c)
        assert 0 < value < 1
        if answered:
            raw = correct / answered
            assert min(raw, 0.5) - 1e-12 <= value <= max(raw, 0.5) + 1e-12

    def test_refuses_more_correct_than_answered(self) -> None:
        """correct > answered is an error naming the bound."""
        with pytest.raises(
            ValueError, match=r"^correct must be within 0\.\.answered \(2\), got 3$"
        ):
            smoothed(3, 2)

    @pytest.mark.parametrize("c", [0.0, -1.0, float("nan"), float("inf")])
    def test_refuses_a_bad_pseudo_count(self, c: float) -> None:
        """c must be a finite number above 0."""
        with pytest.raises(ValueError, match=r"^smoothing c must be a finite number > 0, got "):
            smoothed(1, 2, c)


class TestGoldenSettings:
    @pytest.mark.parametrize(
        ("fields", "problem"),
        [
            ({"share": 0.0}, ("share", "Input should be greater than 0")),
            ({"share": 1.0}, ("share", "Input should be less than 1")),
            ({"answers": 0}, ("answers", "Input should be greater than or equal to 1")),
            ({"answers": 1001}, ("answers", "Input should be less than or equal to 1000")),
            ({"smoothing": 0.0}, ("smoothing", "Input should be greater than 0")),
            ({"smoothing": float("inf")}, ("smoothing", "Input should be a finite number")),
            ({"threshold": -0.1}, ("threshold", "Input should be greater than or equal to 0")),
            ({"threshold": 1.5}, ("threshold", "Input should be less than or equal to 1")),
            ({"min_answered": 0}, ("min_answered", "Input should be greater than or equal to 1")),
            ({"answers": True}, ("answers", "Input should be a valid integer")),
            (
                {"actions": ["stop", "stop"]},
                ("actions", "Value error, each action may be named once"),
            ),
        ],
    )
    def test_bounds(self, fields: dict[str, object], problem: tuple[str, str]) -> None:
        """Each setting out of range is refused, naming it (one declaration, file or call)."""
        with pytest.raises(ValidationError) as caught:
            Golden(**fields)  # type: ignore[arg-type]
        assert [(e["loc"][0], e["msg"]) for e in caught.value.errors()] == [problem]

    def test_an_unknown_action_is_refused(self) -> None:
        """Only ``stop`` and ``discard`` are actions."""
        with pytest.raises(ValidationError) as caught:
            Golden(actions=frozenset({"ban"}))  # type: ignore[arg-type]
        assert [e["msg"] for e in caught.value.errors()] == ["Input should be 'stop' or 'discard'"]

    def test_the_bounds_themselves_are_allowed(self) -> None:
        """Each inclusive bound is a valid setting."""
        edge = Golden(answers=1000, smoothing=1e6, threshold=1.0, min_answered=1)
        assert (edge.answers, edge.smoothing, edge.threshold) == (1000, 1e6, 1.0)
        assert Golden(answers=1, threshold=0.0).answers == 1


class TestFlagging:
    def test_flagged_once_at_min_answered_when_below_threshold(self) -> None:
        """Four wrong answers, min 4: not flagged at 3 (1/5), flagged at 4 (1/6), once."""
        scores = GoldenScores(Golden(threshold=0.5, min_answered=4))
        assert [scores.score("a", False) for _ in range(5)] == [False, False, False, True, False]
        assert scores.snapshot()["a"] == GoldenScore(5, 0, 1 / 7, True)

    def test_an_estimate_equal_to_the_threshold_is_not_flagged(self) -> None:
        """Two wrong answers at c = 1 give 1/4: a threshold of 1/4 is not crossed."""
        scores = GoldenScores(Golden(threshold=0.25, min_answered=2))
        assert [scores.score("a", False), scores.score("a", False)] == [False, False]
        assert not scores.flagged("a")

    def test_good_workers_are_not_flagged(self) -> None:
        """Right answers keep the estimate above the threshold."""
        scores = GoldenScores(Golden(threshold=0.6, min_answered=1))
        assert not any(scores.score("a", True) for _ in range(4))
        assert scores.accuracy("a") == pytest.approx(5 / 6)

    def test_unscored_workers_stand_at_one_half(self) -> None:
        """No golden answer yet: 1/2 whatever c, and nobody in the snapshot."""
        scores = GoldenScores(Golden(smoothing=3.0))
        assert (scores.accuracy("nobody"), dict(scores.snapshot())) == (0.5, {})
