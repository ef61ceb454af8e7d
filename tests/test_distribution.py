"""Distribution modes: validation of each setting, the workload split, and the loader's checks."""

import itertools
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from agents import (
    Consensus,
    Distribution,
    ModeConflictError,
    Pulling,
    QualityReview,
    Workload,
    WorkloadUnit,
    check_workload,
    split,
    workload_problem,
)
from protocol import SkillsimError
from scenarios.build import make_distribution
from scenarios.loader import ScenarioError, load_scenario

BASE = """\
[[workers.items]]
name = "ana"
skill_level = 6

[[workers.items]]
name = "ben"
skill_level = 6

[[tasks.items]]
id = 1
difficulty = 3
"""


def units(*pairs: tuple[str, float]) -> tuple[WorkloadUnit, ...]:
    return tuple(WorkloadUnit(name, load) for name, load in pairs)


def counts(assignees: list[str], names: list[str]) -> list[int]:
    return [assignees.count(name) for name in names]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text + BASE, encoding="utf-8")
    return path


def refused(call: Callable[[], object]) -> list[tuple[tuple[int | str, ...], str]]:
    """The (field, message) pairs of the ValidationError a call raises."""
    with pytest.raises(ValidationError) as caught:
        call()
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def problem(path: Path, line: str) -> str:
    """The anchored pattern of a one-line ScenarioError about ``path``."""
    return "^" + re.escape(f"{path}: {line}") + "$"


class TestWorkloadUnit:
    def test_load_is_kept(self) -> None:
        """A unit keeps its assignee and load."""
        unit = WorkloadUnit("ana", 50)
        assert (unit.assignee_id, unit.load) == ("ana", 50)

    def test_empty_assignee_is_refused(self) -> None:
        """An empty assignee raises a ValidationError (a ValueError) naming the field."""
        assert issubclass(ValidationError, ValueError)
        assert refused(lambda: WorkloadUnit(assignee_id="", load=50)) == [
            (("assignee_id",), "String should have at least 1 character")
        ]

    @pytest.mark.parametrize(
        ("load", "message"),
        [
            (-1, "Input should be greater than or equal to 0"),
            (101, "Input should be less than or equal to 100"),
            (100.5, "Input should be less than or equal to 100"),
        ],
    )
    def test_load_outside_0_to_100_is_refused(self, load: float, message: str) -> None:
        """A load below 0 or above 100 is refused, naming the load and the bound."""
        assert refused(lambda: WorkloadUnit(assignee_id="ana", load=load)) == [(("load",), message)]

    @pytest.mark.parametrize("load", [0, 100])
    def test_bounds_are_allowed(self, load: float) -> None:
        """Loads of exactly 0 and 100 are valid."""
        assert WorkloadUnit("ana", load).load == load

    def test_seed_spelling_and_file_spelling_are_one_field(self) -> None:
        """``assignee_id`` (the seed's name) and ``assignee`` (the file's) build one unit."""
        by_name = WorkloadUnit(assignee_id="ana", load=50)
        assert by_name == WorkloadUnit(assignee="ana", load=50)
        assert by_name == WorkloadUnit("ana", 50)

    @pytest.mark.parametrize("load", [True, "50"])
    def test_load_is_strictly_a_number(self, load: object) -> None:
        """``true`` is not 1 and ``"50"`` is not 50."""
        assert refused(lambda: WorkloadUnit("ana", load)) == [
            ((1,), "Input should be a valid number")
        ]


class TestConsensus:
    def test_defaults(self) -> None:
        """By default every task goes to two workers."""
        assert Consensus() == Consensus(percentage=100.0, assignees=2)

    @pytest.mark.parametrize(
        ("percentage", "message"),
        [
            (-1, "Input should be greater than or equal to 0"),
            (100.5, "Input should be less than or equal to 100"),
        ],
    )
    def test_percentage_outside_0_to_100_is_refused(self, percentage: float, message: str) -> None:
        """A percentage outside 0..100 is refused, naming the field and the bound."""
        assert refused(lambda: Consensus(percentage=percentage)) == [(("percentage",), message)]

    @pytest.mark.parametrize("percentage", [0, 100])
    def test_percentage_bounds_are_allowed(self, percentage: float) -> None:
        """0 and 100 are valid percentages."""
        assert Consensus(percentage=percentage).percentage == percentage

    @pytest.mark.parametrize("assignees", [1, 0])
    def test_fewer_than_two_assignees_is_refused(self, assignees: int) -> None:
        """Consensus needs at least two assignees per task."""
        assert refused(lambda: Consensus(assignees=assignees)) == [
            (("assignees",), "Input should be greater than or equal to 2")
        ]


