"""Dawid-Skene aggregation by expectation-maximisation: full and one-coin.

Each task ``t`` has a hidden true label ``y_t`` drawn from the class priors ``rho``;
worker ``w`` answers label ``l`` with probability ``π_w[y_t, l]`` (its *confusion
matrix*), independently of the other workers. Workers answer any subset of the tasks
(missing answers are simply absent). The **full** model gives every worker its own
``K x K`` matrix; the **one-coin** model (``model="one_coin"``) gives it one accuracy ``p_w``,
with ``π_w[k, k] = p_w`` and ``π_w[k, l] = (1 - p_w) / (K - 1)`` for ``l ≠ k``.

EM alternates two steps:

* **E-step** — the posterior of each task's label,
  ``T[t, k] ∝ rho_k Π_{answers (w, l) of t} π_w[k, l]``.
* **M-step** — the parameters that maximise the expected log-likelihood,
  ``π_w[k, l] = (s + Σ_{t: w answered l} T[t, k]) / (K s + Σ_{t answered by w} T[t, k])``,
  ``rho_k = (s + Σ_t T[t, k]) / (K s + #tasks)``; one-coin:
  ``p_w = (s + Σ_{answers (t, l) of w} T[t, l]) / (2 s + #answers of w)``.
  The pseudo-count ``s`` (``smoothing``, default 0.01) keeps every probability above 0
  so a worker never rules a label out for good.

**Initialisation**: the majority-vote soft labels, ``T[t, k]`` = the share of task
``t``'s answers that are ``k``. **Stopping rule**: after each E-step the mean
log-likelihood per answer, ``(1/A) Σ_t log Σ_k rho_k Π π_w[k, l]``, is compared with the
previous one; EM stops when it changed by at most ``tol`` (``converged = True``) or
after ``max_iter`` rounds (``converged = False``). EM never lowers the likelihood, but
finds a local maximum: majority initialisation keeps it near the labelling most workers
agree with, so workers are assumed better than chance on the whole.

Labels are ordered: the ``labels`` given, then any other label in the order first
answered; a task's label is its most probable one, ties going to the earliest label.
Only tasks and workers that appear in the answers are in the result; a worker answering
a task twice counts as two observations.
numpy is needed (``pip install 'skillsim[optimal]'``); without it :func:`dawid_skene` raises
:class:`~agents.errors.MissingExtraError`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from agents.errors import MissingExtraError, QualityInputError

if TYPE_CHECKING:
    import numpy.typing as npt

    Array = npt.NDArray[Any]

__all__ = ["DawidSkeneResult", "dawid_skene"]

Answer = tuple[Hashable, Hashable, str]
"""One answer: ``(task, worker, label)``."""


@dataclass(frozen=True)
class DawidSkeneResult:
    """What EM found.

    Attributes:
        label_set: The labels, in the order every other field uses.
        labels: Each task's most probable label.
        posteriors: Each task's probability per label (summing to 1).
        priors: The class priors ``rho``.
        confusions: Each worker's confusion matrix, ``confusions[w][true][given]``.
        accuracies: Each worker's chance of being right, ``Σ_k rho_k π_w[k, k]``
            (the one-coin model's ``p_w``).
        log_likelihood: The mean log-likelihood per answer at the end.
        iterations: EM rounds run.
        converged: Whether the stopping tolerance was met before ``max_iter``.
    """

    label_set: tuple[str, ...]
    labels: dict[Hashable, str]
    posteriors: dict[Hashable, dict[str, float]]
    priors: dict[str, float]
    confusions: dict[Hashable, dict[str, dict[str, float]]]
    accuracies: dict[Hashable, float]
    log_likelihood: float
    iterations: int
    converged: bool


def _numpy() -> ModuleType:
    try:
        import numpy
    except ImportError as exc:  # pragma: no cover - the test environment has numpy
        raise MissingExtraError("Dawid-Skene needs numpy: pip install 'skillsim[optimal]'") from exc
    return numpy


@dataclass(frozen=True)
class _Data:
    """The answers as index arrays: ``task[a]``, ``worker[a]``, ``label[a]``."""

    tasks: list[Hashable]
    workers: list[Hashable]
    label_set: tuple[str, ...]
    task: Array
    worker: Array
    label: Array


def _index(answers: Iterable[Answer], labels: Sequence[str]) -> _Data:
    np = _numpy()
    tasks: dict[Hashable, int] = {}
    workers: dict[Hashable, int] = {}
    label_ids: dict[str, int] = {label: i for i, label in enumerate(dict.fromkeys(labels))}
    rows: list[tuple[int, int, int]] = []
    for n, answer in enumerate(answers):
        if not (isinstance(answer, tuple) and len(answer) == 3 and isinstance(answer[2], str)):
            raise QualityInputError(
                f"answer {n}: expected (task, worker, label str), got {answer!r}"
            )
        task, worker, label = answer
        t = tasks.setdefault(task, len(tasks))
        w = workers.setdefault(worker, len(workers))
        rows.append((t, w, label_ids.setdefault(label, len(label_ids))))
    if not rows:
        raise QualityInputError("no answers to aggregate")
    index = np.array(rows, dtype=np.intp)
    return _Data(
        tasks=list(tasks),
        workers=list(workers),
        label_set=tuple(label_ids),
        task=index[:, 0],
        worker=index[:, 1],
        label=index[:, 2],
    )


def _majority_init(data: _Data, k: int) -> Array:
    np = _numpy()
    counts = np.zeros((len(data.tasks), k))
    np.add.at(counts, (data.task, data.label), 1.0)
    result: Array = counts / counts.sum(axis=1, keepdims=True)
    return result


def _m_step(data: _Data, posterior: Array, smoothing: float, one_coin: bool) -> tuple[Array, Array]:
    """The priors ``rho`` and confusion matrices ``π`` (workers x true x given)."""
    np = _numpy()
    k = posterior.shape[1]
    priors = (posterior.sum(axis=0) + smoothing) / (len(data.tasks) + k * smoothing)
    # counts[w, l, :] += T[t, :] for each answer (t, w, l).
    counts = np.zeros((len(data.workers), k, k))
    np.add.at(counts, (data.worker, data.label), posterior[data.task])
    counts = counts.transpose(0, 2, 1)  # workers x true x given
    if one_coin:
        right = np.trace(counts, axis1=1, axis2=2)
        answered = counts.sum(axis=(1, 2))
        p = (right + smoothing) / (answered + 2 * smoothing)
        if k == 1:  # one label: nothing to get wrong
            p = np.ones_like(p)
        off = (1.0 - p) / max(1, k - 1)
        confusion = np.repeat(off[:, None, None], k, axis=1).repeat(k, axis=2)
        confusion[:, np.arange(k), np.arange(k)] = p[:, None]
    else:
        smoothed = counts + smoothing
        confusion = smoothed / smoothed.sum(axis=2, keepdims=True)
    return priors, confusion


def _e_step(data: _Data, priors: Array, confusion: Array) -> tuple[Array, float]:
    """The task posteriors and the mean log-likelihood per answer."""
    np = _numpy()
    log_joint = np.tile(np.log(priors), (len(data.tasks), 1))
    # log π_w[:, l] for each answer, added to its task's row.
    np.add.at(log_joint, data.task, np.log(confusion[data.worker, :, data.label]))
    top = log_joint.max(axis=1, keepdims=True)
    joint = np.exp(log_joint - top)
    total = joint.sum(axis=1, keepdims=True)
    log_likelihood = float((np.log(total) + top).sum()) / len(data.task)
    result: Array = joint / total
    return result, log_likelihood


def _run(
    answers: Iterable[Answer],
    labels: Sequence[str],
    model: Literal["full", "one_coin"],
    max_iter: int,
    tol: float,
    smoothing: float,
) -> DawidSkeneResult:
    if max_iter < 1:
        raise QualityInputError(f"max_iter must be at least 1, got {max_iter}")
    if not tol >= 0:
        raise QualityInputError(f"tol must be >= 0, got {tol}")
    if not smoothing > 0:
        raise QualityInputError(f"smoothing must be > 0, got {smoothing}")
    np = _numpy()
    data = _index(answers, labels)
    k = len(data.label_set)
    posterior = _majority_init(data, k)
    previous = -math.inf
    iterations, converged = 0, False
    while iterations < max_iter:
        iterations += 1
        priors, confusion = _m_step(data, posterior, smoothing, model == "one_coin")
        posterior, log_likelihood = _e_step(data, priors, confusion)
        if abs(log_likelihood - previous) <= tol:
            converged = True
            break
        previous = log_likelihood
    names = data.label_set
    best = np.argmax(posterior, axis=1)
    accuracy = np.einsum("k,wkk->w", priors, confusion)
    return DawidSkeneResult(
        label_set=names,
        labels={t: names[int(i)] for t, i in zip(data.tasks, best, strict=True)},
        posteriors={
            t: dict(zip(names, map(float, row), strict=True))
            for t, row in zip(data.tasks, posterior, strict=True)
        },
        priors=dict(zip(names, map(float, priors), strict=True)),
        confusions={
            w: {
                true: dict(zip(names, map(float, row), strict=True))
                for true, row in zip(names, matrix, strict=True)
            }
            for w, matrix in zip(data.workers, confusion, strict=True)
        },
        accuracies=dict(zip(data.workers, map(float, accuracy), strict=True)),
        log_likelihood=log_likelihood,
        iterations=iterations,
        converged=converged,
    )


def dawid_skene(
    answers: Iterable[Answer],
    labels: Sequence[str] = (),
    *,
    model: Literal["full", "one_coin"] = "full",
    max_iter: int = 100,
    tol: float = 1e-7,
    smoothing: float = 0.01,
) -> DawidSkeneResult:
    """Aggregate by the Dawid-Skene model, full or one-coin, fitted by EM.

    Args:
        answers: ``(task, worker, label)`` triples; a worker answers any subset of tasks.
        labels: The label set (labels only seen in answers are added after it).
        model: ``"full"`` (a confusion matrix per worker) or ``"one_coin"`` (one
            accuracy per worker: ``p_w`` on the diagonal, ``(1 - p_w) / (K - 1)`` off it).
        max_iter: The most EM rounds to run.
        tol: Stop when the mean log-likelihood per answer changes by at most this.
        smoothing: Pseudo-count added to every count in the M-step (> 0).

    Returns:
        Labels, posteriors, confusion matrices, accuracies and priors.

    Raises:
        QualityInputError: If there are no answers, one is not a ``(task, worker, str)``,
            ``model`` is unknown, or ``max_iter < 1``, ``tol < 0`` or ``smoothing <= 0``.
        MissingExtraError: If numpy is not installed.
    """
    if model not in ("full", "one_coin"):
        raise QualityInputError(f"model must be 'full' or 'one_coin', got {model!r}")
    return _run(answers, labels, model, max_iter, tol, smoothing)
