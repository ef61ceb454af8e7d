import math
import re
import statistics
from typing import Any

import pytest
from conftest import sigmoid

from agents import Draws, LogisticModel, Outcome, ThresholdModel, task_draws
from protocol import Task

MIDDLE = Draws(0.5, 0.5, 0.5)


class TestThresholdModel:
    @pytest.mark.parametrize(
        ("skill", "difficulty", "success"),
        [(5, 5, True), (9, 2, True), (4.99, 5, False), (0, 1, False), (10, 10, True)],
    )
    def test_success_iff_skill_reaches_difficulty(
        self, skill: float, difficulty: int, success: bool
    ) -> None:
        """Success exactly when skill >= difficulty; the duration is the difficulty."""
        model = ThresholdModel()
        outcome = model.outcome(skill, Task(id=1, difficulty=difficulty), MIDDLE)
        assert outcome == Outcome(success, float(difficulty))
        assert model.success_probability(skill, difficulty) == (1.0 if success else 0.0)

    def test_draws_do_not_change_a_fixed_outcome(self) -> None:
        """Without noise, the draws change neither success nor duration."""
        model = ThresholdModel()
        item = Task(id=1, difficulty=7)
        outcomes = {model.outcome(8, item, task_draws(seed, 1, 1)) for seed in range(50)}
        assert outcomes == {Outcome(True, 7.0)}

    def test_name(self) -> None:
        """The model is registered as threshold."""
        assert ThresholdModel().name == "threshold"


class TestLogisticModel:
    @pytest.mark.parametrize(
        ("skill", "difficulty", "scale"),
        [(5, 5, 1.0), (7, 5, 1.0), (3, 5, 1.0), (7, 5, 2.0), (1, 10, 0.5), (10, 1, 3.0)],
    )
    def test_probability_is_the_sigmoid_of_the_scaled_gap(
        self, skill: float, difficulty: float, scale: float
    ) -> None:
        """P(success) = sigmoid((skill - difficulty) / scale)."""
        p = LogisticModel(scale=scale).success_probability(skill, difficulty)
        assert p == pytest.approx(sigmoid((skill - difficulty) / scale), rel=1e-12)

    def test_even_odds_at_equal_skill(self) -> None:
        """Skill equal to difficulty gives exactly one half."""
        assert LogisticModel(scale=2.5).success_probability(6, 6) == 0.5

    def test_probabilities_of_opposite_gaps_add_to_one(self) -> None:
        """p(s, d) + p(d, s) == 1, up to rounding."""
        model = LogisticModel()
        assert model.success_probability(8, 3) + model.success_probability(3, 8) == pytest.approx(
            1.0, abs=1e-15
        )

    def test_extreme_gaps_do_not_overflow(self) -> None:
        """A huge gap gives 0 or 1, not an OverflowError."""
        model = LogisticModel(scale=1e-6)
        assert model.success_probability(0, 10) == 0.0
        assert model.success_probability(10, 0) == 1.0

    def test_duration_factor_is_one_at_equal_skill(self) -> None:
        """At skill = difficulty, the duration is exactly the difficulty."""
        outcome = LogisticModel().outcome(6, Task(id=1, difficulty=6), MIDDLE)
        assert outcome.duration == 6.0

    def test_duration_factor_runs_from_one_and_three_quarters_to_a_quarter(self) -> None:
        """Far too hard takes 1.75 x difficulty, far too easy 0.25 x difficulty."""
        model = LogisticModel(scale=0.01)
        assert model.outcome(0, Task(id=1, difficulty=8), MIDDLE).duration == 14.0
        assert model.outcome(10, Task(id=1, difficulty=2), MIDDLE).duration == 0.5

    def test_success_draw_is_compared_with_the_probability(self) -> None:
        """At p = 0.5, a success draw below one half succeeds and one at it fails."""
        model = LogisticModel()
        item = Task(id=1, difficulty=5)
        assert model.outcome(5, item, Draws(0.4999, 0.5, 0.5)).success is True
        assert model.outcome(5, item, Draws(0.5, 0.5, 0.5)).success is False

    def test_success_rate_matches_the_probability(self) -> None:
        """Over 20,000 tasks at p = sigmoid(1), the success share is within 0.02 of it."""
        model = LogisticModel()
        item = Task(id=1, difficulty=4)
        wins = [model.outcome(5, item, task_draws(7, i, 1)).success for i in range(20_000)]
        assert sum(wins) / len(wins) == pytest.approx(sigmoid(1), abs=0.02)

    def test_name(self) -> None:
        """The model is registered as logistic."""
        assert LogisticModel().name == "logistic"


