"""The sweep file and its plan: cells, keys, samples, and what is refused as bad input."""

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sweeps import SWEEP, write_sweep

from scenarios.loader import LoadedScenario
from scenarios.run import run_scenario
from scenarios.spec import ScenarioSpec
from scenarios.sweep import (
    SampleSpec,
    SweepError,
    load_sweep,
    parse_sweep,
    plan_sweep,
    run_count,
    set_path,
)
from scenarios.sweep.plan import _sample_points


def refused(folder: Path, sweep: str) -> str:
    """The message of the SweepError a sweep file is refused with."""
    path = write_sweep(folder, sweep)
    with pytest.raises(SweepError) as caught:
        plan_sweep(load_sweep(path))
    return str(caught.value).replace(str(path), "SPEC")


class TestPlan:
    def test_cells_are_the_grid_product_in_file_order(self, tmp_path: Path) -> None:
        """Cells enumerate the grid's product, first path slowest; runs go cell, seed, policy."""
        plan = plan_sweep(load_sweep(write_sweep(tmp_path)))
        assert [dict(c.params) for c in plan.cells] == [
            {"workers.generate.count": 2, "tasks.generate.arrival.rate": 0.3},
            {"workers.generate.count": 2, "tasks.generate.arrival.rate": 0.6},
            {"workers.generate.count": 4, "tasks.generate.arrival.rate": 0.3},
            {"workers.generate.count": 4, "tasks.generate.arrival.rate": 0.6},
        ]
        assert plan.params == ("workers.generate.count", "tasks.generate.arrival.rate")
        assert [(t.cell, t.seed, t.policy) for t in plan.tasks[:4]] == [
            (0, 1, "best_fit"),
            (0, 1, "round_robin"),
            (0, 2, "best_fit"),
            (0, 2, "round_robin"),
        ]
        assert len(plan.tasks) == run_count(plan.spec) == 4 * 3 * 2
        assert len({t.key for t in plan.tasks}) == 24

    def test_values_land_at_their_paths(self, tmp_path: Path) -> None:
        """A cell's scenario is the base with each swept value set at its path."""
        plan = plan_sweep(load_sweep(write_sweep(tmp_path)))
        scenario = plan.cells[3].scenario
        assert scenario is not None
        assert scenario["workers"]["generate"]["count"] == 4
        assert scenario["tasks"]["generate"]["arrival"]["rate"] == 0.6
        assert scenario["tasks"]["generate"]["count"] == 12

    def test_seeds_count_from_the_scenario_seed_or_are_listed(self, tmp_path: Path) -> None:
        """`seeds = 3` means the scenario's seed and the next two; a list is taken as is."""
        assert load_sweep(write_sweep(tmp_path)).seeds == (1, 2, 3)
        listed = SWEEP.replace("seeds = 3", "seeds = [7, 2]")
        assert load_sweep(write_sweep(tmp_path, listed)).seeds == (7, 2)

    def test_every_policy_of_a_cell_and_seed_meets_the_same_world(self, tmp_path: Path) -> None:
        """Common random numbers: same workers, and same tasks at the same times, per seed."""
        plan = plan_sweep(load_sweep(write_sweep(tmp_path)))
        first, second = plan.tasks[2], plan.tasks[3]
        assert (first.cell, first.seed, first.scenario) == (
            second.cell,
            second.seed,
            second.scenario,
        )
        worlds = []
        for task in (first, second):
            loaded = LoadedScenario(
                "small", Path("small.toml"), ScenarioSpec.model_validate(task.scenario)
            )
            result = run_scenario(loaded, seed=task.seed, policy=task.policy).result
            tasks = [(t.id, t.difficulty, t.arrived, t.priority) for t in result.tasks]
            worlds.append(([(w.name, w.skill_level) for w in result.workers], tasks))
        assert worlds[0] == worlds[1]
        assert len(worlds[0][0]) == 2

    def test_a_key_depends_on_the_run_not_on_the_sweep(self, tmp_path: Path) -> None:
        """The same scenario, policy and seed have one key, whichever sweep holds them."""
        wide = plan_sweep(load_sweep(write_sweep(tmp_path)))
        narrow_text = SWEEP.replace("[2, 4]", "[4]").replace("seeds = 3", "seeds = [3]")
        narrow = plan_sweep(load_sweep(write_sweep(tmp_path, narrow_text)))
        wide_keys = {(t.cell, t.seed, t.policy): t.key for t in wide.tasks}
        assert [t.key for t in narrow.tasks] == [
            wide_keys[(cell, 3, policy)]
            for cell in (2, 3)
            for policy in ("best_fit", "round_robin")
        ]

    def test_dotted_and_quoted_keys_are_the_same_grid(self, tmp_path: Path) -> None:
        """`a.b = [..]` (nested tables in TOML) and `"a.b" = [..]` name the same path."""
        quoted = SWEEP.replace("workers.generate.count", '"workers.generate.count"')
        a = plan_sweep(load_sweep(write_sweep(tmp_path)))
        b = plan_sweep(load_sweep(write_sweep(tmp_path, quoted)))
        assert [t.key for t in a.tasks] == [t.key for t in b.tasks]

    def test_a_value_out_of_bounds_makes_a_bad_cell(self, tmp_path: Path) -> None:
        """A value of the right type but out of range fails that cell's runs, not the sweep."""
        plan = plan_sweep(load_sweep(write_sweep(tmp_path, SWEEP.replace("[2, 4]", "[0, 4]"))))
        errors = {c.index: c.error for c in plan.cells}
        assert errors == {
            0: "workers.generate.count: Input should be greater than or equal to 1",
            1: "workers.generate.count: Input should be greater than or equal to 1",
            2: None,
            3: None,
        }
        assert [t.error is not None for t in plan.tasks] == [True] * 12 + [False] * 12

    def test_list_elements_are_addressed_by_index(self, tmp_path: Path) -> None:
        """`workers.items.1.skill_level` sets the second listed worker's skill."""
        sweep = 'scenario = "quickstart"\npolicies = ["best_fit"]\nseeds = 1\n'
        sweep += '[grid]\n"workers.items.1.skill_level" = [1, 9]\n'
        plan = plan_sweep(load_sweep(write_sweep(tmp_path, sweep)))
        skills = [
            c.scenario["workers"]["items"][1]["skill_level"] for c in plan.cells if c.scenario
        ]
        assert skills == [1, 9]