class TestQualityReview:
    def test_no_reviewer_is_refused(self) -> None:
        """QA without reviewers is refused."""
        assert refused(lambda: QualityReview(reviewers=())) == [
            (("reviewers",), "Tuple should have at least 1 item after validation, not 0")
        ]

    @pytest.mark.parametrize(
        ("sample", "message"),
        [
            (-0.1, "Input should be greater than or equal to 0"),
            (1.5, "Input should be less than or equal to 1"),
        ],
    )
    def test_sample_outside_0_to_1_is_refused(self, sample: float, message: str) -> None:
        """A sample share outside 0..1 is refused, naming the field and the bound."""
        assert refused(lambda: QualityReview(reviewers=("rita",), sample=sample)) == [
            (("sample",), message)
        ]

    @pytest.mark.parametrize("sample", [0, 1])
    def test_sample_bounds_are_allowed(self, sample: float) -> None:
        """0 and 1 are valid samples."""
        assert QualityReview(reviewers=("rita",), sample=sample).sample == sample


class TestPulling:
    def test_defaults(self) -> None:
        """By default batches hold 10 tasks and a worker holds at most 15."""
        assert Pulling() == Pulling(batch_size=10, max_batch_workload=15)

    @pytest.mark.parametrize("batch_size", [3, 50, 100])
    def test_batch_size_within_3_to_100_is_accepted(self, batch_size: int) -> None:
        """Batch sizes 3..100 are valid with the smallest allowed workload."""
        pulling = Pulling(batch_size=batch_size, max_batch_workload=batch_size + 2)
        assert pulling.max_batch_workload == batch_size + 2

    @pytest.mark.parametrize(
        ("batch_size", "message"),
        [
            (2, "Input should be greater than or equal to 3"),
            (0, "Input should be greater than or equal to 3"),
            (101, "Input should be less than or equal to 100"),
        ],
    )
    def test_batch_size_outside_3_to_100_is_refused(self, batch_size: int, message: str) -> None:
        """A batch size outside the seed's bounds 3..100 is refused."""
        assert refused(lambda: Pulling(batch_size=batch_size, max_batch_workload=500)) == [
            (("batch_size",), message)
        ]

    def test_workload_below_batch_size_plus_two_is_refused(self) -> None:
        """max_batch_workload must leave room for a batch and two more."""
        assert refused(lambda: Pulling(batch_size=10, max_batch_workload=11)) == [
            (("max_batch_workload",), "Value error, must be at least batch_size + 2 (12), got 11")
        ]


