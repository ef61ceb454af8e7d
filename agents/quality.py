"""``QualityControl``: golden tasks and dynamic overlap, as one part of the manager.

Design:
    The settlement owns this part, only when the distribution mode sets golden tasks
    or dynamic overlap. It
    decides, when a task is admitted, how many answers it wants (a golden task's
    ``answers``; a labelled task's ``min_answers`` under dynamic overlap), scores every
    answer on a golden task (:class:`~agents.golden.GoldenScores`), applies the actions
    of a flagged worker, and tells the settlement whether a labelled task wants one
    more answer (:class:`~agents.overlap.DynamicOverlap`). Board state changes only
    through :class:`~agents.board.TaskBoard` methods.

    * **Golden tasks** are a share of the labelled tasks, spread evenly in arrival
      order (task ``n`` is golden when ``floor(n s) > floor((n - 1) s)``, ``s`` the
      share), without randomness, so every other task is the same task as in a run
      without golden tasks. Workers get them as ordinary tasks: the manager keeps the
      list. A golden task completes with ``answers`` distinct answers and is left out
      of every accuracy figure (its answer was known).
    * **Accuracy in use**: with golden tasks on, a worker's smoothed golden estimate;
      otherwise the performance model's success chance at the manager's skill
      estimate. The Bayes-weighted vote, the confidence of dynamic overlap and the
      policies' ``WorkerView.accuracy`` read it.
    * **Actions** of a flagged worker: ``stop`` marks it as taking nothing new (as a
      worker that is leaving; what it holds it finishes); ``discard`` voids its answers
      on every task not yet final (they stop counting, so the task asks another
      worker) and every answer it gives later. Labels already final stay as they are.
    * **What the ``learning`` policy sees**: with golden tasks on, only the outcomes of
      golden tasks (and of plain tasks, whose success the manager sees anyway); the
      hidden truth of an ordinary labelled task never reaches it.
"""

from __future__ import annotations

import math

from agents.board import TaskBoard
from agents.dispatch import Dispatcher
from agents.golden import Golden
from agents.performance import PerformanceModel
from agents.record import TaskRecord
from protocol.messages import Task, TaskId, TaskResult

__all__ = ["QualityControl", "kept_answers", "label_set", "model_accuracy"]

_OTHERS = ("(another label)", "(a second label)")


def model_accuracy(
    dispatcher: Dispatcher, model: PerformanceModel, worker_id: str, task: Task
) -> float:
    """The model's success chance of ``worker_id`` on ``task`` at the manager's estimate."""
    worker = dispatcher.workers.get(worker_id)
    skill = dispatcher.estimate(worker, task.skill) if worker is not None else 0.0
    return model.success_probability(skill, task.difficulty)


def kept_answers(record: TaskRecord) -> list[TaskResult]:
    """The answers that count for a task's label: submitted, not rejected, not voided."""
    voided = record.voided
    return [
        r
        for r in record.responses[record.rejected_upto :]
        if r.status == "submitted" and r.answer is not None and r.worker not in voided
    ]


def label_set(task: Task, answers: list[str]) -> list[str]:
    """The labels a task's vote chooses from: its label set, else what was answered.

    A task without a label set of two or more (a listed task with only a truth, whose
    wrong answers are ``not <truth>``) has two labels: those answered, completed by
    placeholders when fewer were given.
    """
    if len(task.labels) >= 2:
        return list(task.labels)
    seen = list(dict.fromkeys(answers))
    return [*seen, *_OTHERS[: max(0, 2 - len(seen))]]


