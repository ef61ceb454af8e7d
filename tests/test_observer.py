"""The observer: lanes and attempts as the delivered messages tell them."""

from agents import WorkerProfile
from protocol import (
    AgentConnected,
    AgentDetail,
    ReviewResult,
    Task,
    TaskAccepted,
    TaskAssignment,
    TaskRejected,
    TaskResult,
    TaskWithdrawn,
    WorkerLeaving,
)
from protocol.messages import AgentDisconnected
from scenarios import Observer


def worker(name: str, skill: float, role: str = "worker") -> AgentDetail:
    profile = WorkerProfile(skill_level=skill).model_dump()
    return AgentDetail(id=name, name=name, role=role, profile=profile)


def observer_with(*names: str) -> Observer:
    seen = Observer(events=3)
    for name in names:
        seen.observe(0.0, name, "manager", AgentConnected(agent=worker(name, 5)))
    return seen


class TestLaneStates:
    def test_assigned_then_working_then_idle(self) -> None:
        """A lane is assigned on assignment, working once accepted, idle after its result."""
        seen = observer_with("ann")
        states = [seen.lanes["ann"].state]
        seen.observe(1.0, "manager", "ann", TaskAssignment(task=Task(id=7, difficulty=3)))
        states.append(seen.lanes["ann"].state)
        seen.observe(1.5, "ann", "manager", TaskAccepted(task_id=7, worker="ann"))
        states.append(seen.lanes["ann"].state)
        seen.observe(4.5, "ann", "manager", TaskResult(task_id=7, worker="ann", success=False))
        states.append(seen.lanes["ann"].state)
        assert states == ["idle", "assigned", "working", "idle"]
        attempt = seen.attempts[0]
        assert (attempt.assigned, attempt.started, attempt.ended, attempt.outcome) == (
            1.0,
            1.5,
            4.5,
            "failure",
        )
        assert seen.lanes["ann"].ended == {"failure": 1}

    def test_a_review_and_its_verdict(self) -> None:
        """A reviewer that starts a review is reviewing; the verdict ends the attempt."""
        seen = Observer()
        seen.observe(0.0, "rev", "manager", AgentConnected(agent=worker("rev", 8, "reviewer")))
        review = TaskAssignment(task=Task(id=1, difficulty=4), review_of="ann", answer="cat")
        seen.observe(2.0, "manager", "rev", review)
        seen.observe(2.0, "rev", "manager", TaskAccepted(task_id=1, worker="rev"))
        assert seen.lanes["rev"].state == "reviewing"
        verdict = ReviewResult(task_id=1, reviewer="rev", worker="ann", approved=False)
        seen.observe(4.0, "rev", "manager", verdict)
        assert (seen.lanes["rev"].state, seen.attempts[0].outcome) == ("idle", "rejected")

    def test_refused_and_withdrawn_work_is_handed_back(self) -> None:
        seen = observer_with("ann")
        for task in (1, 2):
            seen.observe(0.0, "manager", "ann", TaskAssignment(task=Task(id=task, difficulty=1)))
        seen.observe(0.0, "ann", "manager", TaskRejected(task_id=1, worker="ann", reason="busy"))
        withdrawn = TaskRejected(task_id=2, worker="ann", reason="withdrawn")
        seen.observe(1.0, "ann", "manager", withdrawn)
        assert [a.outcome for a in seen.attempts] == ["refused", "withdrawn"]

    def test_a_withdrawal_ends_work_not_started(self) -> None:
        """TaskWithdrawn ends an unstarted attempt (a silent holder never answers); a
        started one goes on until its result."""
        seen = observer_with("ann")
        for task in (1, 2):
            seen.observe(0.0, "manager", "ann", TaskAssignment(task=Task(id=task, difficulty=1)))
        seen.observe(0.0, "ann", "manager", TaskAccepted(task_id=2, worker="ann"))
        for task in (1, 2):
            seen.observe(5.0, "manager", "ann", TaskWithdrawn(task_id=task))
        assert [(a.task, a.ended, a.outcome) for a in seen.attempts] == [
            (1, 5.0, "withdrawn"),
            (2, None, None),
        ]
        assert list(seen.lanes["ann"].holds) == [2]

    def test_leaving_then_gone_closes_what_it_held(self) -> None:
        """A worker that leaves is leaving when idle; gone after it disconnects, and what it
        held ends as lost."""
        seen = observer_with("ann")
        seen.observe(0.0, "manager", "ann", TaskAssignment(task=Task(id=1, difficulty=9)))
        seen.observe(0.0, "ann", "manager", TaskAccepted(task_id=1, worker="ann"))
        seen.observe(0.0, "manager", "ann", TaskAssignment(task=Task(id=2, difficulty=9)))
        seen.observe(1.0, "ann", "manager", WorkerLeaving(worker="ann"))
        assert seen.lanes["ann"].state == "working"
        seen.observe(2.0, "ann", "manager", AgentDisconnected(agent=worker("ann", 5)))
        assert (seen.lanes["ann"].state, seen.lanes["ann"].left) == ("gone", 2.0)
        assert [a.outcome for a in seen.attempts] == ["lost", "lost"]

    def test_leaving_when_idle(self) -> None:
        seen = observer_with("bob")
        seen.observe(3.0, "bob", "manager", WorkerLeaving(worker="bob"))
        assert seen.lanes["bob"].state == "leaving"

    def test_recent_keeps_the_latest_events(self) -> None:
        """The event list keeps the last ``events`` lines, with their time."""
        seen = observer_with("ann", "bob", "cy", "dee")
        assert list(seen.recent) == [
            "         0  bob joins (skill 5)",
            "         0  cy joins (skill 5)",
            "         0  dee joins (skill 5)",
        ]
