"""The bad-input corpus: every case gets a clear error naming its field, never a traceback.

``tests/badinput/*.toml`` are scenario files, ``cli/*.txt`` command lines and ``api/*.py``
calls. Each case's first lines name the field the error must name (``# field:``) and the
message it must give (``# error:``; ``{known}`` stands for the known policy names,
``{bundled}`` for the bundled scenarios and ``{library}`` for their directory).
"""

import importlib.util
import shlex
from pathlib import Path

import pydantic
import pytest

from agents.policies import policy_names
from protocol import SkillsimError
from scenarios import (
    DEFAULT_LIMITS,
    LIBRARY,
    Limits,
    ScenarioError,
    bundled_scenarios,
    load_scenario,
)
from scenarios.cli import main

CORPUS = Path(__file__).parent / "badinput"

pytestmark = pytest.mark.usefixtures("quiet_logs")


def header(path: Path) -> tuple[str, str, str]:
    """The case's field, its expected message (placeholders filled) and the rest."""
    first, second, rest = path.read_bytes().split(b"\n", 2)
    field = first.decode().removeprefix("# field: ")
    error = second.decode().removeprefix("# error: ")
    error = error.replace("{known}", ", ".join(policy_names()))
    error = error.replace("{bundled}", ", ".join(bundled_scenarios()))
    error = error.replace("{library}", str(LIBRARY))
    quickstart = LIBRARY / "quickstart.toml"
    error = error.replace("{quickstart_bytes}", str(quickstart.stat().st_size))
    return field, error, rest.decode(errors="replace")


def cases(pattern: str) -> list[Path]:
    return sorted(CORPUS.glob(pattern))


class TestCorpusSize:
    def test_covers_the_classes(self) -> None:
        """The corpus holds at least 60 file cases, 15 command lines and 12 API calls."""
        assert (len(cases("*.toml")) >= 60, len(cases("cli/*.txt")) >= 15) == (True, True)
        assert len(cases("api/*.py")) >= 12


class TestFiles:
    @pytest.mark.parametrize("path", cases("*.toml"), ids=lambda p: p.stem)
    def test_load_names_the_field_and_the_reason(self, path: Path) -> None:
        """Loading raises ScenarioError with exactly the case's (field, message)."""
        field, error, _ = header(path)
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        assert caught.value.source == str(path)
        assert (field, error) in caught.value.problems

    @pytest.mark.parametrize("path", cases("*.toml"), ids=lambda p: p.stem)
    def test_cli_exits_2_with_one_line_per_problem(
        self, path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``skillsim run FILE`` exits 2 and prints ``error: FILE: FIELD: MESSAGE``."""
        field, error, _ = header(path)
        assert main(["run", str(path)]) == 2
        captured = capsys.readouterr()
        line = f"error: {path}: {field}: {error}" if field else f"error: {path}: {error}"
        assert line in captured.err.splitlines()
        assert "Traceback" not in captured.err
        assert captured.out == ""


class TestCommandLines:
    @pytest.mark.parametrize("path", cases("cli/*.txt"), ids=lambda p: p.stem)
    def test_exits_2_with_the_message(self, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The command exits 2 and prints exactly ``error: MESSAGE``, naming the field."""
        field, error, argv = header(path)
        assert main(shlex.split(argv)) == 2
        captured = capsys.readouterr()
        assert captured.err == f"error: {error}\n"
        assert field in error
        assert captured.out == ""


def _load_case(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(f"badinput_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestApiCalls:
    @pytest.mark.parametrize("path", cases("api/*.py"), ids=lambda p: p.stem)
    def test_raises_a_named_error(self, path: Path) -> None:
        """The call raises a named error whose message has the field and the reason."""
        field, error, _ = header(path)
        case = _load_case(path).case  # type: ignore[attr-defined]
        with pytest.raises(
            (SkillsimError, pydantic.ValidationError, TypeError, ValueError)
        ) as caught:
            case()
        assert field in str(caught.value)
        assert error in str(caught.value)


class TestLimits:
    def test_documented_defaults(self) -> None:
        """The README's limits: 100,000 workers, 1,000,000 tasks, 10 MB files, 10,000 runs."""
        assert Limits(100_000, 1_000_000, 10_000_000, 10_000) == DEFAULT_LIMITS

    def test_a_raised_limit_admits_what_the_default_refuses(self, tmp_path: Path) -> None:
        """``--max-workers`` raises the limit: a file over the default then loads."""
        path = tmp_path / "big.toml"
        path.write_text(
            "[workers.generate]\ncount = 100001\n[[tasks.items]]\nid = 1\ndifficulty = 3\n",
            encoding="utf-8",
        )
        with pytest.raises(ScenarioError, match=r"100001 workers is over the limit of 100000"):
            load_scenario(path)
        assert load_scenario(path, limits=Limits(workers=100_001)).spec.workers.generate
