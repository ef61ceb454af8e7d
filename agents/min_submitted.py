"""Argilla's rules for ``min_submitted``: fixed once annotation starts, never above the team.

* **Changing it** is allowed while no task has a response of any status (submitted,
  discarded or draft): the seed's "as long as the annotation hasn't started, i.e.,
  the dataset has no responses for any records". Then every unfinished task needs
  the new count (consensus tasks keep at least their consensus count). After the
  first response it is refused with a :class:`~agents.errors.DistributionError`.
* **Its size**: a value above the number of annotators who may answer would leave
  every task waiting for answers that cannot come. It is refused when placement
  starts (and by a change while the run is under way), with the count of workers,
  instead of a run that stalls. The consensus count is held to the same rule.

The share of tasks that get consensus is decided here too, once: the ``n``-th task
admitted gets it when ``floor(n * share)`` passes a whole number, an exact, evenly
spread percentage without randomness.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable

from agents.board import TaskBoard
from agents.distribution import Distribution
from agents.errors import DistributionError
from agents.record import TaskRecord
from protocol.messages import Task

__all__ = [
    "change_min_submitted",
    "check_team",
    "first_response",
    "require_all",
    "required_for",
]


def required_for(
    distribution: Distribution,
    n: int,
    task: Task,
    adjust: Callable[[Task, int], int] | None = None,
) -> tuple[int, int]:
    """The responses the ``n``-th admitted task needs (from 1), and its overlap.

    ``adjust`` (quality control's) may change the count before the overlap is derived.
    """
    required = distribution.min_submitted
    consensus = distribution.consensus
    if consensus is not None:
        share = consensus.percentage / 100
        if math.floor(n * share) > math.floor((n - 1) * share):
            required = max(required, consensus.assignees)
    if adjust is not None:
        required = adjust(task, required)
    overlap = distribution.overlap if required > 1 or task.truth is not None else 0
    return required, overlap


def first_response(records: Iterable[TaskRecord]) -> TaskRecord | None:
    """The first task (in board order) that has a response of any status, if any."""
    return next((r for r in records if r.responses), None)


def check_team(distribution: Distribution, annotators: int) -> None:
    """Refuse answers wanted from more distinct workers than ``annotators``.

    Raises:
        DistributionError: naming the setting, its value and the annotators.
    """
    wanted = [("min_submitted", distribution.min_submitted)]
    if distribution.consensus is not None and distribution.consensus.percentage > 0:
        wanted.append(("consensus assignees", distribution.consensus.assignees))
    for name, value in wanted:
        if value > annotators:
            raise DistributionError(
                f"{name} = {value} is above the {annotators} annotators who may answer"
            )


def change_min_submitted(
    distribution: Distribution,
    value: int,
    records: Iterable[TaskRecord],
    annotators: int | None,
) -> Distribution:
    """The distribution with ``min_submitted = value``, once the change is allowed.

    Args:
        distribution: The current settings.
        value: The new minimum of submitted responses.
        records: Every task on the board.
        annotators: The workers who may answer now (``None``: not known yet).

    Returns:
        The new settings (the caller applies them to the unfinished tasks).

    Raises:
        DistributionError: after the first response, for a value above the
            annotators, or for settings that refuse it (below 1, or with a
            workload split or per-assignee queues above 1).
    """
    records = list(records)
    answered = first_response(records)
    if answered is not None:
        raise DistributionError(
            f"min_submitted cannot change once annotation has started "
            f"(task {answered.id!r} has a response)"
        )
    if not isinstance(value, int) or isinstance(value, bool):
        raise DistributionError(f"min_submitted must be an int, got {value!r}")
    try:
        changed = dataclasses.replace(distribution, min_submitted=value)
    except ValueError as error:
        raise DistributionError(str(error)) from None
    if annotators is not None:
        check_team(changed, annotators)
    return changed


def require_all(board: TaskBoard, distribution: Distribution) -> int:
    """Give every unfinished task the responses ``distribution`` wants; return how many.

    Raises:
        ValueError: from the board, for a task that has a response already.
    """
    changed = 0
    for record in board:
        if record.terminal is None:
            board.require(record, *required_for(distribution, record.seq + 1, record.task))
            changed += 1
    return changed
