"""Dawid-Skene by EM: recovery of known confusion matrices, initialisation, stopping, errors."""

import random
import sys
from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents import MissingExtraError, QualityInputError, dawid_skene

Answer = tuple[Hashable, Hashable, str]
LABELS = ["a", "b", "c"]
PRIORS = [0.5, 0.3, 0.2]
# confusion[true][given]; w4 swaps a and b, which a majority vote cannot learn.
CONFUSIONS = {
    "w0": [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7]],
    "w1": [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8]],
    "w2": [[0.7, 0.2, 0.1], [0.3, 0.6, 0.1], [0.05, 0.15, 0.8]],
    "w3": [[0.5, 0.25, 0.25], [0.1, 0.8, 0.1], [0.1, 0.3, 0.6]],
    "w4": [[0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]],
}


def simulate(
    tasks: int, confusions: dict[str, list[list[float]]], seed: int, per_task: int = 3
) -> tuple[list[Answer], dict[Hashable, str]]:
    """Each task gets answers from ``per_task`` of the workers, drawn from their matrices."""
    rng = random.Random(seed)
    answers: list[Answer] = []
    truth: dict[Hashable, str] = {}
    for t in range(tasks):
        y = rng.choices(range(len(LABELS)), PRIORS)[0]
        truth[t] = LABELS[y]
        for w in rng.sample(sorted(confusions), per_task):
            given_label = rng.choices(range(len(LABELS)), confusions[w][y])[0]
            answers.append((t, w, LABELS[given_label]))
    return answers, truth


def mean_error(found: dict[Hashable, dict[str, dict[str, float]]]) -> float:
    """Mean absolute error over every entry of every worker's confusion matrix."""
    errors = [
        abs(found[w][LABELS[i]][LABELS[j]] - matrix[i][j])
        for w, matrix in CONFUSIONS.items()
        for i in range(3)
        for j in range(3)
    ]
    return sum(errors) / len(errors)


def one_coin(p: float) -> list[list[float]]:
    return [[p if i == j else (1 - p) / 2 for j in range(3)] for i in range(3)]


class TestRecovery:
    def test_confusions_converge_as_tasks_grow(self) -> None:
        """Mean entry error: < 0.12 at 250 tasks, < 0.03 at 4,000 (10 seeds: <= 0.091, 0.020)."""
        small = dawid_skene(simulate(250, CONFUSIONS, seed=0)[0], LABELS)
        large = dawid_skene(simulate(4000, CONFUSIONS, seed=0)[0], LABELS)
        assert small.converged
        assert large.converged
        assert mean_error(small.confusions) < 0.12
        assert mean_error(large.confusions) < 0.03
        assert mean_error(large.confusions) < mean_error(small.confusions) / 2

    def test_priors_and_labels_at_4000_tasks(self) -> None:
        """Class priors within 0.03 of (0.5, 0.3, 0.2), and labels beat the majority vote."""
        answers, truth = simulate(4000, CONFUSIONS, seed=1)
        result = dawid_skene(answers, LABELS)
        assert result.priors == pytest.approx(dict(zip(LABELS, PRIORS, strict=True)), abs=0.03)
        right = sum(result.labels[t] == y for t, y in truth.items()) / len(truth)
        firsts: dict[Hashable, list[str]] = {}
        for t, _, label in answers:
            firsts.setdefault(t, []).append(label)
        plurality = sum(
            max(labels, key=labels.count) == truth[t] for t, labels in firsts.items()
        ) / len(truth)
        assert right > plurality + 0.05

    def test_the_swapping_worker_is_found_out(self) -> None:
        """w4 answers b for a and a for b; EM learns it (within 0.05 at 4,000 tasks)."""
        result = dawid_skene(simulate(4000, CONFUSIONS, seed=2)[0], LABELS)
        assert result.confusions["w4"]["a"]["b"] == pytest.approx(0.8, abs=0.05)
        assert result.confusions["w4"]["b"]["a"] == pytest.approx(0.8, abs=0.05)
        assert result.accuracies["w4"] < 0.3

    def test_one_coin_recovers_accuracies(self) -> None:
        """Symmetric workers at 0.9, 0.75, 0.6, 0.45: each p within 0.03 at 4,000 tasks."""
        truth_p = {"w0": 0.9, "w1": 0.75, "w2": 0.6, "w3": 0.45}
        answers, _ = simulate(4000, {w: one_coin(p) for w, p in truth_p.items()}, seed=3)
        result = dawid_skene(answers, LABELS, model="one_coin")
        assert result.converged
        assert result.accuracies == pytest.approx(truth_p, abs=0.03)
        p = result.accuracies["w0"]
        assert result.confusions["w0"]["a"] == pytest.approx(
            {"a": p, "b": (1 - p) / 2, "c": (1 - p) / 2}
        )

    def test_one_coin_error_shrinks(self) -> None:
        """Worst accuracy error: < 0.15 at 250 tasks, < 0.03 at 4,000.

        Over seeds 0-9 the worst were 0.111 and 0.025.
        """
        truth_p = {"w0": 0.9, "w1": 0.75, "w2": 0.6, "w3": 0.45}
        confusions = {w: one_coin(p) for w, p in truth_p.items()}

        def error(tasks: int) -> float:
            found = dawid_skene(simulate(tasks, confusions, seed=4)[0], LABELS, model="one_coin")
            return max(abs(found.accuracies[w] - p) for w, p in truth_p.items())

        small, large = error(250), error(4000)
        assert small < 0.15
        assert large < 0.03
        assert large < small


