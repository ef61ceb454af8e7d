# field: admin_peer
# error: admin_peer must be the manager's id (a str), got ['vision']
from agents import WorkerAgent


def case() -> object:
    return WorkerAgent("ana", 5, admin_peer=["vision"])  # type: ignore[arg-type]
