"""Student-t quantiles and intervals, against published tables and hand computation."""

import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenarios.stats import Interval, interval, paired, t_cdf, t_quantile

# Two-sided 95% critical values t(0.975, df), from the standard tables.
TABLE = {1: 12.706204736, 4: 2.776445105, 9: 2.262157163, 30: 2.042272456,
         40: 2.021075390, 120: 1.979930405, 1000: 1.962339081}  # fmt: skip


@pytest.fixture(params=["scipy", "fallback"])
def without_scipy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "fallback":
        monkeypatch.setitem(sys.modules, "scipy.stats", None)
    return str(request.param)


class TestQuantile:
    @pytest.mark.parametrize(("df", "expected"), sorted(TABLE.items()))
    @pytest.mark.usefixtures("without_scipy")
    def test_matches_the_table(self, df: int, expected: float) -> None:
        """With scipy and without it, the 97.5% quantile is the table's, beyond 30 df too."""
        assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-8)

    def test_beyond_30_degrees_is_not_the_normal_quantile(self) -> None:
        """40 degrees of freedom: 2.021, not 1.96."""
        assert t_quantile(0.975, 40) > 2.02

    @given(
        st.floats(min_value=0.001, max_value=0.999),
        st.floats(min_value=0.5, max_value=500),
    )
    def test_fallback_inverts_the_distribution(self, p: float, df: float) -> None:
        """The fallback's quantile puts exactly p of the mass below it."""
        from scenarios.stats import _t_quantile

        assert t_cdf(_t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)

    def test_cdf_is_symmetric(self) -> None:
        """P(T <= 0) is one half and P(T <= -x) = 1 - P(T <= x)."""
        assert t_cdf(0.0, 7) == 0.5
        assert t_cdf(-1.3, 7) == pytest.approx(1 - t_cdf(1.3, 7), abs=1e-15)

    def test_bad_arguments(self) -> None:
        """p outside (0, 1) is refused with both values named."""
        with pytest.raises(ValueError, match=r"^need 0 < p < 1 and df > 0, got p=1.0, df=3$"):
            t_quantile(1.0, 3)


class TestInterval:
    def test_hand_computed(self) -> None:
        """1, 2, 3, 4: mean 2.5, s = sqrt(5/3), half-width t(0.975, 3) * s / 2."""
        result = interval([1.0, 2.0, 3.0, 4.0])
        assert result.mean == 2.5
        assert result.half_width == pytest.approx(3.182446305 * math.sqrt(5 / 3) / 2, abs=1e-8)
        assert result.n == 4

    def test_one_value_has_no_interval(self) -> None:
        """A single seed is no evidence: NaN half-width, zero never excluded."""
        result = interval([3.0])
        assert math.isnan(result.half_width)
        assert not result.excludes_zero()
        assert result.text() == "3 (n=1)"

    def test_paired_differences(self) -> None:
        """Differences 2, 3, 1: mean 2, s = 1, half-width t(0.975, 2) / sqrt(3); includes zero."""
        result = paired([3.0, 5.0, 4.0], [1.0, 2.0, 3.0])
        assert result.mean == 2.0
        assert result.half_width == pytest.approx(4.302652730 / math.sqrt(3), abs=1e-8)
        assert not result.excludes_zero()

    def test_constant_differences_exclude_zero(self) -> None:
        """The same gap on every seed: zero width, zero excluded."""
        result = paired([3.0, 4.0, 5.0], [1.0, 2.0, 3.0])
        assert (result.mean, result.half_width, result.excludes_zero()) == (2.0, 0.0, True)

    def test_zero_interval_touching_zero_is_not_excluded(self) -> None:
        """An interval ending exactly at zero does not exclude it."""
        assert not Interval(1.0, 1.0, 5).excludes_zero()
        assert Interval(-1.0, 0.5, 5).excludes_zero()

    def test_paired_needs_equal_lengths(self) -> None:
        """Paired values must come from the same seeds."""
        with pytest.raises(ValueError, match=r"^paired values need equal lengths, got 2 and 1$"):
            paired([1.0, 2.0], [1.0])

    def test_text_rounds_to_the_half_width(self) -> None:
        """Mean and half-width to the half-width's second significant digit."""
        assert Interval(0.604123, 0.04213, 5).text() == "0.604 ± 0.042"
        assert Interval(0.0071, 0.028, 5).text(signed=True) == "+0.007 ± 0.028"
        assert Interval(1523.5, 126.1, 5).text() == "1,524 ± 126"
