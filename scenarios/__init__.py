"""What is run: scenario files, the loader, the command line and reports."""

from scenarios.build import (
    Simulation,
    build,
    draw,
    make_distribution,
    make_model,
)
from scenarios.console import (
    configure_logging,
)
from scenarios.director import (
    Director,
)
from scenarios.distributions import (
    ChoiceDist,
    ConstantDist,
    Distribution,
    NormalDist,
    UniformDist,
    dist_bounds,
)
from scenarios.live import (
    Dashboard,
    Pacer,
    run_live,
)
from scenarios.loader import (
    LIBRARY,
    LoadedScenario,
    ScenarioError,
    bundled_scenarios,
    load_scenario,
)
from scenarios.metrics import (
    Metrics,
    RunResult,
    TaskRow,
    WorkerRow,
    collect,
    jain,
    percentile,
)
from scenarios.observer import (
    Attempt,
    Lane,
    Observer,
)
from scenarios.replay import (
    Counters,
    Replay,
    ReplayTask,
    counters_at,
    read_replay,
    render_page,
)
from scenarios.report import (
    HIGHER_IS_BETTER,
    MetricSummary,
    render_comparison,
    render_run,
    summarize,
)
from scenarios.run import (
    Outcome,
    run_scenario,
    run_scenario_async,
    run_simulation,
    run_simulation_async,
)
from scenarios.script import (
    ScriptScenario,
    load_source,
    make_simulation,
)
from scenarios.spec import (
    ArrivalSpec,
    FieldProblemError,
    ModelSpec,
    PhaseSpec,
    PolicySpec,
    ScenarioSpec,
    StopSpec,
    TaskGenerate,
    TaskItem,
    TasksSpec,
    WorkerGenerate,
    WorkerItem,
    WorkersSpec,
)
from scenarios.workflow import (
    ConsensusSpec,
    EventSpec,
    PullingSpec,
    QASpec,
    WorkloadSpec,
)

__all__ = [
    "HIGHER_IS_BETTER",
    "LIBRARY",
    "ArrivalSpec",
    "Attempt",
    "ChoiceDist",
    "ConsensusSpec",
    "ConstantDist",
    "Counters",
    "Dashboard",
    "Director",
    "Distribution",
    "EventSpec",
    "FieldProblemError",
    "Lane",
    "LoadedScenario",
    "MetricSummary",
    "Metrics",
    "ModelSpec",
    "NormalDist",
    "Observer",
    "Outcome",
    "Pacer",
    "PhaseSpec",
    "PolicySpec",
    "PullingSpec",
    "QASpec",
    "Replay",
    "ReplayTask",
    "RunResult",
    "ScenarioError",
    "ScenarioSpec",
    "ScriptScenario",
    "Simulation",
    "StopSpec",
    "TaskGenerate",
    "TaskItem",
    "TaskRow",
    "TasksSpec",
    "UniformDist",
    "WorkerGenerate",
    "WorkerItem",
    "WorkerRow",
    "WorkersSpec",
    "WorkloadSpec",
    "build",
    "bundled_scenarios",
    "collect",
    "configure_logging",
    "counters_at",
    "dist_bounds",
    "draw",
    "jain",
    "load_scenario",
    "load_source",
    "make_distribution",
    "make_model",
    "make_simulation",
    "percentile",
    "read_replay",
    "render_comparison",
    "render_page",
    "render_run",
    "run_live",
    "run_scenario",
    "run_scenario_async",
    "run_simulation",
    "run_simulation_async",
    "summarize",
]
