"""The README's platform sections: the mapping table names what exists, the example runs."""

import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import TypeAdapter

from agents import Distribution, Job, JobAssignment, JobAssignments, Jobs, Runtime, WorkerAgent
from agents.distribution import Consensus, Pulling, QualityReview, WorkloadUnit
from agents.errors import DistributionError
from agents.manager import TaskManager
from protocol import Task, TaskResult
from scenarios.datafiles import read_items
from scenarios.loader import LIBRARY, ScenarioError, load_scenario
from scenarios.spec import ScenarioSpec, TasksSpec, WorkersSpec
from scenarios.workflow import ACTIONS

README = Path(__file__).parent.parent / "README.md"
SECTIONS: dict[str, Any] = {
    "consensus": Consensus,
    "pulling": Pulling,
    "qa": QualityReview,
    "workload": WorkloadUnit,
    "tasks": TasksSpec,
    "workers": WorkersSpec,
}

pytestmark = pytest.mark.usefixtures("quiet_logs")


def file_keys(table: Any) -> set[str]:
    """The keys a scenario file's table takes (a field's alias where it has one)."""
    return set(TypeAdapter(table).json_schema(by_alias=True)["properties"])


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def mapping() -> list[tuple[str, str]]:
    rows = [
        line.split(" | ")
        for line in section("The platforms' nouns and calls in skillsim").splitlines()
        if line.startswith("| ") and not line.startswith("| platform")
    ]
    return [(platform.removeprefix("| "), ours.removesuffix(" |")) for platform, ours in rows]


class TestMappingTable:
    def test_every_seed_call_about_distributing_work_has_a_row(self) -> None:
        """Each distribution call of seeds 000-002 appears in the platform column."""
        platform = " ".join(p for p, _ in mapping())
        calls = [
            "tasks.create(", "assignee_ids", "due_date", "item_ids", "filters", "batch_size",
            "max_batch_workload", "allowed_assignees", "WorkloadUnit", "consensus_percentage",
            "consensus_assignees", "create_qa_task", "redistribute(", "reassign(",
            "reassign_items(", "add_items(", "remove_items(", "set_status(", "tasks.get(",
            "tasks.list()", "assignments.list()", "assignments.get(", "task.delete()",
            "assignment.delete()", "task.update()", "min_submitted", "progress(",
        ]  # fmt: skip
        assert [c for c in calls if c not in platform] == []

    def test_named_manager_calls_exist(self) -> None:
        """Each ``manager.name(...)`` the table gives is a method of TaskManager."""
        named = {m for _, ours in mapping() for m in re.findall(r"`manager\.(\w+)\(", ours)}
        assert named == {"redistribute", "reassign", "add_tasks", "remove_tasks", "set_status",
                         "progress"}  # fmt: skip
        assert [m for m in sorted(named) if not callable(getattr(TaskManager, m, None))] == []

    def test_named_events_exist(self) -> None:
        """Each scenario event the table gives is an action of [[events]]."""
        named = {e for _, ours in mapping() for e in re.findall(r"event `(\w+)`", ours)}
        assert named
        assert named <= set(ACTIONS)

    def test_named_scenario_keys_exist(self) -> None:
        """Each ``[section] key, key`` the table gives is a field of that table."""
        found = []
        for _, ours in mapping():
            for table, keys in re.findall(r"`\[{1,2}(\w+)\]{1,2} ([\w, ]+)`", ours):
                for key in keys.split(", "):
                    found.append((table, key, key in file_keys(SECTIONS[table])))
        assert {t for t, _, _ in found} == {"consensus", "pulling", "qa", "workload", "tasks"}
        assert [f for f in found if not f[2]] == []
        assert "min_submitted" in ScenarioSpec.model_fields

    def test_named_job_calls_exist(self) -> None:
        """Each ``manager.jobs.x(``, ``job.x(`` and ``assignment.x(`` the table gives exists."""
        owners = {"manager.jobs": Jobs, "job": Job, "job.assignments": JobAssignments,
                  "assignment": JobAssignment}  # fmt: skip
        named = {
            (owner, name)
            for _, ours in mapping()
            for owner, name in re.findall(
                r"\b(manager\.jobs|job\.assignments|job|assignment)\.(\w+)", ours
            )
        }
        assert {n for _, n in named} >= {
            "create", "get", "list", "get_assignment", "create_qa", "add_items", "reassign_items",
            "redistribute", "reassign", "delete", "rename", "update", "item_ids", "progress",
        }  # fmt: skip
        assert [(o, n) for o, n in sorted(named) if not hasattr(owners[o], n)] == []

    def test_nothing_is_still_missing(self) -> None:
        """Every distribution row names what exists: no row says "not yet"."""
        assert [p for p, ours in mapping() if "not yet" in ours.lower()] == []

    def test_the_min_submitted_row_holds(self, tmp_path: Path) -> None:
        """min_submitted: a change after the first response raises DistributionError, and
        a value above the team is refused when a file is read and when placement starts."""
        row = dict(mapping())[
            "`min_submitted` changed only before the first response, never above the team"
        ]
        assert "`manager.operations.set_min_submitted(n)` raises `DistributionError`" in row
        manager = TaskManager([Task(id=1, difficulty=2), Task(id=2, difficulty=2)])
        manager.operations.set_min_submitted(1)  # before any response: allowed
        record = manager.board.get(1)
        manager.board.respond(record, TaskResult(task_id=1, worker="w", success=True))
        with pytest.raises(DistributionError, match=r"^min_submitted cannot change once "):
            manager.operations.set_min_submitted(2)
        assert "refused when a scenario file is read" in row
        path = tmp_path / "team.toml"
        path.write_text(
            'min_submitted = 2\n[[workers.items]]\nname = "a"\n[tasks.generate]\ncount = 1\n',
            encoding="utf-8",
        )
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        assert caught.value.problems == [
            ("min_submitted", "2 is above the 1 annotators who may answer")
        ]
        assert "with `DistributionError`, when placement starts" in row
        manager = TaskManager(
            [Task(id=1, difficulty=2)], distribution=Distribution(min_submitted=2)
        )
        runtime = Runtime(seed=1)
        runtime.add(manager, WorkerAgent("a", 5))
        with pytest.raises(DistributionError, match=r"^min_submitted = 2 is above the 1 "):
            runtime.run(strict=True)


class TestPythonExample:
    def test_the_loading_example_runs(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The README's Python example reads Parquet and CSV and runs them."""
        text = section("Loading a platform export")
        code = text.split("```python\n")[1].split("```")[0]
        data = LIBRARY / "data"
        export = read_items(data / "platform_items.csv")  # the bundled export, as Parquet
        rows = [
            {"id": i.id, "difficulty": i.difficulty, "category": i.skill, "arrival": i.arrival,
             "due": i.due, "truth": i.truth, "labels": i.labels, "metadata": i.metadata}
            for i in export
        ]  # fmt: skip
        pq.write_table(pa.Table.from_pylist(rows), tmp_path / "items.parquet")
        (tmp_path / "annotators.csv").write_text(
            "name,skill,skills.vision,capacity\nana,6,8,2\nbo,4,,1\n", encoding="utf-8"
        )
        monkeypatch.chdir(tmp_path)
        scope: dict[str, object] = {}
        exec(compile(code, "README.md", "exec"), scope)  # the README's own code
        outcome = scope["outcome"]
        metrics = outcome.result.metrics  # type: ignore[attr-defined]
        assert metrics.total == len(export) == 150
        assert metrics.completed + metrics.failed == metrics.total
