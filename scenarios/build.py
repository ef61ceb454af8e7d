"""From a validated scenario to agents ready to run.

Generation draws from streams seeded by the run's seed alone, one per concern
(``workers``, ``tasks``): the policy never touches them, so every policy run on seed
``k`` meets the same workers, the same tasks at the same times, and (through
``agents.performance.task_draws``) the same luck. That is what makes ``compare`` a
paired comparison.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from agents.clock import Clock
from agents.distribution import Distribution
from agents.manager import TaskManager
from agents.memory import eased_gc
from agents.performance import LogisticModel, PerformanceModel, ThresholdModel
from agents.policies.base import Policy
from agents.policies.registry import find_policy, make_policy, new_policy
from agents.runtime import Runtime
from agents.worker import WorkerAgent
from protocol.messages import Task, compact
from scenarios.director import Director
from scenarios.distributions import ChoiceDist, ConstantDist, NormalDist, UniformDist
from scenarios.events import JoinEvent
from scenarios.jobs_spec import choose_items, make_jobs
from scenarios.loader import LoadedScenario
from scenarios.spec import ArrivalSpec, ModelSpec, ScenarioSpec, TaskGenerate, WorkerItem

__all__ = ["Simulation", "build", "draw", "make_distribution", "make_model"]


@dataclass(frozen=True, slots=True)
class Simulation:
    """A scenario made into a runtime, a manager and workers, not yet run.

    Attributes:
        name: The scenario's name.
        seed: The seed used.
        policy: The policy's name.
        runtime: Owns the run.
        manager: The task manager.
        workers: The workers, in connection order.
        until: The scenario's simulated time limit (``[stop] until``), if any.
        director: The agent applying the scenario's timed events, if it has any.
    """

    name: str
    seed: int
    policy: str
    runtime: Runtime
    manager: TaskManager
    workers: tuple[WorkerAgent, ...]
    until: float | None = None
    director: Director | None = None


def draw(dist: ConstantDist | UniformDist | NormalDist | ChoiceDist, rng: random.Random) -> float:
    """One value from a scenario distribution."""
    if isinstance(dist, ConstantDist):
        return dist.value
    if isinstance(dist, ChoiceDist):
        if dist.weights is None:
            return rng.choice(dist.values)
        return rng.choices(dist.values, weights=dist.weights)[0]
    if isinstance(dist, UniformDist):
        if dist.integer:
            return float(rng.randint(round(dist.low), round(dist.high)))
        return rng.uniform(dist.low, dist.high)
    value = rng.gauss(dist.mean, dist.sd)
    if dist.integer:
        value = float(round(value))
    if dist.low is not None:
        value = max(dist.low, value)
    if dist.high is not None:
        value = min(dist.high, value)
    return value


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def make_model(spec: ModelSpec) -> PerformanceModel:
    """The performance model a scenario names."""
    if spec.name == "logistic":
        return LogisticModel(scale=spec.scale, noise=spec.noise, sigma=spec.sigma)
    return ThresholdModel(noise=spec.noise, sigma=spec.sigma)


def _arrival_times(spec: ArrivalSpec, count: int, rng: random.Random) -> list[float]:
    if spec.process == "batch":
        return [0.0] * count
    phases = [(p.duration, p.rate) for p in spec.phases] or [(float("inf"), spec.rate or 1.0)]
    times: list[float] = []
    t, start, index = 0.0, 0.0, 0
    while len(times) < count:
        duration, rate = phases[min(index, len(phases) - 1)]
        gap = rng.expovariate(rate)
        if index < len(phases) - 1 and t + gap > start + duration:
            # Memoryless: restart the draw at the phase boundary with the next rate.
            t = start = start + duration
            index += 1
            continue
        t += gap
        times.append(t)
    return times


def _generate_tasks(
    gen: TaskGenerate,
    first_id: int,
    rng: random.Random,
    count: int | None = None,
    start: float = 0.0,
) -> list[tuple[float, Task]]:
    arrivals = [start + t for t in _arrival_times(gen.arrival, count or gen.count, rng)]
    categories = list(gen.categories)
    weights = list(gen.categories.values())
    out = []
    for i, arrived in enumerate(arrivals):
        task_id: int | str = f"{gen.prefix}{i + 1}" if gen.prefix else first_id + i
        category = rng.choices(categories, weights=weights)[0] if categories else None
        due = arrived + draw(gen.due, rng) if gen.due is not None else None
        truth = rng.choice(gen.labels) if gen.labels else None
        task = compact(
            Task(
                id=task_id,
                difficulty=_number(draw(gen.difficulty, rng)),
                skill=category,
                priority=round(draw(gen.priority, rng)),
                due=due,
                truth=truth,
                labels=list(gen.labels),
            )
        )
        out.append((arrived, task))
    return out


def _workers(spec: ScenarioSpec, rng: random.Random) -> list[WorkerItem]:
    """The listed workers, then the generated ones (skills drawn from ``rng``)."""
    workers = list(spec.workers.items)
    gen = spec.workers.generate
    if gen is not None:
        for name in gen.names():
            workers.append(
                WorkerItem(
                    name=name,
                    skill_level=round(max(0.0, draw(gen.skill, rng)), 3),
                    skills={c: round(max(0.0, draw(d, rng)), 3) for c, d in gen.skills.items()},
                    specialties=gen.specialties,
                    capacity=gen.capacity,
                    silence=gen.silence,
                )
            )
    return workers


@eased_gc()
def build(
    loaded: LoadedScenario,
    *,
    seed: int | None = None,
    policy: str | None = None,
    trace: bool = False,
    clock: str | Clock = "virtual",
    speed: float = 1.0,
) -> Simulation:
    """Make the agents of a scenario.

    Args:
        loaded: The scenario.
        seed: Overrides the file's seed.
        policy: Overrides the file's policy (by name; the file's parameters apply
            only to the file's own policy).
        trace: Keep every message for ``--trace``.
        clock: ``"virtual"`` (default), ``"realtime"`` (watch it live), or a clock.
        speed: For ``"realtime"``: simulated seconds per wall-clock second.

    Returns:
        The simulation, ready for :func:`scenarios.run.run_simulation`.

    Raises:
        PolicyError: for an unknown policy or parameters it refuses.
        ValueError: for an unknown clock or a speed that is not positive.
    """
    spec = loaded.spec
    seed = spec.seed if seed is None else seed
    name = policy or spec.policy.name
    model = make_model(spec.model)
    worker_rng = random.Random(f"{seed}/workers")
    task_rng = random.Random(f"{seed}/tasks")
    timed = [
        (
            item.arrival,
            Task(
                **{**item.model_dump(exclude={"arrival"}), "difficulty": _number(item.difficulty)}
            ),
        )
        for item in spec.tasks.items
    ]
    gen = spec.tasks.generate
    if gen is not None:
        numeric = [t.id for _, t in timed if isinstance(t.id, int)]
        timed += _generate_tasks(gen, max(numeric, default=0) + 1, task_rng)
    for n, event in enumerate(e for e in spec.events if e.new_tasks):
        template = gen or TaskGenerate(count=1)
        extra = template.model_copy(update={"prefix": f"e{n + 1}-"})
        timed += _generate_tasks(extra, 0, task_rng, count=event.new_tasks, start=event.at)
    now = [task for when, task in timed if when <= 0]
    later = [(when, task) for when, task in timed if when > 0]
    items = choose_items(spec.jobs, now) if spec.jobs else []
    taken = {i for ids in items for i in ids}
    rows = _workers(spec, worker_rng)
    staff = [w for w in rows if not w.reviewer]
    manager = TaskManager(
        [t for t in now if t.id not in taken] if taken else now,
        expected_workers=spec.expected_workers or len(staff),
        name="manager",
        policy=_policy(loaded, policy),
        max_attempts=spec.max_attempts,
        model=model,
        arrivals=later,
        distribution=make_distribution(spec),
        dataset=[t for t in now if t.id in taken],
    )
    make_jobs(manager, spec.jobs, items)
    pull = spec.pulling is not None

    def make(item: WorkerItem) -> WorkerAgent:
        return WorkerAgent(
            item.name,
            skill_level=item.skill_level,
            admin_peer=manager.id,
            skills=item.skills,
            specialties=item.specialties,
            capacity=item.capacity,
            discard_below=item.discard_below,
            silence=item.silence,
            model=model,
            pull=pull and not item.reviewer,
            role="reviewer" if item.reviewer else None,
        )

    workers = tuple(make(item) for item in rows)

    def join(event: JoinEvent) -> WorkerAgent:
        return make(
            WorkerItem(
                name=event.worker,
                skill_level=event.skill_level,
                skills=event.skills,
                specialties=event.specialties,
                capacity=event.capacity,
            )
        )

    runtime = Runtime(seed=seed, trace=trace, clock=clock, speed=speed)
    runtime.add(manager, *workers)
    director = None
    if spec.events:
        director = Director(manager, {w.name: w for w in workers}, list(spec.events), join)
        runtime.add(director)
    return Simulation(loaded.name, seed, name, runtime, manager, workers, spec.stop.until, director)


def _policy(loaded: LoadedScenario, override: str | None) -> Policy:
    # An override is the caller's own choice (typed in code or on the command line);
    # the file's policy is imported only if the file was loaded with allow_import.
    # An override of the file's own name keeps the file's parameters.
    spec = loaded.spec.policy
    if override is not None and override != spec.name:
        return make_policy(override)
    allowed = loaded.allow_import or override is not None
    factory = find_policy(spec.name, allow_import=allowed, search=[loaded.path.parent])
    return new_policy(spec.name, factory, spec.params)


def make_distribution(spec: ScenarioSpec) -> Distribution:
    """The manager's distribution mode from a scenario's settings."""
    return spec.distribution()
