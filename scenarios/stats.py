"""Student-t confidence intervals, for a metric over seeds and for paired differences.

Seed *k* gives every policy the same workers, tasks and luck (common random numbers),
so two policies are best compared through their per-seed differences: the interval
of the mean difference is often much tighter than the two separate intervals.

* ``interval(values)``: mean ± t(0.975, n-1) · s / √n, with ``s`` the sample standard
  deviation; no interval (``half_width`` NaN) for fewer than two values.
* ``paired(values, baseline)``: the same interval of ``values[k] - baseline[k]``.

Quantiles are exact: :func:`t_quantile` uses ``scipy.stats.t.ppf`` when scipy is
installed and otherwise inverts the Student-t distribution function, computed from
the regularized incomplete beta function, by bisection (to 1e-12).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

__all__ = ["Interval", "interval", "paired", "t_cdf", "t_quantile"]


@dataclass(frozen=True, slots=True)
class Interval:
    """A mean and its two-sided confidence interval.

    Attributes:
        mean: The sample mean.
        half_width: Half the interval's width (NaN when ``n < 2``).
        n: How many values.
    """

    mean: float
    half_width: float
    n: int

    @property
    def low(self) -> float:
        """The interval's lower end."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """The interval's upper end."""
        return self.mean + self.half_width

    def text(self, *, signed: bool = False) -> str:
        """``mean ± half_width``, both to the half-width's second significant digit.

        A single value reads ``mean (n=1)``; ``signed`` puts a sign on the mean; a
        half-width that is zero but for floating-point rounding reads ``± 0``.
        """
        sign = "+" if signed else ""
        if self.n < 2 or not math.isfinite(self.half_width):
            return f"{self.mean:{sign},.6g} (n={self.n})"
        if self.half_width <= 1e-9 * max(1.0, abs(self.mean)):  # zero but for rounding
            return f"{self.mean:{sign},.6g} ± 0"
        decimals = min(9, max(0, 1 - math.floor(math.log10(self.half_width))))
        return f"{self.mean:{sign},.{decimals}f} ± {self.half_width:,.{decimals}f}"

    def excludes_zero(self) -> bool:
        """Whether the whole interval lies on one side of zero (never for ``n < 2``)."""
        return self.n >= 2 and (self.low > 0 or self.high < 0)


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), for 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The fraction converges fast on this side of the mean; use symmetry otherwise.
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom.

    Raises:
        ValueError: if ``p`` is not within (0, 1) or ``df`` is not positive.
    """
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError(f"need 0 < p < 1 and df > 0, got p={p}, df={df}")
    try:
        from scipy.stats import t as student_t
    except ImportError:
        return _t_quantile(p, df)
    return float(student_t.ppf(p, df))


def _t_quantile(p: float, df: float) -> float:
    """Bisection on :func:`t_cdf` (the fallback when scipy is not installed)."""
    if p < 0.5:
        return -_t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, high * 2
    while high - low > 1e-12 * max(1.0, high):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def interval(values: list[float], level: float = 0.95) -> Interval:
    """Mean and Student-t interval of ``values``.

    Raises:
        ValueError: for no values.
    """
    if not values:
        raise ValueError("no values")
    mean = statistics.fmean(values)
    n = len(values)
    if n < 2:
        return Interval(mean, math.nan, n)
    quantile = t_quantile(0.5 + level / 2, n - 1)
    return Interval(mean, quantile * statistics.stdev(values) / math.sqrt(n), n)


def paired(values: list[float], baseline: list[float], level: float = 0.95) -> Interval:
    """Mean and Student-t interval of the per-seed differences ``values - baseline``.

    Raises:
        ValueError: if the two lists differ in length, or are empty.
    """
    if len(values) != len(baseline):
        raise ValueError(f"paired values need equal lengths, got {len(values)} and {len(baseline)}")
    return interval([v - b for v, b in zip(values, baseline, strict=True)], level)
