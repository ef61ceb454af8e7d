import json
import re
from pathlib import Path
from typing import Any

import pytest

from agents.dispatch_rules import dispatch_rule_names
from agents.policies import policy_names
from protocol import decode
from scenarios.build import build
from scenarios.cli import main
from scenarios.compare import HIGHER_IS_BETTER
from scenarios.loader import bundled_scenarios, load_scenario
from scenarios.run import run_scenario

METRIC_KEYS = {
    "total",
    "completed",
    "failed",
    "success_rate",
    "makespan",
    "throughput",
    "wait_mean",
    "wait_p95",
    "utilization_mean",
    "fairness_jain",
    "overqualification_mean",
    "deadline_misses",
    "reassignments",
}
TASK_KEYS = {
    "id",
    "difficulty",
    "priority",
    "worker",
    "attempts",
    "status",
    "success",
    "arrived",
    "assigned",
    "started",
    "finished",
}
WORKER_KEYS = {"name", "skill_level", "skills", "tasks", "successes", "busy_time", "utilization"}
COMPARED_AT_LEAST = {
    "success_rate",
    "throughput",
    "utilization_mean",
    "fairness_jain",
    "completed",
    "makespan",
    "wait_mean",
    "wait_p95",
    "overqualification_mean",
    "deadline_misses",
    "failed",
    "reassignments",
    "retries",
}


