"""What is run: scenario files, the loader, the command line and reports."""

from scenarios.console import configure_logging

__all__ = ["configure_logging"]
