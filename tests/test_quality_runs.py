"""Golden tasks and dynamic overlap in whole runs: determinism, what learning sees, nothing lost."""

from pathlib import Path

import pytest

from agents.policies.learning import Learning
from scenarios.build import build
from scenarios.loader import load_scenario
from scenarios.run import run_scenario, run_simulation

pytestmark = pytest.mark.usefixtures("quiet_logs")

FILE = """\
name = "small_quality"
seed = 4
policy = "{policy}"

[model]
name = "logistic"
scale = 1.5

[workers.generate]
count = 6
skill = {{ dist = "uniform", low = 0, high = 8 }}

[tasks.generate]
count = 80
difficulty = {{ dist = "uniform", low = 2, high = 7, integer = true }}
labels = ["a", "b", "c"]
arrival = {{ process = "poisson", rate = 1.0 }}

[[events]]
at = 20
action = "crash"
worker = "w2"

[dynamic_overlap]
min_answers = 1
max_answers = 4
target = 0.8

[golden]
share = 0.2
answers = 2
threshold = 0.3
min_answered = 3
actions = ["stop", "discard"]
"""


def scenario(tmp_path: Path, policy: str = "best_fit") -> Path:
    path = tmp_path / f"{policy}.toml"
    path.write_text(FILE.format(policy=policy), encoding="utf-8")
    return path


class TestWholeRuns:
    def test_the_same_seed_gives_the_same_trace(self, tmp_path: Path) -> None:
        """Five runs of one seed, with golden tasks, dynamic overlap and a crash: one trace."""
        loaded = load_scenario(scenario(tmp_path))
        traces = {tuple(run_scenario(loaded, trace=True).trace or ()) for _ in range(5)}
        assert len(traces) == 1

    def test_every_task_ends_once(self, tmp_path: Path) -> None:
        """Every task is completed (labelled work always completes), none lost or left."""
        result = run_scenario(load_scenario(scenario(tmp_path))).result
        metrics = result.metrics
        assert (result.ending, metrics.total, metrics.completed, metrics.pending) == (
            "complete",
            80,
            80,
            0,
        )

    def test_learning_observes_only_golden_answers(self, tmp_path: Path) -> None:
        """With golden tasks on, the learning policy saw exactly the golden answers."""
        sim = build(load_scenario(scenario(tmp_path, "learning")))
        result = run_simulation(sim).result
        policy = sim.manager.policy
        assert isinstance(policy, Learning)
        seen = sum(policy.observations(w.id) for w in sim.workers)
        assert result.metrics.golden_answers is not None
        assert result.metrics.golden_answers > 0
        assert seen == result.metrics.golden_answers
