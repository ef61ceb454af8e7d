"""Random sequences of arrivals, answers, crashes, joins, leaves, reassigns and removals,
reservations that expire, workers that fall silent, and late answers.

After every step: the dispatcher's index equals one recomputed from scratch, and no
task is lost (every open task with an open slot is queued, in review, or final) or
held twice (the board's holders and the workers' held tasks are the same pairs).
"""

from typing import Any

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from parts import Parts

from agents import Distribution, Reservations, TaskState
from protocol import TaskRejected, TaskResult, TaskWithdrawn

CATEGORIES = [None, "v", "t"]


class ManagerParts(RuleBasedStateMachine):
    distribution = Distribution(overlap=1)
    policy = "best_fit"
    max_required = 3

    def __init__(self) -> None:
        super().__init__()
        self.parts = Parts(self.policy, distribution=self.distribution, max_attempts=2)
        self.next_task = 0
        self.next_worker = 0
        self.seen_sent = 0
        # Holds expire when the ``expire`` rule fires their timer, in any order.
        self.timers: list[tuple[Any, tuple[Any, ...]]] = []
        self.reservations = Reservations(
            self.parts.board,
            self.parts.dispatcher,
            self.parts.settlement,
            5.0,
            later=lambda delay, callback, *args: self.timers.append((callback, args)),
            log=self.parts.log,
        )
        self.parts.dispatcher.on_hold = self.reservations.held
        self.silent: set[str] = set()
        self.lapsed: list[tuple[Any, str, int]] = []

    # -- helpers -----------------------------------------------------------------------

    def deliver_withdrawals(self) -> None:
        """Workers answer withdrawals of work they have not started, as WorkerAgent does."""
        parts = self.parts
        while self.seen_sent < len(parts.sent):
            to, message = parts.sent[self.seen_sent]
            self.seen_sent += 1
            if not isinstance(message, TaskWithdrawn):
                continue
            record = parts.board.find(message.task_id)
            worker = parts.dispatcher.workers.get(to)
            if record is None or worker is None or not worker.connected:
                continue
            hold = record.holders.get(to)
            if hold is not None and hold.started is None:
                rejected = TaskRejected(task_id=message.task_id, worker=to, reason="withdrawn")
                parts.settlement.rejected(rejected, parts.now)

    def held_pairs(self) -> list[tuple[Any, str]]:
        return [(r.id, w) for r in self.parts.board for w in r.holders]

    def answering_pairs(self) -> list[tuple[Any, str]]:
        return [(t, w) for t, w in self.held_pairs() if w not in self.silent]

    def connected(self) -> list[str]:
        return [w for w, r in self.parts.dispatcher.workers.items() if r.connected]

    # -- rules ---------------------------------------------------------------------------

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
        from protocol import Task

        fields: dict[str, Any] = {"truth": "x", "labels": ["x", "y"]} if labelled else {}
        task = Task(
            id=self.next_task, difficulty=difficulty, skill=category, priority=priority, **fields
        )
        self.next_task += 1
        self.parts.board.add(task, self.parts.now, required=min(required, self.max_required))

    @rule(
        skill=st.integers(0, 10),
        capacity=st.integers(1, 3),
        specialty=st.sampled_from([None, ["v"], ["t"], ["v", "t"]]),
    )
    def join(self, skill: int, capacity: int, specialty: list[str] | None) -> None:
        self.parts.join(f"w{self.next_worker}", skill, capacity=capacity, specialties=specialty)
        self.next_worker += 1

    @rule(data=st.data())
    def place(self, data: st.DataObject) -> None:
        self.parts.now += data.draw(st.sampled_from([0.0, 0.5, 1.0]))
        self.parts.place()
        self.deliver_withdrawals()

    @precondition(lambda self: self.answering_pairs())
    @rule(data=st.data(), success=st.booleans(), start=st.booleans())
    def answer(self, data: st.DataObject, success: bool, start: bool) -> None:
        task_id, worker = data.draw(st.sampled_from(self.answering_pairs()))
        parts = self.parts
        parts.now += 1.0
        if start:
            from protocol import TaskAccepted

            parts.settlement.accepted(TaskAccepted(task_id=task_id, worker=worker), parts.now)
            return
        record = parts.board.get(task_id)
        answer = ("x" if success else "y") if record.task.truth is not None else None
        parts.answer(task_id, worker, success=success, answer=answer)
        self.deliver_withdrawals()

    @precondition(lambda self: self.held_pairs())
    @rule(data=st.data())
    def refuse(self, data: st.DataObject) -> None:
        task_id, worker = data.draw(st.sampled_from(self.held_pairs()))
        reason = data.draw(st.sampled_from(["busy", "specialty"]))
        refusal = TaskRejected(task_id=task_id, worker=worker, reason=reason)
        self.parts.settlement.rejected(refusal, self.parts.now)
        if reason == "busy":
            self.parts.dispatcher.asked(self.parts.dispatcher.workers[worker])

    @precondition(lambda self: self.connected())
    @rule(data=st.data())
    def crash(self, data: st.DataObject) -> None:
        self.parts.settlement.departed(data.draw(st.sampled_from(self.connected())))
        self.reservations.departed()

    @precondition(lambda self: self.connected())
    @rule(data=st.data())
    def silence(self, data: st.DataObject) -> None:
        self.silent.add(data.draw(st.sampled_from(self.connected())))

    @precondition(lambda self: self.timers)
    @rule(data=st.data())
    def expire(self, data: st.DataObject) -> None:
        callback, (record, hold) = self.timers.pop(data.draw(st.integers(0, len(self.timers) - 1)))
        self.parts.now += 0.5
        if callback(record, hold):
            self.lapsed.append((record.id, hold.worker, hold.attempt))
        self.deliver_withdrawals()

    @precondition(lambda self: self.lapsed)
    @rule(data=st.data(), success=st.booleans())
    def late_answer(self, data: st.DataObject, success: bool) -> None:
        """The holder of an expired hold answers after all: ignored and counted stale."""
        task_id, worker, attempt = self.lapsed.pop(data.draw(st.integers(0, len(self.lapsed) - 1)))
        stale = self.reservations.stale_answers, self.parts.settlement.stale_results
        result = TaskResult(task_id=task_id, worker=worker, success=success, attempt=attempt)
        assert self.reservations.answered(result)
        before = [(r.id, r.responses, r.state) for r in self.parts.board]
        self.parts.settlement.result(result, self.parts.now)
        assert [(r.id, r.responses, r.state) for r in self.parts.board] == before
        after = self.reservations.stale_answers, self.parts.settlement.stale_results
        assert after == (stale[0] + 1, stale[1] + 1)

    @precondition(lambda self: self.connected())
    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        worker = self.parts.dispatcher.workers[data.draw(st.sampled_from(self.connected()))]
        self.parts.dispatcher.leaving(worker)

    @precondition(lambda self: len(self.parts.dispatcher.workers) >= 2)
    @rule(data=st.data())
    def reassign(self, data: st.DataObject) -> None:
        workers = self.parts.dispatcher.workers
        source = data.draw(st.sampled_from(sorted(workers)))
        usable = sorted(w for w, r in workers.items() if r.usable and w != source)
        if usable:
            self.parts.operations.reassign(source, data.draw(st.sampled_from(usable)))
            self.deliver_withdrawals()

    @precondition(lambda self: len(self.parts.board) > 0)
    @rule(data=st.data(), status=st.sampled_from(["removed", "completed", "failed"]))
    def close(self, data: st.DataObject, status: Any) -> None:
        task_id = data.draw(st.sampled_from([r.id for r in self.parts.board]))
        self.parts.operations.set_status(status, [task_id])
        self.deliver_withdrawals()

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def index_equals_a_recomputation(self) -> None:
        dispatcher = self.parts.dispatcher
        index = dispatcher.index
        room = {
            w: dispatcher.limit(r) - len(r.held)
            for w, r in dispatcher.workers.items()
            if r.usable and dispatcher.limit(r) - len(r.held) > 0
        }
        assert {m.id: index.free(m.id) for m in index.members()} == room
        assert index.total == sum(room.values())
        for category in index.categories():
            expected = sorted(
                (r.profile.skill_for(category), r.idle_since, r.order, w)
                for w, r in dispatcher.workers.items()
                if w in room and r.takes(category)
            )
            assert index.keys(category) == expected

    @invariant()
    def no_task_is_lost_or_held_twice(self) -> None:
        board, dispatcher = self.parts.board, self.parts.dispatcher
        assert [r.id for r in board] == list(range(self.next_task))
        held_by_workers = sorted(
            (t, w) for w, r in dispatcher.workers.items() for t in r.held if r.connected
        )
        assert sorted(self.held_pairs()) == held_by_workers
        for record in board:
            assert len(record.holders) <= record.required + record.overlap
            if record.terminal is None and record.open_slots > 0:
                assert record.queued, record
            if record.terminal is not None:
                assert not record.queued
        assert board.queued() == sum(1 for r in board if r.queued)
        finals = sum(board.count(s) for s in (TaskState.COMPLETED, TaskState.FAILED))
        assert finals + board.count(TaskState.REMOVED) + board.open_count() == len(board)

    @invariant()
    def nothing_waits_in_a_queue_of_nobody(self) -> None:
        board = self.parts.board
        owners = board.lanes.owners()
        assert all(board.lanes.length(w) > 0 for w in owners)
        assert sum(board.lanes.length(w) for w in owners) == sum(
            1 for r in board if r.queued and r.designated is not None and self.early
        )

    early = False


class EarlyManagerParts(ManagerParts):
    """The same sequences with per-assignee queues, bound by join-the-shortest-queue."""

    distribution = Distribution(queue="assignee")
    policy = "least_loaded"
    max_required = 1
    early = True


TestManagerParts = ManagerParts.TestCase
TestManagerParts.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestEarlyManagerParts = EarlyManagerParts.TestCase
TestEarlyManagerParts.settings = settings(max_examples=40, stateful_step_count=40, deadline=None)
