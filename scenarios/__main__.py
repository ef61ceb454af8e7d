"""``python -m scenarios`` is ``skillsim``.

``python -m`` puts the current directory first on the module path, so a ``.py`` file
lying there (say, next to a downloaded scenario) would be imported in place of any
module imported later: an optional dependency, an installed policy. ``skillsim`` does
not look there, and neither does ``python -m scenarios``: the current directory is
dropped from the path, unless this package itself lives there (a checkout run in
place). ``--policy module:Class`` still imports from the current directory, because
the user typed it.
"""

import sys
from pathlib import Path


def _drop_current_directory() -> None:
    here = Path.cwd().resolve()
    if Path(__file__).resolve().parent.parent == here:
        return
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]


_drop_current_directory()

from scenarios.cli import main  # noqa: E402 (after the path is made safe)

sys.exit(main())
