"""STYLE rule 2: complete ``__all__`` in every module, sorted re-exports in every package."""

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

PACKAGES = [
    "agents",
    "agents.policies",
    "protocol",
    "scenarios",
    "scenarios.commands",
    "scenarios.sweep",
]


def submodules(package: str) -> list[ModuleType]:
    """The public plain modules directly inside ``package`` (no subpackages, no ``__main__``)."""
    path = importlib.import_module(package).__path__
    return [
        importlib.import_module(f"{package}.{info.name}")
        for info in pkgutil.iter_modules(path)
        if not info.ispkg and not info.name.startswith("_")
    ]


def is_entry_point(module: ModuleType) -> bool:
    """A module run with ``python -m``: its package must not import it.

    If the package imported it, ``runpy`` would find it in ``sys.modules`` already and
    warn that running it may be unpredictable; so it keeps an ``__all__`` but is not
    re-exported.
    """
    return 'if __name__ == "__main__":' in inspect.getsource(module)


def public_definitions(module: ModuleType) -> list[str]:
    """Public classes and functions defined in ``module`` itself."""
    return sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    )


def isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


ALL_MODULES = [m for p in PACKAGES for m in submodules(p)]


class TestModuleAll:
    @pytest.mark.parametrize("module", ALL_MODULES, ids=lambda m: m.__name__)
    def test_every_public_definition_is_in_all(self, module: ModuleType) -> None:
        """Each public class or function a module defines is listed in its __all__."""
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{module.__name__} has no __all__"
        missing = [n for n in public_definitions(module) if n not in exported]
        assert missing == []

    @pytest.mark.parametrize("module", ALL_MODULES, ids=lambda m: m.__name__)
    def test_all_names_exist_and_are_unique(self, module: ModuleType) -> None:
        """Every name in a module's __all__ exists and appears once."""
        exported = list(getattr(module, "__all__", []))
        assert [n for n in exported if not hasattr(module, n)] == []
        assert len(exported) == len(set(exported))


class TestPackageReexports:
    @pytest.mark.parametrize("package", PACKAGES)
    def test_all_is_sorted(self, package: str) -> None:
        """A package's __all__ is sorted (constants, classes, then functions)."""
        exported = list(importlib.import_module(package).__all__)
        assert exported == sorted(exported, key=isort_key)

    @pytest.mark.parametrize("package", PACKAGES)
    def test_reexports_every_public_name_exactly_once(self, package: str) -> None:
        """A package's __all__ is exactly its modules' public names, each listed once."""
        module = importlib.import_module(package)
        sources: dict[str, list[str]] = {}
        for sub in submodules(package):
            if is_entry_point(sub):
                continue
            for name in getattr(sub, "__all__", ()):
                sources.setdefault(name, []).append(sub.__name__)
        assert {n: s for n, s in sources.items() if len(s) > 1} == {}
        assert len(module.__all__) == len(set(module.__all__))
        missing = sorted(set(sources) - set(module.__all__))
        unknown = sorted(set(module.__all__) - set(sources))
        assert (missing, unknown) == ([], [])

    @pytest.mark.parametrize("package", PACKAGES)
    def test_reexports_are_the_defining_objects(self, package: str) -> None:
        """Each re-exported name is the very object its module defines."""
        module = importlib.import_module(package)
        for sub in submodules(package):
            for name in getattr(sub, "__all__", ()):
                if name in module.__all__:
                    assert getattr(module, name) is getattr(sub, name), name

    @pytest.mark.parametrize("package", PACKAGES)
    def test_package_defines_nothing_else(self, package: str) -> None:
        """A package's namespace holds its re-exports and submodules, nothing more."""
        module = importlib.import_module(package)
        extra = sorted(
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and not isinstance(value, ModuleType)
            and name not in module.__all__
        )
        assert extra == []

    def test_entry_points_are_not_imported_by_their_package(self) -> None:
        """`python -m scenarios.quickstart` works because scenarios does not import it."""
        source = inspect.getsource(importlib.import_module("scenarios"))
        assert "quickstart" not in source
