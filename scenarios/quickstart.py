"""The seed's quick start, run as it was written.

Three things differ from the seed: the import lines, ``asyncio.run(main())`` became
``run(main())`` (the project's runner, which simulates time), and ``main`` returns
the manager, so that tests can read its ``task_results``.
Run it with ``make demo`` or ``python -m scenarios.quickstart``.
"""

from __future__ import annotations

from agents import TaskManager, WorkerAgent, run
from protocol import Task
from scenarios.console import configure_logging

__all__ = ["main"]


async def main() -> TaskManager:
    """The seed's ``main``, returning the manager so callers can inspect it."""
    # Create tasks with varying difficulty
    tasks = [
        Task(id=1, description="Simple calculation", difficulty=2),
        Task(id=2, description="Data analysis", difficulty=5),
        Task(id=3, description="ML model training", difficulty=8),
    ]

    # Initialize task manager
    task_manager = TaskManager(tasks, expected_workers=3)
    admin_details = task_manager.details()

    # Create workers with different skill levels
    workers = [
        WorkerAgent("Junior", skill_level=3, admin_peer=admin_details.id),
        WorkerAgent("Intermediate", skill_level=6, admin_peer=admin_details.id),
        WorkerAgent("Senior", skill_level=9, admin_peer=admin_details.id),
    ]

    # Start the system
    await task_manager.start_agent(b"", workers)
    return task_manager


if __name__ == "__main__":
    configure_logging("info")
    run(main())
