# field: '.x:Y'
# error: is not an import path
from agents.policies import make_policy


def case() -> object:
    return make_policy(".x:Y")
