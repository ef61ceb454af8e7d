"""Assignment policies: the interface, the registry, and the built-in policies."""

from agents.policies.base import (
    Assignment,
    Observation,
    PendingTask,
    Policy,
    Snapshot,
    WorkerView,
    can_take,
    category_skill,
    skill_for,
)
from agents.policies.best_fit import BestFit
from agents.policies.learning import Learning
from agents.policies.least_loaded import LeastLoaded, PowerOfTwo
from agents.policies.most_skilled import MostSkilled
from agents.policies.optimal import Optimal
from agents.policies.pool import WorkerPool, next_above
from agents.policies.random_choice import RandomChoice
from agents.policies.registry import (
    ENTRY_POINT_GROUP,
    find_policy,
    installed_policies,
    make_policy,
    new_policy,
    policy_names,
    register_policy,
)
from agents.policies.round_robin import RoundRobin
from agents.policies.transport import dense_transport, max_weight_transport

__all__ = [
    "ENTRY_POINT_GROUP",
    "Assignment",
    "BestFit",
    "Learning",
    "LeastLoaded",
    "MostSkilled",
    "Observation",
    "Optimal",
    "PendingTask",
    "Policy",
    "PowerOfTwo",
    "RandomChoice",
    "RoundRobin",
    "Snapshot",
    "WorkerPool",
    "WorkerView",
    "can_take",
    "category_skill",
    "dense_transport",
    "find_policy",
    "installed_policies",
    "make_policy",
    "max_weight_transport",
    "new_policy",
    "next_above",
    "policy_names",
    "register_policy",
    "skill_for",
]
