"""What the sweep tests share: a small scenario and sweep files written to a folder."""

from pathlib import Path
from typing import Any

SMALL = """\
name = "small"
seed = 1

[model]
name = "logistic"

[workers.generate]
count = 3
skill = { dist = "uniform", low = 2, high = 9 }

[tasks.generate]
count = 12
difficulty = { dist = "uniform", low = 1, high = 10, integer = true }
arrival = { process = "poisson", rate = 0.5 }
"""

SWEEP = """\
scenario = "small.toml"
policies = ["best_fit", "round_robin"]
seeds = 3

[grid]
workers.generate.count = [2, 4]
"tasks.generate.arrival.rate" = [0.3, 0.6]
"""

# Longer runs (about 0.1 s each): an interruption or a killed worker finds runs in flight.
SLOW = SWEEP.replace("[0.3, 0.6]", "[2.0]").replace("[2, 4]", "[3, 5]") + (
    '"tasks.generate.count" = [400, 500]\n'
)


def write_sweep(folder: Path, sweep: str = SWEEP, scenario: str = SMALL) -> Path:
    """Write the small scenario and a sweep file next to it; return the sweep's path."""
    (folder / "small.toml").write_text(scenario, encoding="utf-8")
    path = folder / "sweep.toml"
    path.write_text(sweep, encoding="utf-8")
    return path


def comparable(runs: Any) -> list[dict[str, Any]]:
    """A sweep's rows without wall time (the one column that may differ), by key."""
    ordered = runs.drop(columns=["wall_time"]).sort_values("key").reset_index(drop=True)
    return [
        {k: None if isinstance(v, float) and v != v else v for k, v in row.items()}
        for row in ordered.to_dict("records")
    ]
