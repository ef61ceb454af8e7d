"""A scenario file is data: nothing in it imports or calls code unless the user opted in."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agents.errors import PolicyError
from agents.policies import ENTRY_POINT_GROUP, find_policy, make_policy, policy_names
from scenarios.cli import main
from scenarios.loader import ScenarioError, load_scenario
from scenarios.run import run_scenario

pytestmark = pytest.mark.usefixtures("quiet_logs")

BODY = '[[workers.items]]\nname = "a"\nskill_level = 5\n[[tasks.items]]\nid = 1\ndifficulty = 3\n'


def marker_module(directory: Path, name: str, marker: Path, body: str = "") -> None:
    """A module that leaves ``marker`` behind when it is imported."""
    code = f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n{body}"
    (directory / f"{name}.py").write_text(code, encoding="utf-8")


def installed(directory: Path, package: str, name: str) -> None:
    """Metadata of an installed package offering ``package:Mine`` as policy ``name``."""
    info = directory / f"{package}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Name: {package}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n{name} = {package}:Mine\n", encoding="utf-8"
    )


POLICY_CLASS = textwrap.dedent(
    """
    class Mine:
        def __init__(self, bonus=0):
            self.bonus = bonus

        def assign(self, snapshot):
            from agents.policies import Assignment
            free = [w.id for w in snapshot.workers]
            return [Assignment(p.task.id, w) for p, w in zip(snapshot.pending, free)]
    """
)


class TestFilePolicies:
    def test_a_shell_command_in_a_file_never_runs(self, tmp_path: Path) -> None:
        """``os:system`` with a command is refused, with or without the opt-in; nothing runs."""
        marker = tmp_path / "pwned"
        path = tmp_path / "evil.toml"
        path.write_text(
            f'[policy]\nname = "os:system"\n[policy.params]\ncommand = "touch {marker}"\n' + BODY,
            encoding="utf-8",
        )
        with pytest.raises(ScenarioError, match=r"policy\.name: 'os:system' is an import path"):
            load_scenario(path)
        with pytest.raises(ScenarioError, match=r"policy\.name: 'os:system' is not a class"):
            load_scenario(path, allow_import=True)
        assert not marker.exists()

    def test_without_opt_in_the_module_is_not_imported(self, tmp_path: Path) -> None:
        """A file naming ``module:Class`` is refused before the module is imported."""
        marker = tmp_path / "imported"
        marker_module(tmp_path, "nextdoor_a", marker, POLICY_CLASS)
        path = tmp_path / "s.toml"
        path.write_text('policy = "nextdoor_a:Mine"\n' + BODY, encoding="utf-8")
        assert main(["run", str(path)]) == 2
        assert not marker.exists()

    def test_opt_in_imports_from_the_files_directory(self, tmp_path: Path) -> None:
        """With allow_import, a class beside the file is imported, checked and run."""
        marker = tmp_path / "imported"
        marker_module(tmp_path, "nextdoor_b", marker, POLICY_CLASS)
        path = tmp_path / "s.toml"
        path.write_text(
            '[policy]\nname = "nextdoor_b:Mine"\n[policy.params]\nbonus = 1\n' + BODY,
            encoding="utf-8",
        )
        result = run_scenario(load_scenario(path, allow_import=True)).result
        assert (result.policy, result.metrics.completed, marker.exists()) == (
            "nextdoor_b:Mine",
            1,
            True,
        )

    def test_an_override_never_imports_the_files_policy(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--policy best_fit`` replaces the file's policy: it is never imported."""
        marker = tmp_path / "imported"
        marker_module(tmp_path, "nextdoor_c", marker, POLICY_CLASS)
        path = tmp_path / "s.toml"
        path.write_text('policy = "nextdoor_c:Mine"\n' + BODY, encoding="utf-8")
        code = main(["run", str(path), "--allow-import", "--policy", "best_fit"])
        assert (code, marker.exists()) == (0, False)
        assert capsys.readouterr().err == ""

    def test_a_function_is_never_called(self, tmp_path: Path) -> None:
        """An import path naming a function is refused before it is called."""
        marker = tmp_path / "called"
        body = f"def make(**kw):\n    open({str(marker)!r}, 'w').close()\n"
        (tmp_path / "nextdoor_d.py").write_text(body, encoding="utf-8")
        with pytest.raises(
            PolicyError,
            match=r"^'nextdoor_d:make' is not a class; a policy is a class with an "
            r"assign\(snapshot\) method, and nothing else named by a path is called$",
        ):
            find_policy("nextdoor_d:make", search=[tmp_path])
        assert not marker.exists()

    def test_a_module_that_fails_on_import_is_named(self, tmp_path: Path) -> None:
        """A module raising while imported is a PolicyError naming it and the exception."""
        (tmp_path / "nextdoor_e.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
        with pytest.raises(
            PolicyError,
            match=r"^cannot import policy 'nextdoor_e:X': importing 'nextdoor_e' raised "
            r"RuntimeError: boom$",
        ):
            find_policy("nextdoor_e:X", search=[tmp_path])


class TestCommandLinePolicies:
    def test_module_class_imports_from_the_current_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--policy module:Class`` finds a module in the current directory, no PYTHONPATH."""
        marker_module(tmp_path, "here_policy", tmp_path / "imported", POLICY_CLASS)
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
        assert main(["run", "quickstart", "--policy", "here_policy:Mine", "--json", "-"]) == 0
        assert '"policy": "here_policy:Mine"' in capsys.readouterr().out


class TestInstalledPolicies:
    def test_an_entry_point_offers_a_policy_by_name(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A package's ``skillsim.policies`` entry point is a name files may use."""
        (tmp_path / "greedy_pkg.py").write_text(POLICY_CLASS, encoding="utf-8")
        installed(tmp_path, "greedy_pkg", "greedy")
        monkeypatch.syspath_prepend(str(tmp_path))
        assert "greedy" in policy_names()
        path = tmp_path / "s.toml"
        path.write_text('policy = "greedy"\n' + BODY, encoding="utf-8")
        result = run_scenario(load_scenario(path)).result
        assert (result.policy, result.metrics.completed) == ("greedy", 1)
        assert type(make_policy("greedy")).__name__ == "Mine"

    def test_list_names_installed_policies_without_importing_them(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``skillsim list`` shows an installed policy from metadata; its module is not run."""
        marker = tmp_path / "imported"
        marker_module(tmp_path, "listed_pkg", marker, POLICY_CLASS)
        installed(tmp_path, "listed_pkg", "listed")
        monkeypatch.syspath_prepend(str(tmp_path))
        assert main(["list"]) == 0
        assert "installed: listed_pkg:Mine" in capsys.readouterr().out
        assert not marker.exists()


class TestPythonDashM:
    def test_a_module_in_the_current_directory_is_not_imported(self, tmp_path: Path) -> None:
        """``python -m scenarios`` does not import a ``.py`` lying in the current directory."""
        marker = tmp_path / "imported"
        marker_module(tmp_path, "numpy", marker, "raise ImportError('shadow')\n")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        done = subprocess.run(
            [sys.executable, "-m", "scenarios", "run", "quickstart", "--policy", "optimal"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (done.returncode, marker.exists()) == (0, False), done.stderr
