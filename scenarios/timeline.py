"""What the file alone says about its timed events, checked when it is read.

Events run in order of time, and in file order at one time. Walking them in that
order with the workers and tasks the file defines tells which events could never
apply, and those are refused with the event's field and the reason (each event
model checks itself against the :class:`Walk`, see ``scenarios.events``)::

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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from agents.distribution import workload_problem
from scenarios._schema import FieldProblemError

if TYPE_CHECKING:
    from agents.distribution import WorkloadUnit
    from scenarios.events import Event
    from scenarios.spec import ScenarioSpec

__all__ = ["RESERVED_NAMES", "Walk", "check_events", "check_units", "event_order"]

_ADDED = re.compile(r"^e([1-9][0-9]*)-[1-9][0-9]*$")  # the ids add_tasks events give

RESERVED_NAMES = frozenset({"manager", "director"})
"""Agent names a scenario's own agents use; no worker may take them."""


def event_order(events: Sequence[Event]) -> list[int]:
    """The indices of ``events`` in the order they apply: by time, then file order."""
    return sorted(range(len(events)), key=lambda i: events[i].at)


def check_units(where: str, units: Sequence[WorkloadUnit], known: Callable[[str], bool]) -> None:
    """Check a workload split: the seed's rule, then each worker known.

    The rule (loads sum to 100, each worker named once) is
    ``agents.distribution.workload_problem``'s.

    Raises:
        FieldProblemError: at ``where`` or ``where[i].assignee``.
    """
    problem = workload_problem(units)
    if problem is not None:
        index, message = problem
        raise FieldProblemError(where if index is None else f"{where}[{index}].assignee", message)
    for index, unit in enumerate(units):
        if not known(unit.assignee_id):
            raise FieldProblemError(
                f"{where}[{index}].assignee", f"unknown worker {unit.assignee_id!r}"
            )


class Walk:
    """The state of the walk through the events: who is there, which tasks exist.

    The events check themselves against it (``Event.declare`` in file order, then
    ``Event.check`` in event order), see ``scenarios.events``.

    Attributes:
        spec: The scenario.
        joins: The joiners so far: name -> (event index, time), filled in file order.
        gone: Who left or crashed so far: name -> (event index, time, action).
        present: The joiners who have joined so far in the walk.
    """

    def __init__(self, spec: ScenarioSpec) -> None:
        self.spec = spec
        self.joins: dict[str, tuple[int, float]] = {}
        self.gone: dict[str, tuple[int, float, str]] = {}
        self.present: set[str] = set()
        # The file's task ids, indexed once (a file may list many tasks and events).
        self.items = {(type(t.id), t.id): t.arrival for t in spec.tasks.items}
        self.spelled = {str(t.id) for t in spec.tasks.items}
        numeric = [t.id for t in spec.tasks.items if isinstance(t.id, int)]
        self.first = max(numeric, default=0) + 1  # as scenarios.build numbers them
        self.adders = [e for e in spec.events if e.new_tasks]

    def exists(self, name: str) -> bool:
        """Whether a worker of that name is in the file (from the start or joining)."""
        return self.spec.has_worker(name) or name in self.joins

    def depart(self, name: str, index: int, at: float, action: str) -> None:
        """Record that ``name`` leaves or crashes at event ``index``."""
        self.gone[name] = (index, at, action)

    def need_worker(
        self, index: int, at: float, name: str, field: str, *, may_be_gone: bool = False
    ) -> None:
        """Refuse event ``index`` at ``at`` naming worker ``name`` in ``field`` if it cannot.

        Raises:
            FieldProblemError: at ``events[index].<field>``, saying why.
        """
        why = self._worker_problem(name, at, may_be_gone=may_be_gone)
        if why is not None:
            raise FieldProblemError(f"events[{index}].{field}", why)

    def _worker_problem(self, name: str, at: float, *, may_be_gone: bool) -> str | None:
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

    def need_task(self, index: int, at: float, n: int, task_id: int | str) -> None:
        """Refuse event ``index`` naming ``task_id`` as its ``ids[n]`` if it cannot.

        Tasks the run decides on (a Poisson arrival not arrived yet) pass.

        Raises:
            FieldProblemError: at ``events[index].ids[n]``, saying why.
        """
        why = self._task_problem(task_id, at)
        if why is not None:
            raise FieldProblemError(f"events[{index}].ids[{n}]", why)

    def _task_problem(self, task_id: int | str, at: float) -> str | None:
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
            if _numbered(f"e{added[1]}-", event.new_tasks, task_id):
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
        FieldProblemError: at ``events[i].<field>`` (or ``tasks.items[i].id``), saying why.
    """
    walk = Walk(spec)
    for index, item in enumerate(spec.tasks.items):
        added = _ADDED.match(item.id) if isinstance(item.id, str) else None
        number = int(added[1]) if added else 0
        adder = walk.adders[number - 1] if 0 < number <= len(walk.adders) else None
        if adder is not None and _numbered(f"e{number}-", adder.new_tasks, item.id):
            raise FieldProblemError(
                f"tasks.items[{index}].id",
                f"task id {item.id!r} is also the id of a task added by an add_tasks event",
            )
    for index, event in enumerate(spec.events):
        event.declare(index, walk)
    for index in event_order(spec.events):
        spec.events[index].check(index, walk)
