import itertools
import random
from collections.abc import Iterable, Sequence
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_policies import pairs, pending, snapshot, task, view

from agents import LogisticModel, ThresholdModel
from agents.policies import (
    Assignment,
    Optimal,
    PendingTask,
    Snapshot,
    WorkerView,
    can_take,
    category_skill,
    dense_transport,
    max_weight_transport,
)
from agents.policies import optimal as optimal_module
from agents.policies import transport as transport_module

Key = tuple[int, int]


def pair_worth(snap: Snapshot, worker: WorkerView, item: PendingTask) -> Key:
    """The documented worth of a pair: success in 1e-9 steps, then 1001 - over in 0.01 steps."""
    skill, level = category_skill(worker, item.task.skill), item.task.difficulty
    success = round(snap.model.success_probability(skill, level) * 10**9)
    return success, 1001 - min(1000, round(max(0.0, skill - level) * 100))


def key_of(snap: Snapshot, assignments: Iterable[Assignment]) -> Key:
    items = {p.task.id: p for p in snap.pending}
    workers = {w.id: w for w in snap.workers}
    worths = [pair_worth(snap, workers[a.worker_id], items[a.task_id]) for a in assignments]
    return sum(w[0] for w in worths), sum(w[1] for w in worths)


def brute_force(snap: Snapshot) -> Key:
    """The best key of any allowed matching (one task per free slot), by enumeration."""
    slots = [w for w in snap.workers for _ in range(w.free)]
    tasks = snap.pending
    best = (0, 0)
    # Indices past the slots mean "unassigned", so every partial matching is one permutation.
    for choice in itertools.permutations(range(len(slots) + len(tasks)), len(tasks)):
        pairs_ = [(item, slots[j]) for item, j in zip(tasks, choice, strict=True) if j < len(slots)]
        if all(can_take(w, item) for item, w in pairs_):
            worths = [pair_worth(snap, w, item) for item, w in pairs_]
            best = max(best, (sum(w[0] for w in worths), sum(w[1] for w in worths)))
    return best


def check_valid(snap: Snapshot, assignments: Sequence[Assignment]) -> None:
    """Every pair allowed, every task at most once, no worker beyond its free slots."""
    workers = {w.id: w for w in snap.workers}
    items = {p.task.id: p for p in snap.pending}
    assert all(can_take(workers[a.worker_id], items[a.task_id]) for a in assignments)
    assert len({a.task_id for a in assignments}) == len(assignments)
    for worker in snap.workers:
        assert sum(a.worker_id == worker.id for a in assignments) <= worker.free
    rank = {p.task.id: r for r, p in enumerate(snap.pending)}
    ranks = [rank[a.task_id] for a in assignments]
    assert ranks == sorted(ranks), "pairs come in snapshot order"


def check_tie_rules(snap: Snapshot, assignments: Sequence[Assignment]) -> None:
    """The documented tie rules between equal tasks and between equal workers."""
    holder = {a.task_id: a.worker_id for a in assignments}
    present = {w.id for w in snap.workers}
    named = {w for p in snap.pending for w in p.exclude} | {p.only for p in snap.pending}

    def task_class(item: PendingTask) -> object:
        return (item.task.skill, item.task.difficulty, item.exclude & present, item.only)

    items = list(snap.pending)
    for i, first in enumerate(items):
        for later in items[i + 1 :]:
            if task_class(first) == task_class(later) and later.task.id in holder:
                assert first.task.id in holder, "a later equal task placed before an earlier one"

    def worker_class(w: WorkerView) -> object:
        return tuple(pair_worth(snap, w, p) if can_take(w, p) else None for p in items)

    used = {w.id: sum(1 for a in assignments if a.worker_id == w.id) for w in snap.workers}
    free_workers = [w for w in snap.workers if w.id not in named and w.free > 0]
    for i, first in enumerate(free_workers):
        for later in free_workers[i + 1 :]:
            if worker_class(first) == worker_class(later) and used[later.id]:
                assert used[first.id] == first.free, "a later equal worker used first"
                tasks_first = [a.task_id for a in assignments if a.worker_id == first.id]
                tasks_later = [a.task_id for a in assignments if a.worker_id == later.id]
                ranks = {p.task.id: r for r, p in enumerate(items)}
                assert max(ranks[t] for t in tasks_first) < min(ranks[t] for t in tasks_later)


