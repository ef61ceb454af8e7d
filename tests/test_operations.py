"""Live operations: admitting tasks, reassign, and the count reassign returns."""

import pytest
from parts import Parts

from agents import BaseAgent, Distribution, Runtime, TaskManager, WorkerAgent, WorkloadUnit, on_run
from protocol import Task, TaskWithdrawn


class Operator(BaseAgent):
    """Calls one function at a simulated time and keeps what it returned."""

    def __init__(self, at: float, step: object) -> None:
        super().__init__("operator")
        self.at, self.step = at, step
        self.returned: list[object] = []

    @on_run()
    async def play(self) -> None:
        await self.sleep(self.at)
        self.returned.append(self.step())  # type: ignore[operator]
        self.stop()


class TestReassign:
    def test_started_work_is_not_counted_as_moved(self) -> None:
        """a has started its task 0 and holds none of task 2: only task 2 moves (bug fix)."""
        tasks = [Task(id=i, difficulty=4) for i in range(4)]
        split = (WorkloadUnit("a", 50), WorkloadUnit("b", 50))
        manager = TaskManager(tasks, 2, distribution=Distribution(workload=split))
        a, b = WorkerAgent("a", 6), WorkerAgent("b", 6)
        operator = Operator(1.0, lambda: manager.reassign("a", "b"))
        runtime = Runtime()
        runtime.add(manager, a, b, operator)
        runtime.run(strict=True)
        assert operator.returned == [1]
        assert [manager.board.get(i).reassignments for i in range(4)] == [0, 0, 0, 0]
        assert [manager.board.get(i).responses[-1].worker for i in range(4)] == [
            "a",
            "b",
            "b",
            "b",
        ]

    def test_unstarted_held_work_is_withdrawn_and_counted(self) -> None:
        """A held, unstarted task is withdrawn from the old worker and counted once."""
        parts = Parts()
        parts.join("a", 5, capacity=2)
        parts.join("b", 5)
        parts.add(1)
        parts.add(2)
        parts.dispatcher.block(parts.dispatcher.workers["b"])
        parts.place()
        parts.board.start(parts.board.get(1), "a", 0.0)
        parts.dispatcher.asked(parts.dispatcher.workers["b"])
        assert parts.operations.reassign("a", "b") == 1
        assert parts.sent[-1] == ("a", TaskWithdrawn(task_id=2))
        assert [parts.board.get(i).reassignments for i in (1, 2)] == [0, 1]
        assert [parts.board.get(i).designated for i in (1, 2)] == [None, "b"]

    def test_a_target_that_takes_nothing_new_is_refused(self) -> None:
        """Reassigning to a leaving worker raises."""
        parts = Parts()
        parts.join("a", 5)
        parts.dispatcher.leaving(parts.join("b", 5))
        with pytest.raises(ValueError, match=r"^worker 'b' takes no new work \(gone or leaving\)$"):
            parts.operations.reassign("a", "b")


class TestAdmit:
    def test_consensus_goes_to_an_exact_share(self) -> None:
        """40% consensus: tasks 3 and 5 of five (the running share crosses 1 and 2)."""
        from agents import Consensus

        parts = Parts(distribution=Distribution(consensus=Consensus(40, 3)))
        required = [parts.add(i).required for i in range(5)]
        assert required == [1, 1, 3, 1, 3]

    def test_overlap_applies_to_labelled_or_multi_answer_tasks_only(self) -> None:
        """A plain task gets no overlap; a labelled one does."""
        parts = Parts(distribution=Distribution(overlap=1))
        plain = parts.add(1)
        labelled = parts.add(2, truth="cat", labels=["cat", "dog"])
        assert (plain.overlap, labelled.overlap) == (0, 1)

    def test_arrivals_come_in_time_order(self) -> None:
        """arrive admits what is due, in time order, and says how many."""
        parts = Parts()
        parts.operations.admit_initial(
            [Task(id=0, difficulty=1)],
            [(5.0, Task(id=2, difficulty=1)), (1.0, Task(id=1, difficulty=1))],
        )
        assert (parts.operations.next_arrival(), parts.operations.arrivals_left) == (1.0, 2)
        assert parts.operations.arrive(4.0) == 1
        assert parts.operations.arrive(5.0) == 1
        assert (parts.operations.next_arrival(), [r.arrived for r in parts.board]) == (
            None,
            [0.0, 4.0, 5.0],
        )


class TestRedistribute:
    def four(self) -> Parts:
        parts = Parts()
        parts.join("a", 5)
        parts.join("b", 5)
        for i in range(4):
            parts.add(i)
        return parts

    def test_unstarted_work_is_split_and_a_repeat_moves_nothing(self) -> None:
        """50/50 pins tasks a, b, a, b; the same split again changes no hands."""
        parts = self.four()
        units = [WorkloadUnit("a", 50), WorkloadUnit("b", 50)]
        assert parts.operations.redistribute(units) == 4
        assert [r.designated for r in parts.board] == ["a", "b", "a", "b"]
        assert parts.operations.redistribute(units) == 0

    def test_started_and_final_tasks_stay_held_ones_are_withdrawn(self) -> None:
        """A started or final task is not split; an unstarted hold elsewhere is withdrawn."""
        parts = self.four()
        parts.place()
        parts.board.start(parts.board.get(0), "a", 0.0)
        parts.operations.set_status("removed", [3])
        assert parts.operations.redistribute([WorkloadUnit("a", 100)]) == 2
        assert [r.designated for r in parts.board] == [None, "a", "a", None]
        assert parts.sent[-1] == ("b", TaskWithdrawn(task_id=1))
        assert [r.reassignments for r in parts.board] == [0, 1, 0, 0]

    def test_unknown_and_unusable_workers_are_refused(self) -> None:
        """An unknown worker raises KeyError; a leaving one with a share, ValueError."""
        parts = self.four()
        with pytest.raises(KeyError, match=r"^\"no worker with id 'zed'\"$"):
            parts.operations.redistribute([WorkloadUnit("zed", 100)])
        parts.dispatcher.leaving(parts.dispatcher.workers["b"])
        with pytest.raises(ValueError, match=r"^worker 'b' takes no new work \(gone or leaving\)$"):
            parts.operations.redistribute([WorkloadUnit("a", 50), WorkloadUnit("b", 50)])
        assert parts.operations.redistribute([WorkloadUnit("a", 100), WorkloadUnit("b", 0)]) == 4
