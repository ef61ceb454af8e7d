import random
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import custom_policy
import pytest
from conftest import sigmoid

from agents import PerformanceModel, PolicyError, Runtime, TaskManager, WorkerAgent
from agents.policies import (
    Assignment,
    BestFit,
    Learning,
    LeastLoaded,
    MostSkilled,
    Observation,
    PendingTask,
    PowerOfTwo,
    RandomChoice,
    RoundRobin,
    Snapshot,
    WorkerView,
    make_policy,
    policy_names,
    register_policy,
)
from agents.policies import registry as registry_module
from protocol import Task, TaskId

BUILT_IN = [
    "best_fit",
    "learning",
    "least_loaded",
    "most_skilled",
    "optimal",
    "power_of_two",
    "random",
    "round_robin",
]


def task(id: TaskId, difficulty: float, *, skill: str | None = None, priority: int = 1) -> Task:
    return Task(id=id, difficulty=difficulty, skill=skill, priority=priority)


def pending(
    item: Task,
    *,
    attempts: int = 0,
    exclude: Iterable[str] = (),
    best_failed: float | None = None,
) -> PendingTask:
    return PendingTask(
        task=item,
        attempts=attempts,
        arrived=0.0,
        exclude=frozenset(exclude),
        best_failed=best_failed,
    )


def view(
    id: str,
    skill: float,
    *,
    order: int,
    estimates: Mapping[str, float] | None = None,
    specialties: Iterable[str] | None = None,
    capacity: int = 1,
    load: int = 0,
    idle_since: float = 0.0,
) -> WorkerView:
    return WorkerView(
        id=id,
        name=id,
        skill_level=skill,
        skills=dict(estimates or {}),
        specialties=None if specialties is None else frozenset(specialties),
        capacity=capacity,
        load=load,
        idle_since=idle_since,
        estimate=skill,
        estimates=dict(estimates or {}),
        order=order,
    )


def snapshot(
    tasks: Sequence[PendingTask | Task],
    workers: Sequence[WorkerView],
    *,
    seed: int = 0,
    model: PerformanceModel | None = None,
) -> Snapshot:
    items = tuple(t if isinstance(t, PendingTask) else pending(t) for t in tasks)
    if model is None:
        return Snapshot(0.0, items, tuple(workers), random.Random(seed))
    return Snapshot(0.0, items, tuple(workers), random.Random(seed), model)


def pairs(assignments: Iterable[Assignment]) -> list[tuple[TaskId, str]]:
    return [(a.task_id, a.worker_id) for a in assignments]


