"""Items and annotators from CSV, JSON lines and Parquet files: values, errors, limits."""

import json
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.datafiles import DataFileError, read_annotators, read_items
from scenarios.spec import TaskItem, WorkerItem


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(path: Path, *rows: dict[str, Any]) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in rows))


ITEMS_CSV = (
    "id,description,difficulty,category,priority,due,arrival,truth,labels,"
    "metadata.camera.model,metadata.frames,metadata.night\n"
    "7,first,3,vision,2,100,0,cat,cat|dog,X100,120,true\n"
    "a-2,,7.5,,,,12.5,,,Y,1.5e1,false\n"
    "\n"
    "009,,10,text,-1,0,,,,,,\n"
)

EXPECTED_ITEMS = [
    TaskItem(
        id=7,
        description="first",
        difficulty=3,
        skill="vision",
        priority=2,
        due=100,
        truth="cat",
        labels=["cat", "dog"],
        metadata={"camera": {"model": "X100"}, "frames": 120, "night": True},
    ),
    TaskItem(
        id="a-2",
        difficulty=7.5,
        arrival=12.5,
        metadata={"camera": {"model": "Y"}, "frames": 15.0, "night": False},
    ),
    TaskItem(id="009", difficulty=10, skill="text", priority=-1, due=0),
]

EXPECTED_ANNOTATORS = [
    WorkerItem(
        name="ana",
        skill_level=6,
        skills={"vision": 8.5, "text": 2},
        capacity=2,
        specialties=["vision", "text"],
    ),
    WorkerItem(name="rev", skill_level=9, reviewer=True, discard_below=0.25),
]


class TestValues:
    def test_csv_items_are_typed_by_column(self, tmp_path: Path) -> None:
        """Each CSV column reads to its type; dotted columns nest; blank cells are unset."""
        assert read_items(write(tmp_path / "items.csv", ITEMS_CSV)) == EXPECTED_ITEMS

    def test_tsv_reads_like_csv(self, tmp_path: Path) -> None:
        """A .tsv file is CSV with tabs."""
        path = write(tmp_path / "items.tsv", ITEMS_CSV.replace(",", "\t"))
        assert read_items(path) == EXPECTED_ITEMS

    def test_jsonl_items_with_nested_metadata(self, tmp_path: Path) -> None:
        """JSON lines give the same items with metadata as a nested object."""
        path = jsonl(
            tmp_path / "items.jsonl",
            {
                "id": 7,
                "description": "first",
                "difficulty": 3,
                "category": "vision",
                "priority": 2,
                "due": 100,
                "truth": "cat",
                "labels": ["cat", "dog"],
                "metadata": {"camera": {"model": "X100"}, "frames": 120, "night": True},
            },
            {
                "id": "a-2",
                "difficulty": 7.5,
                "arrival": 12.5,
                "category": None,
                "metadata": {"camera": {"model": "Y"}, "frames": 15.0, "night": False},
            },
            {"id": "009", "difficulty": 10, "category": "text", "priority": -1, "due": 0},
        )
        assert read_items(path) == EXPECTED_ITEMS

    def test_annotators_from_csv_and_jsonl(self, tmp_path: Path) -> None:
        """Annotators read the same from CSV (dotted skills, | lists) and JSON lines."""
        csv_path = write(
            tmp_path / "people.csv",
            "name,skill,skills.vision,skills.text,capacity,specialties,reviewer,discard_below\n"
            "ana,6,8.5,2,2,vision|text,,\n"
            "rev,9,,,,,TRUE,0.25\n",
        )
        json_path = jsonl(
            tmp_path / "people.jsonl",
            {
                "name": "ana",
                "skill": 6,
                "skills": {"vision": 8.5, "text": 2},
                "capacity": 2,
                "specialties": ["vision", "text"],
            },
            {"name": "rev", "skill": 9, "reviewer": True, "discard_below": 0.25},
        )
        assert read_annotators(csv_path) == EXPECTED_ANNOTATORS
        assert read_annotators(json_path) == EXPECTED_ANNOTATORS

    def test_parquet_items_and_annotators(self, tmp_path: Path) -> None:
        """Parquet reads struct or dotted metadata, list columns, and nulls as unset."""
        items = pa.table(
            {
                "id": ["7", "a-2", "009"],
                "difficulty": [3, 7.5, 10],
                "category": ["vision", None, "text"],
                "priority": [2, None, -1],
                "due": [100.0, None, 0.0],
                "arrival": [0.0, 12.5, None],
                "truth": ["cat", None, None],
                "labels": [["cat", "dog"], None, None],
                "description": ["first", None, None],
                "metadata": [
                    {"camera": {"model": "X100"}, "frames": 120, "night": True},
                    {"camera": {"model": "Y"}, "frames": 15.0, "night": False},
                    None,
                ],
            }
        )
        pq.write_table(items, tmp_path / "items.parquet")
        got = read_items(tmp_path / "items.parquet")
        # Parquet keeps a column's type: the ids are text and frames are floats.
        assert got == [
            EXPECTED_ITEMS[0].model_copy(
                update={"id": "7", "metadata": {**EXPECTED_ITEMS[0].metadata, "frames": 120.0}}
            ),
            EXPECTED_ITEMS[1],
            EXPECTED_ITEMS[2],
        ]
        people = pa.table(
            {
                "name": ["ana", "rev"],
                "skill": [6.0, 9.0],
                "skills.vision": [8.5, None],
                "skills.text": [2.0, None],
                "capacity": [2, None],
                "specialties": [["vision", "text"], None],
                "reviewer": [None, True],
                "discard_below": [None, 0.25],
            }
        )
        pq.write_table(people, tmp_path / "people.pq")
        assert read_annotators(tmp_path / "people.pq") == EXPECTED_ANNOTATORS

    def test_a_null_is_missing_except_inside_json_metadata(self, tmp_path: Path) -> None:
        """JSON null in a column is unset, inside metadata kept; a Parquet null is missing."""
        path = jsonl(
            tmp_path / "items.jsonl",
            {"id": 1, "difficulty": 2, "due": None, "metadata": {"reviewed": None}},
        )
        pq.write_table(
            pa.table(
                {"id": [1], "difficulty": [2], "metadata.reviewed": pa.array([None], pa.string())}
            ),
            tmp_path / "items.parquet",
        )
        assert read_items(path) == [TaskItem(id=1, difficulty=2, metadata={"reviewed": None})]
        assert read_items(tmp_path / "items.parquet") == [TaskItem(id=1, difficulty=2)]

    def test_where_keeps_the_selected_items(self, tmp_path: Path) -> None:
        """A where filter keeps the items it selects, in the file's order."""
        path = write(tmp_path / "items.csv", ITEMS_CSV)
        night = read_items(path, where={"metadata.night": True})
        many = read_items(path, where={"metadata.frames": {"$gte": 15}})
        assert ([i.id for i in night], [i.id for i in many]) == ([7], [7, "a-2"])


