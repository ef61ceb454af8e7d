# field: tasks.generate.count
# error: 10000 tasks is over the limit of 10
from scenarios import Limits, load_scenario


def case() -> object:
    return load_scenario("mixed_skills", limits=Limits(tasks=10))
