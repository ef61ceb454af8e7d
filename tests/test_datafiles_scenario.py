"""Scenario files that name data files: paths, merging into items, errors."""

from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.loader import ScenarioError, load_scenario
from scenarios.run import run_scenario
from scenarios.spec import ScenarioSpec, TaskItem, WorkerItem

ITEMS = "id,difficulty,category,metadata.dir\n1,3,vision,/a\n2,6,text,/b\n3,9,vision,/a\n"
PEOPLE = '{"name": "ana", "skill": 9, "capacity": 2}\n{"name": "bo", "skill": 4}\n'

pytestmark = pytest.mark.usefixtures("quiet_logs")


def scenario(folder: Path, body: str) -> Path:
    """A scenario file in ``folder/scenarios`` beside its data in ``folder/scenarios/data``."""
    data = folder / "scenarios" / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "items.csv").write_text(ITEMS, encoding="utf-8")
    (data / "people.jsonl").write_text(PEOPLE, encoding="utf-8")
    path = folder / "scenarios" / "s.toml"
    path.write_text("seed = 1\n" + body, encoding="utf-8")
    return path


FILES = '[tasks]\nfile = "data/items.csv"\n[workers]\nfile = "data/people.jsonl"\n'


def problem(path: Path, field: str, message: str) -> str:
    return f"^{path}: {field}: {message}$".replace("(", r"\(").replace(")", r"\)")


