"""Logging set-up for the command line: the one place that configures structlog.

Library code only binds and emits; a program decides where events go: here, readable
lines on standard error.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

__all__ = ["configure_logging"]

LevelName = Literal["debug", "info", "warning", "error"]


def configure_logging(level: LevelName = "info") -> None:
    """Send skillsim's events to standard error, at ``level`` and above.

    Args:
        level: The lowest level shown.
    """
    renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(), sort_keys=False)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            _order_keys,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def _order_keys(
    logger: object, method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    # Simulated time first, then the agent: the order a reader scans for.
    ordered = {k: event.pop(k) for k in ("t", "agent") if k in event}
    event.pop("role", None)
    ordered.update(event)
    return ordered