class QualityControl:
    """Golden tasks and dynamic overlap for one manager.

    Args:
        dispatcher: The workers (to stop one, for skill estimates) and their golden
            scores, and through it the board, the distribution mode (its ``golden``
            and ``dynamic_overlap``), the log and the clock.
        model: The performance model (the accuracy in use without golden tasks).
    """

    def __init__(self, dispatcher: Dispatcher, model: PerformanceModel) -> None:
        distribution = dispatcher.distribution
        self.board: TaskBoard = dispatcher.board
        self.dispatcher = dispatcher
        self.model = model
        self.golden = dispatcher.golden
        self.dynamic = distribution.dynamic_overlap
        self._labelled_seen = 0
        self._golden_ids: set[TaskId] = set()
        self._discarding: set[str] = set()

    @classmethod
    def optional(cls, dispatcher: Dispatcher, model: PerformanceModel) -> QualityControl | None:
        """The part when golden tasks or dynamic overlap are on, else ``None``."""
        distribution = dispatcher.distribution
        if distribution.golden is None and distribution.dynamic_overlap is None:
            return None
        return cls(dispatcher, model)

    @property
    def settings(self) -> Golden | None:
        """The golden settings, if golden tasks are on."""
        return None if self.golden is None else self.golden.settings

    def is_golden(self, task_id: TaskId) -> bool:
        """Whether the task is a golden task."""
        return task_id in self._golden_ids

    @property
    def golden_ids(self) -> frozenset[TaskId]:
        """Every golden task's id."""
        return frozenset(self._golden_ids)

    def required(self, task: Task, required: int) -> int:
        """Answers a newly admitted task wants (``required``: what its mode says)."""
        if task.truth is None:
            return required
        self._labelled_seen += 1
        settings = self.settings
        if settings is not None:
            n = self._labelled_seen
            if math.floor(n * settings.share) > math.floor((n - 1) * settings.share):
                self._golden_ids.add(task.id)
                return settings.answers
        return required if self.dynamic is None else self.dynamic.min_answers

    def accuracy(self, worker_id: str, task: Task) -> float:
        """The accuracy in use of a worker on a task (see the module docstring)."""
        if self.golden is not None:
            return self.golden.accuracy(worker_id)
        return model_accuracy(self.dispatcher, self.model, worker_id, task)

    def observable(self, record: TaskRecord) -> bool:
        """Whether a learning policy may see the outcome of an answer on this task."""
        return self.golden is None or record.task.truth is None or self.is_golden(record.id)

    def answered(self, record: TaskRecord, result: TaskResult) -> None:
        """Score a counted answer on a golden task; void one from a discarded worker."""
        worker = result.worker
        if self.golden is not None and self.is_golden(record.id):
            if self.golden.score(worker, result.answer == record.task.truth):
                self._flag(worker)
            return
        if worker in self._discarding:
            self.board.void(record, worker)

    def _flag(self, worker_id: str) -> None:
        settings = self.settings
        assert settings is not None
        self.dispatcher.log.info(
            "worker_flagged",
            t=self.dispatcher.clock(),
            worker=worker_id,
            accuracy=round(self.golden.accuracy(worker_id), 4) if self.golden else None,
            actions=sorted(settings.actions),
        )
        worker = self.dispatcher.workers.get(worker_id)
        if "stop" in settings.actions and worker is not None:
            self.dispatcher.leaving(worker)
        if "discard" in settings.actions:
            self._discarding.add(worker_id)
            for record in self.board:
                if (
                    record.terminal is None
                    and not self.is_golden(record.id)
                    and any(r.worker == worker_id for r in kept_answers(record))
                ):
                    self.board.void(record, worker_id)
            self.dispatcher.request_pass()

    def more_wanted(self, record: TaskRecord) -> bool:
        """Whether a labelled task with all its answers in should ask for one more."""
        rule = self.dynamic
        if rule is None or record.task.truth is None or self.is_golden(record.id):
            return False
        answers = kept_answers(record)
        votes = [r.answer or "" for r in answers]
        accuracies = [self.accuracy(r.worker, record.task) for r in answers]
        if not rule.more_needed(votes, accuracies, label_set(record.task, votes)):
            return False
        return self._someone_left(record)

    def _someone_left(self, record: TaskRecord) -> bool:
        # Whether a worker that has not answered could still take the task. When
        # fewer than half the connected workers answered it, someone is assumed to
        # be (no scan); otherwise the workers are checked one by one.
        answered = {r.worker for r in record.responses}
        dispatcher = self.dispatcher
        if 2 * len(answered) < dispatcher.connected:
            return True
        skill = record.task.skill
        return any(
            w.usable and w.detail.id not in answered and w.takes(skill)
            for w in dispatcher.workers.values()
        )
