"""The ``skillsim`` subcommands, one module each (``sweep`` lives in ``scenarios.sweep``).

Each module offers ``add_<name>_parser(subparsers)`` and ``<name>_command(args,
console) -> exit code``; :mod:`scenarios.cli` puts them together. What they share
(argument types, size limits, outputs, bad input as exit code 2) is in
``scenarios.commands._common``.
"""

from scenarios.commands.compare import add_compare_parser, compare_command, compare_with_progress
from scenarios.commands.listing import add_list_parser, list_command
from scenarios.commands.pictures import add_picture_parsers, plot_command, report_command
from scenarios.commands.replay import add_replay_parser, replay_command
from scenarios.commands.run import add_run_parser, run_command
from scenarios.commands.schema import add_schema_parser, schema_command

__all__ = [
    "add_compare_parser",
    "add_list_parser",
    "add_picture_parsers",
    "add_replay_parser",
    "add_run_parser",
    "add_schema_parser",
    "compare_command",
    "compare_with_progress",
    "list_command",
    "plot_command",
    "replay_command",
    "report_command",
    "run_command",
    "schema_command",
]