def random_instance(seed: int, *, restricted: bool) -> Snapshot:
    rng = random.Random(seed)
    n_tasks, n_workers = rng.randint(1, 4), rng.randint(1, 4)
    workers = [
        view(
            f"w{j}",
            round(rng.uniform(0, 10), 3),
            order=j,
            specialties=rng.choice([None, ["a"], ["b"]]) if restricted else None,
        )
        for j in range(n_workers)
    ]
    tasks = [
        pending(
            task(
                i + 1,
                rng.randint(1, 10),
                skill=rng.choice([None, "a", "b"]) if restricted else None,
            ),
            exclude=[w.id for w in workers if restricted and rng.random() < 0.2],
        )
        for i in range(n_tasks)
    ]
    return snapshot(tasks, workers, model=LogisticModel(scale=round(rng.uniform(0.5, 2.0), 3)))


@st.composite
def tied_instances(draw: st.DrawFn, *, max_slots: int = 5, max_tasks: int = 4) -> Snapshot:
    """Few distinct skills and difficulties, capacities, specialties, exclusions and ``only``."""
    ids = [f"w{j}" for j in range(draw(st.integers(1, 4)))]
    workers = []
    room = max_slots
    for j, id in enumerate(ids):
        capacity = draw(st.integers(1, 3))
        load = draw(st.integers(0, capacity))
        free = min(capacity - load, room)
        room -= free
        estimates = draw(st.none() | st.fixed_dictionaries({"a": st.sampled_from([2, 9])}))
        workers.append(
            view(
                id,
                draw(st.sampled_from([3, 5, 5.5, 8])),
                order=j,
                estimates=estimates,
                specialties=draw(st.sampled_from([None, ["a"], ["b"], ["a", "b"]])),
                capacity=load + free,
                load=load,
            )
        )
    tasks = [
        PendingTask(
            task(
                i, draw(st.sampled_from([2, 5, 5.5, 9])), skill=draw(st.sampled_from([None, "a"]))
            ),
            attempts=0,
            arrived=0.0,
            exclude=frozenset(draw(st.lists(st.sampled_from([*ids, "gone"]), max_size=2))),
            only=draw(st.none() | st.none() | st.sampled_from([*ids, "gone"])),
        )
        for i in range(draw(st.integers(0, max_tasks)))
    ]
    model = draw(st.sampled_from([ThresholdModel(), LogisticModel(), LogisticModel(scale=0.3)]))
    return snapshot(tasks, workers, model=model)


