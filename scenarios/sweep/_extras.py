"""Optional dependencies of sweeps: import them late, and name the extra when missing.

``import scenarios.sweep`` needs nothing beyond skillsim's own dependencies; pandas
and pyarrow (extra ``data``), Dask (extra ``dask``), scipy (extra ``optimal``, for
Latin-hypercube samples) and matplotlib (extra ``plot``) load when first used.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from scenarios.sweep.spec import SweepError

__all__: list[str] = []


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or explain which extra provides it.

    Raises:
        SweepError: naming the extra to install.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise SweepError(
            "", [("", f"{purpose} needs {module}: pip install 'skillsim[{extra}]'")]
        ) from None