class TestTimes:
    def test_dates_count_from_an_epoch(self, tmp_path: Path) -> None:
        """ISO dates and Unix seconds count from an epoch; plain numbers without one are seconds."""
        path = write(
            tmp_path / "items.csv",
            "id,difficulty,arrival,due\n"
            "1,2,2029-01-01T00:00:30Z,2029-01-01T02:00:00+01:00\n"
            "2,2,1861920090,1861920100.5\n",
        )
        got = read_items(path, epoch="2029-01-01T00:00:00Z")
        assert [(i.arrival, i.due) for i in got] == [(30.0, 3600.0), (90.0, 100.5)]
        plain = write(tmp_path / "plain.csv", "id,difficulty,arrival,due\n1,2,30,40\n")
        assert [(i.arrival, i.due) for i in read_items(plain)] == [(30.0, 40.0)]

    def test_first_counts_from_the_earliest_arrival_kept(self, tmp_path: Path) -> None:
        """epoch "first" makes the earliest arrival of the kept items t=0 (2029-01-01 00:20)."""
        path = jsonl(
            tmp_path / "items.jsonl",
            {"id": 1, "difficulty": 2, "arrival": "2029-01-01T00:10:00", "metadata": {"k": 0}},
            {"id": 2, "difficulty": 2, "arrival": "2029-01-01T00:20:00", "due": 1861922400.0},
            {"id": 3, "difficulty": 2, "arrival": 1861921800},
        )
        got = read_items(path, epoch="first", where={"metadata.k": {"$exists": False}})
        assert [(i.id, i.arrival, i.due) for i in got] == [
            (2, 0.0, 1200.0),
            (3, 600.0, None),
        ]

    def test_parquet_timestamps_are_dates(self, tmp_path: Path) -> None:
        """A Parquet timestamp column is a date; in metadata it becomes ISO text."""
        from datetime import datetime

        when = [datetime(2029, 1, 1, 0, 0, 5), datetime(2029, 1, 1, 0, 1, 0)]
        table = pa.table(
            {"id": [1, 2], "difficulty": [2, 3], "arrival": when, "metadata.taken": when}
        )
        pq.write_table(table, tmp_path / "t.parquet")
        got = read_items(tmp_path / "t.parquet", epoch=datetime(2029, 1, 1))
        assert [(i.arrival, i.metadata) for i in got] == [
            (5.0, {"taken": "2029-01-01T00:00:05+00:00"}),
            (60.0, {"taken": "2029-01-01T00:01:00+00:00"}),
        ]

    @pytest.mark.parametrize(
        ("text", "epoch", "message"),
        [
            (
                "1,2,2029-01-01T00:00:00Z",
                None,
                "line 2, column arrival: a date needs an epoch to count seconds from: give epoch",
            ),
            (
                "1,2,2028-12-31T23:59:59Z",
                "2029-01-01T00:00:00Z",
                "line 2, column arrival: '2028-12-31T23:59:59Z' is before the epoch",
            ),
            (
                "1,2,yesterday",
                "2029-01-01T00:00:00Z",
                "line 2, column arrival: expected a number or a date (ISO 8601), got 'yesterday'",
            ),
            ("1,2,5", 10, "line 2, column arrival: '5' is before the epoch"),
        ],
    )
    def test_time_errors(self, tmp_path: Path, text: str, epoch: Any, message: str) -> None:
        """A date without an epoch, a time before it, or a bad date is refused."""
        path = write(tmp_path / "items.csv", "id,difficulty,arrival\n" + text + "\n")
        assert error_of(path, epoch=epoch) == message

    def test_due_before_its_arrival(self, tmp_path: Path) -> None:
        """An item due before it arrives is refused by line and column."""
        path = write(tmp_path / "items.csv", "id,difficulty,arrival,due\n1,2,100,300\n2,2,200,50\n")
        assert error_of(path, epoch="first") == (
            "line 3, column due: due at t=50, before the task arrives at t=200"
        )


