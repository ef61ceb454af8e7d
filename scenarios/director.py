"""``Director``: the agent that carries out a scenario's timed events.

It stands for the operator of the seed platforms: at each event's simulated time it
makes a worker leave, crash, join or change skill, or calls an operation on the live
manager (reassign, redistribute, remove tasks, set status). Tasks added by events are
not its business: the builder gives them to the manager as timed arrivals, so that
the manager knows more work is coming and does not finish early.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from agents.base import BaseAgent
from agents.distribution import WorkloadUnit
from agents.handlers import on_run
from agents.manager import TaskManager
from agents.worker import WorkerAgent
from scenarios.workflow import EventSpec

__all__ = ["Director"]

WorkerFactory = Callable[[EventSpec], WorkerAgent]


class Director(BaseAgent):
    """Applies timed events to a running scenario.

    Args:
        manager: The scenario's manager.
        workers: The workers by name (joiners are added as they join).
        events: The events (``add_tasks`` ones are skipped: they are arrivals).
        make_worker: Builds the worker of a ``join`` event.
    """

    role = "director"

    def __init__(
        self,
        manager: TaskManager,
        workers: dict[str, WorkerAgent],
        events: list[EventSpec],
        make_worker: WorkerFactory,
    ) -> None:
        super().__init__("director")
        self.manager = manager
        self.workers = workers
        self.events = sorted((e for e in events if e.action != "add_tasks"), key=lambda e: e.at)
        self.make_worker = make_worker
        self.applied: list[tuple[float, str]] = []

    @on_run()
    async def direct(self) -> None:
        """Wait for each event's time, unless the manager is done first."""
        done = asyncio.ensure_future(self.manager.wait_stopped())
        try:
            for event in self.events:
                delay = event.at - self.now
                if delay > 0:
                    finished, _ = await asyncio.wait({done}, timeout=delay)
                    if finished:
                        break
                if self.manager.stopped:
                    break
                self._apply(event)
        finally:
            done.cancel()
            self.stop("done")

    def _apply(self, event: EventSpec) -> None:
        action = event.action
        worker = self.workers.get(event.worker or "")
        if action in ("leave", "crash", "skill") and worker is None:
            # Never silently: the file named a worker this run does not have (yet).
            self.log.warning("event_skipped", t=self.now, action=action, worker=event.worker)
            return
        self.log.info("event", t=self.now, action=action, worker=event.worker)
        self.applied.append((self.now, action))
        if action == "leave" and worker is not None:
            worker.leave()
        elif action == "crash" and worker is not None:
            worker.crash()
        elif action == "skill" and worker is not None:
            worker.set_skill(event.skill_level, event.skills)
        elif action == "join":
            joiner = self.make_worker(event)
            self.workers[joiner.name] = joiner
            self.runtime.add(joiner)
        elif action == "reassign" and event.worker and event.target:
            self.manager.reassign(event.worker, event.target)
        elif action == "redistribute":
            self.manager.redistribute([WorkloadUnit(u.assignee, u.load) for u in event.workload])
        elif action == "remove_tasks":
            self._remove(event)
        elif action == "set_status":
            self.manager.set_status(event.status, event.ids)

    def _remove(self, event: EventSpec) -> None:
        if event.ids is not None:
            self.manager.remove_tasks([i for i in event.ids if i in self.manager.board])
            return
        unfinished = [r.id for r in self.manager.board if r.terminal is None]
        keep = max(0, len(unfinished) - (event.count or 0))  # the newest ``count`` go
        self.manager.remove_tasks(unfinished[keep:])
