# field: arrival time of task 2
# error: must be >= 0, got nan
from agents import TaskManager
from protocol import Task


def case() -> object:
    return TaskManager([], arrivals=[(float("nan"), Task(id=2, difficulty=2))])