class TestBestFit:
    def test_picks_the_least_skilled_capable_worker(self) -> None:
        """A task goes to the capable worker with the smallest skill surplus."""
        workers = [view("senior", 9, order=0), view("junior", 3, order=1), view("mid", 6, order=2)]
        assert pairs(BestFit().assign(snapshot([task(1, 5)], workers))) == [(1, "mid")]

    def test_never_wastes_a_senior_when_a_capable_junior_is_idle(self) -> None:
        """An easy task goes to the idle junior even when the senior has waited longer."""
        workers = [view("senior", 9, order=0), view("junior", 3, order=1)]
        assert pairs(BestFit().assign(snapshot([task(1, 2)], workers))) == [(1, "junior")]

    def test_places_a_batch_in_priority_order(self) -> None:
        """The seed's three tasks land on the junior, the intermediate and the senior."""
        workers = [view("Junior", 3, order=0), view("Intermediate", 6, order=1)]
        workers.append(view("Senior", 9, order=2))
        tasks = [task(3, 8, priority=3), task(1, 2, priority=2), task(2, 5)]
        assert pairs(BestFit().assign(snapshot(tasks, workers))) == [
            (3, "Senior"),
            (1, "Junior"),
            (2, "Intermediate"),
        ]

    @pytest.mark.parametrize(("first", "second"), [("a", "b"), ("b", "a")])
    def test_ties_go_to_the_longest_idle(self, first: str, second: str) -> None:
        """Between equally skilled capable workers, the one earlier in the snapshot wins."""
        workers = [view(first, 5, order=1, idle_since=0.0), view(second, 5, order=0, idle_since=4)]
        assert pairs(BestFit().assign(snapshot([task(1, 4)], workers))) == [(1, first)]

    def test_falls_back_to_the_most_skilled_when_none_is_capable(self) -> None:
        """With nobody capable free, the task goes to the most skilled (longest idle on ties)."""
        workers = [view("a", 2, order=0), view("b", 4, order=1), view("c", 4, order=2)]
        workers.append(view("d", 3, order=3))
        assert pairs(BestFit().assign(snapshot([task(1, 8)], workers))) == [(1, "b")]

    def test_a_retried_task_escalates_to_a_strictly_more_skilled_worker(self) -> None:
        """A task that a 6 failed goes to the least skilled worker above 6, not to another 6."""
        workers = [view("six", 6, order=0), view("seven", 7, order=1), view("nine", 9, order=2)]
        retried = pending(task(1, 5), attempts=1, best_failed=6.0)
        assert pairs(BestFit().assign(snapshot([retried], workers))) == [(1, "seven")]

    def test_escalation_without_a_stronger_worker_keeps_best_fit(self) -> None:
        """With nobody free above the best failed skill, plain best fit decides."""
        workers = [view("nine", 9, order=0), view("six", 6, order=1)]
        retried = pending(task(1, 5), attempts=1, best_failed=9.5)
        assert pairs(BestFit().assign(snapshot([retried], workers))) == [(1, "six")]

    def test_escalation_still_requires_capability(self) -> None:
        """A retried task needs both the difficulty and more than the failed skill."""
        workers = [view("seven", 7, order=0), view("nine", 9, order=1)]
        retried = pending(task(1, 8), attempts=1, best_failed=6.0)
        assert pairs(BestFit().assign(snapshot([retried], workers))) == [(1, "nine")]

    def test_respects_specialties(self) -> None:
        """A vision task skips a better-fitting text specialist for a vision one."""
        workers = [
            view("text", 5, order=0, specialties=["text"]),
            view("vision", 8, order=1, specialties=["vision"]),
        ]
        assert pairs(BestFit().assign(snapshot([task(1, 5, skill="vision")], workers))) == [
            (1, "vision")
        ]

    def test_uses_the_category_estimate(self) -> None:
        """A worker strong overall but weak in the task's category is not counted capable."""
        workers = [view("weak_vision", 9, order=0, estimates={"vision": 4}), view("b", 6, order=1)]
        assert pairs(BestFit().assign(snapshot([task(1, 5, skill="vision")], workers))) == [
            (1, "b")
        ]

    def test_respects_exclude(self) -> None:
        """An excluded worker never gets the task, even when it fits best."""
        workers = [view("fits", 5, order=0), view("other", 7, order=1)]
        item = pending(task(1, 5), exclude=["fits"])
        assert pairs(BestFit().assign(snapshot([item], workers))) == [(1, "other")]

    def test_leaves_a_task_nobody_may_take(self) -> None:
        """A task whose only free worker is excluded stays unassigned."""
        item = pending(task(1, 5), exclude=["only"])
        assert BestFit().assign(snapshot([item], [view("only", 9, order=0)])) == []

    def test_uses_free_capacity_then_moves_on(self) -> None:
        """A worker with two free slots takes two tasks, then the next fit gets the third."""
        workers = [view("duo", 5, order=0, capacity=3, load=1), view("nine", 9, order=1)]
        tasks = [task(1, 4), task(2, 4), task(3, 4)]
        assert pairs(BestFit().assign(snapshot(tasks, workers))) == [
            (1, "duo"),
            (2, "duo"),
            (3, "nine"),
        ]


class TestMostSkilled:
    def test_picks_the_most_skilled_free_worker(self) -> None:
        """Every task goes to the most skilled free worker, longest idle first on ties."""
        workers = [view("a", 3, order=0), view("b", 9, order=1), view("c", 9, order=2)]
        tasks = [task(1, 1), task(2, 1), task(3, 1)]
        assert pairs(MostSkilled().assign(snapshot(tasks, workers))) == [
            (1, "b"),
            (2, "c"),
            (3, "a"),
        ]


