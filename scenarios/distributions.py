"""Value distributions: how a scenario says "a number drawn from ...".

A distribution is one of::

    5                                           # a constant
    { dist = "uniform", low = 1, high = 10, integer = true }
    { dist = "normal", mean = 5, sd = 2, low = 1, high = 10 }   # clipped
    { dist = "choice", values = [1, 2, 3], weights = [6, 3, 1] }

The ``dist`` key picks the model (a discriminated union), so an error names the field
of the distribution that was meant. A table that takes a distribution turns a bare
number into a constant with ``_constant`` in a ``mode="before"`` validator, and checks
a range with ``_within``, which names the bound that is out of range. Drawing values
is ``scenarios.build``'s job; this module only describes them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from scenarios._schema import FieldProblemError, _Spec

__all__ = [
    "ChoiceDist",
    "ConstantDist",
    "Distribution",
    "NormalDist",
    "UniformDist",
    "dist_bounds",
]


class ConstantDist(_Spec):
    """Always ``value``."""

    dist: Literal["constant"] = "constant"
    value: float


class UniformDist(_Spec):
    """Uniform between ``low`` and ``high``; whole numbers if ``integer``."""

    dist: Literal["uniform"]
    low: float
    high: float
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> UniformDist:
        if self.high < self.low:
            raise FieldProblemError("high", f"must be >= low ({self.low:g}), got {self.high:g}")
        return self


class NormalDist(_Spec):
    """Normal with ``mean`` and ``sd``, clipped to ``[low, high]`` when given."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    low: float | None = None
    high: float | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _bounds_ordered(self) -> NormalDist:
        if self.low is not None and self.high is not None and self.high < self.low:
            raise FieldProblemError("high", f"must be >= low ({self.low:g}), got {self.high:g}")
        return self


class ChoiceDist(_Spec):
    """One of ``values``, with optional ``weights``."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights_fit(self) -> ChoiceDist:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise FieldProblemError("weights", "must have one weight per value")
            if any(w < 0 for w in self.weights) or not sum(self.weights) > 0:
                raise FieldProblemError("weights", "must be >= 0 and not all 0")
        return self


def _constant(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


Distribution = Annotated[
    ConstantDist | UniformDist | NormalDist | ChoiceDist, Field(discriminator="dist")
]
"""Any distribution (or a bare number, read as a constant)."""


def dist_bounds(dist: ConstantDist | UniformDist | NormalDist | ChoiceDist) -> tuple[float, float]:
    """The smallest and largest value a distribution can give (inf when unbounded)."""
    if isinstance(dist, ConstantDist):
        return dist.value, dist.value
    if isinstance(dist, UniformDist):
        return dist.low, dist.high
    if isinstance(dist, ChoiceDist):
        return min(dist.values), max(dist.values)
    low = dist.low if dist.low is not None else float("-inf")
    high = dist.high if dist.high is not None else float("inf")
    return low, high


def _within(dist: Any, low: float, high: float, what: str) -> Any:
    lo, hi = dist_bounds(dist)
    if isinstance(dist, ConstantDist) and not low <= dist.value <= high:
        raise FieldProblemError(
            "value", f"{what} must be within {low:g}..{high:g}, got {dist.value:g}"
        )
    if isinstance(dist, ChoiceDist) and not (low <= lo and hi <= high):
        raise FieldProblemError("values", f"{what} must be within {low:g}..{high:g}")
    if lo < low:
        raise FieldProblemError("low", f"{what} must be >= {low:g}, got {lo:g}")
    if hi > high:
        raise FieldProblemError("high", f"{what} must be <= {high:g}, got {hi:g}")
    return dist
