# field: skill_level
# error: Input should be a finite number
from agents import WorkerAgent


def case() -> object:
    WorkerAgent("ana", 5).set_skill(float("nan"))
    return None