pytestmark = pytest.mark.usefixtures("quiet_logs")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class TestList:
    def test_names_every_scenario_and_policy(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``list`` exits 0 and names every bundled scenario and registered policy."""
        assert main(["list"]) == 0
        out = capsys.readouterr().out
        for name in [*bundled_scenarios(), *policy_names()]:
            assert re.search(rf"\b{re.escape(name)}\b", out), name
        assert 'dispatch rules (queue = "assignee")' in out
        for name in dispatch_rule_names():
            assert re.search(rf"\b{re.escape(name)}\b", out), name


class TestRun:
    def test_quickstart_json(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """``run quickstart --json`` writes the seed's exact result."""
        out = tmp_path / "out.json"
        assert main(["run", "quickstart", "--json", str(out)]) == 0
        assert capsys.readouterr().err == ""
        result = read_json(out)
        assert (result["scenario"], result["policy"], result["seed"]) == (
            "quickstart",
            "best_fit",
            0,
        )
        metrics = result["metrics"]
        assert set(metrics) >= METRIC_KEYS
        assert {k: metrics[k] for k in sorted(METRIC_KEYS)} == {
            "completed": 3,
            "deadline_misses": 0,
            "failed": 0,
            "fairness_jain": 0.806452,
            "makespan": 8.0,
            "overqualification_mean": 1.0,
            "reassignments": 0,
            "success_rate": 1.0,
            "throughput": 0.375,
            "total": 3,
            "utilization_mean": 0.625,
            "wait_mean": 0.0,
            "wait_p95": 0.0,
        }
        assert all(set(row) >= TASK_KEYS for row in result["tasks"])
        assert [
            (
                row["id"],
                row["difficulty"],
                row["priority"],
                row["worker"],
                row["attempts"],
                row["status"],
                row["success"],
                row["arrived"],
                row["assigned"],
                row["started"],
                row["finished"],
            )
            for row in result["tasks"]
        ] == [
            (1, 2.0, 1, "Junior", 1, "completed", True, 0.0, 0.0, 0.0, 2.0),
            (2, 5.0, 1, "Intermediate", 1, "completed", True, 0.0, 0.0, 0.0, 5.0),
            (3, 8.0, 1, "Senior", 1, "completed", True, 0.0, 0.0, 0.0, 8.0),
        ]
        assert all(set(row) >= WORKER_KEYS for row in result["workers"])
        assert [{k: row[k] for k in sorted(WORKER_KEYS)} for row in result["workers"]] == [
            {
                "busy_time": 2.0,
                "name": "Junior",
                "skill_level": 3.0,
                "skills": {},
                "successes": 1,
                "tasks": 1,
                "utilization": 0.25,
            },
            {
                "busy_time": 5.0,
                "name": "Intermediate",
                "skill_level": 6.0,
                "skills": {},
                "successes": 1,
                "tasks": 1,
                "utilization": 0.625,
            },
            {
                "busy_time": 8.0,
                "name": "Senior",
                "skill_level": 9.0,
                "skills": {},
                "successes": 1,
                "tasks": 1,
                "utilization": 1.0,
            },
        ]

    def test_prints_the_report(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The report on stdout names the scenario, the policy and each worker."""
        assert main(["run", "quickstart"]) == 0
        out = capsys.readouterr().out
        for name in ("quickstart", "best_fit", "Junior", "Intermediate", "Senior", "makespan"):
            assert name in out

    def test_policy_and_seed_override(self, tmp_path: Path) -> None:
        """--policy and --seed replace the file's and are recorded in the result."""
        out = tmp_path / "out.json"
        args = ["run", "quickstart", "--policy", "round_robin", "--seed", "5", "--json", str(out)]
        assert main(args) == 0
        result = read_json(out)
        assert (result["policy"], result["seed"]) == ("round_robin", 5)
        assert [row["worker"] for row in result["tasks"]] == ["Junior", "Intermediate", "Senior"]

    def test_trace_is_json_lines_of_decodable_messages(self, tmp_path: Path) -> None:
        """Every --trace line is JSON whose message decodes back to the same message."""
        trace = tmp_path / "trace.jsonl"
        assert main(["run", "quickstart", "--trace", str(trace)]) == 0
        lines = trace.read_text(encoding="utf-8").splitlines()
        assert lines
        kinds = []
        for line in lines:
            entry = json.loads(line)
            assert {"t", "seq", "sender", "recipient", "message"} <= set(entry)
            message = decode(json.dumps(entry["message"]))
            assert message.model_dump(mode="json") == entry["message"]
            kinds.append(message.kind)
        assert [entry["seq"] for entry in map(json.loads, lines)] == sorted(
            entry["seq"] for entry in map(json.loads, lines)
        )
        assert kinds.count("task_assignment") == 3
        assert kinds.count("task_result") == 3
        # Every delivery of the run, no more and no fewer.
        sim = build(load_scenario("quickstart"), trace=True)
        summary = sim.runtime.run()
        assert lines == sim.runtime.trace_lines()
        assert len(lines) == summary.bus.delivered

    def test_bad_file_exits_2_with_one_line_per_problem(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad scenario file exits 2 with ``error: path: field: message`` and no traceback."""
        path = tmp_path / "bad.toml"
        path.write_text(
            '[[workers.items]]\nname = "a"\n'
            '[tasks.generate]\ncount = 3\ndifficulty = { dist = "uniform", low = 1, high = 11 }\n',
            encoding="utf-8",
        )
        assert main(["run", str(path)]) == 2
        captured = capsys.readouterr()
        assert captured.err == (
            f"error: {path}: tasks.generate.difficulty.high: difficulty must be <= 10, got 11\n"
        )

    def test_missing_file_exits_2(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A scenario file that does not exist exits 2 naming it."""
        path = tmp_path / "missing.toml"
        assert main(["run", str(path)]) == 2
        assert capsys.readouterr().err == f"error: {path}: no such file\n"

    def test_unknown_policy_exits_2_listing_the_known_ones(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unknown --policy exits 2 and lists every registered policy."""
        assert main(["run", "quickstart", "--policy", "nope"]) == 2
        known = ", ".join(policy_names())
        assert capsys.readouterr().err == (
            f"error: --policy: unknown policy 'nope'; known policies: {known}\n"
        )

    def test_bad_arguments_exit_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A missing scenario is refused with exit code 2 and one line naming it."""
        assert main(["run"]) == 2
        assert capsys.readouterr().err == (
            "error: skillsim run: the following arguments are required: scenario (see --help)\n"
        )


class TestCompare:
    def test_summary_per_metric_per_policy(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``compare`` over 2 seeds writes mean, half-width and n == 2 per metric and policy."""
        out = tmp_path / "c.json"
        args = ["compare", "quickstart", "--policy", "best_fit", "--policy", "round_robin"]
        assert main([*args, "--seeds", "2", "--json", str(out)]) == 0
        document = read_json(out)
        assert (document["scenario"], document["seeds"], document["policies"]) == (
            "quickstart",
            [0, 1],
            ["best_fit", "round_robin"],
        )
        summary = document["summary"]
        assert COMPARED_AT_LEAST <= set(summary) <= set(HIGHER_IS_BETTER)
        for metric, per_policy in summary.items():
            assert set(per_policy) == {"best_fit", "round_robin"}, metric
            for entry in per_policy.values():
                assert set(entry) == {"mean", "half_width", "low", "high", "n"}
                assert entry["n"] == 2
        # The seed's workload is deterministic, so both seeds agree exactly.
        exact = {"mean": 8.0, "half_width": 0.0, "low": 8.0, "high": 8.0, "n": 2}
        assert summary["makespan"]["best_fit"] == exact
        assert summary["success_rate"]["best_fit"]["half_width"] == 0.0
        assert document["baseline"] == "best_fit"
        assert set(document["differences"]["makespan"]) == {"round_robin"}
        assert [len(document["runs"][p]) for p in ("best_fit", "round_robin")] == [2, 2]
        assert "quickstart: mean" in capsys.readouterr().out

    def test_zero_seeds_exit_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--seeds below 1 exits 2 with the reason."""
        assert main(["compare", "quickstart", "--policy", "best_fit", "--seeds", "0"]) == 2
        assert capsys.readouterr().err == (
            "error: skillsim compare: argument --seeds: must be >= 1, got 0 (see --help)\n"
        )

    def test_unknown_policy_fails_before_any_run(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown policy among several exits 2 without running the known ones."""
        assert main(["compare", "quickstart", "--policy", "best_fit", "--policy", "nope"]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith("error: --policy: unknown policy 'nope'; known policies: ")
        assert captured.out == ""

    def test_significant_winner_is_marked(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Two seeds with the same gap: the paired interval excludes zero, ``*`` marks it."""
        # The seed's team connected senior first: round_robin hands task 3 to the junior.
        path = tmp_path / "reversed.toml"
        workers = "".join(
            f'[[workers.items]]\nname = "{n}"\nskill_level = {s}\n\n'
            for n, s in (("Senior", 9), ("Intermediate", 6), ("Junior", 3))
        )
        tasks = "".join(
            f"[[tasks.items]]\nid = {i}\ndifficulty = {d}\n\n" for i, d in ((1, 2), (2, 5), (3, 8))
        )
        path.write_text(workers + tasks, encoding="utf-8")
        args = ["compare", str(path), "--policy", "best_fit", "--policy", "round_robin"]
        assert main([*args, "--seeds", "2"]) == 0
        rows = [line for line in capsys.readouterr().out.splitlines() if "success_rate" in line]
        cells = [[cell.strip() for cell in row.strip("│┃ ").split("│")] for row in rows]
        assert cells == [
            ["success_rate ↑", "1 ± 0 *", "0.666667 ± 0"],
            ["success_rate", "-0.333333 ± 0 worse"],
        ]
        # One seed is no evidence: nothing is marked.
        assert main([*args, "--seeds", "1"]) == 0
        rows = [line for line in capsys.readouterr().out.splitlines() if "success_rate" in line]
        cells = [[cell.strip() for cell in row.strip("│┃ ").split("│")] for row in rows]
        assert cells == [
            ["success_rate ↑", "1 (n=1)", "0.666667 (n=1)"],
            ["success_rate", "-0.333333 (n=1)"],
        ]


class TestResultDocument:
    def test_progress_is_the_final_count(self, tmp_path: Path) -> None:
        """The JSON result carries the final progress, in the seed's shape."""
        out = tmp_path / "out.json"
        assert main(["run", "quickstart", "--json", str(out)]) == 0
        assert read_json(out)["progress"] == {
            "total": 3,
            "completed": 3,
            "pending": 0,
            "failed": 0,
            "removed": 0,
        }

    def test_stop_until_ends_the_run_there(self, tmp_path: Path) -> None:
        """``[stop] until`` ends the run at that time, with the rest still pending."""
        path = tmp_path / "short.toml"
        path.write_text(
            "seed = 1\n[workers.generate]\ncount = 3\nskill = 6\n"
            "[tasks.generate]\ncount = 40\n[stop]\nuntil = 20.0\n",
            encoding="utf-8",
        )
        out = tmp_path / "out.json"
        assert main(["run", str(path), "--json", str(out)]) == 0
        document = read_json(out)
        finished = [t["finished"] for t in document["tasks"] if t["finished"] is not None]
        progress = document["progress"]
        assert document["ending"] == "until"
        assert max(finished) <= 20.0
        assert progress["pending"] == 40 - len(finished) > 0
        assert progress["completed"] + progress["failed"] == len(finished)

    def test_learning_report_shows_estimate_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Under ``learning`` each worker row has its estimate and its error."""
        out = tmp_path / "out.json"
        assert main(["run", "quickstart", "--policy", "learning", "--json", str(out)]) == 0
        lines = capsys.readouterr().out.splitlines()
        header = next(line for line in lines if "name" in line and "skill" in line)
        assert [cell.strip() for cell in header.strip("┃ ").split("┃")][-2:] == [
            "estimate",
            "error",
        ]
        for worker in read_json(out)["workers"]:
            assert worker["estimate_error"] == pytest.approx(
                worker["estimate"] - worker["skill_level"], abs=1e-6
            )


class TestCommonRandomNumbers:
    def test_every_policy_meets_the_same_tasks_and_workers_on_one_seed(
        self, tmp_path: Path
    ) -> None:
        """Seed k gives every policy the same workers and the same tasks at the same times."""
        path = tmp_path / "crn.toml"
        path.write_text(
            '[model]\nname = "logistic"\nnoise = "exponential"\n'
            '[workers.generate]\ncount = 4\nskill = { dist = "uniform", low = 1, high = 10 }\n'
            "[tasks.generate]\ncount = 30\n"
            'difficulty = { dist = "uniform", low = 1, high = 10, integer = true }\n'
            'due = { dist = "uniform", low = 5, high = 50 }\n'
            'arrival = { process = "poisson", rate = 2.0 }\n',
            encoding="utf-8",
        )
        loaded = load_scenario(path)

        def world(policy: str) -> tuple[list[Any], list[Any]]:
            result = run_scenario(loaded, seed=4, policy=policy).result
            tasks = [(t.id, t.difficulty, t.arrived, t.due, t.priority) for t in result.tasks]
            return tasks, [(w.name, w.skill_level) for w in result.workers]

        first = world("best_fit")
        assert len({t[2] for t in first[0]}) > 1  # arrivals really are spread out
        for policy in ("random", "most_skilled", "round_robin"):
            assert world(policy) == first


class TestOutputs:
    def test_json_dash_writes_the_result_to_standard_output(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--json -`` prints only the JSON on stdout; the report goes to stderr."""
        assert main(["run", "quickstart", "--json", "-"]) == 0
        captured = capsys.readouterr()
        document = json.loads(captured.out)
        assert (document["scenario"], document["metrics"]["completed"]) == ("quickstart", 3)
        assert "Senior" in captured.err

    def test_compare_json_dash(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``compare --json -`` prints the comparison as JSON on stdout."""
        argv = ["compare", "quickstart", "--policy", "best_fit", "--seeds", "2", "--json", "-"]
        assert main(argv) == 0
        document = json.loads(capsys.readouterr().out)
        assert (document["seeds"], document["summary"]["completed"]["best_fit"]["n"]) == (
            [0, 1],
            2,
        )

    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``--version`` prints the installed version and exits 0."""
        with pytest.raises(SystemExit) as caught:
            main(["--version"])
        assert caught.value.code == 0
        assert re.fullmatch(r"skillsim \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)

    def test_results_are_written_before_the_report(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A report that fails to draw loses nothing: --json and --trace are already written."""

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("report bug")

        monkeypatch.setattr("scenarios.cli.render_run", broken)
        out, trace = tmp_path / "r.json", tmp_path / "t.jsonl"
        argv = ["run", "quickstart", "--json", str(out), "--trace", str(trace)]
        with pytest.raises(RuntimeError, match=r"^report bug$"):
            main(argv)
        assert read_json(out)["metrics"]["completed"] == 3
        assert len(trace.read_text(encoding="utf-8").splitlines()) > 0

    def test_compare_writes_its_runs_when_the_table_fails(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``compare --json`` keeps every run's metrics even if the table fails to draw."""

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("table bug")

        monkeypatch.setattr("scenarios.cli.render_comparison", broken)
        out = tmp_path / "c.json"
        argv = ["compare", "quickstart", "--policy", "best_fit", "--seeds", "2", "--json", str(out)]
        with pytest.raises(RuntimeError, match=r"^table bug$"):
            main(argv)
        assert [len(runs) for runs in read_json(out)["runs"].values()] == [2]