class TestDefinition:
    def test_one_round_from_majority_soft_labels(self) -> None:
        """max_iter=1 is one M-step from the majority shares, then one E-step, by hand.

        t1: w1=a, w2=a -> soft label (1, 0); t2: w1=a, w2=b -> (1/2, 1/2). With s = 0.01:
        rho_a = (1.5 + s) / (2 + 2s); w1 saw a on both: pi_w1[a] = ((1.5 + s), s) / (1.5 + 2s),
        pi_w1[b] = (0.5 + s, s) / (0.5 + 2s); w2: pi_w2[a] = (1 + s, 0.5 + s) / (1.5 + 2s),
        pi_w2[b] = (s, 0.5 + s) / (0.5 + 2s).
        """
        s = 0.01
        rho = {"a": (1.5 + s) / (2 + 2 * s), "b": (0.5 + s) / (2 + 2 * s)}
        w1 = {"a": {"a": (1.5 + s) / (1.5 + 2 * s)}, "b": {"a": (0.5 + s) / (0.5 + 2 * s)}}
        w2 = {
            "a": {"a": (1 + s) / (1.5 + 2 * s), "b": (0.5 + s) / (1.5 + 2 * s)},
            "b": {"a": s / (0.5 + 2 * s), "b": (0.5 + s) / (0.5 + 2 * s)},
        }
        joint_a = rho["a"] * w1["a"]["a"] * w2["a"]["b"]
        joint_b = rho["b"] * w1["b"]["a"] * w2["b"]["b"]
        answers: list[Answer] = [("t1", "w1", "a"), ("t1", "w2", "a")]
        answers += [("t2", "w1", "a"), ("t2", "w2", "b")]
        result = dawid_skene(answers, max_iter=1)
        assert result.iterations == 1
        assert not result.converged
        assert result.label_set == ("a", "b")
        assert result.priors == pytest.approx(rho)
        assert result.confusions["w1"]["a"]["a"] == pytest.approx(w1["a"]["a"])
        assert result.confusions["w1"]["b"]["a"] == pytest.approx(w1["b"]["a"])
        assert result.confusions["w2"]["a"] == pytest.approx(w2["a"])
        assert result.confusions["w2"]["b"] == pytest.approx(w2["b"])
        assert result.posteriors["t2"]["a"] == pytest.approx(joint_a / (joint_a + joint_b))

    def test_stops_at_max_iter_or_tolerance(self) -> None:
        """max_iter caps the rounds; by default the tolerance stops EM well before 100."""
        answers, _ = simulate(500, CONFUSIONS, seed=5)
        capped = dawid_skene(answers, LABELS, max_iter=3)
        assert (capped.iterations, capped.converged) == (3, False)
        full = dawid_skene(answers, LABELS)
        assert full.converged
        assert full.iterations < 100
        loose = dawid_skene(answers, LABELS, tol=1.0)
        assert (loose.iterations, loose.converged) == (2, True)
        assert full.log_likelihood >= capped.log_likelihood

    def test_label_set_order_and_unused_labels(self) -> None:
        """The given labels come first (even unused ones), then others as first answered."""
        answers: list[Answer] = [(1, "u", "x"), (1, "v", "y"), (2, "u", "y"), (2, "v", "y")]
        result = dawid_skene(answers, labels=["z", "y"])
        assert result.label_set == ("z", "y", "x")
        assert result.labels[2] == "y"
        assert result.priors["z"] < 0.01
        assert set(result.posteriors[1]) == {"z", "y", "x"}

    def test_unanimous_answers_are_sure(self) -> None:
        """Every worker agrees on every task: the labels are the answers, posteriors near 1."""
        answers: list[Answer] = [(t, w, "ab"[t % 2]) for t in range(20) for w in ("u", "v", "w")]
        result = dawid_skene(answers, model="one_coin")
        assert result.labels == {t: "ab"[t % 2] for t in range(20)}
        assert min(result.posteriors[t]["ab"[t % 2]] for t in range(20)) > 0.999
        assert min(result.accuracies.values()) > 0.99


