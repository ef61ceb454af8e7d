"""What the file alone says about its timed events, checked when it is read.

Events run in order of time, and in file order at one time. Walking them in that
order with the workers and tasks the file defines tells which events could never
apply, and those are refused with the event's field and the reason::

    events[3].target: worker 'w7' joins at t=50 (events[5]), after this event at t=20

Refused here: a worker that is unknown, joins later, or has left or crashed earlier
(a reassign may still move work *from* a departed worker, and a redistribute may
give it a zero share); a ``join`` that reuses a name; a task id that no task has, or
whose task arrives only after the event. What depends on the run itself (a task of
a Poisson arrival process that has not arrived yet, a task already finished) is the
director's to handle, see ``scenarios.director``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from scenarios._schema import FieldProblemError
from scenarios.workflow import EventSpec, WorkloadSpec

if TYPE_CHECKING:
    from scenarios.spec import ScenarioSpec

__all__ = ["RESERVED_NAMES", "check_events", "check_units", "event_order"]

_ADDED = re.compile(r"^e([1-9][0-9]*)-[1-9][0-9]*$")  # the ids add_tasks events give

RESERVED_NAMES = frozenset({"manager", "director"})
"""Agent names a scenario's own agents use; no worker may take them."""


def event_order(events: list[EventSpec]) -> list[int]:
    """The indices of ``events`` in the order they apply: by time, then file order."""
    return sorted(range(len(events)), key=lambda i: events[i].at)


def check_units(where: str, units: list[WorkloadSpec], known: Callable[[str], bool]) -> None:
    """Check a workload split: loads sum to 100, each worker known and named once.

    Raises:
        FieldProblemError: at ``where`` or ``where[i].assignee``.
    """
    total = sum(u.load for u in units)
    if abs(total - 100) > 1e-9:
        raise FieldProblemError(where, f"loads must sum to 100, got {total:g}")
    seen: set[str] = set()
    for index, unit in enumerate(units):
        field = f"{where}[{index}].assignee"
        if not known(unit.assignee):
            raise FieldProblemError(field, f"unknown worker {unit.assignee!r}")
        if unit.assignee in seen:
            raise FieldProblemError(field, f"{unit.assignee!r} is named more than once")
        seen.add(unit.assignee)


class _Workers:
    """Who is there at each point of the event walk."""

    def __init__(self, spec: ScenarioSpec) -> None:
        self.spec = spec
        self.joins: dict[str, tuple[int, float]] = {}  # name -> (event index, time)
        self.gone: dict[str, tuple[int, float, str]] = {}  # name -> (index, time, action)
        self.present: set[str] = set()  # joined so far in the walk

    def exists(self, name: str) -> bool:
        return self.spec.has_worker(name) or name in self.joins

    def problem(self, name: str, index: int, at: float, *, may_be_gone: bool) -> str | None:
        """Why event ``index`` at ``at`` cannot name worker ``name`` (None: it can)."""
        if not self.exists(name):
            return f"unknown worker {name!r}"
        if not self.spec.has_worker(name) and name not in self.present:
            where, when = self.joins[name]
            return (
                f"worker {name!r} joins at t={when:g} (events[{where}]), "
                f"after this event at t={at:g}"
            )
        if name in self.gone and not may_be_gone:
            where, when, action = self.gone[name]
            verb = "crashed" if action == "crash" else "left"
            return (
                f"worker {name!r} {verb} at t={when:g} (events[{where}]), "
                f"before this event at t={at:g}"
            )
        return None


class _Tasks:
    """The file's task ids, indexed once (a file may list many tasks and events)."""

    def __init__(self, spec: ScenarioSpec) -> None:
        self.spec = spec
        self.items = {(type(t.id), t.id): t.arrival for t in spec.tasks.items}
        self.spelled = {str(t.id) for t in spec.tasks.items}
        numeric = [t.id for t in spec.tasks.items if isinstance(t.id, int)]
        self.first = max(numeric, default=0) + 1  # as scenarios.build numbers them
        self.adders = [e for e in spec.events if e.action == "add_tasks"]

    def problem(self, task_id: int | str, at: float) -> str | None:
        """Why an event at ``at`` cannot name ``task_id`` (None: it can, or the run decides)."""
        arrival = self.items.get((type(task_id), task_id))
        if arrival is not None:
            if arrival > at:
                return f"task {task_id!r} arrives at t={arrival:g}, after this event at t={at:g}"
            return None
        gen = self.spec.tasks.generate
        if gen is not None and self._generated(gen.prefix, gen.count, task_id):
            return None
        added = _ADDED.match(task_id) if isinstance(task_id, str) else None
        if added is not None and int(added[1]) <= len(self.adders):
            event = self.adders[int(added[1]) - 1]
            if _numbered(f"e{added[1]}-", event.count or 0, task_id):
                if event.at > at:
                    return (
                        f"task {task_id!r} is added at t={event.at:g}, after this event at t={at:g}"
                    )
                return None
        hint = ""
        if str(task_id) in self.spelled:
            hint = ' (a task id\'s type counts: 1 and "1" are different ids)'
        return f"no task has id {task_id!r}{hint}"

    def _generated(self, prefix: str, count: int, task_id: int | str) -> bool:
        if prefix:
            return _numbered(prefix, count, task_id)
        return isinstance(task_id, int) and self.first <= task_id < self.first + count


