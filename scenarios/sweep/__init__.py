"""Sweeps: policies x parameters x seeds, in process, on local processes or on Dask."""

from scenarios.sweep.command import (
    add_sweep_parser,
    sweep_command,
)
from scenarios.sweep.engine import (
    SweepProgress,
    run_sweep,
)
from scenarios.sweep.executors import (
    DaskExecutor,
    Executor,
    ExecutorName,
    PoolExecutor,
    SerialExecutor,
    open_executor,
)
from scenarios.sweep.plan import (
    Cell,
    Plan,
    RunTask,
    plan_sweep,
    run_count,
    set_path,
)
from scenarios.sweep.plot import (
    plot_sweep,
)
from scenarios.sweep.runner import (
    METRICS,
    Row,
    execute_run,
    execute_runs,
    failed_row,
)
from scenarios.sweep.spec import (
    MAX_RUNS,
    SampleSpec,
    SchedulerLostError,
    SweepError,
    SweepSpec,
    load_sweep,
    parse_sweep,
)
from scenarios.sweep.store import (
    RunStore,
)
from scenarios.sweep.summary import (
    RUN_COLUMNS,
    paired_differences,
    summarize_sweep,
    swept_params,
)

__all__ = [
    "MAX_RUNS",
    "METRICS",
    "RUN_COLUMNS",
    "Cell",
    "DaskExecutor",
    "Executor",
    "ExecutorName",
    "Plan",
    "PoolExecutor",
    "Row",
    "RunStore",
    "RunTask",
    "SampleSpec",
    "SchedulerLostError",
    "SerialExecutor",
    "SweepError",
    "SweepProgress",
    "SweepSpec",
    "add_sweep_parser",
    "execute_run",
    "execute_runs",
    "failed_row",
    "load_sweep",
    "open_executor",
    "paired_differences",
    "parse_sweep",
    "plan_sweep",
    "plot_sweep",
    "run_count",
    "run_sweep",
    "set_path",
    "summarize_sweep",
    "sweep_command",
    "swept_params",
]
