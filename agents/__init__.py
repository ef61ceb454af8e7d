"""Who acts: agents and their handlers, the manager and workers, the runtime."""

from agents.aggregate import log_odds, majority, weighted
from agents.base import BaseAgent
from agents.board import BoardSnapshot, Hold, TaskBoard, TaskRecord, TaskState
from agents.clock import Clock, RealtimeClock, VirtualClock, make_clock
from agents.distribution import (
    Consensus,
    Distribution,
    Pulling,
    QualityReview,
    WorkloadUnit,
    check_workload,
    split,
)
from agents.entry import run, run_async
from agents.errors import (
    AgentStateError,
    HandlerRegistrationError,
    NoRuntimeError,
    PolicyError,
    SimulationStalledError,
)
from agents.handlers import HandlerSpec, handler_specs, on, on_connect, on_disconnect, on_run
from agents.logs import library_logger
from agents.loop import SimulationLoop, Timer
from agents.manager import TaskManager
from agents.memory import eased_gc
from agents.operations import Operations, Workload
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
from agents.placement import Placement, ReviewJob, WorkerRecord, review_key
from agents.runtime import Runtime, current_runtime
from agents.settlement import Settlement
from agents.summary import Ending, HandlerFailure, RunSummary
from agents.threads import await_in_thread, loop_running, wait_in_thread
from agents.worker import WorkerAgent, WorkerProfile, answer_for

__all__ = [
    "AgentStateError",
    "BaseAgent",
    "BoardSnapshot",
    "Clock",
    "Consensus",
    "Distribution",
    "Draws",
    "Ending",
    "HandlerFailure",
    "HandlerRegistrationError",
    "HandlerSpec",
    "Hold",
    "LogisticModel",
    "NoRuntimeError",
    "Noise",
    "Operations",
    "Outcome",
    "PerformanceModel",
    "Placement",
    "PolicyError",
    "Pulling",
    "QualityReview",
    "RealtimeClock",
    "ReviewJob",
    "RunSummary",
    "Runtime",
    "Settlement",
    "SimulationLoop",
    "SimulationStalledError",
    "TaskBoard",
    "TaskManager",
    "TaskRecord",
    "TaskState",
    "ThresholdModel",
    "Timer",
    "VirtualClock",
    "WorkerAgent",
    "WorkerProfile",
    "WorkerRecord",
    "Workload",
    "WorkloadUnit",
    "answer_for",
    "await_in_thread",
    "check_workload",
    "current_runtime",
    "eased_gc",
    "handler_specs",
    "library_logger",
    "log_odds",
    "loop_running",
    "majority",
    "make_clock",
    "on",
    "on_connect",
    "on_disconnect",
    "on_run",
    "review_key",
    "run",
    "run_async",
    "sigmoid",
    "split",
    "task_draws",
    "wait_in_thread",
    "weighted",
]
