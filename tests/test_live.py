"""The live view: a dashboard redrawn between the realtime clock's steps."""

import io
from pathlib import Path

import pytest
from rich.console import Console
from test_replay import TWO_WORKERS

from agents import RealtimeClock
from scenarios import Dashboard, Pacer, build, load_scenario, run_simulation
from scenarios.cli import main

pytestmark = pytest.mark.usefixtures("quiet_logs")

QUEUE = (
    'name = "queue"\npolicy = "best_fit"\n'
    + TWO_WORKERS
    + "".join(
        f"\n[[tasks.items]]\nid = {i}\ndifficulty = {d}\n" for i, d in enumerate([2, 5, 8, 4, 1], 1)
    )
)

AT_2 = """\
queue  policy best_fit  seed 0  t = 2
queued   busy   done   failed   arrived   to come
     2    2/2      1        0         5         0
┏━━━━━━━━┳━━━━━━━┳━━━━━━━━━┳━━━━━━━━━┳━━━━┳━━━━━━━━┓
┃ worker ┃ skill ┃ state   ┃ task    ┃ ok ┃ failed ┃
┡━━━━━━━━╇━━━━━━━╇━━━━━━━━━╇━━━━━━━━━╇━━━━╇━━━━━━━━┩
│ ann    │     3 │ working │ 3 (d 8) │  1 │      0 │
│ bob    │     6 │ working │ 2 (d 5) │  0 │      0 │
└────────┴───────┴─────────┴─────────┴────┴────────┘
latest events
         0  task 1 (difficulty 2) -> ann, try 1
         0  task 2 (difficulty 5) -> bob, try 1
         2  ann ends task 1: success
         2  task 3 (difficulty 8) -> ann, try 1
"""

AT_END = """\
queue  policy best_fit  seed 0  t = 10
queued   busy   done   failed   arrived   to come
     0    0/2      4        1         5         0
┏━━━━━━━━┳━━━━━━━┳━━━━━━━┳━━━━━━┳━━━━┳━━━━━━━━┓
┃ worker ┃ skill ┃ state ┃ task ┃ ok ┃ failed ┃
┡━━━━━━━━╇━━━━━━━╇━━━━━━━╇━━━━━━╇━━━━╇━━━━━━━━┩
│ ann    │     3 │ idle  │      │  1 │      1 │
│ bob    │     6 │ idle  │      │  3 │      0 │
└────────┴───────┴───────┴──────┴────┴────────┘
latest events
         9  bob ends task 4: success
         9  task 5 (difficulty 1) -> bob, try 1
        10  ann ends task 3: failure
        10  bob ends task 5: success
"""


class FakeWall:
    """A wall clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def frames(source: Path | str) -> tuple[dict[float, str], str, FakeWall]:
    """Run in real time on a fake wall clock; the first frame drawn at each simulated time,
    and the frame after the run."""
    wall = FakeWall()
    pacer = Pacer(interval=0.5, sleep=wall.sleep, monotonic=wall.monotonic)
    sim = build(load_scenario(source), clock=RealtimeClock(1.0, sleep=pacer.sleep))
    dashboard = Dashboard(sim, events=4)
    shots: dict[float, str] = {}

    def shoot() -> str:
        console = Console(record=True, width=72, force_terminal=False, file=io.StringIO())
        console.print(dashboard.render())
        return console.export_text()

    def redraw() -> None:
        shots.setdefault(sim.runtime.now, shoot())

    pacer.redraw = redraw
    run_simulation(sim)
    return shots, shoot(), wall


@pytest.fixture(name="queue_file")
def fixture_queue_file(tmp_path: Path) -> Path:
    path = tmp_path / "queue.toml"
    path.write_text(QUEUE, encoding="utf-8")
    return path


class TestDashboard:
    def test_redrawn_at_each_step_of_the_run(self, queue_file: Path) -> None:
        """A frame is drawn at every simulated instant where the clock waits."""
        shots, _, wall = frames(queue_file)
        assert list(shots) == [0.0, 2.0, 5.0, 9.0]
        assert sum(wall.slept) == 10.0  # 10 simulated seconds at speed 1

    def test_frame_at_t_2(self, queue_file: Path) -> None:
        """At t=2 ann has finished task 1 and took task 3; two tasks wait."""
        shots, _, _ = frames(queue_file)
        assert shots[2.0] == AT_2

    def test_frame_after_the_run(self, queue_file: Path) -> None:
        """After the run: four done, ann's task 3 failed, nobody busy, nothing queued."""
        _, end, _ = frames(queue_file)
        assert end == AT_END

    def test_quickstart_at_t_5(self) -> None:
        """The quick start at t=5: only the senior still works, on task 3."""
        shots, _, _ = frames("quickstart")
        lines = shots[5.0].splitlines()
        assert lines[2].split() == ["0", "1/3", "2", "0", "3", "0"]
        assert [line.split("│")[1:5] for line in lines[6:9]] == [
            [" Junior       ", "     3 ", " idle    ", "         "],
            [" Intermediate ", "     6 ", " idle    ", "         "],
            [" Senior       ", "     9 ", " working ", " 3 (d 8) "],
        ]

    def test_shows_at_most_max_workers_rows(self) -> None:
        """With more workers than rows, the rest are counted below the table."""
        sim = build(load_scenario("rush_hour"))
        dashboard = Dashboard(sim, max_workers=5)
        run_simulation(sim)
        console = Console(record=True, width=100, file=io.StringIO())
        console.print(dashboard.render())
        text = console.export_text()
        assert "... and 15 more workers" in text
        assert text.count("│ w") == 5


class TestPacer:
    def test_sleeps_in_slices_and_redraws_between(self) -> None:
        """sleep(0.25) with interval 0.1 sleeps 0.1, 0.1, 0.05 and redraws after each."""
        wall = FakeWall()
        drawn: list[float] = []
        pacer = Pacer(
            lambda: drawn.append(wall.now), interval=0.1, sleep=wall.sleep, monotonic=wall.monotonic
        )
        pacer.sleep(0.25)
        assert wall.slept == pytest.approx([0.1, 0.1, 0.05])
        assert drawn == pytest.approx([0.0, 0.1, 0.2])

    def test_interval_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match=r"^interval must be > 0, got 0$"):
            Pacer(interval=0)


class TestLiveCommand:
    def test_live_run_ends_with_the_report(self, capsys: pytest.CaptureFixture[str]) -> None:
        """`run quickstart --live --speed 1000` runs in real time and prints the report."""
        assert main(["run", "quickstart", "--live", "--speed", "1000"]) == 0
        out = capsys.readouterr().out
        assert "success_rate" in out
        assert "Senior" in out

    def test_speed_must_be_positive(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--speed 0 is bad input: exit 2 and one error line."""
        assert main(["run", "quickstart", "--live", "--speed", "0"]) == 2
        assert capsys.readouterr().err == "error: --speed must be > 0, got 0\n"

    def test_ctrl_c_exits_130_without_a_traceback(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Ctrl-C during a live run ends it with one line and exit code 130."""

        def interrupted(*args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr("scenarios.cli.run_live", interrupted)
        assert main(["run", "quickstart", "--live"]) == 130
        assert capsys.readouterr().err == "interrupted: the run was stopped before its end\n"