class TestRoundRobin:
    def test_cycles_in_connection_order(self) -> None:
        """Tasks go to workers by connection order, wrapping around, whatever the idle order."""
        workers = [view(f"w{i}", 5, order=i, capacity=2) for i in (2, 0, 1)]
        tasks = [task(i, 1) for i in range(1, 5)]
        assert pairs(RoundRobin().assign(snapshot(tasks, workers))) == [
            (1, "w0"),
            (2, "w1"),
            (3, "w2"),
            (4, "w0"),
        ]

    def test_keeps_its_turn_across_calls(self) -> None:
        """One task per call still rotates through the workers."""
        policy = RoundRobin()
        workers = [view(f"w{i}", 5, order=i) for i in range(3)]
        chosen = [pairs(policy.assign(snapshot([task(i, 1)], workers))) for i in range(1, 5)]
        assert chosen == [[(1, "w0")], [(2, "w1")], [(3, "w2")], [(4, "w0")]]

    def test_skips_a_busy_worker_and_keeps_the_cycle(self) -> None:
        """A worker absent from the snapshot (busy) is skipped; the turn resumes after it."""
        policy = RoundRobin()
        everyone = [view(f"w{i}", 5, order=i) for i in range(3)]
        assert pairs(policy.assign(snapshot([task(1, 1)], everyone))) == [(1, "w0")]
        assert pairs(policy.assign(snapshot([task(2, 1)], [everyone[0], everyone[2]]))) == [
            (2, "w2")
        ]
        assert pairs(policy.assign(snapshot([task(3, 1)], everyone))) == [(3, "w0")]

    def test_skips_a_worker_without_the_specialty(self) -> None:
        """A worker that may not take the task loses nothing but that task."""
        workers = [view("w0", 5, order=0, specialties=["text"]), view("w1", 5, order=1)]
        tasks = [task(1, 1, skill="vision"), task(2, 1, skill="text")]
        assert pairs(RoundRobin().assign(snapshot(tasks, workers))) == [(1, "w1"), (2, "w0")]


class TestRandomChoice:
    def test_is_deterministic_for_a_seeded_random(self) -> None:
        """The same seed gives the same choice: the draw from the snapshot's stream."""
        workers = [view(f"w{i}", 5, order=i) for i in range(5)]
        for seed in range(20):
            expected = random.Random(seed).choice(workers).id
            assert pairs(RandomChoice().assign(snapshot([task(1, 1)], workers, seed=seed))) == [
                (1, expected)
            ]

    def test_only_picks_eligible_workers(self) -> None:
        """Over many seeds the choices cover exactly the eligible workers."""
        workers = [
            view("excluded", 5, order=0),
            view("text_only", 5, order=1, specialties=["text"]),
            view("a", 5, order=2),
            view("b", 5, order=3, specialties=["vision"]),
            view("full", 5, order=4, capacity=1, load=1),
        ]
        item = pending(task(1, 1, skill="vision"), exclude=["excluded"])
        chosen = {
            a.worker_id
            for seed in range(100)
            for a in RandomChoice().assign(snapshot([item], workers, seed=seed))
        }
        assert chosen == {"a", "b"}


class TestLeastLoaded:
    def test_picks_the_lowest_load_over_capacity(self) -> None:
        """Each task goes to the lowest load/capacity; equal ratios go to the more skilled."""
        workers = [
            view("half", 5, order=0, capacity=2, load=1),
            view("quarter", 6, order=1, capacity=4, load=1),
            view("two_thirds", 7, order=2, capacity=3, load=2),
        ]
        tasks = [task(1, 1), task(2, 1), task(3, 1)]
        # After the first task: half 1/2, quarter 2/4 (tie, the more skilled wins), then half.
        assert pairs(LeastLoaded().assign(snapshot(tasks, workers))) == [
            (1, "quarter"),
            (2, "quarter"),
            (3, "half"),
        ]

    def test_prefers_a_capable_worker(self) -> None:
        """A busier capable worker beats an idle incapable one."""
        workers = [
            view("idle", 5, order=0, capacity=4),
            view("busy", 8, order=1, capacity=4, load=3),
        ]
        assert pairs(LeastLoaded().assign(snapshot([task(1, 7)], workers))) == [(1, "busy")]

    def test_without_a_capable_worker_picks_the_least_loaded(self) -> None:
        """With nobody capable, load decides among the eligible."""
        workers = [
            view("busy", 8, order=0, capacity=4, load=3),
            view("idle", 5, order=1, capacity=4),
        ]
        assert pairs(LeastLoaded().assign(snapshot([task(1, 9)], workers))) == [(1, "idle")]


class TestPowerOfTwo:
    def test_picks_the_less_loaded_of_its_sample(self) -> None:
        """For each seed, the choice is the less loaded of the two the stream samples."""
        workers = [
            view(f"w{i}", 9, order=i, capacity=10, load=load)
            for i, load in enumerate([0, 3, 6, 9, 1])
        ]
        load = {w.id: w.load for w in workers}
        for seed in range(20):
            sample = random.Random(seed).sample(workers, 2)
            expected = min(sample, key=lambda w: load[w.id]).id
            chosen = PowerOfTwo().assign(snapshot([task(1, 5)], workers, seed=seed))
            assert pairs(chosen) == [(1, expected)]

    def test_samples_only_capable_workers(self) -> None:
        """An incapable idle worker is never sampled while two capable ones have room."""
        workers = [
            view("weak", 2, order=0, capacity=5),
            view("strong1", 9, order=1, capacity=5, load=4),
            view("strong2", 9, order=2, capacity=5, load=2),
        ]
        for seed in range(10):
            chosen = PowerOfTwo().assign(snapshot([task(1, 5)], workers, seed=seed))
            assert pairs(chosen) == [(1, "strong2")]


