"""Dynamic overlap's stopping rule on hand-built answer sequences."""

import pytest
from pydantic import ValidationError

from agents import DynamicOverlap, stopping_point

AB = ["a", "b"]


class TestStoppingPoint:
    def test_stops_when_two_agree(self) -> None:
        """p = 0.8, K = 2: one answer gives 0.8, two agreeing 16/17 = 0.941 >= 0.9."""
        rule = DynamicOverlap(1, 5, 0.9)
        assert stopping_point(rule, ["a", "a", "a"], [0.8] * 3, AB) == 2

    def test_a_disagreement_needs_two_more(self) -> None:
        """a, b, a, a: confidences 0.8, 0.5, 0.8, 0.941: it stops at the fourth."""
        rule = DynamicOverlap(1, 5, 0.9)
        assert stopping_point(rule, ["a", "b", "a", "a", "a"], [0.8] * 5, AB) == 4

    def test_stops_at_the_maximum_below_target(self) -> None:
        """Target 0.99: 0.8, 0.941, 0.985 are all below it; max 3 stops at 3."""
        rule = DynamicOverlap(1, 3, 0.99)
        assert stopping_point(rule, ["a"] * 5, [0.8] * 5, AB) == 3

    def test_without_the_maximum_it_stops_at_the_target(self) -> None:
        """Target 0.99, max 5: 256/257 = 0.996 at the fourth answer."""
        rule = DynamicOverlap(1, 5, 0.99)
        assert stopping_point(rule, ["a"] * 5, [0.8] * 5, AB) == 4

    def test_a_confidence_equal_to_the_target_stops(self) -> None:
        """p = 1/2 gives a confidence of exactly 1/2: a target of 1/2 is reached."""
        rule = DynamicOverlap(1, 5, 0.5)
        assert stopping_point(rule, ["a"] * 5, [0.5] * 5, AB) == 1

    def test_the_minimum_comes_first(self) -> None:
        """min 2: even a sure first answer (0.99) is followed by a second one."""
        rule = DynamicOverlap(2, 5, 0.9)
        assert stopping_point(rule, ["a"] * 5, [0.99] * 5, AB) == 2

    def test_minimum_equal_to_maximum_is_fixed_overlap(self) -> None:
        """min = max = 3: exactly three, whatever the confidence."""
        rule = DynamicOverlap(3, 3, 0.5)
        assert stopping_point(rule, ["a", "b", "b", "a"], [0.99, 0.6, 0.6, 0.6], AB) == 3

    def test_runs_out_of_answers(self) -> None:
        """Still unsure after every answer given: all of them are taken."""
        rule = DynamicOverlap(1, 5, 0.99)
        assert stopping_point(rule, ["a", "b"], [0.8, 0.8], AB) == 2

    def test_below_chance_voters_are_read_as_pointing_elsewhere(self) -> None:
        """K = 4, p = 0.1: a, then b, make c and d each 0.375 likely; a third at 0.1 on
        a leaves it below 0.5, so with target 0.5 it goes on to the maximum."""
        rule = DynamicOverlap(1, 3, 0.5)
        labels = ["a", "b", "c", "d"]
        assert stopping_point(rule, ["a", "b", "a"], [0.1] * 3, labels) == 3


class TestBounds:
    @pytest.mark.parametrize(
        ("args", "problem"),
        [
            ((0, 5, 0.9), ("min_answers", "Input should be greater than or equal to 1")),
            ((3, 2, 0.9), ("max_answers", "Value error, must be >= min_answers (3), got 2")),
            ((1, 1001, 0.9), ("max_answers", "Input should be less than or equal to 1000")),
            ((1, 5, 0.0), ("target", "Input should be greater than 0")),
            ((1, 5, 1.5), ("target", "Input should be less than or equal to 1")),
            ((1, 5, float("nan")), ("target", "Input should be a finite number")),
        ],
    )
    def test_refused(self, args: tuple[int, int, float], problem: tuple[str, str]) -> None:
        """Bounds of each setting, named in the error."""
        min_answers, max_answers, target = args
        with pytest.raises(ValidationError) as caught:
            DynamicOverlap(min_answers=min_answers, max_answers=max_answers, target=target)
        assert [(e["loc"][0], e["msg"]) for e in caught.value.errors()] == [problem]

    def test_equal_min_and_max_and_a_target_of_one_are_allowed(self) -> None:
        """max_answers may equal min_answers, and the target may be 1."""
        assert DynamicOverlap(3, 3, 1.0) == DynamicOverlap(min_answers=3, max_answers=3, target=1.0)