class TestDistribution:
    def test_default_is_one_plain_response(self) -> None:
        """The default distribution asks one response and no special mode."""
        assert Distribution() == Distribution(
            min_submitted=1, overlap=0, consensus=None, qa=None, pulling=None, workload=()
        )

    @pytest.mark.parametrize("value", [0, -2])
    def test_min_submitted_below_one_is_refused(self, value: int) -> None:
        """min_submitted must be at least 1."""
        with pytest.raises(ValueError, match=rf"^min_submitted must be >= 1, got {value}$"):
            Distribution(min_submitted=value)

    def test_negative_overlap_is_refused(self) -> None:
        """A negative overlap raises ValueError."""
        with pytest.raises(ValueError, match=r"^overlap must be >= 0, got -1$"):
            Distribution(overlap=-1)

    def test_consensus_with_pulling_is_refused(self) -> None:
        """Consensus and pulling cannot be combined, as on the seed platform."""
        with pytest.raises(
            ValueError,
            match=r"^consensus and pulling cannot be combined \(as on the seed platform\)$",
        ):
            Distribution(consensus=Consensus(), pulling=Pulling())

    def test_loads_must_sum_to_100(self) -> None:
        """A workload whose loads do not sum to 100 raises ValueError with the sum."""
        with pytest.raises(ValueError, match=r"^workload loads must sum to 100, got 90$"):
            Distribution(workload=units(("ana", 50), ("ben", 40)))

    def test_duplicate_assignee_is_refused(self) -> None:
        """A workload naming a worker twice raises ValueError."""
        with pytest.raises(ValueError, match=r"^workload\[1\]: 'ana' is named more than once$"):
            Distribution(workload=units(("ana", 50), ("ana", 50)))

    @pytest.mark.parametrize(
        ("settings", "field"),
        [
            ({"min_submitted": 0}, "min_submitted"),
            ({"overlap": -1}, "overlap"),
            ({"consensus": Consensus(), "pulling": Pulling()}, "pulling"),
            ({"workload": units(("ana", 100)), "min_submitted": 2}, "workload"),
            ({"queue": "assignee", "overlap": 1}, "queue"),
            ({"ttl": 0}, "ttl"),
        ],
    )
    def test_a_refusal_names_the_setting(self, settings: dict[str, Any], field: str) -> None:
        """A refused setting raises ModeConflictError (a SkillsimError and ValueError) naming it."""
        with pytest.raises(ModeConflictError) as caught:
            Distribution(**settings)
        assert (caught.value.field, isinstance(caught.value, SkillsimError | ValueError)) == (
            field,
            True,
        )

    def test_modes_combine_where_allowed(self) -> None:
        """QA, pulling, overlap and a workload split may be combined."""
        distribution = Distribution(
            overlap=1,
            qa=QualityReview(("rita",), 0.5),
            pulling=Pulling(3, 5),
            workload=units(("ana", 60), ("ben", 40)),
        )
        assert distribution.pulling == Pulling(3, 5)

    def test_workload_split_with_several_answers_per_task_is_refused(self) -> None:
        """A split designates one worker per task, so it cannot go with min_submitted > 1."""
        with pytest.raises(ValueError, match=r"^workload .*min_submitted.*$"):
            Distribution(min_submitted=2, workload=units(("ana", 50), ("ben", 50)))


class TestWorkload:
    def test_is_a_tuple_of_units(self) -> None:
        """Workload([...]) is the tuple of its units."""
        workload = Workload([WorkloadUnit("ana", 50), WorkloadUnit("ben", 50)])
        assert workload == units(("ana", 50), ("ben", 50))

    def test_loads_must_sum_to_100(self) -> None:
        """Workload checks its sum like a distribution does."""
        with pytest.raises(ValueError, match=r"^workload loads must sum to 100, got 60$"):
            Workload([WorkloadUnit("ana", 60)])

    def test_duplicate_assignee_is_refused(self) -> None:
        """Workload refuses a worker named twice."""
        with pytest.raises(ValueError, match=r"^workload\[1\]: 'ana' is named more than once$"):
            check_workload(units(("ana", 40), ("ana", 60)))

    @pytest.mark.parametrize(
        ("pairs", "problem"),
        [
            ((("ana", 50), ("ben", 50)), None),
            ((("ana", 50), ("ben", 40)), (None, "loads must sum to 100, got 90")),
            ((("ana", 50), ("ben", 0), ("ana", 50)), (2, "'ana' is named more than once")),
            ((("ana", 50), ("ana", 40)), (None, "loads must sum to 100, got 90")),
        ],
    )
    def test_workload_problem_is_the_one_statement_of_the_rule(
        self, pairs: tuple[tuple[str, float], ...], problem: tuple[int | None, str] | None
    ) -> None:
        """The sum is checked first, then the first unit naming a worker again."""
        assert workload_problem(units(*pairs)) == problem

    def test_thirds_are_accepted(self) -> None:
        """Loads that sum to 100 up to float rounding are accepted."""
        check_workload(units(("a", 100 / 3), ("b", 100 / 3), ("c", 100 / 3)))


