"""Agreement: Fleiss' kappa and Krippendorff's alpha on published examples and by hand."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents import QualityInputError, fleiss_kappa, krippendorff_alpha, ratings_by_task

# Wikipedia, "Fleiss' kappa", worked example: 10 items, 14 raters, categories 1..5.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
# (rows) x 12 units (columns), None = missing; nominal alpha = 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def units_from_counts(table: list[list[int]]) -> list[list[str]]:
    return [[str(j + 1) for j, n in enumerate(row) for _ in range(n)] for row in table]


def units_from_coders(rows: list[list[int | None]]) -> list[list[str]]:
    return [[str(r[u]) for r in rows if r[u] is not None] for u in range(len(rows[0]))]


class TestFleissKappa:
    def test_wikipedia_worked_example(self) -> None:
        """By hand: sum P_i = 688 / 182 over 10 items, column totals 20, 28, 39, 21, 32 of 140.

        P = 688 / 1820 = 0.378, P_e = 4170 / 19600 = 0.213, kappa = 0.210 as published.
        """
        p_bar = 688 / 1820
        p_e = (20**2 + 28**2 + 39**2 + 21**2 + 32**2) / 140**2
        kappa = fleiss_kappa(units_from_counts(FLEISS_TABLE))
        assert kappa == pytest.approx((p_bar - p_e) / (1 - p_e), rel=1e-12)
        assert kappa == pytest.approx(0.210, abs=5e-4)

    def test_two_raters_by_hand(self) -> None:
        """Items (a,a), (a,b), (b,b): P = (1 + 0 + 1) / 3, p = (1/2, 1/2), kappa = 1/3."""
        assert fleiss_kappa([["a", "a"], ["a", "b"], ["b", "b"]]) == pytest.approx(1 / 3)

    def test_perfect_agreement_is_one(self) -> None:
        """Every item unanimous, two labels in use: kappa = 1."""
        assert fleiss_kappa([["a"] * 3, ["b"] * 3, ["a"] * 3]) == 1.0

    def test_systematic_disagreement_is_negative(self) -> None:
        """Each item split (a, b): P = 0, P_e = 1/2, kappa = -1."""
        assert fleiss_kappa([["a", "b"], ["b", "a"]]) == -1.0

    def test_unequal_raters_are_an_error(self) -> None:
        """Fleiss' kappa needs the same number of ratings on every item."""
        with pytest.raises(
            QualityInputError,
            match=r"^Fleiss' kappa needs the same number of ratings per item, got \[2, 3\]$",
        ):
            fleiss_kappa([["a", "b"], ["a", "b", "b"]])

    def test_one_rater_is_an_error(self) -> None:
        """One rating per item cannot agree or disagree."""
        with pytest.raises(
            QualityInputError, match=r"^Fleiss' kappa needs at least 2 ratings per item, got 1$"
        ):
            fleiss_kappa([["a"], ["b"]])

    def test_no_items_is_an_error(self) -> None:
        """No items: nothing to measure."""
        with pytest.raises(QualityInputError, match=r"^Fleiss' kappa needs at least one item$"):
            fleiss_kappa([])

    def test_a_single_label_is_undefined(self) -> None:
        """Every rating the same label: 0/0."""
        with pytest.raises(
            QualityInputError,
            match=r"^Fleiss' kappa is undefined: every rating is the same label$",
        ):
            fleiss_kappa([["a", "a"], ["a", "a"]])


class TestKrippendorffAlpha:
    def test_krippendorff_2011_example(self) -> None:
        """By hand: n = 40 pairable values (unit 12 has one), n_c = 9, 13, 10, 5, 3,
        sum o_cc = 32; alpha = 1 - 39 * (40 - 32) / (40^2 - 384) = 0.743 as published."""
        alpha = krippendorff_alpha(units_from_coders(KRIPPENDORFF_2011))
        assert alpha == pytest.approx(1 - 39 * 8 / (1600 - 384), rel=1e-12)
        assert alpha == pytest.approx(0.743, abs=5e-4)

    def test_two_coders_by_hand(self) -> None:
        """Units (a,a), (a,b), (b,b): n = 6, o_aa = o_bb = 2, n_a = n_b = 3;
        alpha = 1 - 5 * 2 / (36 - 18) = 4/9."""
        assert krippendorff_alpha([["a", "a"], ["a", "b"], ["b", "b"]]) == pytest.approx(4 / 9)

    def test_lone_ratings_are_left_out(self) -> None:
        """A unit with one rating is not pairable and changes nothing."""
        units = [["a", "a"], ["a", "b"], ["b", "b"]]
        assert krippendorff_alpha([*units, ["c"], []]) == krippendorff_alpha(units)

    def test_perfect_agreement_is_one(self) -> None:
        """Unanimous units with any number of ratings: alpha = 1."""
        assert krippendorff_alpha([["a"] * 2, ["b"] * 4, ["c"] * 3]) == 1.0

    def test_nothing_pairable_is_an_error(self) -> None:
        """No unit with two ratings: no pairs to compare."""
        with pytest.raises(
            QualityInputError,
            match=r"^Krippendorff's alpha needs an item with at least 2 ratings$",
        ):
            krippendorff_alpha([["a"], ["b"]])

    def test_a_single_label_is_undefined(self) -> None:
        """Every pairable rating the same label: 0/0."""
        with pytest.raises(
            QualityInputError,
            match=r"^Krippendorff's alpha is undefined: every pairable rating is the same label$",
        ):
            krippendorff_alpha([["a", "a"], ["b"]])


class TestRatingsByTask:
    def test_groups_in_the_order_first_answered(self) -> None:
        """Answers are grouped per task, tasks in order of their first answer."""
        answers = [(2, "u", "a"), (1, "u", "b"), (2, "v", "c"), (1, "w", "b")]
        assert ratings_by_task(answers) == [["a", "c"], ["b", "b"]]


labels = st.sampled_from("abcd")
square = st.integers(2, 5).flatmap(
    lambda n: st.lists(st.lists(labels, min_size=n, max_size=n), min_size=1, max_size=8)
)


def informative(units: list[list[str]]) -> bool:
    return len({x for u in units for x in u}) > 1


class TestInvariants:
    @given(units=square, order=st.permutations("wxyz"))
    def test_renaming_and_reordering_change_nothing(
        self, units: list[list[str]], order: list[str]
    ) -> None:
        """Renaming labels, reversing raters within items or items changes neither measure."""
        if not informative(units):
            return
        rename = dict(zip("abcd", order, strict=True))
        moved = [[rename[x] for x in reversed(u)] for u in reversed(units)]
        assert fleiss_kappa(moved) == pytest.approx(fleiss_kappa(units))
        assert krippendorff_alpha(moved) == pytest.approx(krippendorff_alpha(units))

    @given(units=square)
    def test_bounded_above_by_one(self, units: list[list[str]]) -> None:
        """Neither measure exceeds 1 (perfect agreement)."""
        if not informative(units):
            return
        assert fleiss_kappa(units) <= 1 + 1e-12
        assert krippendorff_alpha(units) <= 1 + 1e-12

    @given(units=square)
    def test_alpha_approaches_kappa_with_many_items(self, units: list[list[str]]) -> None:
        """With n raters on all N items, alpha = kappa + (1 - kappa) / (N n) (exact identity)."""
        if not informative(units):
            return
        kappa = fleiss_kappa(units)
        total = sum(len(u) for u in units)
        assert krippendorff_alpha(units) == pytest.approx(kappa + (1 - kappa) / total)
