import re
from pathlib import Path

import pytest

from agents.policies import policy_names
from scenarios.distributions import ChoiceDist, ConstantDist, NormalDist, UniformDist
from scenarios.loader import LIBRARY, ScenarioError, bundled_scenarios, load_scenario
from scenarios.run import run_scenario
from scenarios.spec import (
    ArrivalSpec,
    ModelSpec,
    PhaseSpec,
    PolicySpec,
    TaskItem,
    WorkerItem,
)

ORIGINAL = ["mixed_skills", "quickstart", "rush_hour", "specialists", "unknown_skills"]
BUNDLED = list(bundled_scenarios())

VALID = """\
name = "both_kinds"
description = "Items and generated ones."
seed = 9
max_attempts = 2

[policy]
name = "learning"
params = { prior = 4.0, explore = 0.0 }

[model]
name = "logistic"
scale = 1.5
noise = "lognormal"
sigma = 0.5

[[workers.items]]
name = "ada"
skill_level = 7
skills = { vision = 9 }
specialties = ["vision"]
capacity = 2

[workers.generate]
count = 3
skill = 5
skills = { text = { dist = "normal", mean = 5, sd = 1, low = 1, high = 10 } }

[[tasks.items]]
id = 1
description = "first"
difficulty = 3
skill = "vision"
priority = 2
due = 30
arrival = 4.5

[tasks.generate]
count = 4
difficulty = { dist = "choice", values = [2, 8], weights = [3, 1] }
arrival = { process = "poisson", phases = [{ duration = 10, rate = 2 }] }
"""

MINIMAL_WORKERS = '[[workers.items]]\nname = "a"\n'
MINIMAL_TASKS = "[[tasks.items]]\nid = 1\ndifficulty = 3\n"


