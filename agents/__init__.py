"""Who acts: agents and their handlers, the manager and workers, the runtime."""

from agents.base import BaseAgent
from agents.board import BoardSnapshot, Hold, TaskBoard, TaskRecord, TaskState
from agents.clock import Clock, RealtimeClock, VirtualClock, make_clock
from agents.errors import (
    AgentStateError,
    HandlerRegistrationError,
    NoRuntimeError,
    PolicyError,
    SimulationStalledError,
)
from agents.handlers import HandlerSpec, handler_specs, on, on_connect, on_disconnect, on_run
from agents.loop import SimulationLoop
from agents.manager import TaskManager, WorkerRecord
from agents.performance import (
    Draws,
    LogisticModel,
    Noise,
    Outcome,
    PerformanceModel,
    ThresholdModel,
    task_draws,
)
from agents.runtime import HandlerFailure, RunSummary, Runtime, current_runtime, run
from agents.worker import WorkerAgent, WorkerProfile

__all__ = [
    "AgentStateError",
    "BaseAgent",
    "BoardSnapshot",
    "Clock",
    "Draws",
    "HandlerFailure",
    "HandlerRegistrationError",
    "HandlerSpec",
    "Hold",
    "LogisticModel",
    "NoRuntimeError",
    "Noise",
    "Outcome",
    "PerformanceModel",
    "PolicyError",
    "RealtimeClock",
    "RunSummary",
    "Runtime",
    "SimulationLoop",
    "SimulationStalledError",
    "TaskBoard",
    "TaskManager",
    "TaskRecord",
    "TaskState",
    "ThresholdModel",
    "VirtualClock",
    "WorkerAgent",
    "WorkerProfile",
    "WorkerRecord",
    "current_runtime",
    "handler_specs",
    "make_clock",
    "on",
    "on_connect",
    "on_disconnect",
    "on_run",
    "run",
    "task_draws",
]
