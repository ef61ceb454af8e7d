"""A Python scenario that builds its agents by hand: ``skillsim run examples/own_agents.py``.

This file is code: ``skillsim`` runs it because you named a ``.py`` file.
``scenario()`` returns a ready ``Simulation``; the options it declares (``seed``,
``policy``, ``trace``, ``clock``, ``speed``) are what ``skillsim run`` may pass, and
an option it does not declare is refused rather than ignored.
"""

from agents import Runtime, TaskManager, WorkerAgent
from agents.clock import Clock
from protocol import Task
from scenarios import Simulation


def scenario(
    *,
    seed: int = 0,
    policy: str | None = None,
    trace: bool = False,
    clock: str | Clock = "virtual",
    speed: float = 1.0,
) -> Simulation:
    """Twelve tasks for a specialist in vision, one in text, and a generalist."""
    tasks = [
        Task(id=i, difficulty=1 + i % 9, skill="vision" if i % 2 else "text") for i in range(12)
    ]
    manager = TaskManager(tasks, expected_workers=3, name="manager", policy=policy or "best_fit")
    workers = (
        WorkerAgent("vera", 4, admin_peer=manager.id, skills={"vision": 9}, specialties=["vision"]),
        WorkerAgent("tom", 4, admin_peer=manager.id, skills={"text": 9}, specialties=["text"]),
        WorkerAgent("gil", 6, admin_peer=manager.id),
    )
    runtime = Runtime(seed=seed, trace=trace, clock=clock, speed=speed)
    runtime.add(manager, *workers)
    return Simulation("own_agents", seed, policy or "best_fit", runtime, manager, workers)