def write(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problem(path: Path | str, *lines: str) -> str:
    """The anchored pattern of a ScenarioError whose lines are ``path: line``."""
    return "^" + re.escape("\n".join(f"{path}: {line}" for line in lines)) + "$"


class TestBundled:
    def test_the_library_lists_the_bundled_scenarios(self) -> None:
        """The bundled scenarios are found, sorted by name, the original five among them."""
        assert set(ORIGINAL) <= set(BUNDLED)
        assert sorted(BUNDLED) == BUNDLED
        assert bundled_scenarios()["quickstart"] == LIBRARY / "quickstart.toml"

    @pytest.mark.parametrize("name", BUNDLED)
    def test_every_bundled_scenario_loads(self, name: str) -> None:
        """Each bundled scenario validates, by name and by path, named after itself."""
        by_name = load_scenario(name)
        assert (by_name.name, by_name.path, by_name.spec.name) == (
            name,
            LIBRARY / f"{name}.toml",
            name,
        )
        assert by_name.spec.description
        assert load_scenario(LIBRARY / f"{name}.toml") == by_name

    def test_quickstart_is_the_seed(self) -> None:
        """quickstart holds the seed's three workers and three tasks."""
        spec = load_scenario("quickstart").spec
        assert [(w.name, w.skill_level) for w in spec.workers.items] == [
            ("Junior", 3),
            ("Intermediate", 6),
            ("Senior", 9),
        ]
        assert [(t.id, t.difficulty) for t in spec.tasks.items] == [(1, 2), (2, 5), (3, 8)]
        assert (spec.policy, spec.model, spec.seed) == (PolicySpec(), ModelSpec(), 0)


class TestValidFile:
    def test_items_and_generate_are_read(self, tmp_path: Path) -> None:
        """A file with both items and generate tables gives exactly the spec it spells out."""
        loaded = load_scenario(write(tmp_path, VALID))
        spec = loaded.spec
        assert (loaded.name, spec.seed, spec.max_attempts) == ("both_kinds", 9, 2)
        assert spec.policy == PolicySpec(name="learning", params={"prior": 4.0, "explore": 0.0})
        assert spec.model == ModelSpec(name="logistic", scale=1.5, noise="lognormal", sigma=0.5)
        assert spec.workers.items == [
            WorkerItem(
                name="ada",
                skill_level=7,
                skills={"vision": 9},
                specialties=["vision"],
                capacity=2,
            )
        ]
        generated = spec.workers.generate
        assert generated is not None
        assert (generated.count, generated.skill) == (3, ConstantDist(value=5))
        assert generated.skills == {"text": NormalDist(dist="normal", mean=5, sd=1, low=1, high=10)}
        assert spec.tasks.items == [
            TaskItem(
                id=1,
                description="first",
                difficulty=3,
                skill="vision",
                priority=2,
                due=30,
                arrival=4.5,
            )
        ]
        tasks = spec.tasks.generate
        assert tasks is not None
        assert tasks.difficulty == ChoiceDist(dist="choice", values=[2, 8], weights=[3, 1])
        assert tasks.priority == ConstantDist(value=1)
        assert tasks.arrival == ArrivalSpec(
            process="poisson", phases=[PhaseSpec(duration=10, rate=2)]
        )

    def test_defaults_and_name_from_the_file(self, tmp_path: Path) -> None:
        """Without a name the file's stem names the scenario; the defaults are the seed's."""
        loaded = load_scenario(write(tmp_path, MINIMAL_WORKERS + MINIMAL_TASKS, "tiny.toml"))
        spec = loaded.spec
        assert (loaded.name, spec.name, spec.seed, spec.max_attempts) == ("tiny", "", 0, 1)
        assert (spec.policy, spec.model, spec.expected_workers) == (PolicySpec(), ModelSpec(), None)

    def test_policy_may_be_a_plain_name(self, tmp_path: Path) -> None:
        """``policy = "round_robin"`` is short for a policy table with that name."""
        text = 'policy = "round_robin"\n' + MINIMAL_WORKERS + MINIMAL_TASKS
        assert load_scenario(write(tmp_path, text)).spec.policy == PolicySpec(name="round_robin")

    def test_default_generated_difficulty_is_uniform_integers(self, tmp_path: Path) -> None:
        """Generated tasks default to whole difficulties uniform on 1..10."""
        text = MINIMAL_WORKERS + "[tasks.generate]\ncount = 5\n"
        generated = load_scenario(write(tmp_path, text)).spec.tasks.generate
        assert generated is not None
        assert generated.difficulty == UniformDist(dist="uniform", low=1, high=10, integer=True)


class TestInvalidFile:
    def test_unknown_policy_names_the_file_and_the_field(self, tmp_path: Path) -> None:
        """A policy the registry does not know is a bad file: path, field, known names."""
        path = write(tmp_path, 'policy = "nope"\n' + MINIMAL_WORKERS + MINIMAL_TASKS)
        known = ", ".join(policy_names())
        with pytest.raises(
            ScenarioError,
            match=problem(path, f"policy: unknown policy 'nope'; known policies: {known}"),
        ):
            load_scenario(path)

    def test_a_users_policy_class_runs_when_the_file_may_import(self, tmp_path: Path) -> None:
        """``module:Class`` in a file loaded with allow_import runs the user's own policy."""
        text = 'policy = "custom_policy:FirstFree"\n' + MINIMAL_WORKERS + MINIMAL_TASKS
        loaded = load_scenario(write(tmp_path, text), allow_import=True)
        result = run_scenario(loaded).result
        assert (result.policy, result.metrics.total, result.metrics.pending) == (
            "custom_policy:FirstFree",
            1,
            0,
        )

    def test_normal_bounds_out_of_order_name_high(self, tmp_path: Path) -> None:
        """A normal distribution clipped to low > high is refused at high, like uniform."""
        text = (
            '[workers.generate]\ncount = 2\nskill = { dist = "normal", mean = 5, sd = 1, '
            "low = 6, high = 2 }\n" + MINIMAL_TASKS
        )
        path = write(tmp_path, text)
        with pytest.raises(
            ScenarioError,
            match=problem(path, "workers.generate.skill.high: must be >= low (6), got 2"),
        ):
            load_scenario(path)

    def test_difficulty_bound_names_the_field_path(self, tmp_path: Path) -> None:
        """A difficulty range past 10 names tasks.generate.difficulty.high."""
        text = MINIMAL_WORKERS + (
            '[tasks.generate]\ncount = 3\ndifficulty = { dist = "uniform", low = 1, high = 11 }\n'
        )
        path = write(tmp_path, text)
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        assert str(caught.value) == (
            f"{path}: tasks.generate.difficulty.high: difficulty must be <= 10, got 11"
        )
        assert caught.value.source == str(path)
        assert caught.value.problems == [
            ("tasks.generate.difficulty.high", "difficulty must be <= 10, got 11")
        ]

    def test_constant_difficulty_out_of_range(self, tmp_path: Path) -> None:
        """A constant difficulty of 12 names its value field."""
        text = MINIMAL_WORKERS + "[tasks.generate]\ncount = 3\ndifficulty = 12\n"
        path = write(tmp_path, text)
        with pytest.raises(
            ScenarioError,
            match=problem(
                path, "tasks.generate.difficulty.value: difficulty must be within 1..10, got 12"
            ),
        ):
            load_scenario(path)

    def test_unordered_uniform_bounds(self, tmp_path: Path) -> None:
        """high below low is named at high, with both values."""
        text = MINIMAL_WORKERS + (
            '[tasks.generate]\ncount = 3\ndifficulty = { dist = "uniform", low = 5, high = 2 }\n'
        )
        path = write(tmp_path, text)
        with pytest.raises(
            ScenarioError,
            match=problem(path, "tasks.generate.difficulty.high: must be >= low (5), got 2"),
        ):
            load_scenario(path)

    def test_top_level_typo_is_named(self, tmp_path: Path) -> None:
        """A misspelt top-level key is named and refused."""
        path = write(tmp_path, 'polcy = "best_fit"\n' + MINIMAL_WORKERS + MINIMAL_TASKS)
        with pytest.raises(
            ScenarioError, match=problem(path, "polcy: Extra inputs are not permitted")
        ):
            load_scenario(path)

    def test_nested_typo_is_named_with_its_path(self, tmp_path: Path) -> None:
        """A misspelt key inside a worker item is named with the item's index."""
        text = '[[workers.items]]\nname = "a"\nskil_level = 3\n' + MINIMAL_TASKS
        path = write(tmp_path, text)
        with pytest.raises(
            ScenarioError,
            match=problem(path, "workers.items[0].skil_level: Extra inputs are not permitted"),
        ):
            load_scenario(path)

    def test_typo_inside_a_distribution(self, tmp_path: Path) -> None:
        """A misspelt distribution key is named, along with the key it left missing."""
        text = MINIMAL_WORKERS + (
            '[tasks.generate]\ncount = 3\ndifficulty = { dist = "uniform", lo = 1, high = 3 }\n'
        )
        path = write(tmp_path, text)
        with pytest.raises(
            ScenarioError,
            match=problem(
                path,
                "tasks.generate.difficulty.low: Field required",
                "tasks.generate.difficulty.lo: Extra inputs are not permitted",
            ),
        ):
            load_scenario(path)

    def test_missing_workers(self, tmp_path: Path) -> None:
        """A file without workers says the field is required."""
        path = write(tmp_path, MINIMAL_TASKS)
        with pytest.raises(ScenarioError, match=problem(path, "workers: Field required")):
            load_scenario(path)

    def test_empty_workers_table(self, tmp_path: Path) -> None:
        """A workers table with neither items nor generate says what to give."""
        path = write(tmp_path, "[workers]\n" + MINIMAL_TASKS)
        with pytest.raises(
            ScenarioError,
            match=problem(path, "workers: give workers.items, workers.generate or workers.file"),
        ):
            load_scenario(path)

    def test_every_problem_is_reported(self, tmp_path: Path) -> None:
        """Several problems give one line each, in document order."""
        text = (
            '[[workers.items]]\nname = "a"\nskills = { vision = -1 }\n'
            "[tasks.generate]\ncount = 0\n"
            'priority = { dist = "choice", values = [1, 2], weights = [1] }\n'
            'arrival = { process = "poisson" }\n'
        )
        path = write(tmp_path, text)
        with pytest.raises(
            ScenarioError,
            match=problem(
                path,
                "workers.items[0].skills.vision: must be >= 0, got -1",
                "tasks.generate.count: Input should be greater than or equal to 1",
                "tasks.generate.priority.weights: must have one weight per value",
                "tasks.generate.arrival.rate: a poisson process needs a rate or phases",
            ),
        ):
            load_scenario(path)

    def test_duplicate_worker_names(self, tmp_path: Path) -> None:
        """Two workers with one name are refused at the second one's name."""
        path = write(tmp_path, MINIMAL_WORKERS + MINIMAL_WORKERS + MINIMAL_TASKS)
        with pytest.raises(
            ScenarioError, match=problem(path, "workers.items[1].name: worker 'a' is also items[0]")
        ):
            load_scenario(path)

    def test_unknown_distribution_tag(self, tmp_path: Path) -> None:
        """A misspelt dist is named with the expected tags."""
        text = MINIMAL_WORKERS + (
            '[tasks.generate]\ncount = 3\npriority = { dist = "unifrom", low = 1, high = 3 }\n'
        )
        path = write(tmp_path, text)
        with pytest.raises(
            ScenarioError,
            match=problem(
                path,
                "tasks.generate.priority: Input tag 'unifrom' found using 'dist' does not match "
                "any of the expected tags: 'constant', 'uniform', 'normal', 'choice'",
            ),
        ):
            load_scenario(path)

    def test_category_named_like_a_distribution_keeps_its_path(self, tmp_path: Path) -> None:
        """A skill category called "normal" stays in the field path of its problem."""
        text = (
            "[workers.generate]\ncount = 2\n"
            'skills = { normal = { dist = "uniform", low = 1 } }\n' + MINIMAL_TASKS
        )
        path = write(tmp_path, text)
        with pytest.raises(
            ScenarioError,
            match=problem(path, "workers.generate.skills.normal.high: Field required"),
        ):
            load_scenario(path)

    def test_bad_toml_gives_line_and_column(self, tmp_path: Path) -> None:
        """A syntax error names the line and column."""
        path = write(tmp_path, 'name = "x"\nseed = \n')
        with pytest.raises(
            ScenarioError,
            match=problem(path, "not valid TOML: Invalid value (at line 2, column 8)"),
        ):
            load_scenario(path)

    def test_not_utf8(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 are refused as such."""
        path = tmp_path / "binary.toml"
        path.write_bytes(b"\xff\xfe")
        with pytest.raises(ScenarioError, match=problem(path, "not UTF-8 text")):
            load_scenario(path)

    def test_nonexistent_file(self, tmp_path: Path) -> None:
        """A .toml path that does not exist is named."""
        path = tmp_path / "missing.toml"
        with pytest.raises(ScenarioError, match=problem(path, "no such file")) as caught:
            load_scenario(path)
        assert caught.value.problems == [("", "no such file")]

    def test_directory_is_not_a_file(self, tmp_path: Path) -> None:
        """A directory given as the scenario is no such file."""
        with pytest.raises(ScenarioError, match=problem(tmp_path, "no such file")):
            load_scenario(tmp_path)

    def test_unknown_bundled_name_lists_the_bundled_ones(self) -> None:
        """A name that is neither a file nor bundled lists the bundled scenarios."""
        names = ", ".join(bundled_scenarios())
        with pytest.raises(
            ScenarioError,
            match=problem("quikstart", f"no such file or bundled scenario; bundled: {names}"),
        ):
            load_scenario("quikstart")
