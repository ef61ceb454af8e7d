# field: 'os:system'
# error: is not a class
from agents.policies import make_policy


def case() -> object:
    return make_policy("os:system")