def _observe(policy: Learning, item: Task, success: bool, worker: str = "w") -> None:
    policy.observe(Observation(item, worker, success, float(item.difficulty)))


class TestLearning:
    def test_estimates_start_at_the_prior(self) -> None:
        """Before any result, every worker and category is estimated at the prior."""
        policy = Learning(prior=4.5)
        assert policy.estimate("anyone", None) == 4.5
        assert policy.estimate("anyone", "vision") == 4.5
        assert policy.observations("anyone") == 0

    def test_success_on_a_hard_task_raises_the_estimate_a_lot(self) -> None:
        """Succeeding at 9 from 5 adds rate x (1 - sigmoid(-4))."""
        policy = Learning(prior=5.0, rate=0.5)
        _observe(policy, task(1, 9), success=True)
        assert policy.estimate("w", None) == pytest.approx(5.0 + 0.5 * (1 - sigmoid(-4)), 1e-12)
        assert policy.estimate("w", None) > 5.49
        assert policy.observations("w") == 1

    def test_failure_on_an_easy_task_lowers_the_estimate_a_lot(self) -> None:
        """Failing at 1 from 5 subtracts rate x sigmoid(4)."""
        policy = Learning(prior=5.0, rate=0.5)
        _observe(policy, task(1, 1), success=False)
        assert policy.estimate("w", None) == pytest.approx(5.0 - 0.5 * sigmoid(4), 1e-12)
        assert policy.estimate("w", None) < 4.51

    def test_expected_outcomes_change_little(self) -> None:
        """Succeeding at an easy task moves the estimate far less than at a hard one."""
        easy, hard = Learning(), Learning()
        _observe(easy, task(1, 1), success=True)
        _observe(hard, task(1, 9), success=True)
        assert easy.estimate("w", None) - 5.0 < 0.01
        assert hard.estimate("w", None) - 5.0 > 0.49

    @pytest.mark.parametrize("category", ["a", "vision", "zz-9"])
    def test_category_and_overall_estimates_update_from_the_same_start(self, category: str) -> None:
        """The first result in a category moves both estimates from the prior alike."""
        policy = Learning(prior=5.0, rate=0.5)
        _observe(policy, task(1, 9, skill=category), success=True)
        expected = pytest.approx(5.0 + 0.5 * (1 - sigmoid(-4)), 1e-12)
        assert policy.estimate("w", None) == expected
        assert policy.estimate("w", category) == expected

    def test_assign_is_best_fit_on_its_own_estimates(self) -> None:
        """Without exploration, placement follows the estimates in the snapshot."""
        workers = [view("nine", 9, order=0), view("six", 6, order=1)]
        assert pairs(Learning(explore=0.0).assign(snapshot([task(1, 5)], workers))) == [(1, "six")]

    def test_ignores_declared_skills(self) -> None:
        """Run by the manager, both workers start at the prior, so the tie goes to the first."""
        manager = TaskManager([task(1, 2)], expected_workers=2, policy=Learning(explore=0.0))
        senior = WorkerAgent("Senior", 9, admin_peer=manager.id)
        junior = WorkerAgent("Junior", 3, admin_peer=manager.id)
        runtime = Runtime()
        runtime.add(manager, senior, junior)
        runtime.run(strict=True)
        assert [(r.task_id, r.worker) for r in manager.task_results] == [(1, "Senior")]

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"scale": 0}, "scale must be > 0, got 0"),
            ({"explore": 1.5}, "explore must be within 0..1, got 1.5"),
        ],
    )
    def test_bad_parameters_raise(self, params: dict[str, Any], message: str) -> None:
        """A non-positive scale or an exploration share outside 0..1 raises ValueError."""
        with pytest.raises(ValueError, match=rf"^{re.escape(message)}$"):
            Learning(**params)


class _NoAssign:
    def __repr__(self) -> str:
        return "<NoAssign>"