class TestOptimal:
    def test_matches_brute_force_on_expected_success(self) -> None:
        """On 300 random instances up to 4 tasks x 4 workers, no matching expects more successes."""
        worse = []
        for seed in range(300):
            snap = random_instance(seed, restricted=seed % 2 == 1)
            got, best = key_of(snap, Optimal().assign(snap)), brute_force(snap)
            if got != best:
                worse.append((seed, got, best))
        assert worse == []

    @settings(max_examples=200, deadline=None)
    @given(tied_instances())
    def test_is_a_best_matching_with_the_tie_rules(self, snap: Snapshot) -> None:
        """Full of ties: the answer's key is the brute-force best, and ties follow the rules."""
        assignments = Optimal().assign(snap)
        check_valid(snap, assignments)
        assert key_of(snap, assignments) == brute_force(snap)
        check_tie_rules(snap, assignments)

    @settings(max_examples=150, deadline=None)
    @given(tied_instances())
    def test_the_matrix_is_a_best_matching_with_the_tie_rules(self, snap: Snapshot) -> None:
        """With the tasks x slots matrix forced, the key and the tie rules are the same."""
        with mock.patch.object(optimal_module, "_DENSE_ABOVE", 0):
            assignments = Optimal().assign(snap)
        check_valid(snap, assignments)
        assert key_of(snap, assignments) == brute_force(snap)
        check_tie_rules(snap, assignments)

    def test_many_exclusions_use_the_matrix(self) -> None:
        """60 tasks that each exclude another worker are 60 classes: the matrix solves them."""
        workers = [view(f"w{j}", 3 + j % 5, order=j) for j in range(60)]
        tasks = [pending(task(i, 1 + i % 7), exclude=[f"w{(i + 1) % 60}"]) for i in range(60)]
        snap = snapshot(tasks, workers, model=LogisticModel())
        calls = []
        real = transport_module.dense_transport

        def spy(*args: object) -> object:
            calls.append(1)
            return real(*args)  # type: ignore[arg-type]

        with mock.patch.object(transport_module, "dense_transport", spy):
            assignments = Optimal().assign(snap)
        assert calls == [1]
        check_valid(snap, assignments)
        check_tie_rules(snap, assignments)
        assert len(assignments) == 60
        with mock.patch.object(optimal_module, "_DENSE_ABOVE", 10**6):
            chains = Optimal().assign(snap)
        assert key_of(snap, assignments) == key_of(snap, chains)

    @settings(max_examples=60, deadline=None)
    @given(st.integers(0, 2**32 - 1), st.booleans())
    def test_equals_the_dense_solver_on_larger_instances(self, seed: int, logistic: bool) -> None:
        """Up to 30 tasks x 30 slots: as good as linear_sum_assignment on the pair matrix."""
        import numpy as np
        from scipy.optimize import linear_sum_assignment

        rng = random.Random(seed)
        workers = [
            view(
                f"w{j}",
                rng.choice([1, 4, 4.5, 7, 9.25]),
                order=j,
                capacity=rng.randint(1, 2),
                specialties=rng.choice([None, ["a"]]),
            )
            for j in range(rng.randint(1, 15))
        ]
        tasks = [
            pending(
                task(i, rng.randint(1, 10), skill=rng.choice([None, "a", "b"])),
                exclude=[w.id for w in workers if rng.random() < 0.05],
            )
            for i in range(rng.randint(1, 30))
        ]
        snap = snapshot(tasks, workers, model=LogisticModel() if logistic else None)
        slots = [w for w in snap.workers for _ in range(w.free)]
        # Exact in float64 here: 1e9 * (2 * 1001 * 30 + 1) < 2**53.
        scale = 2 * 1001 * len(tasks) + 1
        cost = np.zeros((len(tasks), len(slots)))
        for i, item in enumerate(snap.pending):
            for j, worker in enumerate(slots):
                if can_take(worker, item):
                    success, second = pair_worth(snap, worker, item)
                    cost[i, j] = -(success * scale + second)
        rows, cols = linear_sum_assignment(cost)
        dense = [
            Assignment(snap.pending[i].task.id, slots[j].id)
            for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
            if cost[i, j] < 0
        ]
        assignments = Optimal().assign(snap)
        check_valid(snap, assignments)
        assert key_of(snap, assignments) == key_of(snap, dense)
        check_tie_rules(snap, assignments)

    def test_prefers_the_likelier_success_over_keeping_a_senior_free(self) -> None:
        """For an easy task, the 10 (p=0.99988) beats the 9 (p=0.99966): success comes first."""
        workers = [view("nine", 9, order=0), view("ten", 10, order=1)]
        snap = snapshot([task(1, 1)], workers, model=LogisticModel())
        assert pairs(Optimal().assign(snap)) == [(1, "ten")]

    def test_priority_never_outweighs_success(self) -> None:
        """With one slot, a task the worker can do beats an urgent one it is sure to fail."""
        tasks = [task("urgent", 9, priority=20_000), task("doable", 3)]
        assert pairs(Optimal().assign(snapshot(tasks, [view("five", 5, order=0)]))) == [
            ("doable", "five")
        ]

    def test_threshold_model_gives_the_tight_matching(self) -> None:
        """Under the threshold rule all three seed tasks succeed and no senior takes easy work."""
        workers = [view("Senior", 9, order=0), view("Junior", 3, order=1)]
        workers.append(view("Intermediate", 6, order=2))
        tasks = [task(1, 2), task(2, 5), task(3, 8)]
        assert pairs(Optimal().assign(snapshot(tasks, workers))) == [
            (1, "Junior"),
            (2, "Intermediate"),
            (3, "Senior"),
        ]

    def test_a_placement_beats_less_over_qualification(self) -> None:
        """Two sure successes by a 9 and a 2 beat one sure success without over-qualification."""
        workers = [view("nine", 9, order=0), view("two", 2, order=1)]
        tasks = [task(1, 2), task(2, 9)]
        assert pairs(Optimal().assign(snapshot(tasks, workers))) == [(1, "two"), (2, "nine")]

    def test_uses_every_free_slot_of_a_worker(self) -> None:
        """A worker with two free slots takes both hard tasks; the easy one goes elsewhere."""
        workers = [view("nine", 9, order=0, capacity=2), view("one", 1, order=1)]
        tasks = [task(1, 8), task(2, 8), task(3, 1)]
        assert pairs(Optimal().assign(snapshot(tasks, workers))) == [
            (1, "nine"),
            (2, "nine"),
            (3, "one"),
        ]

    def test_equal_tasks_place_the_most_urgent(self) -> None:
        """With one slot for three equal tasks, the first in the snapshot gets it."""
        tasks = [task("b", 5), task("a", 5), task("c", 5)]
        assert pairs(Optimal().assign(snapshot(tasks, [view("w", 5, order=0)]))) == [("b", "w")]

    def test_equal_workers_fill_the_longest_idle_first(self) -> None:
        """Equal workers: the first in the snapshot is used down to its last slot, in task order."""
        workers = [view("z", 5, order=1, capacity=2), view("y", 5, order=0, capacity=2)]
        tasks = [task(3, 4), task(1, 4), task(2, 4)]
        assert pairs(Optimal().assign(snapshot(tasks, workers))) == [(3, "z"), (1, "z"), (2, "y")]

    def test_an_earlier_task_is_not_passed_over_by_an_equal_later_one(self) -> None:
        """Of two equal hard tasks only one can go: the earlier (more urgent) one does."""
        workers = [view("a", 8, order=0), view("b", 8, order=1)]
        tasks = [task(0, 9), task(1, 9), task(2, 5)]
        assert pairs(Optimal().assign(snapshot(tasks, workers))) == [(0, "a"), (2, "b")]

    def test_a_longer_idle_worker_is_not_passed_over_by_an_equal_one(self) -> None:
        """One of two equal seniors is needed: the longer idle one works."""
        workers = [view("w0", 8, order=0), view("w1", 8, order=1), view("w2", 5, order=2)]
        tasks = [task(0, 5), task(1, 5)]
        assert pairs(Optimal().assign(snapshot(tasks, workers))) == [(0, "w0"), (1, "w2")]

    def test_only_a_named_worker_may_take_its_task(self) -> None:
        """``only`` routes the task to its worker even when a better one is free."""
        item = PendingTask(task(1, 5), attempts=0, arrived=0.0, only="low")
        workers = [view("high", 9, order=0), view("low", 4, order=1)]
        assert pairs(Optimal().assign(snapshot([item, task(2, 5)], workers))) == [
            (1, "low"),
            (2, "high"),
        ]

    def test_never_assigns_a_forbidden_pair(self) -> None:
        """Over 300 instances with specialties and exclusions, every pair is allowed and unique."""
        for seed in range(300):
            snap = random_instance(seed, restricted=True)
            check_valid(snap, Optimal().assign(snap))

    def test_leaves_a_task_nobody_may_take(self) -> None:
        """A task whose only worker is excluded is not assigned at all."""
        item = pending(task(1, 5), exclude=["only"])
        assert Optimal().assign(snapshot([item], [view("only", 9, order=0)])) == []

    def test_solves_on_classes_not_on_workers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """3,000 free workers and tasks of 10 difficulties make a 10 x (distinct skills) problem."""
        shapes: list[tuple[int, int]] = []
        solve = transport_module.max_weight_transport

        def spy(weights: list[list[int | None]], demand: list[int], supply: list[int]) -> object:
            shapes.append((len(demand), len(supply)))
            return solve(weights, demand, supply)

        monkeypatch.setattr(transport_module, "max_weight_transport", spy)
        rng = random.Random(5)
        workers = [view(f"w{j}", rng.choice(range(1, 11)), order=j) for j in range(3_000)]
        tasks = [task(i, rng.randint(1, 10)) for i in range(3_000)]
        assignments = Optimal().assign(snapshot(tasks, workers))
        assert shapes == [(10, 10)]
        assert len(assignments) == 3_000
        # Every task is done by a capable worker: as many of each skill as difficulties need.
        skill = {w.id: w.estimate for w in workers}
        level = {t.id: t.difficulty for t in tasks}
        failed = sum(skill[a.worker_id] < level[a.task_id] for a in assignments)
        assert failed == max(0, hall_shortfall([w.estimate for w in workers], list(level.values())))


