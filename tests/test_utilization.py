"""Utilization is a share of capacity, not busy time over makespan."""

from pathlib import Path

import pytest

from scenarios.loader import load_scenario
from scenarios.run import run_scenario

pytestmark = pytest.mark.usefixtures("quiet_logs")


class TestUtilization:
    def test_utilization_is_a_share_of_capacity(self, tmp_path: Path) -> None:
        """Two 5 s tasks at once on a worker of capacity 4: busy 10 of 4 x 5 s, so 0.5."""
        path = tmp_path / "u.toml"
        path.write_text(
            'seed = 1\n[[workers.items]]\nname = "big"\nskill_level = 10\ncapacity = 4\n'
            "[tasks.generate]\ncount = 2\ndifficulty = 5\n",
            encoding="utf-8",
        )
        result = run_scenario(load_scenario(path)).result
        [worker] = result.workers
        assert (result.metrics.makespan, worker.busy_time, worker.utilization) == (5.0, 10.0, 0.5)
        assert result.metrics.utilization_mean == 0.5
