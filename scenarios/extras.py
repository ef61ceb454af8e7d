"""Optional dependencies: import them on use, and say which extra installs them."""

from __future__ import annotations

import importlib
from types import ModuleType

from agents.errors import MissingExtraError

__all__ = ["require"]


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or explain how to install it.

    Args:
        module: The module to import, e.g. ``"pandas"``.
        extra: The skillsim extra that installs it, e.g. ``"data"``.

    Returns:
        The module.

    Raises:
        MissingExtraError: if it cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        raise MissingExtraError(
            f"{package} is not installed; install the extra: pip install 'skillsim[{extra}]'"
        ) from None