class TestScenarioFiles:
    def test_paths_are_relative_to_the_scenario_not_the_working_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The rows of both files become items and workers wherever the run starts from."""
        path = scenario(tmp_path, FILES)
        monkeypatch.chdir(tmp_path)
        spec = load_scenario(path).spec
        assert [t.id for t in spec.tasks.items] == [1, 2, 3]
        assert spec.tasks.items[0] == TaskItem(
            id=1, difficulty=3, skill="vision", metadata={"dir": "/a"}
        )
        assert spec.workers.items == [
            WorkerItem(name="ana", skill_level=9, capacity=2),
            WorkerItem(name="bo", skill_level=4),
        ]
        assert (spec.tasks.file, spec.workers.file) != (None, None)
        assert (spec.tasks.file and spec.tasks.file.rows) == 3

    def test_a_file_adds_to_listed_items_and_a_filter_selects(self, tmp_path: Path) -> None:
        """File rows follow the listed items; where keeps the selected rows only."""
        path = scenario(
            tmp_path,
            '[[tasks.items]]\nid = "first"\ndifficulty = 1\n'
            '[tasks.file]\npath = "data/items.csv"\nwhere = { "metadata.dir" = "/a" }\n'
            '[workers]\nfile = "data/people.jsonl"\n',
        )
        spec = load_scenario(path).spec
        assert [t.id for t in spec.tasks.items] == ["first", 1, 3]

    def test_a_toml_date_is_the_epoch(self, tmp_path: Path) -> None:
        """A TOML date as epoch makes dated arrivals into seconds from it; the spec round-trips."""
        path = scenario(
            tmp_path,
            '[tasks.file]\npath = "data/dated.csv"\nepoch = 2029-01-01T00:00:00Z\n'
            '[workers]\nfile = "data/people.jsonl"\n',
        )
        (path.parent / "data" / "dated.csv").write_text(
            "id,difficulty,arrival\n1,3,2029-01-01T00:00:00Z\n2,3,2029-01-01T00:02:00Z\n",
            encoding="utf-8",
        )
        spec = load_scenario(path).spec
        assert [t.arrival for t in spec.tasks.items] == [0.0, 120.0]
        assert ScenarioSpec.model_validate(spec.model_dump()) == spec
        result = run_scenario(load_scenario(path)).result
        assert [t.arrived for t in result.tasks] == [0.0, 120.0]

    def test_workers_from_a_file_can_be_named_by_the_workload(self, tmp_path: Path) -> None:
        """Names from an annotators file count for the whole-file checks (a workload split)."""
        path = scenario(
            tmp_path,
            FILES + '[[workload]]\nassignee = "ana"\nload = 60\n'
            '[[workload]]\nassignee = "bo"\nload = 40\n',
        )
        result = run_scenario(load_scenario(path)).result
        assert [(w.name, w.tasks) for w in result.workers] == [("ana", 2), ("bo", 1)]

    def test_a_loaded_spec_round_trips(self, tmp_path: Path) -> None:
        """A loaded spec dumped and validated again is the same spec, the file not read twice."""
        spec = load_scenario(scenario(tmp_path, FILES)).spec
        assert ScenarioSpec.model_validate(spec.model_dump()) == spec

    def test_a_spec_naming_an_unread_file_is_refused(self) -> None:
        """In Python, a spec with a file nobody read is an error, not a silent empty list."""
        with pytest.raises(ValueError, match=r"a data file is read by load_scenario; in Python"):
            ScenarioSpec.model_validate(
                {"workers": {"generate": {"count": 1}}, "tasks": {"file": "items.csv"}}
            )


class TestScenarioErrors:
    @pytest.mark.parametrize(
        ("body", "field", "message"),
        [
            (
                '[tasks]\nfile = "../outside.csv"\n',
                "tasks.file",
                "../outside.csv: the path leads outside the scenario's folder",
            ),
            (
                '[tasks]\nfile = "/etc/hosts.csv"\n',
                "tasks.file",
                "/etc/hosts.csv: give a path relative to the scenario file",
            ),
            ('[tasks]\nfile = "data/none.csv"\n', "tasks.file", "data/none.csv: no such file"),
            (
                '[tasks]\nfile = { path = "data/items.csv", max_rows = 2 }\n',
                "tasks.file",
                "data/items.csv, line 4: more than max_rows = 2 rows; raise max_rows to read it",
            ),
            (
                '[tasks]\nfile = { path = "data/items.csv", max_rows = 0 }\n',
                "tasks.file.max_rows",
                "Input should be greater than or equal to 1",
            ),
            (
                '[tasks]\nfile = { path = "data/items.csv", where = { "x" = 1 } }\n',
                "tasks.file.where",
                "x: unknown field 'x'; filter on id, description, difficulty, category, "
                "priority, due or metadata.<key>",
            ),
            (
                '[[tasks.items]]\nid = 2\ndifficulty = 1\n[tasks]\nfile = "data/items.csv"\n',
                "tasks.file",
                "data/items.csv: 2 is also given in items",
            ),
            (
                '[tasks.generate]\ncount = 1\n[workers]\nfile = { path = "data/people.jsonl", '
                "where = { id = 1 } }\n",
                "workers.file",
                "data/people.jsonl: where and epoch are for items; not for annotators",
            ),
        ],
    )
    def test_the_error_names_the_scenario_field_and_the_file(
        self, tmp_path: Path, body: str, field: str, message: str
    ) -> None:
        """A data file problem names the scenario, its field, then the file's own place."""
        workers = "" if "[workers]" in body else '[[workers.items]]\nname = "a"\n'
        path = scenario(tmp_path, workers + body)
        with pytest.raises(ScenarioError, match=problem(path, field, message)):
            load_scenario(path)

    def test_a_symlink_out_of_the_folder_is_refused(self, tmp_path: Path) -> None:
        """A link inside the folder to a file outside it is followed, then refused."""
        path = scenario(tmp_path, '[[workers.items]]\nname = "a"\n[tasks]\nfile = "data/x.csv"\n')
        (tmp_path / "secret.csv").write_text(ITEMS, encoding="utf-8")
        (path.parent / "data" / "x.csv").symlink_to(tmp_path / "secret.csv")
        with pytest.raises(
            ScenarioError,
            match=problem(
                path, "tasks.file", "data/x.csv: the path leads outside the scenario's folder"
            ),
        ):
            load_scenario(path)

    def test_the_command_line_exits_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """skillsim run with a bad row exits 2 naming the file, the line and the column."""
        path = scenario(tmp_path, FILES)
        (path.parent / "data" / "items.csv").write_text(
            "id,difficulty\n1,3\n2,eleven\n", encoding="utf-8"
        )
        assert main(["run", str(path)]) == 2
        assert capsys.readouterr().err == (
            f"error: {path}: tasks.file: data/items.csv, line 3, column difficulty: "
            "expected a number, got 'eleven'\n"
        )
