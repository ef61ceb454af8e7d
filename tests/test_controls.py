"""The [golden] and [dynamic_overlap] sections: what they set, and every refusal."""

from pathlib import Path

import pytest

from agents import DynamicOverlap, Golden
from scenarios.build import build
from scenarios.cli import main
from scenarios.loader import ScenarioError, load_scenario

pytestmark = pytest.mark.usefixtures("quiet_logs")

BASE = """\
name = "controls"
[[workers.items]]
name = "a"
skill_level = 5
[[workers.items]]
name = "b"
skill_level = 5
[tasks.generate]
count = 20
labels = ["x", "y"]
"""


def write(tmp_path: Path, extra: str, base: str = BASE) -> Path:
    path = tmp_path / "controls.toml"
    path.write_text(base + extra, encoding="utf-8")
    return path


def problems(tmp_path: Path, extra: str, base: str = BASE) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, extra, base))
    assert str(caught.value).startswith(f"{tmp_path / 'controls.toml'}: ")
    return caught.value.problems


class TestWhatTheySet:
    def test_the_manager_gets_the_settings(self, tmp_path: Path) -> None:
        """Every field reaches the manager's Golden and DynamicOverlap."""
        path = write(
            tmp_path,
            "[golden]\nshare = 0.2\nanswers = 2\nsmoothing = 0.5\nthreshold = 0.4\n"
            'min_answered = 3\nactions = ["stop"]\n'
            "[dynamic_overlap]\nmin_answers = 2\nmax_answers = 4\ntarget = 0.8\n",
        )
        manager = build(load_scenario(path)).manager
        assert manager.settlement.quality is not None
        assert manager.settlement.quality.settings == Golden(
            0.2, 2, 0.5, 0.4, 3, frozenset({"stop"})
        )
        assert manager.settlement.quality.dynamic == DynamicOverlap(2, 4, 0.8)
        assert sorted(manager.settlement.quality.golden_ids) == [5, 10, 15, 20]

    def test_defaults(self, tmp_path: Path) -> None:
        """Only share is required; the rest defaults as documented."""
        path = write(tmp_path, "[golden]\nshare = 0.1\n[dynamic_overlap]\n")
        quality = build(load_scenario(path)).manager.settlement.quality
        assert quality is not None
        assert (quality.settings, quality.dynamic) == (
            Golden(0.1, 3, 1.0, 0.0, 5, frozenset()),
            DynamicOverlap(1, 5, 0.9),
        )

    def test_min_equal_to_max_is_accepted(self, tmp_path: Path) -> None:
        """min_answers = max_answers is a fixed overlap, and allowed."""
        path = write(tmp_path, "[dynamic_overlap]\nmin_answers = 3\nmax_answers = 3\n")
        assert load_scenario(path).spec.dynamic_overlap is not None

    def test_off_by_default(self, tmp_path: Path) -> None:
        """Without either section the manager has no quality part."""
        assert build(load_scenario(write(tmp_path, ""))).manager.settlement.quality is None