class TestSplit:
    def test_fifty_thirty_twenty_of_ten(self) -> None:
        """Ten items split 50/30/20 go 5/3/2, interleaved."""
        out = split(10, units(("ana", 50), ("ben", 30), ("cy", 20)))
        assert out == ["ana", "ben", "cy", "ana", "ana", "ben", "ana", "cy", "ben", "ana"]
        assert counts(out, ["ana", "ben", "cy"]) == [5, 3, 2]

    def test_odd_count_halves_favour_the_first_listed(self) -> None:
        """Seven items split 50/50 go 4/3: a tied remainder goes by listing order."""
        out = split(7, units(("ana", 50), ("ben", 50)))
        assert out == ["ana", "ben", "ana", "ben", "ana", "ben", "ana"]

    def test_largest_remainder_gets_the_leftover(self) -> None:
        """Seven items split 50/30/20 go 4/2/1: the leftover goes to the largest remainder."""
        out = split(7, units(("ana", 50), ("ben", 30), ("cy", 20)))
        assert counts(out, ["ana", "ben", "cy"]) == [4, 2, 1]

    def test_thirds(self) -> None:
        """Three items split in thirds go one each."""
        third = 100 / 3
        assert split(3, units(("a", third), ("b", third), ("c", third))) == ["a", "b", "c"]

    def test_zero_load_gets_nothing(self) -> None:
        """A unit with load 0 gets no item."""
        assert split(5, units(("ana", 0), ("ben", 100))) == ["ben"] * 5

    def test_nothing_to_split(self) -> None:
        """Zero items split into an empty list."""
        assert split(0, units(("ana", 100))) == []

    def test_bad_workload_is_refused(self) -> None:
        """split checks its workload first."""
        with pytest.raises(ValueError, match=r"^workload loads must sum to 100, got 50$"):
            split(3, units(("ana", 50)))

    def test_equal_remainders_tie_by_listing_order(self) -> None:
        """Two items split 10/70/20: b and c tie on remainder 0.4, so b (listed first) gets it."""
        out = split(2, units(("a", 10), ("b", 70), ("c", 20)))
        assert counts(out, ["a", "b", "c"]) == [0, 2, 0]

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(
        cuts=st.lists(st.integers(0, 100), min_size=0, max_size=4),
        count=st.integers(0, 40),
    )
    def test_shares_and_prefixes(self, cuts: list[int], count: int) -> None:
        """Shares are largest-remainder ones; every prefix is within one item of its share."""
        edges = [0, *sorted(cuts), 100]
        loads = [b - a for a, b in itertools.pairwise(edges)]
        names = [f"u{i}" for i in range(len(loads))]
        out = split(count, units(*zip(names, loads, strict=True)))
        exact = [Fraction(count * load, 100) for load in loads]
        shares = [int(e) for e in exact]
        order = sorted(range(len(loads)), key=lambda i: (-(exact[i] - shares[i]), i))
        for i in order[: count - sum(shares)]:
            shares[i] += 1
        assert counts(out, names) == shares
        for k in range(1, count + 1):
            prefix = out[:k]
            for name, share in zip(names, shares, strict=True):
                assert abs(prefix.count(name) - Fraction(k * share, count)) < 1


