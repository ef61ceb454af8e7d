# field: id
# error: task id must be an int or a str, not True
from protocol import Task


def case() -> object:
    return Task(id=True, difficulty=2)