class TestBadInput:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (
                ("workers.generate.count", "workers.generate.cuont"),
                "SPEC: grid.workers.generate.cuont: unknown field of the scenario (value 2)",
            ),
            (
                ("[2, 4]", '["two", 4]'),
                "SPEC: grid.workers.generate.count: Input should be a valid integer (value 'two')",
            ),
            (("[2, 4]", "[]"),
             "SPEC: grid.workers.generate.count: empty list: the grid would have no cells"),
            (("[2, 4]", "3"), "SPEC: grid.workers.generate.count: expected a list of values"),
            (('"round_robin"', '"nobody"'), None),
            (("seeds = 3", "seeds = 0"), "SPEC: seeds: must be >= 1, got 0"),
            (("seeds = 3", "seeds = []"), "SPEC: seeds: empty list: the sweep would have no runs"),
            (("seeds = 3", "seeds = 3\nbaseline = 'optimal'"),
             "SPEC: baseline: 'optimal' is not one of the policies"),
            (("seeds = 3", "seeds = 3\nbogus = 1"), "SPEC: bogus: Extra inputs are not permitted"),
            (("workers.generate.count", "seed"),
             "SPEC: grid.seed: cannot be swept here: "
             "give seeds with `seeds = N` or `seeds = [...]`"),
            (("workers.generate.count", "workers.generate.count.x"),
             "SPEC: grid.workers.generate.count.x: workers.generate.count is 3, not a table"),
        ],
    )  # fmt: skip
    def test_is_refused_with_the_path(
        self, tmp_path: Path, change: tuple[str, str], message: str | None
    ) -> None:
        """Each bad sweep file is refused before any run, naming the path and the problem."""
        text = refused(tmp_path, SWEEP.replace(*change))
        if message is None:  # the policy registry's own message, after the path
            assert text.startswith("SPEC: policies: unknown policy 'nobody'")
        else:
            assert text == message

    def test_an_empty_grid_table_is_refused(self, tmp_path: Path) -> None:
        """`[grid]` with nothing under it (and no sample) is an empty grid."""
        sweep = 'scenario = "small.toml"\npolicies = ["best_fit"]\n[grid]\n'
        assert (
            refused(tmp_path, sweep) == "SPEC: grid: empty: give at least one field path = [values]"
        )

    def test_a_missing_scenario_names_both_files(self, tmp_path: Path) -> None:
        """The base scenario's own error comes with the sweep file's name."""
        text = refused(tmp_path, SWEEP.replace("small.toml", "gone.toml"))
        assert re.fullmatch(r"SPEC: scenario: .*gone\.toml: no such file", text)

    def test_more_runs_than_the_limit_need_yes(self, tmp_path: Path) -> None:
        """Above MAX_RUNS the plan is refused unless confirmed, and counted without listing."""
        big = SWEEP.replace("seeds = 3", "seeds = 2000")
        spec = load_sweep(write_sweep(tmp_path, big))
        assert run_count(spec) == 16_000
        with pytest.raises(
            SweepError,
            match=r"^.*: 16,000 runs is more than 10,000; confirm with --yes \(yes=True\)$",
        ):
            plan_sweep(spec)
        assert len(plan_sweep(spec, yes=True).tasks) == 16_000

    def test_not_toml(self, tmp_path: Path) -> None:
        """A file that is not TOML is named with the parser's complaint."""
        path = tmp_path / "bad.toml"
        path.write_text("scenario = ", encoding="utf-8")
        with pytest.raises(SweepError, match=r"^.*bad\.toml: not valid TOML: .*$"):
            load_sweep(path)


