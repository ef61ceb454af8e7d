"""``PlatformRules``: the labeling platforms' rules a manager may switch on.

Design:
    The manager's distribution settings may ask for per-assignee queues
    (``queue = "assignee"``: :class:`~agents.early.EarlyBinding`), for reservations
    that expire (``ttl``: :class:`~agents.reservations.Reservations`), and always
    carry Argilla's rule that ``min_submitted`` (and a consensus count) must not be
    above the annotators who may answer when the work starts. This part builds what
    the settings ask for and hooks it to the dispatcher (holds begun, refusals as
    busy) and the settlement (results ignored, departures), so the manager only wires.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from agents.board import TaskBoard
from agents.dispatch import Dispatcher
from agents.dispatch_rules import DispatchRule
from agents.distribution import Distribution
from agents.early import EarlyBinding, early_policies
from agents.errors import DistributionError
from agents.operations import Operations
from agents.policies.base import Policy
from agents.policies.registry import make_policy
from agents.reservations import Reservations
from agents.settlement import Settlement

__all__ = ["PlatformRules", "policies_for"]


def policies_for(
    policy: str | Policy, settings: Distribution
) -> tuple[Policy, DispatchRule | None]:
    """The placement policy, and the dispatch rule with per-assignee queues (else ``None``).

    Raises:
        PolicyError: for an unknown policy, or a name that is not a dispatch rule
            with per-assignee queues.
    """
    if settings.queue == "assignee":
        rule, placement = early_policies(policy, settings.workload)
        return placement, rule
    return make_policy(policy), None


class PlatformRules:
    """Per-assignee queues, expiring reservations and the team check of one manager.

    Args:
        board: The task board (with per-assignee queues when ``rule`` is given).
        dispatcher: The workers and placement.
        settlement: Where tasks are made final.
        operations: The live operations (the current settings, the team check).
        rule: The dispatch rule of per-assignee queues (``None``: the central queue).
        rng: The manager's random stream.
        later: Calls ``callback(*args)`` after a simulated delay.
        log: A structlog logger.

    Attributes:
        early: Per-assignee queues (``None`` with the central queue).
        reservations: Holds that expire (``None`` without a ``ttl``).
    """

    def __init__(
        self,
        board: TaskBoard,
        dispatcher: Dispatcher,
        settlement: Settlement,
        operations: Operations,
        rule: DispatchRule | None,
        *,
        rng: Callable[[], random.Random],
        later: Callable[..., Any],
        log: Any,
    ) -> None:
        self.operations = operations
        self.early: EarlyBinding | None = None
        if rule is not None:
            self.early = EarlyBinding(board, dispatcher, rule, rng=rng)
            dispatcher.early_pass = self.early.place
        self.reservations: Reservations | None = None
        ttl = operations.distribution.ttl
        if ttl is not None:
            self.reservations = Reservations(
                board, dispatcher, settlement, ttl, later=later, log=log
            )
            dispatcher.on_hold = self.reservations.held
            dispatcher.on_block = self.reservations.refused
            settlement.on_stale = self.reservations.answered
            settlement.on_departed = self.reservations.departed

    def starting(self, refuse: Callable[[], None]) -> None:
        """Placement is about to start: refuse settings the team cannot answer.

        Args:
            refuse: Ends the run before anything is placed (called before raising).

        Raises:
            DistributionError: for ``min_submitted`` or a consensus count above the
                annotators connected.
        """
        try:
            self.operations.check_team()
        except DistributionError:
            refuse()
            raise
