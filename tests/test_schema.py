"""The published JSON schema of ``run --json`` is the models' own, and current."""

import json
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.metrics import RunResult
from scenarios.spec import ScenarioSpec

SCHEMA = Path(__file__).parent.parent / "docs" / "result.schema.json"


def test_published_schema_is_current() -> None:
    """docs/result.schema.json equals the schema generated from the models (`make schema`)."""
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == RunResult.model_json_schema()


def test_schema_command_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    """``skillsim schema`` prints the same schema, naming the attempt columns."""
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == RunResult.model_json_schema()
    assert list(printed["$defs"]["Attempt"]["properties"]) == [
        "task", "worker", "attempt", "kind", "assigned", "started", "finished", "outcome",
        "answer",
    ]  # fmt: skip


SCENARIO_SCHEMA = Path(__file__).parent.parent / "docs" / "scenario.schema.json"


def test_published_scenario_schema_is_current() -> None:
    """docs/scenario.schema.json equals ScenarioSpec's schema (`make schema`)."""
    published = json.loads(SCENARIO_SCHEMA.read_text(encoding="utf-8"))
    assert published == ScenarioSpec.model_json_schema()


def test_scenario_schema_shows_the_events_union(capsys: pytest.CaptureFixture[str]) -> None:
    """``skillsim schema --scenario``: an event is one of the per-action models, by action."""
    assert main(["schema", "--scenario"]) == 0
    printed = json.loads(capsys.readouterr().out)
    events = printed["properties"]["events"]["items"]
    assert events["discriminator"]["propertyName"] == "action"
    names = {
        "leave": "LeaveEvent", "crash": "CrashEvent", "silence": "SilenceEvent",
        "join": "JoinEvent", "skill": "SkillEvent", "reassign": "ReassignEvent",
        "redistribute": "RedistributeEvent", "add_tasks": "AddTasksEvent",
        "remove_tasks": "RemoveTasksEvent", "set_status": "SetStatusEvent",
        "set_min_submitted": "SetMinSubmittedEvent",
    }  # fmt: skip
    assert events["discriminator"]["mapping"] == {a: f"#/$defs/{n}" for a, n in names.items()}
    assert [ref["$ref"] for ref in events["oneOf"]] == [f"#/$defs/{n}" for n in names.values()]
    leave = printed["$defs"]["LeaveEvent"]
    assert (leave["required"], leave["additionalProperties"]) == (["at", "action", "worker"], False)


def test_scenario_schema_uses_the_agents_modes() -> None:
    """consensus, qa, pulling and workload are agents.distribution's classes, with their bounds."""
    schema = ScenarioSpec.model_json_schema()
    refs = {
        key: json.dumps(schema["properties"][key])
        for key in ("consensus", "qa", "pulling", "workload")
    }
    assert ["Consensus" in refs["consensus"], "QualityReview" in refs["qa"]] == [True, True]
    assert ["Pulling" in refs["pulling"], "WorkloadUnit" in refs["workload"]] == [True, True]
    assert schema["$defs"]["Pulling"]["properties"]["batch_size"] == {
        "default": 10, "maximum": 100, "minimum": 3, "title": "Batch Size", "type": "integer"
    }  # fmt: skip
    assert list(schema["$defs"]["WorkloadUnit"]["properties"]) == ["assignee", "load"]
