"""Progress counts in the shape of the annotation tool's ``dataset.progress``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.board import TaskBoard
from agents.record import TaskState
from agents.roster import WorkerRecord

__all__ = ["progress", "unfinished"]


def progress(
    board: TaskBoard, workers: Mapping[str, WorkerRecord], with_users: bool = False
) -> dict[str, Any]:
    """Counts of the board's tasks, and per user its responses when ``with_users``.

    Returns:
        ``{"total", "completed", "pending", "failed", "removed"}`` (pending: not yet
        terminal; completed + pending + failed + removed == total), and ``"users"``
        when asked: per worker name, its responses by status (``submitted``,
        ``draft``, ``discarded``) on tasks that are completed and on tasks still
        pending, sorted by name.
    """
    completed = board.count(TaskState.COMPLETED)
    failed, removed = board.count(TaskState.FAILED), board.count(TaskState.REMOVED)
    out: dict[str, Any] = {
        "total": len(board),
        "completed": completed,
        "pending": len(board) - completed - failed - removed,
        "failed": failed,
        "removed": removed,
    }
    if not with_users:
        return out
    users: dict[str, dict[str, dict[str, int]]] = {}
    for record in board:
        if record.terminal in (TaskState.FAILED, TaskState.REMOVED):
            continue
        bucket = "completed" if record.terminal is TaskState.COMPLETED else "pending"
        for response in record.responses:
            worker = workers.get(response.worker)
            name = worker.detail.name if worker is not None else response.worker
            user = users.setdefault(
                name,
                {
                    "completed": {"submitted": 0, "draft": 0, "discarded": 0},
                    "pending": {"submitted": 0, "draft": 0, "discarded": 0},
                },
            )
            user[bucket][response.status] += 1
    out["users"] = dict(sorted(users.items()))
    return out


def unfinished(board: TaskBoard, arrivals_left: int = 0) -> str | None:
    """What work keeps a run from ending, in words (``None``: nothing).

    Example: ``"3 unfinished tasks (1 pending that no connected worker can take,
    1 held, 1 awaiting review)"``; the review part only when answers await review.
    """
    snap = board.snapshot()
    open_tasks = snap.unfinished
    if not open_tasks and not arrivals_left:
        return None
    review = f", {snap.submitted} awaiting review" if snap.submitted else ""
    return (
        f"{open_tasks} unfinished tasks ({snap.pending} pending that no connected "
        f"worker can take, {snap.assigned + snap.in_progress} held{review})"
    )
