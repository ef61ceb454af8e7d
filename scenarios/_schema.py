"""What every table of the scenario schema shares (a helper of the schema modules).

Every table is a frozen pydantic model that forbids unknown keys, so a typo is an
error that names the key, not a silently ignored setting. A validator that finds a
problem in one sub-field raises :class:`FieldProblemError`, and the loader adds that
field to the path it reports. ``scenarios.spec`` publishes the error; the table
modules (``spec``, ``distributions``, ``workflow``) build on :class:`_Spec`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["FieldProblemError"]


class FieldProblemError(ValueError):
    """A validation problem in a sub-field: the loader appends ``field`` to the path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
