"""The random sequences of the manager's parts, with golden tasks and dynamic overlap on.

Every rule of ``test_manager_parts_invariants`` runs (arrivals, answers, refusals,
crashes, joins, leaves, reassigns, closes), tasks are admitted through the operations
so that golden tasks and dynamic overlap decide what each wants, and flagged workers
are stopped and their answers discarded. After every step, besides the index and the
no-task-lost invariants: a task's counted answers are its submitted answers since the
last QA rejection from workers not voided, a golden task wants its fixed number of
answers, and an ordinary labelled task wants between the minimum and the maximum.
"""

from typing import Any

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import initialize, invariant, rule
from parts import Parts
from test_manager_parts_invariants import CATEGORIES, ManagerParts

from agents import Distribution, DynamicOverlap, Golden
from protocol import Task

GOLDEN = Golden(
    share=0.4, answers=2, threshold=0.5, min_answered=1, actions=frozenset({"stop", "discard"})
)
DYNAMIC = DynamicOverlap(1, 3, 0.999)


class QualityParts(ManagerParts):
    def __init__(self) -> None:
        super().__init__()
        self.parts = Parts(
            distribution=Distribution(overlap=1), max_attempts=2, golden=GOLDEN, dynamic=DYNAMIC
        )

    @rule(
        difficulty=st.integers(1, 10),
        category=st.sampled_from(CATEGORIES),
        priority=st.integers(1, 3),
        required=st.integers(1, 3),
        labelled=st.booleans(),
    )
    def arrive(
        self, difficulty: int, category: str | None, priority: int, required: int, labelled: bool
    ) -> None:
        del required  # the quality part decides it
        fields: dict[str, Any] = {"truth": "x", "labels": ["x", "y", "z"]} if labelled else {}
        task = Task(
            id=self.next_task, difficulty=difficulty, skill=category, priority=priority, **fields
        )
        self.next_task += 1
        self.parts.operations.admit(task, self.parts.now)

    @initialize()
    def team(self) -> None:
        """Three workers from the start, so that the first tasks meet someone."""
        for _ in range(3):
            self.join(5, 2, None)

    @rule(data=st.data())
    def work(self, data: st.DataObject) -> None:
        """Place, then answer every held task (right or wrong): a busy instant."""
        parts = self.parts
        parts.place()
        self.deliver_withdrawals()
        parts.now += 1.0
        for task_id, worker in self.held_pairs():
            record = parts.board.get(task_id)
            if not record.held_by(worker):
                continue
            success = data.draw(st.booleans())
            truth = record.task.truth
            answer = (
                None if truth is None else ("x" if success else data.draw(st.sampled_from("yz")))
            )
            parts.answer(task_id, worker, success=success, answer=answer)
        self.deliver_withdrawals()

    @invariant()
    def counted_answers_are_the_kept_ones(self) -> None:
        quality = self.parts.quality
        assert quality is not None
        for record in self.parts.board:
            if record.terminal is not None or record.task.truth is None:
                continue
            kept = [
                r
                for r in record.responses[record.rejected_upto :]
                if r.status == "submitted" and r.worker not in record.voided
            ]
            assert record.counted == len(kept), record
            if quality.is_golden(record.id):
                assert record.required == GOLDEN.answers
            else:
                assert DYNAMIC.min_answers <= record.required <= DYNAMIC.max_answers

    @invariant()
    def flagged_workers_take_nothing_new(self) -> None:
        scores = self.parts.scores
        assert scores is not None
        for worker_id, score in scores.snapshot().items():
            if score.flagged:
                assert not self.parts.dispatcher.workers[worker_id].usable


TestQualityParts = QualityParts.TestCase
TestQualityParts.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