class TestRefusals:
    @pytest.mark.parametrize(
        ("extra", "expected"),
        [
            ("[golden]\nshare = 1.0\n", ("golden.share", "Input should be less than 1")),
            ("[golden]\nshare = 0\n", ("golden.share", "Input should be greater than 0")),
            (
                "[golden]\nshare = nan\n",
                ("golden.share", "Input should be a finite number, got nan"),
            ),
            (
                "[golden]\nshare = 0.1\nsmoothing = inf\n",
                ("golden.smoothing", "Input should be a finite number, got inf"),
            ),
            (
                "[golden]\nshare = 0.1\nanswers = 0\n",
                ("golden.answers", "Input should be greater than or equal to 1"),
            ),
            (
                "[golden]\nshare = 0.1\nthreshold = 1.5\n",
                ("golden.threshold", "Input should be less than or equal to 1"),
            ),
            (
                "[golden]\nshare = 0.1\nmin_answered = 0\n",
                ("golden.min_answered", "Input should be greater than or equal to 1"),
            ),
            (
                '[golden]\nshare = 0.1\nactions = ["ban"]\n',
                ("golden.actions[0]", "Input should be 'stop' or 'discard'"),
            ),
            (
                '[golden]\nshare = 0.1\nactions = ["stop", "stop"]\n',
                ("golden.actions", "each action may be named once"),
            ),
            (
                "[golden]\nshare = 0.1\nshre = 0.2\n",
                ("golden.shre", "Extra inputs are not permitted"),
            ),
            (
                "[dynamic_overlap]\nmin_answers = 3\nmax_answers = 2\n",
                ("dynamic_overlap.max_answers", "must be >= min_answers (3), got 2"),
            ),
            (
                "[dynamic_overlap]\ntarget = 0\n",
                ("dynamic_overlap.target", "Input should be greater than 0"),
            ),
            (
                "[dynamic_overlap]\ntarget = 1.01\n",
                ("dynamic_overlap.target", "Input should be less than or equal to 1"),
            ),
            (
                "[dynamic_overlap]\ntarget = nan\n",
                ("dynamic_overlap.target", "Input should be a finite number, got nan"),
            ),
            (
                "[dynamic_overlap]\nmin_answers = 0\n",
                ("dynamic_overlap.min_answers", "Input should be greater than or equal to 1"),
            ),
            (
                "[dynamic_overlap]\n[consensus]\nassignees = 3\n",
                (
                    "dynamic_overlap",
                    "dynamic overlap sets the number of answers itself: it cannot be combined "
                    "with consensus or min_submitted > 1",
                ),
            ),
            (
                "[golden]\nshare = 0.1\n[pulling]\n",
                (
                    "golden",
                    "golden tasks and dynamic overlap cannot be combined with pulling or a "
                    "workload split",
                ),
            ),
            (
                '[dynamic_overlap]\n[[workload]]\nassignee = "a"\nload = 100\n',
                (
                    "dynamic_overlap",
                    "golden tasks and dynamic overlap cannot be combined with pulling or a "
                    "workload split",
                ),
            ),
        ],
    )
    def test_names_the_field(self, tmp_path: Path, extra: str, expected: tuple[str, str]) -> None:
        """Each bad value is one problem naming its field path and what was expected."""
        assert problems(tmp_path, extra) == [expected]

    def test_min_submitted_with_dynamic_overlap(self, tmp_path: Path) -> None:
        """min_submitted = 2 fixes the number of answers too."""
        assert problems(tmp_path, "[dynamic_overlap]\n", "min_submitted = 2\n" + BASE) == [
            (
                "dynamic_overlap",
                "dynamic overlap sets the number of answers itself: it cannot be combined "
                "with consensus or min_submitted > 1",
            )
        ]

    def test_needs_labelled_tasks(self, tmp_path: Path) -> None:
        """Golden tasks and dynamic overlap on unlabelled tasks are refused."""
        base = BASE.replace('labels = ["x", "y"]\n', "")
        for section in ("[golden]\nshare = 0.1\n", "[dynamic_overlap]\n"):
            name = section.split("]")[0].removeprefix("[")
            assert problems(tmp_path, section, base) == [
                (name, "needs labelled tasks (tasks.generate.labels, or tasks.items with a truth)")
            ]

    def test_items_with_a_truth_are_labelled(self, tmp_path: Path) -> None:
        """A listed task with a truth is enough."""
        base = BASE.replace('labels = ["x", "y"]\n', "") + (
            '[[tasks.items]]\nid = "t"\ndifficulty = 3\ntruth = "x"\n'
        )
        assert load_scenario(write(tmp_path, "[dynamic_overlap]\n", base)).spec.dynamic_overlap

    def test_the_command_line_exits_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """skillsim run on such a file: exit 2, one line naming file and field."""
        path = write(tmp_path, "[golden]\nshare = 2\n")
        assert main(["run", str(path)]) == 2
        assert capsys.readouterr().err == (
            f"error: {path}: golden.share: Input should be less than 1\n"
        )
