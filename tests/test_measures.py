"""The metric families, each a pure function of a hand-made run record."""

from typing import Any

import pytest

from scenarios.measures import counts, effort, jain, labelling, percentile, timing, workload
from scenarios.metrics import measure
from scenarios.record import Response, RunRecord, TaskFact, WorkerFact

QUALITY_FIGURES = [
    "answers_bought",
    "golden_answers",
    "workers_flagged",
    "accuracy_ds_one_coin",
    "accuracy_ds_full",
    "cost_per_correct_weighted",
    "cost_per_correct_ds_one_coin",
    "cost_per_correct_ds_full",
    "fleiss_kappa",
    "krippendorff_alpha",
]


def task(id: int, difficulty: float, status: str, **fields: Any) -> TaskFact:
    values: dict[str, Any] = {
        "priority": 1,
        "skill": None,
        "due": None,
        "truth": None,
        "arrived": 0.0,
        "assigned": None,
        "started": None,
        "finished": None,
        "success": None,
        "attempts": 0,
        "required": 1,
        "reassignments": 0,
        "overshoot": 0,
        "rejections": 0,
        "reviewed": False,
        "answer": None,
        "answer_weighted": None,
        "responses": (),
    }
    values.update(fields)
    return TaskFact(id=id, difficulty=difficulty, status=status, **values)


def worker(name: str, skill: float, busy: float, role: str = "worker") -> WorkerFact:
    return WorkerFact(name, name, role, skill, {}, 1, 0, 0, busy, None)


def ok(name: str) -> Response:
    return Response(name, True, "submitted")


def bad(name: str) -> Response:
    return Response(name, False, "submitted")


RECORD = RunRecord(
    scenario="hand",
    policy="best_fit",
    seed=0,
    ending="complete",
    waiting_for=(),
    end=10.0,
    progress={},
    tasks=(
        task(
            1, 2, "completed", started=1.0, finished=3.0, due=3.0, attempts=1, responses=(ok("a"),)
        ),
        task(
            2,
            6,
            "failed",
            started=2.0,
            finished=10.0,
            due=8.0,
            attempts=2,
            responses=(bad("a"), bad("b")),
        ),
        task(
            3,
            4,
            "completed",
            arrived=1.0,
            started=5.0,
            finished=9.0,
            attempts=1,
            truth="x",
            answer="x",
            answer_weighted="y",
            responses=(ok("b"),),
        ),
        task(4, 3, "removed", arrived=2.0, finished=4.0),
        task(5, 1, "pending", arrived=3.0),
    ),
    workers=(worker("a", 5, 6.0), worker("b", 4, 2.0), worker("r", 7, 1.0, role="reviewer")),
    attempts=(),
    events=(),
    series=(),
    reviews=0,
    rework=0,
    stale_results=0,
)


class TestFamilies:
    def test_counts(self) -> None:
        """Tasks by final state; success rate over completed and failed only."""
        assert counts(RECORD) == {
            "total": 5,
            "completed": 2,
            "failed": 1,
            "removed": 1,
            "pending": 1,
            "success_rate": 0.666667,
        }

    def test_timing(self) -> None:
        """Makespan is the last finish; waits 1, 2, 4 give mean 7/3 and nearest-rank p95 4."""
        assert timing(RECORD) == {
            "makespan": 10.0,
            "throughput": 0.2,
            "wait_mean": 2.333333,
            "wait_p95": 4.0,
        }

    def test_workload_counts_workers_not_reviewers(self) -> None:
        """Busy 6 and 2 over makespan 10: utilization 0.4, Jain 64 / (2 * 40) = 0.8."""
        assert workload(RECORD) == {
            "utilization_mean": 0.4,
            "fairness_jain": 0.8,
            "estimate_mae": None,
        }

    def test_effort(self) -> None:
        """Gaps 3 and 0 (capable, successful); one miss (finishing at the due time is not one)."""
        figures = effort(RECORD)
        assert figures == {
            "overqualification_mean": 1.5,
            "deadline_misses": 1,
            "reassignments": 0,
            "retries": 1,
            "drafts": 0,
            "discarded": 0,
            "stale_results": 0,
            "expired": 0,
            "stale_answers": 0,
        }

    def test_labelling(self) -> None:
        """One labelled task answered right by majority, wrong by the weighted vote."""
        figures = labelling(RECORD)
        assert (
            figures["accuracy_majority"],
            figures["accuracy_weighted"],
            figures["answers_per_correct"],
        ) == (1.0, 0.0, 1.0)

    def test_measure_composes_the_families(self) -> None:
        """The result's metrics are the union of the families; rows follow the record."""
        result = measure(RECORD)
        assert result.metrics.model_dump() == {
            **counts(RECORD),
            **timing(RECORD),
            **workload(RECORD),
            **effort(RECORD),
            **labelling(RECORD),
            # A record without labelled-task rows has no label-quality figures.
            **dict.fromkeys(QUALITY_FIGURES),
        }
        assert [(w.name, w.utilization) for w in result.workers] == [
            ("a", 0.6),
            ("b", 0.2),
            ("r", 0.1),
        ]
        assert [t.worker for t in result.tasks] == ["a", "b", "b", None, None]


class TestHelpers:
    @pytest.mark.parametrize(
        ("values", "q", "expected"),
        [([], 95, 0.0), ([3.0], 95, 3.0), ([4.0, 1.0, 3.0, 2.0], 50, 2.0), ([1.0, 2.0], 51, 2.0)],
    )
    def test_percentile_is_nearest_rank(
        self, values: list[float], q: float, expected: float
    ) -> None:
        """The smallest value with at least q% of values at or below it."""
        assert percentile(values, q) == expected

    def test_jain_bounds(self) -> None:
        """Equal shares give 1, one worker doing all of four gives 1/4."""
        assert (jain([2.0, 2.0]), jain([4.0, 0.0, 0.0, 0.0]), jain([])) == (1.0, 0.25, 1.0)
