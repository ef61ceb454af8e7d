"""Inter-rater agreement over the answers of a run: Fleiss' kappa, Krippendorff's alpha.

Both take *units*: for each item (task), the labels its raters gave. Raters are
anonymous; only which labels fall on the same item matters. :func:`ratings_by_task`
groups ``(task, worker, label)`` answers into units.

**Fleiss' kappa** (Fleiss 1971) needs the same number ``n ≥ 2`` of ratings on every
one of ``N`` items. With ``n_ij`` the ratings of item ``i`` in category ``j``:

    p_j = Σ_i n_ij / (N n),       P_i = (Σ_j n_ij² - n) / (n (n - 1)),
    P̄ = (1/N) Σ_i P_i,           P̄_e = Σ_j p_j²,        κ = (P̄ - P̄_e) / (1 - P̄_e).

Items with unequal numbers of ratings raise :class:`~agents.errors.QualityInputError`
(use Krippendorff's alpha for them).

**Krippendorff's alpha**, nominal (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability"), allows missing ratings: a unit with ``m_u`` ratings adds each
ordered pair of its ratings to the coincidence matrix with weight ``1 / (m_u - 1)``,
and units with fewer than two ratings are left out. With ``o_ck`` the coincidences,
``n_c = Σ_k o_ck`` and ``n = Σ_c n_c`` the pairable ratings:

    alpha = 1 - D_o / D_e = 1 - (n - 1) Σ_{c ≠ k} o_ck / Σ_{c ≠ k} n_c n_k.

Both are 1 for perfect agreement and 0 for agreement at chance; both are undefined
(``0/0``) when every rating is the same label, which raises too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

from agents.errors import QualityInputError

__all__ = ["fleiss_kappa", "krippendorff_alpha", "ratings_by_task"]


def ratings_by_task(answers: Iterable[tuple[Hashable, Hashable, str]]) -> list[list[str]]:
    """The labels given on each task, tasks in the order first answered.

    Args:
        answers: ``(task, worker, label)`` triples.

    Returns:
        One list of labels per task, in the order they were given.
    """
    units: dict[Hashable, list[str]] = {}
    for task, _worker, label in answers:
        units.setdefault(task, []).append(label)
    return list(units.values())


def fleiss_kappa(units: Iterable[Sequence[str]]) -> float:
    """Fleiss' kappa for items that each got the same number of ratings.

    Args:
        units: For each item, the labels its raters gave.

    Returns:
        κ (1 = perfect agreement, 0 = chance, negative = below chance).

    Raises:
        QualityInputError: If there are no items, fewer than two ratings per item,
            unequal numbers of ratings, or every rating is the same label.
    """
    counts = [Counter(unit) for unit in units]
    if not counts:
        raise QualityInputError("Fleiss' kappa needs at least one item")
    sizes = sorted({sum(c.values()) for c in counts})
    if len(sizes) > 1:
        raise QualityInputError(
            f"Fleiss' kappa needs the same number of ratings per item, got {sizes}"
        )
    n = sizes[0]
    if n < 2:
        raise QualityInputError(f"Fleiss' kappa needs at least 2 ratings per item, got {n}")
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    if len(total) == 1:
        raise QualityInputError("Fleiss' kappa is undefined: every rating is the same label")
    ratings = len(counts) * n
    expected = sum((t / ratings) ** 2 for t in total.values())
    agreement = [(sum(x * x for x in c.values()) - n) / (n * (n - 1)) for c in counts]
    observed = sum(agreement) / len(agreement)
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Iterable[Sequence[str]]) -> float:
    """Krippendorff's alpha for nominal labels, missing ratings allowed.

    Args:
        units: For each item, the labels given on it (any number; items with fewer
            than two ratings are not pairable and are left out).

    Returns:
        alpha (1 = perfect agreement, 0 = chance, negative = below chance).

    Raises:
        QualityInputError: If no item has two ratings, or every pairable rating is the
            same label.
    """
    # Nominal data: only the diagonal o_cc and the margins n_c are needed.
    diagonal: dict[str, float] = {}
    margins: Counter[str] = Counter()
    for unit in units:
        m = len(unit)
        if m < 2:
            continue
        for label, count in Counter(unit).items():
            diagonal[label] = diagonal.get(label, 0.0) + count * (count - 1) / (m - 1)
            margins[label] += count
    n = sum(margins.values())
    if n == 0:
        raise QualityInputError("Krippendorff's alpha needs an item with at least 2 ratings")
    if len(margins) == 1:
        raise QualityInputError(
            "Krippendorff's alpha is undefined: every pairable rating is the same label"
        )
    disagreement = n - sum(diagonal.values())  # Σ_{c≠k} o_ck
    expected = n * n - sum(x * x for x in margins.values())  # Σ_{c≠k} n_c n_k
    return 1 - (n - 1) * disagreement / expected