class TestTaskDraws:
    def test_is_a_pure_function_of_its_arguments(self) -> None:
        """The same arguments give the same draws, call after call."""
        assert task_draws(3, 17, 2) == task_draws(3, 17, 2)
        assert task_draws(3, "t17", 2, "w1") == task_draws(3, "t17", 2, "w1")

    def test_draws_lie_strictly_between_zero_and_one(self) -> None:
        """Every uniform is in (0, 1)."""
        values = [
            u
            for seed in range(20)
            for task_id in range(50)
            for u in (
                task_draws(seed, task_id, 1).success,
                task_draws(seed, task_id, 1).duration,
                task_draws(seed, task_id, 1).answer,
            )
        ]
        assert all(0.0 < u < 1.0 for u in values)

    def test_differs_per_attempt(self) -> None:
        """Each attempt at a task gets its own luck."""
        draws = [task_draws(0, 1, attempt) for attempt in range(1, 51)]
        assert len({d.success for d in draws}) == 50

    @pytest.mark.parametrize(
        "other",
        [(1, 1, 1, ""), (0, 2, 1, ""), (0, "1", 1, ""), (0, 1, 1, "w1")],
        ids=["seed", "task", "id_type", "worker"],
    )
    def test_differs_per_argument(self, other: tuple[Any, ...]) -> None:
        """Seed, task id (including its type) and worker each change the draws."""
        assert task_draws(0, 1, 1, "") != task_draws(*other)

    def test_the_three_uniforms_differ(self) -> None:
        """success, duration and answer are separate draws."""
        draws = task_draws(0, 1, 1)
        assert len({draws.success, draws.duration, draws.answer}) == 3


class TestNoise:
    @pytest.mark.parametrize(
        "model",
        [
            ThresholdModel(noise="exponential"),
            ThresholdModel(noise="lognormal", sigma=0.5),
            LogisticModel(noise="exponential"),
            LogisticModel(noise="lognormal"),
        ],
        ids=["threshold_exponential", "threshold_lognormal", "logistic_exponential", "lognormal"],
    )
    def test_noise_keeps_the_mean(self, model: ThresholdModel | LogisticModel) -> None:
        """Over 20,000 seeded draws, the mean duration is within 3% of the noiseless 6."""
        item = Task(id=1, difficulty=6)
        durations = [model.outcome(6, item, task_draws(11, i, 1)).duration for i in range(20_000)]
        assert statistics.fmean(durations) == pytest.approx(6.0, rel=0.03)
        assert min(durations) > 0

    def test_exponential_noise_spreads_like_an_exponential(self) -> None:
        """Exponential durations have a standard deviation close to their mean."""
        model = ThresholdModel(noise="exponential")
        item = Task(id=1, difficulty=4)
        durations = [model.outcome(9, item, task_draws(5, i, 1)).duration for i in range(20_000)]
        assert statistics.stdev(durations) == pytest.approx(4.0, rel=0.05)

    def test_exponential_duration_is_minus_base_log_u(self) -> None:
        """The exponential duration is the inverse CDF at the duration draw."""
        model = ThresholdModel(noise="exponential")
        outcome = model.outcome(9, Task(id=1, difficulty=4), Draws(0.5, 0.25, 0.5))
        assert outcome.duration == -4 * math.log(0.25)


class TestValidation:
    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: LogisticModel(scale=0), "scale must be > 0, got 0"),
            (lambda: LogisticModel(scale=-1.5), "scale must be > 0, got -1.5"),
            (lambda: LogisticModel(scale=math.nan), "scale must be > 0, got nan"),
            (
                lambda: LogisticModel(noise="gaussian"),  # type: ignore[arg-type]
                "noise must be fixed, lognormal or exponential, got 'gaussian'",
            ),
            (
                lambda: ThresholdModel(noise="normal"),  # type: ignore[arg-type]
                "noise must be fixed, lognormal or exponential, got 'normal'",
            ),
            (lambda: LogisticModel(sigma=-0.1), "sigma must be >= 0, got -0.1"),
            (lambda: ThresholdModel(sigma=-1), "sigma must be >= 0, got -1"),
            (lambda: ThresholdModel(sigma=math.nan), "sigma must be >= 0, got nan"),
        ],
        ids=[
            "scale_zero",
            "scale_negative",
            "scale_nan",
            "logistic_noise",
            "threshold_noise",
            "logistic_sigma",
            "threshold_sigma",
            "sigma_nan",
        ],
    )
    def test_bad_settings_raise_naming_the_field(self, make: Any, message: str) -> None:
        """A bad scale, noise or sigma raises ValueError naming the field and the value."""
        with pytest.raises(ValueError, match=rf"^{re.escape(message)}$"):
            make()
