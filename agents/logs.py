"""Where the library's loggers come from: quiet until a program asks for more.

Design:
    structlog's built-in defaults print every event, debug included, so a library that
    only calls ``structlog.get_logger()`` floods whoever imports it. The library never
    calls ``structlog.configure()`` (that is the program's choice: the ``skillsim``
    command does it in :func:`scenarios.console.configure_logging`). Instead, while
    structlog is unconfigured, :func:`library_logger` returns a logger that drops
    everything below WARNING and writes the rest to standard error, without colours or
    a wall-clock stamp (events carry their simulated time ``t``); once the program has
    configured structlog, it returns the configured logger unchanged. The choice is
    made when a logger is made (when an agent or runtime is built), so configure
    logging before building a run.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

__all__ = ["library_logger"]

_QUIET = structlog.make_filtering_bound_logger(logging.WARNING)


class _Stderr:
    """Writes each rendered event to whatever ``sys.stderr`` is when it is written."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    debug = info = warning = error = critical = exception = msg


def library_logger(**context: Any) -> Any:
    """A bound logger for library code, quiet below WARNING unless structlog is configured.

    Args:
        **context: Key-values bound to every event (``agent``, ``role``).

    Returns:
        A structlog bound logger.
    """
    if structlog.is_configured():
        return structlog.get_logger("skillsim").bind(**context)
    quiet = structlog.wrap_logger(
        _Stderr(),
        processors=[
            structlog.processors.add_log_level,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=_QUIET,
    )
    return quiet.bind(**context)
