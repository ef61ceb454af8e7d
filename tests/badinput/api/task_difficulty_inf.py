# field: difficulty
# error: Input should be a finite number
from protocol import Task


def case() -> object:
    return Task(id=1, difficulty=float("inf"))
