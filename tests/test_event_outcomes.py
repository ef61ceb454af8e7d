"""Timed events: every valid file runs to a documented ending, whatever its events do.

A property test generates valid scenarios with random events of every action and
checks, through the command line, that the run ends with exit code 0 or 1, that no
handler failed, and that every event is accounted for as applied or skipped. Tests
below pin down the outcome of each run-dependent case the director documents.
"""

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scenarios.cli import main
from scenarios.loader import ScenarioError, load_scenario
from scenarios.workflow import ACTIONS

pytestmark = pytest.mark.usefixtures("quiet_logs")


def _event(at: float, action: str, **fields: Any) -> list[str]:
    lines = ["[[events]]", f"at = {at:.2f}", f'action = "{action}"']
    for key, value in fields.items():
        text = json.dumps(value) if not isinstance(value, str) or key != "workload" else value
        lines.append(f"{key} = {text}")
    return lines


@st.composite
def scenarios(draw: st.DrawFn) -> str:
    """A scenario file with random workers, tasks and events of every action."""
    workers = draw(st.integers(2, 5))
    count = draw(st.integers(3, 25))
    names = [f"w{i + 1}" for i in range(workers)]
    lines = [f"seed = {draw(st.integers(0, 1000))}", f"max_attempts = {draw(st.integers(1, 3))}"]
    if draw(st.booleans()):
        lines.append(f"min_submitted = {draw(st.integers(1, 2))}")
    if draw(st.booleans()):
        lines += ["[pulling]", "batch_size = 3", "max_batch_workload = 6"]
    for name in names:
        skill = draw(st.integers(2, 10))
        lines += ["[[workers.items]]", f'name = "{name}"', f"skill_level = {skill}"]
    lines += ["[tasks.generate]", f"count = {count}"]
    lines.append('difficulty = { dist = "uniform", low = 1, high = 9, integer = true }')
    if draw(st.booleans()):
        lines.append('arrival = { process = "poisson", rate = 0.5 }')
    joiners = [f"j{i + 1}" for i in range(draw(st.integers(0, 2)))]
    everyone = names + joiners
    times = st.floats(0, 60, allow_nan=False, allow_infinity=False)
    for joiner in joiners:
        lines += _event(draw(times), "join", worker=joiner, skill_level=draw(st.integers(2, 9)))
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from([a for a in ACTIONS if a != "join"]))
        at = draw(times)
        who = st.sampled_from(everyone)
        if action in ("leave", "crash"):
            lines += _event(at, action, worker=draw(who))
        elif action == "skill":
            lines += _event(at, action, worker=draw(who), skill_level=draw(st.integers(0, 10)))
        elif action == "reassign":
            source, target = draw(st.lists(who, min_size=2, max_size=2, unique=True))
            lines += _event(at, action, worker=source, target=target)
        elif action == "redistribute":
            chosen = draw(st.lists(who, min_size=1, max_size=3, unique=True))
            loads = [100 // len(chosen)] * len(chosen)
            loads[0] += 100 - sum(loads)
            units = ", ".join(
                f'{{ assignee = "{n}", load = {load} }}'
                for n, load in zip(chosen, loads, strict=True)
            )
            lines += _event(at, action, workload=f"[{units}]")
        elif action == "add_tasks" or (action == "remove_tasks" and draw(st.booleans())):
            lines += _event(at, action, count=draw(st.integers(1, 5)))
        else:
            ids = draw(st.lists(st.integers(1, count), min_size=1, max_size=3, unique=True))
            fields: dict[str, Any] = {"ids": ids}
            if action == "set_status":
                fields["status"] = draw(st.sampled_from(["completed", "failed", "removed"]))
                if draw(st.booleans()):
                    fields.pop("ids")
            lines += _event(at, action, **fields)
    return "\n".join(lines) + "\n"


class TestRandomEvents:
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
    )
    @given(text=scenarios())
    def test_every_valid_run_ends_as_documented(self, tmp_path: Path, text: str) -> None:
        """A file that loads runs to exit 0 or 1, no handler fails, every event is counted."""
        path = tmp_path / "random.toml"
        path.write_text(text, encoding="utf-8")
        try:
            events = len(load_scenario(path).spec.events)
        except ScenarioError:
            assume(False)  # refused when read: the corpus tests pin those down
            return
        out = tmp_path / "out.json"
        code = main(["run", str(path), "--json", str(out)])
        result = json.loads(out.read_text(encoding="utf-8"))
        assert result["failures"] == []
        assert (code, result["ending"]) in {(0, "complete"), (0, "until"), (1, "stalled")}
        assert result["events_applied"] + len(result["events_skipped"]) == events
        assert all(row["reason"] for row in result["events_skipped"] + result["events_partial"])


WORKERS = (
    '[[workers.items]]\nname = "a"\nskill_level = 9\n'
    '[[workers.items]]\nname = "b"\nskill_level = 9\n'
)


def _result(tmp_path: Path, text: str, *args: str) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out.json"
    code = main(["run", str(path), "--json", str(out), *args])
    return code, json.loads(out.read_text(encoding="utf-8"))


def _rows(result: dict[str, Any], key: str) -> list[tuple[int, str, str]]:
    return [(r["index"], r["action"], r["reason"]) for r in result[key]]


