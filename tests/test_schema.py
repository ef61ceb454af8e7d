"""The published JSON schema of ``run --json`` is the models' own, and current."""

import json
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.metrics import RunResult

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
