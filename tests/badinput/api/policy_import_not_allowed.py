# field: 'custom_policy:FirstFree'
# error: is an import path, and importing runs code
from agents.policies import find_policy


def case() -> object:
    return find_policy("custom_policy:FirstFree", allow_import=False)
