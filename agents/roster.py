"""What the manager knows about its workers and reviewers, and the reviews they hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.worker import WorkerProfile
from protocol.messages import AgentDetail, TaskId

__all__ = ["ReviewJob", "WorkerRecord", "review_key"]


def review_key(task_id: TaskId, attempt: int) -> str:
    """How a reviewer's hold on one review is filed."""
    return f"review:{task_id!r}:{attempt}"


@dataclass(frozen=True, slots=True)
class ReviewJob:
    """An answer waiting for a QA verdict."""

    task_id: TaskId
    worker: str
    answer: str | None
    attempt: int


@dataclass(slots=True, eq=False)
class WorkerRecord:
    """What the manager knows about one worker or reviewer (the dispatcher writes it).

    Attributes:
        detail: The worker's connection detail.
        profile: Its declared profile.
        order: Connection order.
        idle_since: When its load last dropped.
        connected: Whether it is on the bus.
        blocked: It refused work as busy; nothing new until it asks again.
        leaving: It announced it is leaving; nothing new, ever.
        tasks: Attempts it finished.
        successes: Successful ones.
        busy_time: Simulated seconds spent working.
        held: What it holds now: tasks, or for a reviewer its reviews by key.
        specialties: The profile's specialties as a frozenset (``None``: any).
        capacity: How much it may hold at once (the profile's, until it says otherwise).
    """

    detail: AgentDetail
    profile: WorkerProfile
    order: int
    idle_since: float = 0.0
    connected: bool = True
    blocked: bool = False
    leaving: bool = False
    tasks: int = 0
    successes: int = 0
    busy_time: float = 0.0
    held: dict[TaskId, ReviewJob | None] = field(default_factory=dict)
    specialties: frozenset[str] | None = field(init=False)
    capacity: int = field(init=False)

    def __post_init__(self) -> None:
        specialties = self.profile.specialties
        self.specialties = None if specialties is None else frozenset(specialties)
        self.capacity = self.profile.capacity

    @property
    def id(self) -> str:
        """The worker's id."""
        return self.detail.id

    @property
    def load(self) -> int:
        """How much it holds now."""
        return len(self.held)

    @property
    def usable(self) -> bool:
        """Whether it may get new work at all."""
        return self.connected and not self.blocked and not self.leaving

    def takes(self, category: str | None) -> bool:
        """Whether its specialties admit a task of ``category``."""
        specialties = self.specialties
        return specialties is None or category is None or category in specialties
