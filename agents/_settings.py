"""How the run's settings are validated, one declaration for a call and a file alike.

The distribution modes (``agents.distribution``), golden tasks (``agents.golden``) and
dynamic overlap (``agents.overlap``) are pydantic dataclasses with this configuration:
a call such as ``Golden(share=2)`` and a scenario file's ``[golden]`` table are
checked by the same field declarations, and a bad value raises pydantic's
``ValidationError`` (a ``ValueError``) naming the field, the bound and the value.
"""

from __future__ import annotations

from pydantic import ConfigDict

__all__ = ["SETTINGS"]

SETTINGS = ConfigDict(
    extra="forbid", allow_inf_nan=False, validate_by_name=True, validate_by_alias=True
)
"""Unknown keys refused, numbers finite, each field strict.

Fields are made strict one by one (``true`` is not 1, ``"3"`` is not 3) rather than the
whole class, so that a scenario file's table validates into the class as well as a call
does.
"""
