# field: skills.vision
# error: Input should be a finite number
from agents import WorkerAgent


def case() -> object:
    return WorkerAgent("ana", 5, skills={"vision": float("nan")})
