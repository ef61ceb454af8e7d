# field: specialties
# error: specialties must be a list of categories, not the string 'TaskManager' (the manager's id goes in admin_peer=, by keyword)
from agents import WorkerAgent


def case() -> object:
    return WorkerAgent("ana", 5, "TaskManager")
