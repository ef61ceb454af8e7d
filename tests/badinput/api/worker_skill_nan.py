# field: skill_level
# error: Input should be a finite number
from agents import WorkerAgent


def case() -> object:
    return WorkerAgent("ana", float("nan"))
