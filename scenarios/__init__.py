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
from scenarios.controls import (
    DynamicOverlapSpec,
    GoldenSpec,
    check_quality,
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
from scenarios.quality_report import (
    LabelledTask,
    QualityFigures,
    labelled_tasks,
    quality_figures,
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
    run_simulation,
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
from scenarios.variants import (
    Column,
    columns,
    run_columns,
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
    "ChoiceDist",
    "Column",
    "ConsensusSpec",
    "ConstantDist",
    "Director",
    "Distribution",
    "DynamicOverlapSpec",
    "EventSpec",
    "FieldProblemError",
    "GoldenSpec",
    "LabelledTask",
    "LoadedScenario",
    "MetricSummary",
    "Metrics",
    "ModelSpec",
    "NormalDist",
    "Outcome",
    "PhaseSpec",
    "PolicySpec",
    "PullingSpec",
    "QASpec",
    "QualityFigures",
    "RunResult",
    "ScenarioError",
    "ScenarioSpec",
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
    "check_quality",
    "collect",
    "columns",
    "configure_logging",
    "dist_bounds",
    "draw",
    "jain",
    "labelled_tasks",
    "load_scenario",
    "make_distribution",
    "make_model",
    "percentile",
    "quality_figures",
    "render_comparison",
    "render_run",
    "run_columns",
    "run_scenario",
    "run_simulation",
    "summarize",
]