def error_of(path: Path, reader: Any = read_items, **options: Any) -> str:
    with pytest.raises(DataFileError) as caught:
        reader(path, **options)
    message = str(caught.value)
    assert message.startswith(f"{path}")
    return message.removeprefix(f"{path}")[2:]  # after "<path>, " or "<path>: "


class TestErrors:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "empty file: expected a header line"),
            ("id,difficulty\n", "no rows: expected at least one"),
            ("id,difficulty,colour\n1,2,red\n", "line 1, column colour: unknown column; "),
            ("id,priority\n1,2\n", "line 1, column difficulty: a required column is missing"),
            ("id,difficulty,id\n", "line 1: column 'id' appears twice"),
            ("id,,difficulty\n", "line 1: column 2 has no name"),
            ("id,difficulty\n1,2\n2\n", "line 3: 1 cells, the header has 2"),
            ("id,difficulty\n1,2\n2,11\n", "line 3, column difficulty: expected a number from"),
            ("id,difficulty\n1,nan\n", "line 2, column difficulty: expected a number, got 'nan'"),
            ("id,difficulty\n1,1_0\n", "line 2, column difficulty: expected a number, got '1_0'"),
            ("id,difficulty\n1,\n", "line 2, column difficulty: a value is required"),
            ("id,difficulty,priority\n1,2,1.5\n", "line 2, column priority: expected an integer,"),
            ("id,difficulty,due\n1,2,-1\n", "line 2, column due: expected a number >= 0, got -1"),
            ("id,difficulty\n1,2\n01,3\n1,4\n", "line 4, column id: 1 is also on line 2"),
            (
                "id,difficulty,truth,labels\n1,2,cow,cat|dog\n",
                "line 2, column truth: 'cow' is not one of the labels",
            ),
            ("id,difficulty,labels\n1,2,cat||dog\n", "line 2, column labels: expected names "),
            (
                "id,difficulty,metadata.a,metadata.a.b\n1,2,3,4\n",
                "line 1, column metadata.a.b: clashes with another dotted column",
            ),
            ("id,difficulty,metadata\n", "line 1, column metadata: give it as dotted columns, "),
            ("id,difficulty,metadata.x\n1,2,1e999\n", "line 2, column metadata.x: expected a fin"),
            ('id,difficulty\n1,"2\n', "line 2: not valid CSV: unexpected end of data"),
        ],
    )
    def test_csv_errors_name_line_and_column(self, tmp_path: Path, text: str, message: str) -> None:
        """A bad CSV is refused naming the line (the header is line 1), column and reason."""
        assert error_of(write(tmp_path / "items.csv", text)).startswith(message)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"id": 1, "difficulty": NaN}\n', "line 1: not valid JSON: NaN is not a finite"),
            ('{"id": 1, "id": 2, "difficulty": 2}\n', "line 1: not valid JSON: key 'id' appears"),
            ("[1, 2]\n", "line 1: expected a JSON object, got [1, 2]"),
            ('\n{"id": true, "difficulty": 2}\n', "line 2, column id: expected an integer or text"),
            ('{"id": 1.5, "difficulty": 2}\n', "line 1, column id: expected an integer or text"),
            ('{"id": 1, "difficulty": "2"}\n', "line 1, column difficulty: expected a number, "),
            ('{"id": 1, "difficulty": 2, "priority": 2.0}\n', "line 1, column priority: expect"),
            ('{"id": 1, "difficulty": 2, "priority": true}\n', "line 1, column priority: expect"),
            ('{"id": 1, "difficulty": 2, "metadata": [1]}\n', "line 1, column metadata: expect"),
            ('{"id": 1, "difficulty": 2, "labels": "a|b"}\n', "line 1, column labels: expected a"),
            ('{"id": " ", "difficulty": 2}\n', "line 1, column id: a value is required"),
            ('{"difficulty": 2}\n', "line 1, column id: a value is required"),
            ('{"id": 1, "difficulty": 2, "who": 2}\n', "line 1, column who: unknown column; "),
            (
                '{"id": 1, "difficulty": 2}\n{"id": "1", "difficulty": 2}\n',
                "line 2, column id: '1' is also on line 1",
            ),
            (
                '{"id": 1, "difficulty": 2, "metadata": {"a": 1}, "metadata.b": 2}\n',
                "line 1, column metadata.b: given both as a column and as dotted columns",
            ),
            (
                '{"id": 1, "difficulty": 2, "metadata.b": 2, "metadata": {"a": 1}}\n',
                "line 1, column metadata: given both as a column and as dotted columns",
            ),
            ('{"id": 1, "difficulty": 2, "metadata..b": 2}\n', "line 1, column metadata..b: a dot"),
        ],
    )
    def test_jsonl_errors_name_line_and_column(
        self, tmp_path: Path, text: str, message: str
    ) -> None:
        """A bad JSON lines file is refused naming the line, the key and the reason."""
        assert error_of(write(tmp_path / "items.jsonl", text)).startswith(message)

    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            ([{"skill": 2}], "line 1, column name: a value is required"),
            ([{"name": "a", "skill": -1}], "line 1, column skill: expected a number >= 0, got -1"),
            ([{"name": "a", "capacity": 0}], "line 1, column capacity: expected an integer >= 1"),
            ([{"name": "a", "skills": {"x": "9"}}], "line 1, column skills.x: expected a number"),
            ([{"name": "a", "skills": 3}], "line 1, column skills: expected an object of categ"),
            ([{"name": "a", "reviewer": 1}], "line 1, column reviewer: expected true or false"),
            ([{"name": "a", "discard_below": 2}], "line 1, column discard_below: expected a num"),
            ([{"name": "a"}, {"name": "a"}], "line 2, column name: 'a' is also on line 1"),
            ([{"name": "a"}, {"name": "a "}], "line 2, column name: 'a' is also on line 1"),
        ],
    )
    def test_annotator_errors(
        self, tmp_path: Path, rows: list[dict[str, Any]], message: str
    ) -> None:
        """A bad annotator row is refused naming the line and the column."""
        path = jsonl(tmp_path / "people.jsonl", *rows)
        assert error_of(path, read_annotators).startswith(message)

    def test_parquet_errors_name_the_row(self, tmp_path: Path) -> None:
        """Parquet problems name the 1-based row: NaN, raw bytes, an unknown column."""
        pq.write_table(
            pa.table({"id": [1, 2], "difficulty": [2.0, float("nan")]}), tmp_path / "a.pq"
        )
        pq.write_table(pa.table({"id": [1], "difficulty": [2], "at": [1]}), tmp_path / "b.pq")
        raw = pa.array([b"\x00"], type=pa.binary())
        pq.write_table(
            pa.table({"id": [1], "difficulty": [2], "metadata.t": raw}), tmp_path / "c.pq"
        )
        assert [error_of(tmp_path / n) for n in ("a.pq", "b.pq", "c.pq")] == [
            "row 2, column difficulty: expected a finite number, got nan; leave a missing "
            "value null",
            "column at: unknown column; expected one of id, description, difficulty, category, "
            "priority, due, arrival, truth, labels, metadata.<key>",
            "row 1, column metadata.t: expected numbers, text, booleans, lists or structs, "
            "got bytes",
        ]

    def test_not_parquet(self, tmp_path: Path) -> None:
        """A file named .parquet that is not one is refused as such."""
        message = error_of(write(tmp_path / "x.parquet", "id,difficulty\n"))
        assert message.startswith("not a readable Parquet file: ")

    def test_missing_extra_names_it(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without pyarrow, reading Parquet says which extra to install."""
        pq.write_table(pa.table({"id": [1], "difficulty": [2]}), tmp_path / "a.pq")
        monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
        assert error_of(tmp_path / "a.pq") == (
            "reading Parquet needs pyarrow: pip install 'skillsim[data]'"
        )

    def test_bad_options_are_refused(self, tmp_path: Path) -> None:
        """A bad where filter or limit is refused naming the option."""
        path = write(tmp_path / "items.csv", ITEMS_CSV)
        assert error_of(path, where={"colour": 1}) == (
            "where: colour: unknown field 'colour'; filter on id, description, difficulty, "
            "category, priority, due or metadata.<key>"
        )
        assert error_of(path, max_rows=0) == (
            "max_rows: Input should be greater than or equal to 1"
        )

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("missing.csv", "no such file"),
            ("items.txt", "unknown suffix; give format, or name it .csv, .tsv, .jsonl, "),
        ],
    )
    def test_unreadable(self, tmp_path: Path, name: str, message: str) -> None:
        """A missing file, or one of an unknown kind, is refused."""
        write(tmp_path / "items.txt", ITEMS_CSV)
        assert error_of(tmp_path / name).startswith(message)

    def test_a_folder_is_not_a_file(self, tmp_path: Path) -> None:
        """A folder named like a data file is refused."""
        (tmp_path / "dir.csv").mkdir()
        assert error_of(tmp_path / "dir.csv") == "not a file"


class TestLimits:
    def test_rows_above_the_limit_are_refused_and_the_limit_overridden(
        self, tmp_path: Path
    ) -> None:
        """More rows than max_rows is refused at the first one too many; a higher limit reads."""
        path = write(tmp_path / "items.csv", ITEMS_CSV)
        assert error_of(path, max_rows=2) == (
            "line 5: more than max_rows = 2 rows; raise max_rows to read it"
        )
        assert len(read_items(path, max_rows=3)) == 3

    def test_bytes_above_the_limit_are_refused_before_reading(self, tmp_path: Path) -> None:
        """A file larger than max_bytes is refused from its size alone."""
        path = write(tmp_path / "items.csv", ITEMS_CSV)
        size = path.stat().st_size
        assert error_of(path, max_bytes=size - 1) == (
            f"{size} bytes, above max_bytes = {size - 1}; raise max_bytes"
        )
        assert len(read_items(path, max_bytes=size)) == 3

    def test_parquet_limits_read_the_footer(self, tmp_path: Path) -> None:
        """Parquet row and uncompressed-size limits are checked before any row is read."""
        rows = 2000
        described = [f"{i:0200d}" for i in range(rows)]
        table = pa.table({"id": range(rows), "difficulty": [5] * rows, "description": described})
        pq.write_table(table, tmp_path / "a.pq", compression="zstd")
        size = (tmp_path / "a.pq").stat().st_size
        assert error_of(tmp_path / "a.pq", max_rows=rows - 1) == (
            f"{rows} rows, above max_rows = {rows - 1}; raise max_rows"
        )
        # Small on disk, large once read: the uncompressed size counts.
        message = error_of(tmp_path / "a.pq", max_bytes=size * 2)
        assert message.endswith(
            f"bytes uncompressed, above max_bytes = {size * 2}; raise max_bytes"
        )


# Round trip: items written in each format read back to the same items.
TEXT = st.text(alphabet="abcxyz -_/", min_size=1, max_size=6).filter(
    lambda s: s.strip() == s and s not in ("true", "false")
)
META = st.dictionaries(
    st.sampled_from(["a", "b"]),
    st.one_of(st.integers(-5, 5), st.booleans(), TEXT.map(lambda s: "s" + s)),
    max_size=2,
)
ITEM_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "difficulty": st.integers(1, 10) | st.sampled_from([1.5, 9.25]),
            "priority": st.integers(-3, 3),
            "category": st.none() | st.sampled_from(["vision", "text"]),
            "arrival": st.sampled_from([0, 0.5, 30]),
            "metadata": META,
        }
    ),
    min_size=1,
    max_size=6,
)


def as_items(rows: list[dict[str, Any]]) -> list[TaskItem]:
    return [
        TaskItem(
            id=i + 1,
            difficulty=r["difficulty"],
            priority=r["priority"],
            skill=r["category"],
            arrival=r["arrival"],
            metadata=r["metadata"],
        )
        for i, r in enumerate(rows)
    ]


class TestRoundTrip:
    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(ITEM_ROWS)
    def test_every_format_reads_the_same_items(
        self, tmp_path: Path, rows: list[dict[str, Any]]
    ) -> None:
        """An export written as CSV, JSON lines and Parquet reads back to the same items."""
        expected = as_items(rows)
        keys = sorted({k for r in rows for k in r["metadata"]})
        header = ["id", "difficulty", "priority", "category", "arrival"]
        lines = [",".join(header + [f"metadata.{k}" for k in keys])]
        for i, r in enumerate(rows):
            cells = [str(i + 1), str(r["difficulty"]), str(r["priority"]), r["category"] or ""]
            cells.append(str(r["arrival"]))
            meta = [r["metadata"].get(k) for k in keys]
            cells += ["" if v is None else json.dumps(v).strip('"') for v in meta]
            lines.append(",".join(cells))
        csv_path = write(tmp_path / "r.csv", "\n".join(lines) + "\n")
        json_path = jsonl(tmp_path / "r.jsonl", *({"id": i + 1, **r} for i, r in enumerate(rows)))
        assert read_items(csv_path) == expected
        assert read_items(json_path) == expected
        kinds = [{type(r["metadata"][k]) for r in rows if k in r["metadata"]} for k in keys]
        if all(len(kind) == 1 for kind in kinds):  # a Parquet column has one type
            flat = [
                {
                    "id": i + 1,
                    **{k: v for k, v in r.items() if k != "metadata"},
                    **{f"metadata.{k}": r["metadata"].get(k) for k in keys},
                }
                for i, r in enumerate(rows)
            ]
            pq.write_table(pa.Table.from_pylist(flat), tmp_path / "r.parquet")
            assert read_items(tmp_path / "r.parquet") == expected


HEADERS = st.lists(
    st.sampled_from(
        ["id", "difficulty", "category", "priority", "due", "labels", "metadata.a", "metadata.a.b"]
    ),
    min_size=1,
    max_size=5,
).map(",".join)
CELLS = st.sampled_from(["1", "2.5", "", "x", "1e999", "-1", "a|b", "|", '"', "true", "11"])
CSV_LINES = st.lists(st.lists(CELLS, max_size=6).map(",".join), max_size=4)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 12) | st.floats(-1, 11) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner),
    max_leaves=4,
)
JSON_LINES = st.lists(
    st.dictionaries(
        st.sampled_from(["id", "name", "difficulty", "skill", "skills", "labels", "metadata", "x"]),
        JSON_VALUES,
    ).map(json.dumps)
    | st.text(max_size=8),
    max_size=4,
)


class TestOnlyDataFileErrors:
    @settings(
        max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.one_of(
            st.tuples(st.just("csv"), st.builds(lambda h, rows: [h, *rows], HEADERS, CSV_LINES)),
            st.tuples(st.just("jsonl"), JSON_LINES),
        ),
        st.binary(max_size=8),
    )
    def test_any_file_reads_or_raises_a_data_file_error(
        self, tmp_path: Path, content: tuple[str, list[str]], junk: bytes
    ) -> None:
        """Whatever a file holds, reading it gives rows or a DataFileError naming the file."""
        suffix, lines = content
        path = tmp_path / f"fuzz.{suffix}"
        path.write_bytes("\n".join(lines).encode() + junk)
        messages = []
        for reader in (read_items, read_annotators):
            try:
                reader(path)
            except DataFileError as error:
                messages.append(str(error))
        assert all(m.startswith(f"{path}") for m in messages)
