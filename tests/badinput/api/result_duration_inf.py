# field: duration
# error: Input should be a finite number
from protocol import TaskResult


def case() -> object:
    return TaskResult(task_id=1, worker="a", success=True, duration=float("inf"))
