"""Logging set-up for the command line: the one place that configures structlog.

Library code only binds and emits; a program decides where events go. Human output
for demos, JSON lines for machines.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

__all__ = ["configure_logging"]

LevelName = Literal["debug", "info", "warning", "error"]


def configure_logging(level: LevelName = "info", *, json: bool = False) -> None:
    """Send skillsim's events to standard error, at ``level`` and above.

    Args:
        level: The lowest level shown.
        json: JSON lines instead of the console renderer.
    """
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(), sort_keys=False)
    )
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