def hall_shortfall(skills: Sequence[float], levels: Sequence[float]) -> int:
    """Tasks no capable worker can be left for under the threshold rule (Hall's deficit).

    Capable sets are nested (the harder the task, the fewer capable workers), so the
    deficit is the worst over "every task at least this hard".
    """
    return max(
        sum(level >= d for level in levels) - sum(skill >= d for skill in skills) for d in levels
    )


def value(flow: list[list[int]], weights: list[list[int | None]]) -> int:
    return sum(
        n * (w or 0)
        for f, ws in zip(flow, weights, strict=True)
        for n, w in zip(f, ws, strict=True)
    )


class TestTransport:
    def test_moves_a_placed_task_to_make_room(self) -> None:
        """Row 0 prefers column 0, but column 0 is worth more to row 1, which has nowhere else."""
        assert max_weight_transport([[5, 3], [4, None]], [1, 1], [1, 1]) == [[0, 1], [1, 0]]

    def test_leaves_out_what_finds_no_room(self) -> None:
        """Three tasks, two slots: two placed."""
        assert max_weight_transport([[5]], [3], [2]) == [[2]]

    def test_never_uses_a_forbidden_pair(self) -> None:
        """A row with only forbidden pairs places nothing."""
        assert max_weight_transport([[None, None], [1, 2]], [4, 1], [3, 3]) == [[0, 0], [0, 1]]

    def test_empty_shapes(self) -> None:
        """No rows, no columns or no allowed pair give an empty flow of the right shape."""
        assert max_weight_transport([], [], [2]) == []
        assert max_weight_transport([[], []], [1, 1], []) == [[], []]
        assert max_weight_transport([[None]], [1], [1]) == [[0]]

    @pytest.mark.parametrize(
        ("weights", "demand", "supply", "message"),
        [
            ([[1]], [1, 1], [1], r"^weights must be 2 x 1, one row per demand$"),
            ([[1, 2]], [1], [1], r"^weights must be 1 x 1, one row per demand$"),
            ([[1]], [-1], [1], r"^demand and supply must be >= 0$"),
            ([[1]], [1], [-1], r"^demand and supply must be >= 0$"),
            ([[0]], [1], [1], r"^every allowed weight must be a positive integer$"),
            ([[1.5]], [1], [1], r"^every allowed weight must be a positive integer$"),
        ],
    )
    def test_bad_input_raises(
        self, weights: list[list[object]], demand: list[int], supply: list[int], message: str
    ) -> None:
        with pytest.raises(ValueError, match=message):
            max_weight_transport(weights, demand, supply)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("worth", "demand", "supply", "message"),
        [
            ([[1.0]], [1, 1], [1], r"^worth must be 2 x 1, one row per demand$"),
            ([[1.0]], [-1], [1], r"^demand and supply must be >= 0$"),
            ([[-1.0]], [1], [1], r"^every worth must be >= 0$"),
        ],
    )
    def test_bad_matrix_input_raises(
        self, worth: list[list[float]], demand: list[int], supply: list[int], message: str
    ) -> None:
        with pytest.raises(ValueError, match=message):
            dense_transport(worth, demand, supply)

    def test_the_matrix_moves_a_placed_task_too(self) -> None:
        """The matrix finds the same answer as the chains on the exchange example."""
        assert dense_transport([[5.0, 3.0], [4.0, 0.0]], [1, 1], [1, 1]) == [[0, 1], [1, 0]]

    @settings(max_examples=200, deadline=None)
    @given(
        st.integers(1, 3).flatmap(
            lambda rows: st.integers(1, 2).flatmap(
                lambda cols: st.tuples(
                    st.lists(
                        st.lists(st.none() | st.integers(1, 6), min_size=cols, max_size=cols),
                        min_size=rows,
                        max_size=rows,
                    ),
                    st.lists(st.integers(0, 2), min_size=rows, max_size=rows),
                    st.lists(st.integers(0, 3), min_size=cols, max_size=cols),
                )
            )
        ),
        st.sampled_from([1, 10**17]),
    )
    def test_equals_brute_force(
        self, problem: tuple[list[list[int | None]], list[int], list[int]], factor: int
    ) -> None:
        """The total worth is the best of every feasible flow; huge weights stay exact."""
        weights, demand, supply = problem
        scaled = [[None if w is None else w * factor + 1 for w in row] for row in weights]
        flow = max_weight_transport(scaled, demand, supply)
        if factor == 1:  # the matrix is exact for small worths
            worth = [[float(w or 0) for w in row] for row in scaled]
            assert value(dense_transport(worth, demand, supply), scaled) == value(flow, scaled)
        assert all(sum(row) <= d for row, d in zip(flow, demand, strict=True))
        assert all(sum(col) <= s for col, s in zip(zip(*flow, strict=True), supply, strict=True))
        cells = [(r, c) for r, row in enumerate(scaled) for c, w in enumerate(row)]
        assert all(flow[r][c] == 0 for r, c in cells if scaled[r][c] is None)

        def worth(f: Sequence[int]) -> int:
            return sum(n * (scaled[r][c] or 0) for n, (r, c) in zip(f, cells, strict=True))

        best = 0
        for f in itertools.product(*(range(min(demand[r], supply[c]) + 1) for r, c in cells)):
            rows_ok = all(
                sum(n for n, (r, _) in zip(f, cells, strict=True) if r == i) <= d
                for i, d in enumerate(demand)
            )
            cols_ok = all(
                sum(n for n, (_, c) in zip(f, cells, strict=True) if c == j) <= s
                for j, s in enumerate(supply)
            )
            if (
                rows_ok
                and cols_ok
                and all(n == 0 or scaled[r][c] for n, (r, c) in zip(f, cells, strict=True))
            ):
                best = max(best, worth(f))
        assert worth([flow[r][c] for r, c in cells]) == best