class TestRunDependentOutcomes:
    def test_an_id_not_arrived_yet_is_named_and_the_rest_applies(self, tmp_path: Path) -> None:
        """Removing a Poisson task before it arrives: the others go, the reason names it."""
        text = (
            WORKERS + "[tasks.generate]\ncount = 4\ndifficulty = 8\n"
            'arrival = { process = "poisson", rate = 0.01 }\n'
            '[[tasks.items]]\nid = "early"\ndifficulty = 9\n'
            + "\n".join(_event(0.5, "remove_tasks", ids=["early", 4]))
            + "\n"
        )
        code, result = _result(tmp_path, text)
        assert code == 0
        assert _rows(result, "events_partial") == [(0, "remove_tasks", "not on the board yet: 4")]
        assert (result["events_applied"], result["metrics"]["removed"]) == (1, 1)

    def test_finished_tasks_are_named_and_an_event_changing_nothing_is_skipped(
        self, tmp_path: Path
    ) -> None:
        """Closing only finished tasks changes nothing: skipped, naming them; so is an
        event after the run's end."""
        tasks = "".join(
            f"[[tasks.items]]\nid = {i}\ndifficulty = {d}\n" for i, d in ((1, 2), (2, 2), (3, 9))
        )
        text = (
            WORKERS
            + tasks
            + "\n".join(_event(5, "set_status", ids=[1, 2], status="failed"))
            + "\n"
            + "\n".join(_event(50, "crash", worker="a"))
            + "\n"
        )
        code, result = _result(tmp_path, text)
        assert (code, result["metrics"]["completed"], result["events_applied"]) == (0, 3, 0)
        assert _rows(result, "events_skipped") == [
            (0, "set_status", "already finished: 1, 2"),
            (1, "crash", "the run ended at t=11 before this event"),
        ]

    def test_removing_more_than_is_left_removes_what_is_left(self, tmp_path: Path) -> None:
        """``remove_tasks count`` beyond the unfinished tasks removes them all and says so."""
        text = (
            WORKERS
            + "[tasks.generate]\ncount = 3\ndifficulty = 5\n"
            + "\n".join(_event(0, "remove_tasks", count=9))
            + "\n"
        )
        code, result = _result(tmp_path, text)
        assert (code, result["metrics"]["removed"]) == (0, 3)
        assert _rows(result, "events_partial") == [
            (0, "remove_tasks", "only 3 of 9 tasks were unfinished")
        ]

    def test_a_joiner_can_be_named_at_its_own_instant(self, tmp_path: Path) -> None:
        """A reassign to a worker joining at the same time, after it in the file, applies."""
        text = (
            WORKERS
            + "[tasks.generate]\ncount = 6\ndifficulty = 5\n"
            + "\n".join(_event(2, "join", worker="c", skill_level=9))
            + "\n"
            + "\n".join(_event(2, "reassign", worker="a", target="c"))
            + "\n"
        )
        code, result = _result(tmp_path, text)
        assert (code, result["events_applied"], result["events_skipped"]) == (0, 2, [])


class TestHandlerFailures:
    FAILING = textwrap.dedent(
        """
        class Fails:
            def assign(self, snapshot):
                raise RuntimeError("policy bug")
        """
    )

    def _failing(self, tmp_path: Path) -> str:
        (tmp_path / "failing_policy.py").write_text(self.FAILING, encoding="utf-8")
        text = 'policy = "failing_policy:Fails"\n' + WORKERS
        return text + "[[tasks.items]]\nid = 1\ndifficulty = 3\n[stop]\nuntil = 10\n"

    def test_a_failure_fails_the_run_with_exit_3(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A handler that raised makes the ending ``failed``, exit 3, and is listed."""
        code, result = _result(tmp_path, self._failing(tmp_path), "--allow-import")
        assert (code, result["ending"]) == (3, "failed")
        assert [f["error"] for f in result["failures"]][:1] == ["RuntimeError: policy bug"]
        assert "error: a handler failed at t=0 in manager" in capsys.readouterr().err

    def test_isolate_keeps_the_runs_own_ending(self, tmp_path: Path) -> None:
        """With --isolate the failure is listed but the run's own ending and code stand."""
        code, result = _result(tmp_path, self._failing(tmp_path), "--allow-import", "--isolate")
        assert (code, result["ending"]) == (1, "stalled")
        assert result["failures"][0]["error"] == "RuntimeError: policy bug"

    def test_an_event_that_raises_is_a_failure_and_later_events_still_apply(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A bug while applying one event fails the run, and the events after it go on."""

        def broken(self: object, source: str, target: str) -> int:
            raise RuntimeError("reassign bug")

        monkeypatch.setattr("agents.manager.TaskManager.reassign", broken)
        text = (
            WORKERS
            + "[tasks.generate]\ncount = 6\ndifficulty = 5\n"
            + "\n".join(_event(1, "reassign", worker="a", target="b"))
            + "\n"
            + "\n".join(_event(2, "skill", worker="b", skill_level=1))
            + "\n"
        )
        code, result = _result(tmp_path, text)
        assert (code, result["ending"], result["events_applied"]) == (3, "failed", 1)
        assert _rows(result, "events_skipped") == [
            (0, "reassign", "failed: RuntimeError: reassign bug")
        ]
        assert [(f["agent"], f["where"]) for f in result["failures"]] == [("director", "events[0]")]

    def test_compare_fails_when_a_run_fails(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``compare`` exits 3 naming the policy and seed whose run had a handler failure."""
        path = tmp_path / "s.toml"
        path.write_text(self._failing(tmp_path), encoding="utf-8")
        out = tmp_path / "c.json"
        argv = ["compare", str(path), "--allow-import", "--seeds", "1", "--json", str(out)]
        assert main([*argv, "--policy", "failing_policy:Fails", "--policy", "best_fit"]) == 3
        failed = json.loads(out.read_text(encoding="utf-8"))["failed_runs"]
        assert [(r["policy"], r["seed"]) for r in failed] == [("failing_policy:Fails", 0)]
        assert capsys.readouterr().err.endswith(
            "\nerror: failing_policy:Fails on seed 0: a handler failed: RuntimeError: policy bug\n"
        )
