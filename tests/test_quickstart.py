from conftest import Logs, Tracer

from agents import TaskManager, run
from protocol import TaskResult
from scenarios.quickstart import main


def run_quickstart() -> TaskManager:
    return run(main())


class TestQuickstartOutcome:
    def test_one_result_per_task(self) -> None:
        """The seed's three tasks each get exactly one result."""
        manager = run_quickstart()
        assert sorted(r.task_id for r in manager.task_results) == [1, 2, 3]

    def test_each_worker_gets_the_task_that_fits(self) -> None:
        """Junior does task 1, Intermediate task 2, Senior task 3, all successfully."""
        manager = run_quickstart()
        assert manager.task_results == [
            TaskResult(task_id=1, worker="Junior", success=True, duration=2.0),
            TaskResult(task_id=2, worker="Intermediate", success=True, duration=5.0),
            TaskResult(task_id=3, worker="Senior", success=True, duration=8.0),
        ]

    def test_finishes_at_t_8(self) -> None:
        """The run ends when the hardest task (difficulty 8) is done, at t == 8."""
        manager = run_quickstart()
        assert (manager.finished_at, manager.now, manager.stopped) == (8.0, 8.0, True)

    def test_same_result_under_strict_bus(self) -> None:
        """Every message of the quick start survives a JSON round trip."""
        manager = run(main(), strict_bus=True, strict=True)
        assert [(r.task_id, r.worker, r.success) for r in manager.task_results] == [
            (1, "Junior", True),
            (2, "Intermediate", True),
            (3, "Senior", True),
        ]


class TestQuickstartTrace:
    def test_assignments_and_results_in_time_order(self, logs: Logs) -> None:
        """The manager's log shows each assignment at t=0 and each result at its difficulty."""
        run_quickstart()
        events = [
            (e["t"], e["event"], e["task"], e["worker"])
            for e in logs
            if e["event"] in ("task_assigned", "task_result")
        ]
        assert events == [
            (0.0, "task_assigned", 1, "Junior"),
            (0.0, "task_assigned", 2, "Intermediate"),
            (0.0, "task_assigned", 3, "Senior"),
            (2.0, "task_result", 1, "Junior"),
            (5.0, "task_result", 2, "Intermediate"),
            (8.0, "task_result", 3, "Senior"),
        ]

    def test_run_complete_is_logged_once(self, logs: Logs) -> None:
        """The manager logs one run_complete with the totals and success rate."""
        run_quickstart()
        assert [e for e in logs if e["event"] == "run_complete"] == [
            {
                "event": "run_complete",
                "log_level": "info",
                "agent": "TaskManager",
                "role": "manager",
                "t": 8.0,
                "total": 3,
                "completed": 3,
                "failed": 0,
                "removed": 0,
                "success_rate": 1.0,
            }
        ]

    def test_bus_trace(self, trace: Tracer) -> None:
        """Every delivery of the quick start, in order, with its simulated time."""
        task_work = [
            (0.0, "TaskManager", w, "task_assignment") for w in ("Junior", "Intermediate", "Senior")
        ] + [(0.0, w, "TaskManager", "task_accepted") for w in ("Junior", "Intermediate", "Senior")]
        assert [e for e in trace(main=main()) if e[3] != "agent_connected"] == [
            *task_work,
            (2.0, "Junior", "TaskManager", "task_result"),
            (5.0, "Intermediate", "TaskManager", "task_result"),
            (8.0, "Senior", "TaskManager", "task_result"),
            (8.0, "TaskManager", "Junior", "simulation_complete"),
            (8.0, "TaskManager", "Intermediate", "simulation_complete"),
            (8.0, "TaskManager", "Senior", "simulation_complete"),
        ]