class TestErrors:
    def test_no_answers(self) -> None:
        """Nothing to aggregate is an error."""
        with pytest.raises(QualityInputError, match=r"^no answers to aggregate$"):
            dawid_skene([])

    def test_malformed_answer(self) -> None:
        """An answer must be a (task, worker, label) triple with a string label."""
        message = r"^answer 1: expected \(task, worker, label str\), got \(1, 'u'\)$"
        with pytest.raises(QualityInputError, match=message):
            dawid_skene([(1, "u", "a"), (1, "u")])  # type: ignore[list-item]

    @pytest.mark.parametrize(
        ("option", "message"),
        [
            ({"max_iter": 0}, r"^max_iter must be at least 1, got 0$"),
            ({"tol": -1.0}, r"^tol must be >= 0, got -1.0$"),
            ({"smoothing": 0.0}, r"^smoothing must be > 0, got 0.0$"),
        ],
    )
    def test_bad_options(self, option: dict[str, float], message: str) -> None:
        """max_iter >= 1, tol >= 0 and smoothing > 0."""
        with pytest.raises(QualityInputError, match=message):
            dawid_skene([(1, "u", "a")], **option, model="one_coin")  # type: ignore[arg-type]

    def test_unknown_model(self) -> None:
        """The model is "full" or "one_coin"."""
        with pytest.raises(
            QualityInputError, match=r"^model must be 'full' or 'one_coin', got 'two_coin'$"
        ):
            dawid_skene([(1, "u", "a")], model="two_coin")  # type: ignore[arg-type]

    def test_missing_numpy_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without numpy the error says which extra to install."""
        monkeypatch.setitem(sys.modules, "numpy", None)
        with pytest.raises(
            MissingExtraError, match=r"^Dawid-Skene needs numpy: pip install 'skillsim\[optimal\]'$"
        ):
            dawid_skene([(1, "u", "a")])


small_answers = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(["u", "v", "w"]), st.sampled_from("abc")),
    min_size=1,
    max_size=30,
)


class TestInvariants:
    @settings(max_examples=50)
    @given(answers=small_answers, full=st.booleans())
    def test_posteriors_and_matrices_are_distributions(
        self, answers: list[Answer], full: bool
    ) -> None:
        """Posteriors, priors and every confusion row sum to 1; labels are the argmax."""
        result = dawid_skene(answers, model="full" if full else "one_coin")
        assert sum(result.priors.values()) == pytest.approx(1.0)
        for task, dist in result.posteriors.items():
            assert sum(dist.values()) == pytest.approx(1.0)
            assert dist[result.labels[task]] == max(dist.values())
        for matrix in result.confusions.values():
            for row in matrix.values():
                assert sum(row.values()) == pytest.approx(1.0)
        assert set(result.labels) == {t for t, _, _ in answers}

    @settings(max_examples=50)
    @given(answers=small_answers, order=st.permutations("xyz"), full=st.booleans())
    def test_renaming_labels_renames_the_result(
        self, answers: list[Answer], order: list[str], full: bool
    ) -> None:
        """A bijection on label names maps labels, posteriors and matrices along with it."""
        rename = dict(zip("abc", order, strict=True))
        model = "full" if full else "one_coin"
        before = dawid_skene(answers, labels=list("abc"), model=model)
        renamed = [(t, w, rename[a]) for t, w, a in answers]
        after = dawid_skene(renamed, labels=order, model=model)
        assert after.labels == {t: rename[y] for t, y in before.labels.items()}
        assert after.priors == pytest.approx({rename[k]: v for k, v in before.priors.items()})
        for w, matrix in before.confusions.items():
            for true, row in matrix.items():
                expected = {rename[k]: v for k, v in row.items()}
                assert after.confusions[w][rename[true]] == pytest.approx(expected)
