# field: tasks
# error: limit tasks must be an int >= 1, got 0
from scenarios import Limits


def case() -> object:
    return Limits(tasks=0)
