"""Golden outputs of the bundled scenarios, and the behaviour each one is there to show.

Set ``SKILLSIM_UPDATE_GOLDEN=1`` to rewrite ``scenarios/library/expected/<name>.json``
from the current code instead of comparing with it.
"""

import csv
import json
import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from scenarios.loader import LIBRARY, ScenarioError, bundled_scenarios, load_scenario
from scenarios.metrics import RunResult
from scenarios.run import run_scenario

EXPECTED = LIBRARY / "expected"
UPDATE = os.environ.get("SKILLSIM_UPDATE_GOLDEN") == "1"


pytestmark = pytest.mark.usefixtures("quiet_logs")


@pytest.fixture(scope="module", name="result_of")
def fixture_result_of() -> Callable[[str], RunResult]:
    """Each bundled scenario's result, run once per module."""

    @cache
    def result_of(name: str) -> RunResult:
        return run_scenario(load_scenario(name)).result

    return result_of


def golden(result: RunResult) -> dict[str, Any]:
    """What the golden file keeps: every metric, and each worker's share."""
    document = {
        "metrics": result.metrics.model_dump(),
        "workers": [[w.name, w.tasks, w.successes] for w in result.workers],
    }
    # Through JSON and back, so that the comparison sees what the file holds.
    loaded: dict[str, Any] = json.loads(json.dumps(document))
    return loaded


class TestGolden:
    @pytest.mark.parametrize("name", list(bundled_scenarios()))
    def test_matches_the_expected_output(
        self, name: str, result_of: Callable[[str], RunResult]
    ) -> None:
        """The run's metrics and per-worker (name, tasks, successes) equal the golden file."""
        path = EXPECTED / f"{name}.json"
        actual = golden(result_of(name))
        if UPDATE:
            EXPECTED.mkdir(exist_ok=True)
            path.write_text(json.dumps(actual, indent=2) + "\n", encoding="utf-8")
            pytest.skip(f"rewrote {path.name}: review its diff")  # compared with nothing
        assert json.loads(path.read_text(encoding="utf-8")) == actual

    def test_every_golden_file_has_a_scenario(self) -> None:
        """No golden file is left over from a removed scenario."""
        assert sorted(p.stem for p in EXPECTED.glob("*.json")) == sorted(bundled_scenarios())


class TestWhyEachScenarioIsThere:
    def test_quickstart_succeeds_entirely_at_makespan_8(
        self, result_of: Callable[[str], RunResult]
    ) -> None:
        """quickstart: the seed's three tasks all succeed and the senior finishes at t=8."""
        metrics = result_of("quickstart").metrics
        assert (metrics.total, metrics.completed, metrics.success_rate, metrics.makespan) == (
            3,
            3,
            1.0,
            8.0,
        )

    def test_specialists_only_do_their_own_categories(
        self, result_of: Callable[[str], RunResult]
    ) -> None:
        """specialists: every categorized task was done by a worker that takes its category."""
        specialties = {
            w.name: w.specialties for w in load_scenario("specialists").spec.workers.items
        }
        rows = result_of("specialists").tasks
        assert {row.skill for row in rows} == {"vision", "text", "audio"}
        assert all(row.attempts == 1 and row.worker is not None for row in rows)
        wrong = [
            (row.id, row.skill, row.worker)
            for row in rows
            if row.worker is not None
            and specialties[row.worker] is not None
            and row.skill not in (specialties[row.worker] or [])
        ]
        assert wrong == []

    def test_rush_hour_misses_deadlines_with_a_long_wait_tail(
        self, result_of: Callable[[str], RunResult]
    ) -> None:
        """rush_hour: arrivals above capacity miss deadlines; the p95 wait exceeds the mean."""
        metrics = result_of("rush_hour").metrics
        assert metrics.deadline_misses > 0
        assert metrics.wait_p95 > metrics.wait_mean

    def test_unknown_skills_are_learnt(self, result_of: Callable[[str], RunResult]) -> None:
        """unknown_skills: learnt estimates end within one skill point of the truth on average."""
        mae = result_of("unknown_skills").metrics.estimate_mae
        assert mae is not None
        assert mae < 1.0

    def test_mixed_skills_is_the_large_one(self, result_of: Callable[[str], RunResult]) -> None:
        """mixed_skills: ten thousand tasks, every one of them finished."""
        metrics = result_of("mixed_skills").metrics
        assert (metrics.total, metrics.completed + metrics.failed) == (10_000, 10_000)

    def test_platform_export_replays_the_rows_to_annotate(
        self, result_of: Callable[[str], RunResult]
    ) -> None:
        """platform_export: exactly the CSV rows marked to-annotate arrive, at their times."""
        with (LIBRARY / "data" / "platform_items.csv").open(encoding="utf-8") as stream:
            rows = [r for r in csv.DictReader(stream) if r["metadata.user.status"] == "to-annotate"]
        result = result_of("platform_export")
        assert {t.id: t.arrived for t in result.tasks} == {
            r["id"]: float(r["arrival"]) for r in rows
        }
        assert len(rows) == 116

    def test_assignee_queues_order_the_waits_as_the_textbook_does(self) -> None:
        """assignee_queues: mean wait JSQ <= two choices, and random more than twice that.

        The same file, seed, tasks and luck for each dispatch rule (as ``compare`` runs
        them); per-worker queue waits are reported.
        """
        loaded = load_scenario("assignee_queues")
        wait = {
            policy: run_scenario(loaded, policy=policy).result
            for policy in ("least_loaded", "power_of_two", "random")
        }
        means = {p: r.metrics.wait_mean for p, r in wait.items()}
        rounded = {p: round(m, 2) for p, m in means.items()}
        assert rounded == {"least_loaded": 1.34, "power_of_two": 2.61, "random": 7.15}
        assert means["least_loaded"] <= means["power_of_two"]
        assert means["random"] > 2 * means["power_of_two"]
        assert all(w.queue_wait_mean is not None for w in wait["random"].workers)


class TestEvents:
    def test_remove_by_count_takes_at_most_what_is_unfinished(self, tmp_path: Path) -> None:
        """A remove_tasks count above the unfinished tasks removes every unfinished one."""
        path = tmp_path / "remove.toml"
        path.write_text(
            'seed = 1\n[[workers.items]]\nname = "solo"\nskill_level = 10\n'
            "[tasks.generate]\ncount = 4\ndifficulty = 10\n"
            '[[events]]\nat = 1.0\naction = "remove_tasks"\ncount = 6\n',
            encoding="utf-8",
        )
        metrics = run_scenario(load_scenario(path)).result.metrics
        assert (metrics.removed, metrics.completed, metrics.total) == (4, 0, 4)

    def test_an_event_for_a_worker_not_yet_there_is_refused(self, tmp_path: Path) -> None:
        """A crash of a worker that joins only later is refused when the file is read."""
        path = tmp_path / "early.toml"
        path.write_text(
            'seed = 1\n[[workers.items]]\nname = "solo"\nskill_level = 10\n'
            "[tasks.generate]\ncount = 4\ndifficulty = 2\n"
            '[[events]]\nat = 1.0\naction = "crash"\nworker = "late"\n'
            '[[events]]\nat = 3.0\naction = "join"\nworker = "late"\nskill_level = 5\n',
            encoding="utf-8",
        )
        message = (
            f"{path}: events[0].worker: worker 'late' joins at t=3 (events[1]), "
            "after this event at t=1"
        )
        with pytest.raises(ScenarioError, match=f"^{re.escape(message)}$"):
            load_scenario(path)
