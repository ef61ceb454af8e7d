"""Python scenario files: ``skillsim run file.py`` runs the file's ``scenario()``."""

import json
from pathlib import Path

import pytest

from scenarios import LoadedScenario, ScenarioError, ScriptScenario, load_source, run_scenario
from scenarios.cli import main

pytestmark = pytest.mark.usefixtures("quiet_logs")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

SPEC_FILE = """\
from scenarios import load_scenario


def scenario():
    return load_scenario("quickstart").spec
"""

NO_SEED = """\
from agents import Runtime, TaskManager, WorkerAgent
from protocol import Task
from scenarios import Simulation


def scenario(*, policy=None):
    manager = TaskManager([Task(id=1, difficulty=2)], name="manager", policy=policy or "best_fit")
    worker = WorkerAgent("w", 3, admin_peer=manager.id)
    runtime = Runtime()
    runtime.add(manager, worker)
    return Simulation("tiny", 0, policy or "best_fit", runtime, manager, (worker,))
"""


def write(tmp_path: Path, text: str, name: str = "scenario_file.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    return capsys.readouterr().err


class TestSpecFiles:
    def test_same_run_as_the_toml(self, tmp_path: Path) -> None:
        """A file returning quickstart's spec gives the bundled run's JSON and trace, with
        --policy and --seed applied."""
        script = write(tmp_path, SPEC_FILE)
        options = ["--policy", "round_robin", "--seed", "5"]
        for name, source in (("py", str(script)), ("toml", "quickstart")):
            argv = ["run", source, *options, "--json", str(tmp_path / f"{name}.json")]
            assert main([*argv, "--trace", str(tmp_path / f"{name}.jsonl")]) == 0
        for suffix in ("json", "jsonl"):
            py = (tmp_path / f"py.{suffix}").read_text(encoding="utf-8")
            assert py == (tmp_path / f"toml.{suffix}").read_text(encoding="utf-8")
        result = json.loads((tmp_path / "py.json").read_text(encoding="utf-8"))
        assert (result["policy"], result["seed"]) == ("round_robin", 5)

    def test_a_spec_file_loads_as_a_scenario(self) -> None:
        """The example that registers its own policy loads as data with that policy."""
        loaded = load_source(EXAMPLES / "hardest_first.py")
        assert isinstance(loaded, LoadedScenario)
        assert (loaded.name, loaded.spec.policy.name, len(loaded.spec.workers.items)) == (
            "teams",
            "hardest_first",
            15,
        )

    def test_the_file_runs_once_while_unchanged(self) -> None:
        """Loading the example twice registers its policy once (no 'name taken' error)."""
        first = load_source(EXAMPLES / "hardest_first.py")
        second = load_source(EXAMPLES / "hardest_first.py")
        assert isinstance(first, LoadedScenario)
        assert isinstance(second, LoadedScenario)
        assert run_scenario(second, seed=2).result.policy == "hardest_first"

    def test_compare_runs_a_python_file(self, capsys: pytest.CaptureFixture[str]) -> None:
        """compare takes a .py file and its registered policy by name."""
        path = str(EXAMPLES / "hardest_first.py")
        args = ["compare", path, "--policy", "hardest_first", "--policy", "best_fit"]
        assert main([*args, "--seeds", "2"]) == 0
        assert "hardest_first" in capsys.readouterr().out


class TestSimulationFiles:
    def test_options_reach_the_function(self, tmp_path: Path) -> None:
        """--seed and --policy are passed to scenario(); --json records them."""
        out = tmp_path / "out.json"
        argv = ["run", str(EXAMPLES / "own_agents.py"), "--seed", "2", "--policy", "round_robin"]
        assert main([*argv, "--json", str(out)]) == 0
        result = json.loads(out.read_text(encoding="utf-8"))
        assert (result["scenario"], result["policy"], result["seed"]) == (
            "own_agents",
            "round_robin",
            2,
        )
        assert result["metrics"]["total"] == 12

    def test_default_seed_is_the_functions(self) -> None:
        """The default seed of a Simulation file is its seed parameter's default."""
        loaded = load_source(EXAMPLES / "own_agents.py")
        assert isinstance(loaded, ScriptScenario)
        assert (loaded.name, loaded.seed) == ("own_agents", 0)

    def test_live_works_with_a_file_that_takes_a_clock(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--live passes a realtime clock to a function that declares clock."""
        assert main(["run", str(EXAMPLES / "own_agents.py"), "--live", "--speed", "1000"]) == 0
        assert "own_agents" in capsys.readouterr().out

    def test_an_option_it_does_not_take_is_refused(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--seed for a function without a seed parameter exits 2, naming the fix."""
        path = write(tmp_path, NO_SEED)
        assert error_of(capsys, "run", str(path), "--seed", "3") == (
            f"error: {path}: scenario(): takes no parameter 'seed', so that option cannot "
            "apply; declare it: def scenario(*, seed, ...)\n"
        )

    def test_declared_options_still_work(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The same function runs with --policy, which it declares."""
        path = write(tmp_path, NO_SEED)
        assert main(["run", str(path), "--policy", "most_skilled"]) == 0
        assert "most_skilled" in capsys.readouterr().out


class TestBadFiles:
    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            (
                "x = 1\n",
                "defines no function scenario(); it must return a ScenarioSpec or a Simulation",
            ),
            ("def scenario(:\n", "not valid Python: invalid syntax (line 1)"),
            (
                "import math\n\nmath.sqrt(-1)\n",
                "running it raised ValueError: math domain error (line 3)",
            ),
            (
                "def scenario():\n    return 42\n",
                "scenario(): returned int, not a ScenarioSpec or a Simulation",
            ),
            (
                "def scenario():\n    return {}['x']\n",
                "scenario(): raised KeyError: 'x' (line 2)",
            ),
        ],
    )
    def test_one_line_naming_the_file(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
    ) -> None:
        """Each bad file exits 2 with one line naming the file and the problem."""
        path = write(tmp_path, text, f"bad_{abs(hash(text))}.py")
        assert error_of(capsys, "run", str(path)) == f"error: {path}: {problem}\n"

    def test_missing_file(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A .py path that does not exist is not looked up as a bundled name."""
        assert (
            error_of(capsys, "run", "nowhere/none.py") == "error: nowhere/none.py: no such file\n"
        )

    def test_api_raises_scenario_error(self, tmp_path: Path) -> None:
        """load_source raises ScenarioError, of the project's error tree."""
        path = write(tmp_path, "x = 1\n")
        with pytest.raises(ScenarioError, match=r"^.*scenario_file\.py: defines no function"):
            load_source(path)


class TestReadmeClaims:
    def test_the_policy_in_the_readme_is_the_examples(self) -> None:
        """The README's "Write a policy" block is the example file's policy, verbatim."""
        from test_logs import readme_block

        block = readme_block("### Write a policy")
        source = (EXAMPLES / "hardest_first.py").read_text(encoding="utf-8")
        assert block in source.replace("from scenarios import ScenarioSpec\n", "")

    def test_the_installed_command_runs(self) -> None:
        """`.venv/bin/skillsim list` (the command beside this Python) lists the scenarios."""
        import subprocess
        import sys

        command = Path(sys.executable).parent / "skillsim"
        done = subprocess.run(
            [str(command), "list"], capture_output=True, text=True, check=False, timeout=60
        )
        assert done.returncode == 0
        assert "rush_hour" in done.stdout

    def test_plot_takes_a_python_file(self, tmp_path: Path) -> None:
        """`skillsim plot` draws a run of a Python file that builds its own simulation."""
        pytest.importorskip("matplotlib", reason="the plot extra is not installed")
        out = tmp_path / "pictures"
        assert main(["plot", str(EXAMPLES / "own_agents.py"), "--out", str(out)]) == 0
        assert sorted(p.name for p in out.iterdir()) == [
            "heatmap.png",
            "occupancy.png",
            "timeline.png",
        ]

    def test_comparing_a_simulation_file_needs_policies(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without a spec there is no default policy to compare: --policy is asked for."""
        path = str(EXAMPLES / "own_agents.py")
        assert error_of(capsys, "plot", path, "--seeds", "2", "--out", str(tmp_path)) == (
            f"error: {path}: name the policies to compare with --policy\n"
        )
