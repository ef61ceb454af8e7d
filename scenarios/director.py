"""``Director``: the agent that carries out a scenario's timed events.

It stands for the operator of the seed platforms: at each event's simulated time it
makes a worker leave, crash, join or change skill, or calls an operation on the live
manager (reassign, redistribute, remove tasks, set status). Tasks added by events are
not its business to create: the builder gives them to the manager as timed arrivals,
so that the manager knows more work is coming and does not finish early; the director
only records that their time came.

Each event applies itself (``Event.apply`` of ``scenarios.events`` and
``scenarios.task_events``), through the director's :meth:`Director.join` and
:meth:`Director.check_usable`. What the file alone shows to be impossible is
refused when it is read (``scenarios.timeline``). What depends on the run has one
defined outcome per action,
recorded as an :class:`EventOutcome` (``applied``, ``partial`` or ``skipped``, with
the reason) and logged as a warning; an event never stops the events after it:

* ``leave``, ``crash``, ``silence``, ``skill``: skipped if the worker has already gone.
* ``set_min_submitted``: skipped, with the reason, once a task has a response or for
  a value above the annotators who may answer (Argilla's rule).
* ``join``: applied; the director waits (without moving time) until the manager has
  seen the joiner, so that a later event of the same instant can name it.
* ``reassign``: skipped if the manager does not know the source, or the target is not
  connected or takes no new work (it is leaving).
* ``redistribute``: skipped as a whole if a worker given a share takes no new work
  (the shares must sum to 100, so part of a split is no split).
* ``remove_tasks``, ``set_status`` with ``ids``: applied to the tasks on the board
  and unfinished; tasks not arrived yet or already finished are named in the reason
  (``partial``), and an event that changes nothing is ``skipped``.
* ``remove_tasks`` with ``count``: removes the newest unfinished tasks, as many as
  there are (``partial`` when fewer than ``count``).
* ``add_tasks``: applied (its tasks arrive from then on).

An event the run never reached (it ended first) has no outcome; the result reports
it as skipped. An exception while applying an event is a bug, not an outcome: it is
recorded in :attr:`Director.failures`, the event is skipped, and the later events go
on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from agents.base import BaseAgent
from agents.handlers import on_run
from agents.manager import TaskManager
from agents.summary import HandlerFailure
from agents.worker import WorkerAgent
from scenarios.events import Event, EventSkipped, JoinEvent
from scenarios.timeline import event_order

__all__ = ["Director", "EventOutcome"]

WorkerFactory = Callable[[JoinEvent], WorkerAgent]

_CONNECT_YIELDS = 50
"""Loop turns a joiner gets to reach the manager within its instant (it takes a few)."""


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """What became of one timed event.

    Attributes:
        index: The event's position in the file's ``events``.
        at: Its simulated time.
        action: Its action.
        outcome: ``applied``, ``partial`` (applied to what was possible) or ``skipped``.
        reason: Why it was partial or skipped (empty when applied in full).
    """

    index: int
    at: float
    action: str
    outcome: Literal["applied", "partial", "skipped"]
    reason: str = ""


class Director(BaseAgent):
    """Applies timed events to a running scenario.

    Args:
        manager: The scenario's manager.
        workers: The workers by name (joiners are added as they join).
        events: The scenario's events, in file order.
        make_worker: Builds the worker of a ``join`` event.
    """

    role = "director"

    def __init__(
        self,
        manager: TaskManager,
        workers: dict[str, WorkerAgent],
        events: Sequence[Event],
        make_worker: WorkerFactory,
    ) -> None:
        super().__init__("director")
        self.manager = manager
        self.workers = workers
        self.events = list(events)
        self.make_worker = make_worker
        self.outcomes: list[EventOutcome] = []
        self.failures: list[HandlerFailure] = []

    @on_run()
    async def direct(self) -> None:
        """Wait for each event's time, unless the manager is done first."""
        done = asyncio.ensure_future(self.manager.wait_stopped())
        try:
            for index in event_order(self.events):
                event = self.events[index]
                delay = event.at - self.now
                if delay > 0:
                    finished, _ = await asyncio.wait({done}, timeout=delay)
                    if finished:
                        break
                if self.manager.stopped:
                    break
                self._record(index, event)
                if event.joiner is not None:
                    await self._until_known(event.joiner)
        finally:
            done.cancel()
            self.stop("done")

    def _record(self, index: int, event: Event) -> None:
        try:
            reason = event.apply(self)
        except EventSkipped as skip:
            outcome = EventOutcome(index, event.at, event.action, "skipped", str(skip))
        except Exception as error:  # a bug: counted as a failure, the events go on
            self.failures.append(HandlerFailure(self.now, self.id, f"events[{index}]", error))
            self.log.exception("event_failed", t=self.now, index=index, action=event.action)
            reason = f"failed: {type(error).__name__}: {error}"
            outcome = EventOutcome(index, event.at, event.action, "skipped", reason)
        else:
            state: Literal["applied", "partial"] = "partial" if reason else "applied"
            outcome = EventOutcome(index, event.at, event.action, state, reason)
        self.outcomes.append(outcome)
        if outcome.outcome == "applied":
            self.log.info("event", t=self.now, index=index, action=event.action)
        else:
            self.log.warning(
                "event_skipped" if outcome.outcome == "skipped" else "event_partial",
                t=self.now,
                index=index,
                action=event.action,
                worker=getattr(event, "worker", None),
                reason=outcome.reason,
            )

    async def _until_known(self, name: str) -> None:
        # Time does not move while the director yields: the joiner connects at this
        # instant, and the manager learns of it a few loop turns later.
        for _ in range(_CONNECT_YIELDS):
            if name in self.manager.workers or self.manager.stopped:
                return
            await asyncio.sleep(0)

    def join(self, event: JoinEvent) -> None:
        """Build the joiner of ``event`` and add it to the run."""
        joiner = self.make_worker(event)
        self.workers[joiner.name] = joiner
        self.runtime.add(joiner)

    def check_usable(self, target: str, source: str | None = None) -> None:
        """Skip unless the manager knows ``source`` and ``target`` takes new work.

        Raises:
            EventSkipped: naming the worker and why.
        """
        workers = self.manager.workers
        if source is not None and source not in workers:
            raise EventSkipped(f"worker {source!r} has not connected")
        record = workers.get(target)
        if record is None:
            raise EventSkipped(f"worker {target!r} has not connected")
        if not record.usable:
            raise EventSkipped(f"worker {target!r} takes no new work (gone or leaving)")
