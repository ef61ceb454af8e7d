"""The replay page: ``skillsim replay TRACE -o page.html``.

Design:
    A ``--trace`` holds every message of a run, so it tells who got which task when,
    and how each attempt ended (read by :class:`~scenarios.observer.Observer`). It
    does not tell when a task arrived or how its story ended: for that, pass the
    run's ``--json`` result as well (``--result``). The replay is then a small frozen
    record, :class:`Replay`, which the page embeds as JSON; the page's script
    animates it and computes its counters by the same definitions as
    :func:`counters_at` here, which the tests compare in a real browser.

    Counters at time ``t`` (an event at ``t`` has happened at ``t``):

    * ``done`` / ``failed``: tasks settled as completed / failed by ``t``.
    * ``busy``: workers holding an attempt at ``t`` (assigned at or before ``t``, not
      ended by ``t``).
    * ``queued``: tasks arrived by ``t``, not settled by ``t``, held by nobody.

    Without ``--result``, a task arrives at its first assignment and settles when its
    last attempt ends with a submitted answer: done if it succeeded (or, for a
    labelling task, whatever the answer), failed if not. That matches the run for
    plain and labelling tasks; for QA and pulling runs the result is the authority.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from protocol.errors import CodecError
from protocol.messages import TaskId, message_type
from scenarios.loader import ScenarioError
from scenarios.observer import WATCHED, LaneAttempt, Observer

__all__ = ["Counters", "Replay", "ReplayTask", "counters_at", "read_replay", "render_page"]

_SETTLED = {"completed": "done", "failed": "failed", "removed": "removed"}


@dataclass(frozen=True, slots=True)
class ReplayTask:
    """One task of a replay.

    Attributes:
        id: The task's id.
        difficulty: Its difficulty.
        arrived: When it arrived.
        settled: When it reached its final state (``None``: never, in this run).
        outcome: ``done``, ``failed`` or ``removed`` (``None`` while unsettled).
    """

    id: TaskId
    difficulty: float
    arrived: float
    settled: float | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Counters:
    """The counters of a run at one instant (see the module docstring)."""

    done: int
    failed: int
    queued: int
    busy: int


@dataclass(frozen=True, slots=True)
class Replay:
    """What the replay page shows.

    Attributes:
        name: A title (the trace file's stem).
        workers: ``(id, name, role, skill, joined, left)`` per worker, in connection
            order (``left`` is ``None`` for a worker that stayed).
        tasks: The tasks, in order of first appearance.
        attempts: Every attempt, in assignment order.
        end: The time of the last event.
    """

    name: str
    workers: tuple[tuple[str, str, str, float, float, float | None], ...]
    tasks: tuple[ReplayTask, ...]
    attempts: tuple[LaneAttempt, ...]
    end: float


class _ResultTask(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int | str
    difficulty: float
    arrived: float
    status: str
    finished: float | None = None


class _Result(BaseModel):
    model_config = ConfigDict(extra="ignore")
    scenario: str | None = None
    policy: str | None = None
    seed: int | None = None
    tasks: list[_ResultTask]


def _observe(path: Path) -> Observer:
    observer = Observer()
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                where = f"line {number}"
                try:
                    entry = json.loads(line)
                    body = entry["message"]
                    t, sender, recipient = float(entry["t"]), entry["sender"], entry["recipient"]
                    if body["kind"] not in WATCHED:
                        continue  # messages of other kinds (your agents' own) move no task
                    message = message_type(body["kind"]).model_validate(body)
                except (ValueError, KeyError, TypeError, CodecError, ValidationError) as error:
                    raise ScenarioError(
                        str(path),
                        [
                            (
                                where,
                                f"not a trace line (JSON with t, sender, recipient, message): "
                                f"{type(error).__name__}: {str(error).splitlines()[0]}",
                            )
                        ],
                    ) from None
                observer.observe(t, str(sender), str(recipient), message)
    except OSError as error:
        raise ScenarioError(str(path), [("", f"cannot read: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), [("", "not UTF-8 text")]) from None
    if not observer.lanes:
        raise ScenarioError(str(path), [("", "no worker connects in this trace")])
    return observer


def _read_result(path: Path) -> _Result:
    try:
        return _Result.model_validate_json(path.read_bytes())
    except OSError as error:
        raise ScenarioError(str(path), [("", f"cannot read: {error.strerror}")]) from None
    except ValidationError as error:
        raise ScenarioError(
            str(path),
            [(".".join(map(str, e["loc"])), e["msg"]) for e in error.errors()[:10]],
        ) from None


def _hindsight(tries: list[LaneAttempt]) -> tuple[float | None, str | None]:
    # The answer that settles a task is the one that came last in time: with overlap,
    # several workers hold it at once and a later attempt may end first.
    if any(a.ended is None for a in tries):
        return None, None
    last = max(reversed(tries), key=lambda a: a.ended or 0.0)
    if last.outcome in ("success", "failure"):
        done = last.outcome == "success" or last.labelled
        return last.ended, "done" if done else "failed"
    return None, None


def read_replay(trace: str | Path, result: str | Path | None = None) -> Replay:
    """Read a ``--trace`` file (and optionally the run's ``--json`` result) into a replay.

    Args:
        trace: The trace file (JSON lines).
        result: The same run's ``--json`` document, for arrivals and final states.

    Returns:
        The replay.

    Raises:
        ScenarioError: naming the file, the line or field, and what was expected; also
            when the result does not describe the trace's run.
    """
    path = Path(trace)
    observer = _observe(path)
    attempts = tuple(observer.attempts)
    work: dict[TaskId, list[LaneAttempt]] = {}
    for attempt in attempts:
        work.setdefault(attempt.task, []).append(attempt)
    document = None if result is None else _read_result(Path(result))
    rows = None if document is None else {row.id: row for row in document.tasks}
    if rows is not None:
        missing = [task for task in work if task not in rows]
        if missing:
            raise ScenarioError(
                str(result),
                [("tasks", f"does not describe this trace: task {missing[0]!r} is missing")],
            )
    tasks = []
    for task, tries in work.items():
        first = min(a.assigned for a in tries)
        settled, outcome = _hindsight([a for a in tries if a.review_of is None] or tries)
        row = None if rows is None else rows.pop(task)
        if row is not None:
            ends = [a.ended for a in tries if a.ended is not None]
            outcome = _SETTLED.get(row.status)
            settled = None if outcome is None else max(ends, default=row.finished or first)
            first = min(first, row.arrived)
        tasks.append(ReplayTask(task, tries[0].difficulty, first, settled, outcome))
    for row in (rows or {}).values():  # never assigned: waited, or removed, or failed
        outcome = _SETTLED.get(row.status)
        settled = row.finished if outcome is not None else None
        tasks.append(ReplayTask(row.id, row.difficulty, row.arrived, settled, outcome))
    times = [observer.t, *(t.settled for t in tasks if t.settled is not None)]
    name = path.stem
    if document is not None and document.scenario is not None:
        name = f"{document.scenario} ({document.policy}, seed {document.seed})"
    return Replay(
        name,
        tuple((w.id, w.name, w.role, w.skill, w.joined, w.left) for w in observer.lanes.values()),
        tuple(tasks),
        attempts,
        max(times),
    )


def counters_at(replay: Replay, t: float) -> Counters:
    """The run's counters at time ``t`` (definitions in the module docstring)."""
    held = {
        (a.task, a.worker)
        for a in replay.attempts
        if a.assigned <= t and (a.ended is None or t < a.ended)
    }
    holding_tasks = {task for task, _ in held}
    settled = [task for task in replay.tasks if task.settled is not None and task.settled <= t]
    settled_ids = {task.id for task in settled}
    queued = sum(
        1
        for task in replay.tasks
        if task.arrived <= t and task.id not in settled_ids and task.id not in holding_tasks
    )
    return Counters(
        done=sum(1 for task in settled if task.outcome == "done"),
        failed=sum(1 for task in settled if task.outcome == "failed"),
        queued=queued,
        busy=len({worker for _, worker in held}),
    )


def _data(replay: Replay) -> dict[str, object]:
    index = {task.id: i for i, task in enumerate(replay.tasks)}
    lanes = {worker[0]: i for i, worker in enumerate(replay.workers)}
    return {
        "name": replay.name,
        "end": replay.end,
        "workers": [list(w) for w in replay.workers],
        "tasks": [list(asdict(task).values()) for task in replay.tasks],
        "attempts": [
            [
                index[a.task],
                lanes[a.worker],
                a.attempt,
                a.assigned,
                a.started,
                a.ended,
                a.outcome,
                a.review_of is not None,
            ]
            for a in replay.attempts
            if a.worker in lanes
        ],
    }


def render_page(replay: Replay) -> str:
    """The replay as one self-contained HTML page (inline script and style, no network).

    Returns:
        The page's HTML text.
    """
    template = resources.files("scenarios").joinpath("templates/replay.html")
    data = json.dumps(_data(replay), separators=(",", ":")).replace("</", "<\\/")
    title = replay.name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    page = template.read_text(encoding="utf-8")
    return page.replace("__TITLE__", title).replace("__DATA__", data)
