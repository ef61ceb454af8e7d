"""``[[jobs]]`` in scenario files: made at the start of the run, as the API makes them."""

from pathlib import Path

import pytest

from agents import Consensus, Distribution
from scenarios.build import build
from scenarios.loader import load_scenario
from scenarios.run import run_simulation

README = Path(__file__).parent.parent / "README.md"

TEAM = """
[[workers.items]]
name = "ana"
skill_level = 8
[[workers.items]]
name = "ben"
skill_level = 8
[[workers.items]]
name = "cy"
skill_level = 8
"""

TASKS = "".join(
    f'[[tasks.items]]\nid = {n}\ndifficulty = 2\nskill = "{"cars" if n % 2 else "signs"}"\n'
    for n in range(1, 6)
)  # 1, 3, 5 are cars; 2, 4 signs

pytestmark = pytest.mark.usefixtures("quiet_logs")


def scenario(tmp_path: Path, jobs: str) -> Path:
    path = tmp_path / "jobs.toml"
    path.write_text("seed = 1\n" + TEAM + TASKS + jobs, encoding="utf-8")
    return path


class TestBuilt:
    def test_ids_then_a_filter_over_the_tasks_no_earlier_job_took(self, tmp_path: Path) -> None:
        """Job one takes 5 by id, then cars by filter (1, 3); job two's filter finds the
        cars left (none): the rest (2, 4) stays the run's own."""
        path = scenario(
            tmp_path,
            '[[jobs]]\nname = "one"\nitem_ids = [5]\nfilters = { category = "cars" }\n'
            'assignee_ids = ["ana"]\n'
            '[[jobs]]\nname = "two"\nfilters = { category = "cars" }\nassignee_ids = ["ben"]\n',
        )
        manager = build(load_scenario(path)).manager
        one, two = manager.jobs.list()
        assert (one.name, one.item_ids(), two.item_ids()) == ("one", [5, 1, 3], [])
        assert [r.id for r in manager.board if manager.jobs.job_of(r.id) is None] == [2, 4]

    def test_every_setting_reaches_the_job(self, tmp_path: Path) -> None:
        """Assignees, due date, mode, queue place and ttl are the job's, as in create()."""
        path = scenario(
            tmp_path,
            '[[jobs]]\nname = "cars"\nitem_ids = [1, 3]\nassignee_ids = ["ana", "ben"]\n'
            'due_date = 50\nqueue = "central"\nttl = 9\n'
            "[jobs.consensus]\npercentage = 100\nassignees = 2\n",
        )
        manager = build(load_scenario(path)).manager
        job = manager.jobs.get(name="cars")
        state = manager.jobs.state(job)
        assert (state.mode, state.due_date, state.place, state.ttl) == (
            Distribution(consensus=Consensus(100, 2)),
            50,
            "central",
            9,
        )
        assert [a.id for a in job.assignments.list()] == ["job-1:ana", "job-1:ben"]
        assert [manager.board.get(i).required for i in job.item_ids()] == [2, 2]
        assert manager.platform.reservations is not None
        assert manager.platform.reservations.ttls == {1: 9, 3: 9}

    def test_a_file_without_jobs_runs_as_before(self, tmp_path: Path) -> None:
        """No [[jobs]]: every task is the run's, none in the dataset."""
        manager = build(load_scenario(scenario(tmp_path, ""))).manager
        assert ([r.id for r in manager.board], manager.jobs.list()) == ([1, 2, 3, 4, 5], [])

    def test_only_the_assignees_do_the_job(self, tmp_path: Path) -> None:
        """The run: a job's items go to its assignees only; the run's tasks to anyone."""
        path = scenario(
            tmp_path,
            '[[jobs]]\nname = "signs"\nfilters = { category = "signs" }\nassignee_ids = ["cy"]\n',
        )
        sim = build(load_scenario(path))
        outcome = run_simulation(sim)
        board = sim.manager.board
        assert [r.responses[0].worker for r in board if r.task.skill == "signs"] == ["cy", "cy"]
        assert outcome.result.metrics.completed == 5


class TestReadme:
    def test_the_readme_example_loads(self, tmp_path: Path) -> None:
        """The README's [[jobs]] table loads and builds a consensus job over the cars."""
        text = README.read_text(encoding="utf-8")
        start = text.index("### Jobs in a scenario file")
        block = text[start:].split("```toml\n")[1].split("```")[0]
        path = scenario(tmp_path, block)
        manager = build(load_scenario(path)).manager
        job = manager.jobs.get(name="cars")
        state = manager.jobs.state(job)
        assert (job.item_ids(), state.place, state.ttl, state.due_date) == (
            [1, 3, 5],
            "central",
            60,
            400,
        )