class TestLoader:
    @pytest.mark.parametrize(
        ("text", "line"),
        [
            (
                "[pulling]\nbatch_size = 2\n",
                "pulling.batch_size: Input should be greater than or equal to 3",
            ),
            (
                "[pulling]\nbatch_size = 101\nmax_batch_workload = 200\n",
                "pulling.batch_size: Input should be less than or equal to 100",
            ),
            (
                "[pulling]\nbatch_size = 10\nmax_batch_workload = 11\n",
                "pulling.max_batch_workload: must be at least batch_size + 2 (12), got 11",
            ),
            (
                "[pulling]\n\n[consensus]\n",
                "pulling: consensus and pulling cannot be combined (as on the seed platform)",
            ),
            (
                "min_submitted = 0\n",
                "min_submitted: Input should be greater than or equal to 1",
            ),
            (
                "overlap = -1\n",
                "overlap: Input should be greater than or equal to 0",
            ),
            (
                'min_submitted = 2\n[[workload]]\nassignee = "ana"\nload = 100\n\n',
                "workload: workload split gives each task to one worker, so it cannot be "
                "combined with min_submitted > 1 or consensus",
            ),
            (
                "[consensus]\nassignees = 1\n",
                "consensus.assignees: Input should be greater than or equal to 2",
            ),
            (
                "[consensus]\npercentage = 101\n",
                "consensus.percentage: Input should be less than or equal to 100",
            ),
            (
                '[[workload]]\nassignee = "zed"\nload = 100\n',
                "workload[0].assignee: unknown worker 'zed'",
            ),
            (
                '[[workload]]\nassignee = "ana"\nload = 90\n',
                "workload: loads must sum to 100, got 90",
            ),
            (
                '[[workload]]\nassignee = "ana"\nload = 101\n',
                "workload[0].load: Input should be less than or equal to 100",
            ),
            (
                '[qa]\nreviewers = ["ana"]\n',
                "qa: reviewer 'ana' is not a worker item with reviewer = true",
            ),
            (
                "[qa]\nreviewers = []\n",
                "qa.reviewers: Tuple should have at least 1 item after validation, not 0",
            ),
            (
                '[[workers.items]]\nname = "rita"\nreviewer = true\n\n[qa]\n'
                'reviewers = ["rita"]\nsample = 2\n',
                "qa.sample: Input should be less than or equal to 1",
            ),
        ],
    )
    def test_problem_names_the_setting(self, tmp_path: Path, text: str, line: str) -> None:
        """Each invalid distribution setting is a ScenarioError naming its field path."""
        path = write(tmp_path, text)
        with pytest.raises(ScenarioError, match=problem(path, line)):
            load_scenario(path)

    @pytest.mark.parametrize(
        ("section", "table", "call"),
        [
            ("consensus", "[consensus]\npercentage = 150\n", lambda: Consensus(percentage=150)),
            ("pulling", "[pulling]\nbatch_size = 2\n", lambda: Pulling(batch_size=2)),
            (
                "qa",
                '[[workers.items]]\nname = "rita"\nreviewer = true\n\n[qa]\n'
                'reviewers = ["rita"]\nsample = 2\n',
                lambda: QualityReview(reviewers=("rita",), sample=2),
            ),
        ],
    )
    def test_file_and_call_are_refused_alike(
        self, tmp_path: Path, section: str, table: str, call: Callable[[], object]
    ) -> None:
        """A table and the agents class it is refuse a bad value with one message."""
        ((field,), message) = refused(call)[0]
        path = write(tmp_path, table)
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        assert caught.value.problems == [(f"{section}.{field}", message)]

    def test_duplicate_workload_assignee_is_a_scenario_error(self, tmp_path: Path) -> None:
        """A workload naming a worker twice is reported by the loader, not at build time."""
        path = write(
            tmp_path,
            '[[workload]]\nassignee = "ana"\nload = 50\n\n[[workload]]\nassignee = "ana"\n'
            "load = 50\n",
        )
        with pytest.raises(
            ScenarioError,
            match=rf"^{re.escape(str(path))}: "
            r"workload\[1\]\.assignee: 'ana' is named more than once$",
        ):
            load_scenario(path)

    @pytest.mark.parametrize(
        "workload",
        ['[{ assignee = "zed", load = 100 }]', '[{ assignee = "ana", load = 90 }]'],
    )
    def test_redistribute_event_workload_is_checked(self, tmp_path: Path, workload: str) -> None:
        """A redistribute event's workload is checked like the top-level one when loading."""
        path = write(
            tmp_path, f'[[events]]\nat = 5\naction = "redistribute"\nworkload = {workload}\n'
        )
        with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}: events.+$"):
            load_scenario(path)

    def test_valid_modes_make_the_distribution(self, tmp_path: Path) -> None:
        """A valid file's settings become the manager's Distribution."""
        path = write(
            tmp_path,
            "overlap = 1\n\n[pulling]\nbatch_size = 3\nmax_batch_workload = 5\n\n"
            '[[workload]]\nassignee = "ana"\nload = 70\n\n[[workload]]\nassignee = "ben"\n'
            'load = 30\n\n[[workers.items]]\nname = "rita"\nreviewer = true\n\n'
            '[qa]\nreviewers = ["rita"]\nsample = 0.25\n',
        )
        spec = load_scenario(path).spec
        assert make_distribution(spec) == Distribution(
            overlap=1,
            qa=QualityReview(("rita",), 0.25),
            pulling=Pulling(3, 5),
            workload=units(("ana", 70), ("ben", 30)),
        )

    def test_consensus_makes_the_distribution(self, tmp_path: Path) -> None:
        """A consensus table becomes Consensus(percentage, assignees)."""
        path = write(tmp_path, "[consensus]\npercentage = 40\nassignees = 3\n")
        assert make_distribution(load_scenario(path).spec) == Distribution(
            consensus=Consensus(40, 3)
        )
