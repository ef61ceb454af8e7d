# field: seed
# error: Input should be a valid integer
from scenarios import ScenarioSpec


def case() -> object:
    workers = {"items": [{"name": "a"}]}
    tasks = {"items": [{"id": 1, "difficulty": 2}]}
    return ScenarioSpec.model_validate({"seed": True, "workers": workers, "tasks": tasks})
