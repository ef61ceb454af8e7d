"""A user-defined policy, imported by ``"custom_policy:FirstFree"`` in the policy tests."""

from agents.policies import Assignment, Snapshot, can_take


class FirstFree:
    """Each task to the first worker in connection order that may take it and has room."""

    name = "first_free"

    def assign(self, snapshot: Snapshot) -> list[Assignment]:
        free = {w.id: w.free for w in snapshot.workers}
        workers = sorted(snapshot.workers, key=lambda w: w.order)
        chosen: list[Assignment] = []
        for pending in snapshot.pending:
            for worker in workers:
                if free[worker.id] > 0 and can_take(worker, pending):
                    free[worker.id] -= 1
                    chosen.append(Assignment(pending.task.id, worker.id))
                    break
        return chosen


class NotAPolicy:
    """Built by name like a policy, but without ``assign``."""

    def __repr__(self) -> str:
        return "<NotAPolicy>"
