"""Who acts: agents and their handlers, the manager and workers, the runtime."""

from agents.aggregate import confidence, log_odds, majority, posterior, weighted
from agents.agreement import fleiss_kappa, krippendorff_alpha, ratings_by_task
from agents.base import BaseAgent
from agents.board import TaskBoard
from agents.clock import Clock, RealtimeClock, VirtualClock, make_clock
from agents.dawid_skene import DawidSkeneResult, dawid_skene
from agents.dispatch import Dispatcher
from agents.dispatch_rules import (
    DispatchRule,
    LeastLoadedQueue,
    QueueCandidate,
    RandomQueue,
    RoundRobinQueue,
    SkillAwareQueue,
    TwoChoicesQueue,
    WorkloadQueue,
    dispatch_rule_names,
    make_dispatch_rule,
)
from agents.distribution import (
    Consensus,
    Distribution,
    ModeConflictError,
    Pulling,
    QualityReview,
    QueuePlace,
    Ttl,
    WorkloadUnit,
    check_workload,
    place_problem,
    split,
    workload_problem,
)
from agents.early import EarlyBinding, early_policies
from agents.entry import run, run_async
from agents.errors import (
    AgentStateError,
    DistributionError,
    HandlerRegistrationError,
    JobError,
    MissingExtraError,
    NoRuntimeError,
    PolicyError,
    QualityInputError,
    SimulationStalledError,
    UnknownAnnotatorError,
    UnknownAssignmentError,
    UnknownItemError,
    UnknownJobError,
)
from agents.filters import (
    FILTER_FIELDS,
    AllOf,
    AnyOf,
    Condition,
    DQLFilter,
    Filter,
    Filterable,
    FilterError,
    Operator,
    matches,
    parse_filter,
    select,
    to_dql,
)
from agents.golden import Golden, GoldenScore, GoldenScores, smoothed
from agents.handlers import HandlerSpec, handler_specs, on, on_connect, on_disconnect, on_run
from agents.index import FreeIndex, IndexKey
from agents.job import Job, JobAssignment, JobAssignments
from agents.job_index import JobIndex
from agents.job_moves import JobMoves
from agents.jobs import Jobs
from agents.jobstate import JobState, check_mode, check_place, due_by, open_records
from agents.label_metrics import accuracy, correct_labels, cost_per_correct
from agents.lanes import Entry, Lanes
from agents.logs import library_logger
from agents.loop import SimulationLoop, Timer, check_asyncio_internals
from agents.manager import TaskManager
from agents.manager_views import ManagerViews
from agents.memory import eased_gc
from agents.min_submitted import (
    change_min_submitted,
    check_team,
    first_response,
    require_all,
    required_for,
)
from agents.operations import Operations, Workload
from agents.overlap import DynamicOverlap, stopping_point
from agents.performance import (
    Draws,
    LogisticModel,
    Noise,
    Outcome,
    PerformanceModel,
    ThresholdModel,
    sigmoid,
    task_draws,
)
from agents.placement import (
    Estimator,
    check_assignment,
    choose,
    exclusions,
    pending_view,
    worker_view,
)
from agents.platform import PlatformRules, policies_for
from agents.progress import progress, unfinished
from agents.quality import QualityControl, kept_answers, label_set, model_accuracy
from agents.record import TERMINAL, BoardSnapshot, Hold, TaskRecord, TaskState
from agents.reservations import Reservations, able
from agents.roster import ReviewJob, WorkerRecord, review_key
from agents.runtime import Runtime, current_runtime
from agents.settlement import Settlement
from agents.summary import Ending, HandlerFailure, RunSummary
from agents.taskqueue import TaskQueue
from agents.threads import await_in_thread, loop_running, wait_in_thread
from agents.worker import WorkerAgent, WorkerProfile, answer_for
from agents.workforce import Workforce

__all__ = [
    "FILTER_FIELDS",
    "TERMINAL",
    "AgentStateError",
    "AllOf",
    "AnyOf",
    "BaseAgent",
    "BoardSnapshot",
    "Clock",
    "Condition",
    "Consensus",
    "DQLFilter",
    "DawidSkeneResult",
    "DispatchRule",
    "Dispatcher",
    "Distribution",
    "DistributionError",
    "Draws",
    "DynamicOverlap",
    "EarlyBinding",
    "Ending",
    "Entry",
    "Estimator",
    "Filter",
    "FilterError",
    "Filterable",
    "FreeIndex",
    "Golden",
    "GoldenScore",
    "GoldenScores",
    "HandlerFailure",
    "HandlerRegistrationError",
    "HandlerSpec",
    "Hold",
    "IndexKey",
    "Job",
    "JobAssignment",
    "JobAssignments",
    "JobError",
    "JobIndex",
    "JobMoves",
    "JobState",
    "Jobs",
    "Lanes",
    "LeastLoadedQueue",
    "LogisticModel",
    "ManagerViews",
    "MissingExtraError",
    "ModeConflictError",
    "NoRuntimeError",
    "Noise",
    "Operations",
    "Operator",
    "Outcome",
    "PerformanceModel",
    "PlatformRules",
    "PolicyError",
    "Pulling",
    "QualityControl",
    "QualityInputError",
    "QualityReview",
    "QueueCandidate",
    "QueuePlace",
    "RandomQueue",
    "RealtimeClock",
    "Reservations",
    "ReviewJob",
    "RoundRobinQueue",
    "RunSummary",
    "Runtime",
    "Settlement",
    "SimulationLoop",
    "SimulationStalledError",
    "SkillAwareQueue",
    "TaskBoard",
    "TaskManager",
    "TaskQueue",
    "TaskRecord",
    "TaskState",
    "ThresholdModel",
    "Timer",
    "Ttl",
    "TwoChoicesQueue",
    "UnknownAnnotatorError",
    "UnknownAssignmentError",
    "UnknownItemError",
    "UnknownJobError",
    "VirtualClock",
    "WorkerAgent",
    "WorkerProfile",
    "WorkerRecord",
    "Workforce",
    "Workload",
    "WorkloadQueue",
    "WorkloadUnit",
    "able",
    "accuracy",
    "answer_for",
    "await_in_thread",
    "change_min_submitted",
    "check_assignment",
    "check_asyncio_internals",
    "check_mode",
    "check_place",
    "check_team",
    "check_workload",
    "choose",
    "confidence",
    "correct_labels",
    "cost_per_correct",
    "current_runtime",
    "dawid_skene",
    "dispatch_rule_names",
    "due_by",
    "early_policies",
    "eased_gc",
    "exclusions",
    "first_response",
    "fleiss_kappa",
    "handler_specs",
    "kept_answers",
    "krippendorff_alpha",
    "label_set",
    "library_logger",
    "log_odds",
    "loop_running",
    "majority",
    "make_clock",
    "make_dispatch_rule",
    "matches",
    "model_accuracy",
    "on",
    "on_connect",
    "on_disconnect",
    "on_run",
    "open_records",
    "parse_filter",
    "pending_view",
    "place_problem",
    "policies_for",
    "posterior",
    "progress",
    "ratings_by_task",
    "require_all",
    "required_for",
    "review_key",
    "run",
    "run_async",
    "select",
    "sigmoid",
    "smoothed",
    "split",
    "stopping_point",
    "task_draws",
    "to_dql",
    "unfinished",
    "wait_in_thread",
    "weighted",
    "worker_view",
    "workload_problem",
]
