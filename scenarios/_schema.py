"""What every table of the scenario schema shares (a helper of the schema modules).

Every table is a frozen pydantic model that forbids unknown keys, so a typo is an
error that names the key, not a silently ignored setting. Types are strict: ``true``
is not the number 1, ``"3"`` is not the number 3, and no number may be NaN or
infinite. A validator that finds a problem in one sub-field raises
:class:`FieldProblemError`, and the loader adds that field to the path it reports.
``scenarios.spec`` publishes the error; the table modules (``spec``,
``distributions``, ``workflow``) build on :class:`_Spec`. Size limits come in through
the validation context (``{"limits": Limits(...)}``), see ``scenarios.limits``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationInfo

from scenarios.limits import DEFAULT_LIMITS, Limits

__all__ = ["FieldProblemError"]


class FieldProblemError(ValueError):
    """A validation problem in a sub-field: the loader appends ``field`` to the path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _limits(info: ValidationInfo) -> Limits:
    context = info.context
    limits = context.get("limits") if isinstance(context, dict) else None
    return limits if isinstance(limits, Limits) else DEFAULT_LIMITS


def _over(value: int, limit: int, what: str, option: str) -> str:
    return (
        f"{value} {what} is over the limit of {limit}; raise it with --max-{option} "
        f"(Python: load_scenario(..., limits=Limits({option}=...)))"
    )


def _at_most(value: int, limit: int, what: str, option: str) -> int:
    if value > limit:
        raise ValueError(_over(value, limit, what, option))
    return value
