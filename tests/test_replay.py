"""The replay record and page, read from a ``--trace`` (and the run's ``--json``)."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import (
    Counters,
    ScenarioError,
    bundled_scenarios,
    counters_at,
    load_scenario,
    read_replay,
    run_scenario,
)
from scenarios.cli import main
from scenarios.replay import Replay, render_page

pytestmark = pytest.mark.usefixtures("quiet_logs")

TWO_WORKERS = """
[[workers.items]]
name = "ann"
skill_level = 3

[[workers.items]]
name = "bob"
skill_level = 6
"""
"""Two workers for small scenarios: ann (skill 3) and bob (skill 6)."""

RETRY = (
    'name = "retry"\nmax_attempts = 2\n'
    + TWO_WORKERS
    + "".join(
        f"\n[[tasks.items]]\nid = {i}\ndifficulty = {d}\narrival = {a}\n"
        for i, d, a in [(1, 2, 0.0), (2, 5, 0.0), (3, 8, 0.0), (4, 4, 3.0)]
    )
)


def record(tmp_path: Path, source: str | Path, name: str) -> tuple[Path, Path]:
    """Run ``source`` with --trace and --json; return both paths."""
    trace, result = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.json"
    argv = ["run", str(source), "--trace", str(trace), "--json", str(result)]
    assert main(argv) in (0, 1)
    return trace, result


def record_quietly(folder: Path, name: str) -> tuple[Path, Path]:
    """What `run NAME --trace --json` writes, made through the API: module-scoped fixtures
    run outside ``quiet_logs``, and the command line would configure logging for good."""
    outcome = run_scenario(load_scenario(name), trace=True)
    assert outcome.trace is not None
    trace, result = folder / f"{name}.jsonl", folder / f"{name}.json"
    trace.write_text("".join(line + "\n" for line in outcome.trace), encoding="utf-8")
    result.write_text(outcome.result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return trace, result


@pytest.fixture(name="retry_run")
def fixture_retry_run(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "retry.toml"
    path.write_text(RETRY, encoding="utf-8")
    return record(tmp_path, path, "retry")


@pytest.fixture(name="rush", scope="module")
def fixture_rush(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return record_quietly(tmp_path_factory.mktemp("rush"), "rush_hour")


class TestReadReplay:
    def test_attempts_of_a_retried_task(self, retry_run: tuple[Path, Path]) -> None:
        """Task 3 fails with ann, is retried by bob at t=10 and fails again at t=18."""
        replay = read_replay(*retry_run)
        tries = [(a.worker, a.attempt, a.assigned, a.ended, a.outcome) for a in replay.attempts]
        assert tries == [
            ("ann", 1, 0.0, 2.0, "success"),
            ("bob", 1, 0.0, 5.0, "success"),
            ("ann", 1, 2.0, 10.0, "failure"),
            ("bob", 1, 5.0, 9.0, "success"),
            ("bob", 2, 10.0, 18.0, "failure"),
        ]
        assert replay.workers == (
            ("ann", "ann", "worker", 3.0, 0.0, None),
            ("bob", "bob", "worker", 6.0, 0.0, None),
        )
        assert replay.name == "retry (best_fit, seed 0)"
        assert replay.end == 18.0

    def test_the_result_gives_arrivals(self, retry_run: tuple[Path, Path]) -> None:
        """With --result, task 4 arrives at 3.0; from the trace alone, at its assignment."""
        with_result = read_replay(*retry_run)
        alone = read_replay(retry_run[0])
        assert [(t.id, t.arrived) for t in with_result.tasks] == [
            (1, 0.0),
            (2, 0.0),
            (3, 0.0),
            (4, 3.0),
        ]
        assert [(t.id, t.arrived) for t in alone.tasks] == [(1, 0.0), (2, 0.0), (3, 2.0), (4, 5.0)]
        assert alone.name == "retry"

    def test_settlement_from_the_trace_matches_the_result(self, rush: tuple[Path, Path]) -> None:
        """For plain tasks, the trace alone settles every task as the result does."""
        with_result = read_replay(*rush)
        alone = {t.id: (t.settled, t.outcome) for t in read_replay(rush[0]).tasks}
        assert {t.id: (t.settled, t.outcome) for t in with_result.tasks} == alone


SILENT_HOLDER = (
    'name = "silent"\nttl = 5\n'
    + TWO_WORKERS
    + "".join(f"\n[[tasks.items]]\nid = {i}\ndifficulty = 3\n" for i in (1, 2, 3))
    + '\n[[events]]\nat = 0\naction = "silence"\nworker = "ann"\n'
)
"""ann falls silent at t=0 holding task 1; her hold expires at t=5, bob does it 6..9."""


class TestAnExpiredHold:
    def test_the_run_records_the_hold_ending_at_its_expiry(self, tmp_path: Path) -> None:
        """The expiry is said on the bus, so the run's own attempts end ann's at t=5."""
        _, result = record(tmp_path, write_scenario(tmp_path, SILENT_HOLDER), "silent")
        rows = json.loads(result.read_text(encoding="utf-8"))["attempts"]
        assert [
            (r["worker"], r["assigned"], r["started"], r["finished"], r["outcome"])
            for r in rows
            if r["task"] == 1
        ] == [("ann", 0.0, None, 5.0, "withdrawn"), ("bob", 6.0, 6.0, 9.0, "success")]

    def test_the_trace_alone_settles_it_and_frees_the_worker(self, tmp_path: Path) -> None:
        """Without --result the replay settles task 1 at t=9 and ends with nobody busy."""
        trace, result = record(tmp_path, write_scenario(tmp_path, SILENT_HOLDER), "silent")
        alone, full = read_replay(trace), read_replay(trace, result)
        settled = [(t.id, t.settled, t.outcome) for t in alone.tasks]
        assert settled == [(1, 9.0, "done"), (2, 3.0, "done"), (3, 6.0, "done")]
        assert settled == [(t.id, t.settled, t.outcome) for t in full.tasks]
        assert counters_at(alone, 4.0).busy == 2
        # At t=5 ann's hold has ended: task 1 waits in the queue while bob does task 3.
        assert counters_at(alone, 5.0) == Counters(done=1, failed=0, queued=1, busy=1)
        assert counters_at(alone, alone.end) == Counters(done=3, failed=0, queued=0, busy=0)


def write_scenario(tmp_path: Path, text: str) -> Path:
    """``text`` as a scenario file in ``tmp_path``."""
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", list(bundled_scenarios()))
def test_every_bundled_scenario(tmp_path: Path, name: str) -> None:
    """With the result, the end counters are the run's; the trace alone settles every task
    as the run did, except where QA reviews or pulled batches decide."""
    trace, result = record_quietly(tmp_path, name)
    replay = read_replay(trace, result)
    metrics = json.loads(result.read_text(encoding="utf-8"))["metrics"]
    end = counters_at(replay, replay.end)
    assert (end.done, end.failed, end.queued) == (metrics["completed"], metrics["failed"], 0)
    alone = read_replay(trace)
    same = {t.id: (t.settled, t.outcome) for t in alone.tasks} == {
        t.id: (t.settled, t.outcome) for t in replay.tasks
    }
    assert same is (name not in ("qa_loop", "pull_batches"))


class TestCounters:
    @pytest.mark.parametrize(
        ("t", "expected"),
        [
            (0.0, Counters(done=0, failed=0, queued=1, busy=2)),
            (1.999, Counters(done=0, failed=0, queued=1, busy=2)),
            (2.0, Counters(done=1, failed=0, queued=0, busy=2)),
            (3.0, Counters(done=1, failed=0, queued=1, busy=2)),
            (5.0, Counters(done=2, failed=0, queued=0, busy=2)),
            (9.0, Counters(done=3, failed=0, queued=0, busy=1)),
            (10.0, Counters(done=3, failed=0, queued=0, busy=1)),
            (18.0, Counters(done=3, failed=1, queued=0, busy=0)),
        ],
    )
    def test_at_fixed_times(
        self, retry_run: tuple[Path, Path], t: float, expected: Counters
    ) -> None:
        """Counters at the instants where something happens, and just before one."""
        assert counters_at(read_replay(*retry_run), t) == expected

    def test_at_the_end_they_equal_the_metrics(self, rush: tuple[Path, Path]) -> None:
        """At the end, done and failed are the run's completed and failed."""
        replay = read_replay(*rush)
        metrics = json.loads(rush[1].read_text(encoding="utf-8"))["metrics"]
        end = counters_at(replay, replay.end)
        assert (end.done, end.failed, end.queued, end.busy) == (
            metrics["completed"],
            metrics["failed"],
            0,
            0,
        )

    @settings(max_examples=50, deadline=None)
    @given(st.floats(0, 700), st.floats(0, 700))
    def test_monotone_and_bounded(self, rush_replay: Replay, a: float, b: float) -> None:
        """done and failed never go down; busy never exceeds the workers."""
        early, late = sorted((a, b))
        first, second = counters_at(rush_replay, early), counters_at(rush_replay, late)
        assert first.done <= second.done
        assert first.failed <= second.failed
        assert second.busy <= len(rush_replay.workers)
        arrived = sum(1 for task in rush_replay.tasks if task.arrived <= late)
        assert second.done + second.failed + second.queued + second.busy <= arrived


