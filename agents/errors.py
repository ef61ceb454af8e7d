"""Errors raised by agents, the runtime and policies (all are ``SkillsimError``)."""

from __future__ import annotations

from protocol.errors import SkillsimError

__all__ = [
    "AgentStateError",
    "DistributionError",
    "HandlerRegistrationError",
    "JobError",
    "MissingExtraError",
    "NoRuntimeError",
    "PolicyError",
    "QualityInputError",
    "SimulationStalledError",
    "UnknownAnnotatorError",
    "UnknownAssignmentError",
    "UnknownItemError",
    "UnknownJobError",
]


class HandlerRegistrationError(SkillsimError):
    """Raised at class creation when a handler is not ``async def`` or its key is taken.

    Also raised by ``@on(...)`` when its argument is not a message class.
    """


class NoRuntimeError(SkillsimError):
    """Raised when an agent needs a runtime and none is running.

    Agents run inside :func:`agents.run` (or ``Runtime.run``), which owns the bus, the
    clock and the random generator.
    """


class AgentStateError(SkillsimError):
    """Raised when an agent is used in the wrong state (started twice, or not started)."""


class PolicyError(SkillsimError):
    """Raised when a policy is unknown or misconfigured, or assigns the impossible.

    The manager raises it for an assignment it cannot carry out: a task it did not
    offer, a worker without free capacity, or a task given more often than needed.
    """


class SimulationStalledError(SkillsimError):
    """Raised by :func:`agents.run` when the main coroutine outlives a stall.

    The message says what the agents were waiting for.
    """


class QualityInputError(SkillsimError, ValueError):
    """Raised by aggregation, agreement and label metrics when their input cannot be used.

    The message names what was wrong: answers and accuracies of different lengths, no
    answers at all, items with unequal numbers of raters for Fleiss' kappa, a malformed
    answer, or a parameter out of range.
    """


class MissingExtraError(SkillsimError, ImportError):
    """Raised when a feature needs an optional extra that is not installed.

    The message names the extra to install, e.g. ``pip install 'skillsim[optimal]'``.
    """


class JobError(SkillsimError, ValueError):
    """Raised by :class:`agents.jobs.Jobs` for an operation on jobs it cannot carry out.

    The message names the job and what was wrong: a name taken, an item of another job,
    a mode the seeds refuse (consensus with pulling), a job or assignment deleted
    already, or an annotator who takes no new work.
    """


class UnknownJobError(JobError):
    """Raised by :meth:`agents.jobs.Jobs.get` for a job id or name nobody created."""


class UnknownAssignmentError(JobError):
    """Raised by a job for an assignment it does not have (an annotator not assigned)."""


class UnknownItemError(JobError):
    """Raised for an item id that is not in the dataset, or not in the job named."""


class UnknownAnnotatorError(JobError):
    """Raised when work is reassigned to an annotator the manager has never seen."""


class DistributionError(SkillsimError):
    """Raised when a distribution setting is refused on a manager.

    ``Operations.set_min_submitted`` raises it once a task has a response (the
    setting is fixed once annotation started, as on the seed's platform), or for a
    value above the annotators who may answer; the manager raises it when placement
    is about to start and ``min_submitted`` (or the consensus count) is above the
    workers connected.
    """