class TestSample:
    def test_random_points_lie_in_their_ranges(self, tmp_path: Path) -> None:
        """A random sample draws n points, whole numbers for whole-number bounds."""
        data: dict[str, Any] = {
            "scenario": "small.toml",
            "policies": ["best_fit"],
            "seeds": 1,
            "sample": {"method": "random", "n": 20, "seed": 4, "ranges": {
                "tasks.generate.arrival.rate": [0.5, 0.95],
                "workers": {"generate": {"count": [2, 5]}}}},
        }  # fmt: skip
        write_sweep(tmp_path)
        spec = parse_sweep(data, source="sweep", base_dir=tmp_path)
        plan = plan_sweep(spec)
        rates = [c.params["tasks.generate.arrival.rate"] for c in plan.cells]
        counts = [c.params["workers.generate.count"] for c in plan.cells]
        assert len(plan.cells) == 20
        assert all(0.5 <= r <= 0.95 and isinstance(r, float) for r in rates)
        assert set(counts) == {2, 3, 4, 5}
        assert plan_sweep(spec).tasks == plan.tasks  # same sample seed, same points

    def test_grid_and_sample_cross(self, tmp_path: Path) -> None:
        """Each grid cell is crossed with every sample point."""
        sweep = (
            SWEEP
            + '[sample]\nmethod = "lhs"\nn = 3\nranges = { "tasks.generate.count" = [5, 30] }\n'
        )
        sweep = sweep.replace('"tasks.generate.arrival.rate" = [0.3, 0.6]\n', "")
        plan = plan_sweep(load_sweep(write_sweep(tmp_path, sweep)))
        assert len(plan.cells) == 2 * 3
        assert [c.params["workers.generate.count"] for c in plan.cells] == [2, 2, 2, 4, 4, 4]
        assert plan.params == ("workers.generate.count", "tasks.generate.count")

    @settings(max_examples=30, deadline=None)
    @given(n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
    def test_latin_hypercube_hits_each_stratum_once(self, n: int, seed: int) -> None:
        """In every dimension, each of the n equal slices of the range holds one point."""
        sample = SampleSpec.model_validate(
            {"method": "lhs", "n": n, "seed": seed, "ranges": {"a": [0.0, 10.0], "b": [-1.0, 1.0]}}
        )
        points = _sample_points(sample)
        for path, (low, high) in sample.ranges.items():
            slices = sorted(min(n - 1, int((p[path] - low) / (high - low) * n)) for p in points)
            assert slices == list(range(n))


class TestSetPath:
    @given(
        path=st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=4),
        value=st.integers() | st.text(max_size=3),
    )
    def test_sets_the_value_and_leaves_the_rest(self, path: list[str], value: Any) -> None:
        """After set_path the value is found at its path and a sibling key is untouched."""
        data: dict[str, Any] = {"z": 1}
        set_path(data, ".".join(path), value)
        node: Any = data
        for part in path:
            node = node[part]
        assert node == value
        assert data["z"] == 1

    def test_index_past_the_end_is_refused(self) -> None:
        """A list index beyond the list names the list and its length."""
        with pytest.raises(ValueError, match=r"^items is a list of 2; '5' is not an index$"):
            set_path({"items": [1, 2]}, "items.5", 3)