@pytest.fixture(name="rush_replay", scope="module")
def fixture_rush_replay(rush: tuple[Path, Path]) -> Replay:
    return read_replay(*rush)


class TestBadInput:
    def test_a_line_that_is_not_a_trace_line(self, tmp_path: Path) -> None:
        """The error names the file and the line."""
        trace = tmp_path / "bad.jsonl"
        run = run_scenario(load_scenario("quickstart"), trace=True).trace
        assert run is not None
        trace.write_text(run[0] + "\n{not json\n", encoding="utf-8")
        with pytest.raises(
            ScenarioError,
            match=rf"^{trace}: line 2: not a trace line \(JSON with t, sender, recipient, "
            r"message\): JSONDecodeError: ",
        ):
            read_replay(trace)

    def test_messages_of_other_kinds_are_passed_over(self, tmp_path: Path) -> None:
        """A kind the replay does not read (your agents' own) is skipped, even unknown."""
        trace, _ = record(tmp_path, "quickstart", "q")
        line = {"t": 1, "seq": 99, "sender": "a", "recipient": "b", "message": {"kind": "nope"}}
        lines = trace.read_text(encoding="utf-8").splitlines()
        lines.insert(5, json.dumps(line))
        trace.write_text("\n".join(lines) + "\n", encoding="utf-8")
        assert counters_at(read_replay(trace), 8.0) == Counters(done=3, failed=0, queued=0, busy=0)

    def test_a_malformed_task_message(self, tmp_path: Path) -> None:
        """A message of a kind the replay reads must be valid; the error names its line."""
        trace = tmp_path / "bad.jsonl"
        body = {"kind": "task_result", "task_id": 1}
        line = {"t": 0, "seq": 0, "sender": "a", "recipient": "b", "message": body}
        trace.write_text(json.dumps(line) + "\n", encoding="utf-8")
        with pytest.raises(
            ScenarioError, match=r"^.*bad\.jsonl: line 1: not a trace line .*ValidationError"
        ):
            read_replay(trace)

    def test_a_trace_without_workers(self, tmp_path: Path) -> None:
        trace = tmp_path / "empty.jsonl"
        trace.write_text("", encoding="utf-8")
        with pytest.raises(ScenarioError, match=rf"^{trace}: no worker connects in this trace$"):
            read_replay(trace)

    def test_a_result_of_another_run(self, tmp_path: Path, retry_run: tuple[Path, Path]) -> None:
        """A result that lacks the trace's tasks is refused, naming one."""
        _, other = record(tmp_path, "quickstart", "quick")
        trace = retry_run[0]
        data = json.loads(other.read_text(encoding="utf-8"))
        data["tasks"] = data["tasks"][:1]
        other.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(
            ScenarioError,
            match=rf"^{other}: tasks: does not describe this trace: task 2 is missing$",
        ):
            read_replay(trace, other)

    def test_the_command_exits_2(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        out = tmp_path / "page.html"
        assert main(["replay", str(tmp_path / "none.jsonl"), "-o", str(out)]) == 2
        assert (
            capsys.readouterr().err
            == f"error: {tmp_path / 'none.jsonl'}: cannot read: No such file or directory\n"
        )
        assert not out.exists()


class TestPage:
    def test_self_contained(self, retry_run: tuple[Path, Path]) -> None:
        """The page loads nothing: no external script, style, image or link."""
        page = render_page(read_replay(*retry_run))
        assert "http://" not in page
        assert "https://" not in page
        assert " src=" not in page
        assert "<link" not in page

    def test_embeds_the_record(self, retry_run: tuple[Path, Path]) -> None:
        """The page's data block holds the workers, tasks and attempts."""
        page = render_page(read_replay(*retry_run))
        start = page.index('type="application/json">') + len('type="application/json">')
        data = json.loads(page[start : page.index("</script>", start)])
        assert data["workers"] == [
            ["ann", "ann", "worker", 3.0, 0.0, None],
            ["bob", "bob", "worker", 6.0, 0.0, None],
        ]
        assert data["tasks"][3] == [4, 4.0, 3.0, 9.0, "done"]
        assert data["attempts"][4] == [2, 1, 2, 10.0, 10.0, 18.0, "failure", False]

    def test_a_closing_tag_in_a_name_cannot_end_the_script(self, tmp_path: Path) -> None:
        """Text from the trace is escaped inside the page's script block."""
        trace, _ = record(tmp_path, "quickstart", "q")
        text = trace.read_text(encoding="utf-8").replace('"Junior"', '"</script><b>x"')
        trace.write_text(text, encoding="utf-8")
        page = render_page(read_replay(trace))
        assert page.count("</script>") == 2
        assert "<\\/script><b>x" in page

    def test_command_writes_the_page(
        self, retry_run: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = tmp_path / "page.html"
        trace, result = retry_run
        assert main(["replay", str(trace), "--result", str(result), "-o", str(out)]) == 0
        assert capsys.readouterr().out == f"wrote {out}: 5 attempts by 2 workers\n"
        assert out.read_text(encoding="utf-8") == render_page(read_replay(trace, result))
