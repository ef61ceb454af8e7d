# field: due
# error: Input should be a finite number
from protocol import Task


def case() -> object:
    return Task(id=1, difficulty=3, due=float("nan"))
