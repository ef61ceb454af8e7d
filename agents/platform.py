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
from agents.dispatch_rules import DispatchRule, make_dispatch_rule
from agents.distribution import Distribution
from agents.early import EarlyBinding, early_policies
from agents.errors import DistributionError
from agents.operations import Operations
from agents.policies.base import Policy
from agents.policies.registry import make_policy
from agents.reservations import Reservations
from agents.settlement import Settlement
from protocol.messages import Message, TaskId

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
        send: Sends a message to an agent (an expired hold's ``TaskWithdrawn``).

    Attributes:
        early: Per-assignee queues (``None`` with the central queue).
        reservations: Holds that expire (``None`` without a ``ttl``, the run's or a
            job's).
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
        send: Callable[[str, Message], object] | None = None,
    ) -> None:
        self.operations = operations
        self._send = send
        self._parts = (board, dispatcher, settlement)
        self._rng, self._later, self._log = rng, later, log
        self._feeder: EarlyBinding | None = None
        self.early: EarlyBinding | None = None
        if rule is not None:
            self.early = EarlyBinding(board, dispatcher, rule, rng=rng)
            dispatcher.early_pass = self.early.place
        self.reservations: Reservations | None = None
        ttl = operations.distribution.ttl
        if ttl is not None:
            self._expiring(ttl)

    def _expiring(self, ttl: float | None) -> Reservations:
        board, dispatcher, settlement = self._parts
        reservations = Reservations(
            board, dispatcher, settlement, ttl, later=self._later, log=self._log, send=self._send
        )
        self.reservations = reservations
        dispatcher.on_hold = reservations.held
        dispatcher.on_block = reservations.refused
        settlement.on_stale = reservations.answered
        settlement.on_departed = reservations.departed
        return reservations

    def serve(self, task_id: TaskId, place: str | None, ttl: float | None) -> None:
        """Keep a job's item where its job says, with its job's time-to-live.

        Call it after the item is on the board and before it is pinned.

        Args:
            task_id: The item.
            place: ``"assignee"``: it waits in its annotator's own queue even in a
                central run; ``"central"``: it is placed from the central queue even
                with per-assignee queues; ``None``: as the run's queue.
            ttl: Its holds' time-to-live (``None``: the run's).
        """
        board, dispatcher, _ = self._parts
        if place == "assignee" and not board.early:
            board.laned.add(task_id)
            if self._feeder is None:
                rule = make_dispatch_rule("round_robin")  # feeding only: it binds nothing
                self._feeder = EarlyBinding(board, dispatcher, rule, rng=self._rng)
                dispatcher.early_pass = self._feed
        elif place == "central" and board.early:
            board.late.add(task_id)
        if ttl is not None:
            reservations = self.reservations or self._expiring(None)
            reservations.ttls[task_id] = ttl

    def _feed(self) -> None:
        assert self._feeder is not None
        if self._feeder.feed():
            self._parts[1].request_pass()

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