class TestRegistry:
    def test_built_in_policies_are_registered(self) -> None:
        """Every built-in policy name is known and the list is sorted."""
        names = policy_names()
        assert set(BUILT_IN) <= set(names)
        assert names == sorted(names)

    @pytest.mark.parametrize("name", BUILT_IN)
    def test_make_policy_builds_by_name(self, name: str) -> None:
        """A registered name builds an object whose name is that name."""
        assert getattr(make_policy(name), "name", None) == name

    def test_unknown_name_lists_the_known_ones(self) -> None:
        """An unknown name raises PolicyError listing every registered name."""
        known = ", ".join(policy_names())
        with pytest.raises(
            PolicyError, match=rf"^unknown policy 'nope'; known policies: {re.escape(known)}$"
        ):
            make_policy("nope")

    def test_module_class_path_imports_a_user_policy(self) -> None:
        """``module:Class`` imports and instantiates the class."""
        policy = make_policy("custom_policy:FirstFree")
        assert isinstance(policy, custom_policy.FirstFree)

    def test_user_policy_runs_in_a_manager(self) -> None:
        """A manager given ``module:Class`` places tasks with that policy."""
        manager = TaskManager(
            [task(1, 2), task(2, 9)], expected_workers=2, policy="custom_policy:FirstFree"
        )
        workers = [WorkerAgent("first", 1, admin_peer=manager.id)]
        workers.append(WorkerAgent("second", 9, admin_peer=manager.id))
        runtime = Runtime()
        runtime.add(manager, *workers)
        runtime.run(strict=True)
        assert [(r.task_id, r.worker, r.success) for r in manager.task_results] == [
            (1, "first", False),
            (2, "second", True),
        ]

    @pytest.mark.parametrize(
        ("spec", "reason"),
        [
            ("custom_policy:Missing", "module 'custom_policy' has no attribute 'Missing'"),
            ("no_such_module_xyz:Policy", "No module named 'no_such_module_xyz'"),
        ],
    )
    def test_unresolvable_import_path_raises(self, spec: str, reason: str) -> None:
        """An import path that does not resolve raises PolicyError with the reason."""
        with pytest.raises(
            PolicyError, match=rf"^{re.escape(f'cannot import policy {spec!r}: {reason}')}$"
        ):
            make_policy(spec)

    def test_object_without_assign_is_refused(self) -> None:
        """Passing an object that has no assign method raises PolicyError."""
        with pytest.raises(
            PolicyError, match=r"^<NoAssign> is not a policy: it has no assign\(snapshot\) method$"
        ):
            make_policy(_NoAssign())  # type: ignore[arg-type]

    def test_factory_result_without_assign_is_refused(self) -> None:
        """A factory whose result has no assign method raises PolicyError naming both."""
        with pytest.raises(
            PolicyError,
            match=r"^'custom_policy:NotAPolicy' is not a policy class: "
            r"it has no assign\(snapshot\) method$",
        ):
            make_policy("custom_policy:NotAPolicy")

    def test_refused_parameters_raise(self) -> None:
        """Parameters the factory refuses raise PolicyError naming the policy and the reason."""
        with pytest.raises(
            PolicyError,
            match=r"^policy 'learning' does not take these parameters: "
            r"scale must be > 0, got -1$",
        ):
            make_policy("learning", scale=-1)

    def test_policy_object_passes_through(self) -> None:
        """An object with assign is returned as it is."""
        policy = RoundRobin()
        assert make_policy(policy) is policy

    def test_register_conflict_raises(self) -> None:
        """Registering another factory under a taken name raises PolicyError naming the owner."""
        owner = repr(BestFit)
        with pytest.raises(
            PolicyError,
            match=rf"^policy name 'best_fit' is taken by {re.escape(owner)}$",
        ):
            register_policy("best_fit", RoundRobin)
        assert isinstance(make_policy("best_fit"), BestFit)

    def test_registering_the_same_factory_again_is_allowed(self) -> None:
        """Registering a name's own factory again changes nothing."""
        register_policy("best_fit", BestFit)
        assert isinstance(make_policy("best_fit"), BestFit)

    def test_empty_name_is_refused(self) -> None:
        """A policy needs a name."""
        with pytest.raises(PolicyError, match=r"^a policy needs a name$"):
            register_policy("", BestFit)

    def test_registered_factory_is_built_with_params(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A newly registered name builds through its factory with the given parameters."""
        # A private copy of the registry, so that the new name does not outlive this test.
        monkeypatch.setattr(registry_module, "_REGISTRY", dict(registry_module._REGISTRY))
        register_policy("cautious_learning", Learning)
        policy = make_policy("cautious_learning", explore=0.0, prior=2.0)
        assert isinstance(policy, Learning)
        assert (policy.explore, policy.prior) == (0.0, 2.0)
        assert "cautious_learning" in policy_names()
