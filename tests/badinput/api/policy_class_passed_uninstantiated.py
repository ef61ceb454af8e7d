# field: RoundRobin
# error: is a class; pass an instance, or its name or path
from agents.policies import RoundRobin, make_policy


def case() -> object:
    return make_policy(RoundRobin)  # type: ignore[arg-type]