def _numbered(prefix: str, count: int, task_id: int | str) -> bool:
    if not isinstance(task_id, str) or not task_id.startswith(prefix):
        return False
    number = task_id.removeprefix(prefix)
    return number.isascii() and number.isdigit() and 1 <= int(number) <= count


def check_events(spec: ScenarioSpec) -> None:
    """Refuse the events that the file alone shows could never apply.

    Raises:
        FieldProblemError: at ``events[i].<field>``, saying why.
    """
    adders = [e for e in spec.events if e.action == "add_tasks"]
    for index, item in enumerate(spec.tasks.items):
        added = _ADDED.match(item.id) if isinstance(item.id, str) else None
        adder = adders[int(added[1]) - 1] if added and int(added[1]) <= len(adders) else None
        if added and adder and _numbered(f"e{added[1]}-", adder.count or 0, item.id):
            raise FieldProblemError(
                f"tasks.items[{index}].id",
                f"task id {item.id!r} is also the id of a task added by an add_tasks event",
            )
    workers = _Workers(spec)
    tasks = _Tasks(spec)
    for index, event in enumerate(spec.events):
        if event.action == "join" and event.worker:
            _check_join(spec, workers, index, event)
            workers.joins[event.worker] = (index, event.at)
    for index in event_order(spec.events):
        event = spec.events[index]
        here = f"events[{index}]"

        def need(name: str, field: str, *, may_be_gone: bool = False) -> None:
            why = workers.problem(name, index, event.at, may_be_gone=may_be_gone)  # noqa: B023
            if why is not None:
                raise FieldProblemError(f"{here}.{field}", why)  # noqa: B023

        action = event.action
        if action == "join" and event.worker:
            workers.present.add(event.worker)
        elif action in ("leave", "crash", "silence", "skill") and event.worker:
            need(event.worker, "worker")
            if action in ("leave", "crash"):
                workers.gone[event.worker] = (index, event.at, action)
        elif action == "reassign" and event.worker and event.target:
            need(event.worker, "worker", may_be_gone=True)
            need(event.target, "target")
            if event.worker == event.target:
                raise FieldProblemError(f"{here}.target", "reassign needs two different workers")
        elif action == "redistribute":
            check_units(f"{here}.workload", event.workload, workers.exists)
            for n, unit in enumerate(event.workload):
                need(unit.assignee, f"workload[{n}].assignee", may_be_gone=unit.load == 0)
        elif action in ("remove_tasks", "set_status") and event.ids is not None:
            _check_ids(tasks, here, event)


def _check_join(spec: ScenarioSpec, workers: _Workers, index: int, event: EventSpec) -> None:
    name = event.worker or ""
    field = f"events[{index}].worker"
    if name in RESERVED_NAMES:
        raise FieldProblemError(field, f"{name!r} is the name of the {name}")
    if spec.has_worker(name):
        raise FieldProblemError(field, f"worker {name!r} exists already; a joiner needs a new name")
    if name in workers.joins:
        raise FieldProblemError(
            field, f"worker {name!r} joins already at events[{workers.joins[name][0]}]"
        )


def _check_ids(tasks: _Tasks, here: str, event: EventSpec) -> None:
    seen: set[tuple[type, int | str]] = set()
    for n, task_id in enumerate(event.ids or []):
        if (type(task_id), task_id) in seen:
            raise FieldProblemError(f"{here}.ids[{n}]", f"task {task_id!r} is named twice")
        seen.add((type(task_id), task_id))
        why = tasks.problem(task_id, event.at)
        if why is not None:
            raise FieldProblemError(f"{here}.ids[{n}]", why)
