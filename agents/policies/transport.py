"""An exact maximum-weight transportation problem, solved on class counts.

Rows are classes of interchangeable tasks (``demand`` tasks each), columns are classes
of interchangeable workers (``supply`` free slots each); ``weights[r][c]`` is what one
task of row ``r`` placed on one slot of column ``c`` is worth (a positive integer), or
``None`` where the pair is not allowed. :func:`max_weight_transport` returns how many tasks of
each row go to each column so that the total weight is the largest possible; a task
may stay unplaced (worth 0), so the answer places a task only where that pays.

This is the assignment problem with its identical rows and columns merged, so its
size is (task classes x worker classes), not (tasks x slots): 10,000 tasks of 10
difficulties on 10,000 workers with about 1,100 distinct columns of worths is a
10 x 1,100 problem.

Method: successive shortest paths (the min-cost-flow form of the Hungarian method),
exact in integers. Each step finds, with Bellman-Ford over the rows (vectorised over
the columns with numpy), the cheapest way to place one more task: a chain that puts a
task of an unfilled row on a column, possibly moving tasks already placed from column
to column, and ends on a column with a free slot. It then pushes as many tasks along
that chain as its narrowest link allows. A flow built from cheapest chains is always
the cheapest for its size, so the last one is optimal. The number of steps is bounded
by the total demand and in practice near the number of columns.

Exactness: weights are integers and every comparison is an integer one. Chains hold
at most ``2 (rows + 1)`` links, so every distance the search forms is bounded by that
many weights; int64 is used when that bound fits with room to spare, Python integers
(numpy ``object`` arrays) otherwise.

:func:`dense_transport` answers the same problem by expanding it into tasks x slots
and calling scipy's ``linear_sum_assignment``: the better method when nearly every
task is a class of its own (distinct exclusions), where the chains above get long.
It is exact while the summed weights fit float64's 53 bits.

Ties go to lower indices: among equally cheap chains the one ending on the column
with the lower index is taken, and a column is first reached from its lowest-indexed
cheapest row. Callers that
order rows and columns meaningfully (most urgent first, longest idle first) so get a
deterministic answer that leans that way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["dense_transport", "max_weight_transport"]

_SENTINEL = 1 << 61  # "unreachable"; sums of two stay below 2**63
_ROOM = 1 << 56  # int64 only when every reachable distance stays below this


def max_weight_transport(
    weights: Sequence[Sequence[int | None]],
    demand: Sequence[int],
    supply: Sequence[int],
) -> list[list[int]]:
    """Solve the maximum-weight transportation problem exactly.

    Args:
        weights: One row per task class, one entry per worker class: the positive
            integer worth of one pair, or ``None`` if the pair is not allowed.
        demand: Tasks in each row (>= 0).
        supply: Free slots in each column (>= 0).

    Returns:
        ``flow[r][c]``: how many tasks of row ``r`` go to column ``c``. Each row places
        at most its demand and each column takes at most its supply.

    Raises:
        ValueError: If the shapes disagree, a count is negative or a weight is not a
            positive integer.
    """
    import numpy as np

    rows, cols = len(demand), len(supply)
    if len(weights) != rows or any(len(row) != cols for row in weights):
        raise ValueError(f"weights must be {rows} x {cols}, one row per demand")
    if any(d < 0 for d in demand) or any(s < 0 for s in supply):
        raise ValueError("demand and supply must be >= 0")
    allowed = [w for row in weights for w in row if w is not None]
    if any(type(w) is not int or w <= 0 for w in allowed):
        raise ValueError("every allowed weight must be a positive integer")
    if rows == 0 or cols == 0 or not allowed:
        return [[0] * cols for _ in range(rows)]

    # Costs are negated weights; the last column is "unplaced": cost 0, room for all.
    top = max(allowed)
    exact = top * (2 * rows + 4) < _ROOM
    dtype: Any = np.int64 if exact else object
    sentinel = _SENTINEL if exact else 4 * top * (2 * rows + 4) + 1
    cost = np.array(
        [[sentinel if w is None else -w for w in row] + [0] for row in weights], dtype=dtype
    )
    placed = np.zeros((rows, cols + 1), dtype=np.int64)
    want = np.array(demand, dtype=np.int64)
    room = np.array([*supply, int(sum(demand))], dtype=np.int64)
    far, half, past = (np.array(v, dtype=dtype) for v in (sentinel, sentinel // 2, 2 * sentinel))
    everyone = np.arange(rows)
    line = np.arange(cols + 1)

    while want.any():
        # Bellman-Ford from every unfilled row (distance 0) over rows; a column is
        # reached from a row by placing there, a row from a column by taking one of
        # its tasks back off that column.
        dist_row = np.where(want > 0, np.array(0, dtype=dtype), far)
        via_col = np.full(rows, -1)
        dist_col = np.full(cols + 1, far, dtype=dtype)
        via_row = np.full(cols + 1, -1)
        # Only strict improvements move a predecessor: so the predecessors form a
        # tree (a cycle among them would be a negative cycle) even where chains tie.
        for _ in range(rows + 1):
            reach = dist_row[:, None] + cost
            best_row = reach.argmin(axis=0)
            found = reach[best_row, line]
            better_col = found < np.minimum(dist_col, half)
            dist_col = np.where(better_col, found, dist_col)
            via_row = np.where(better_col, best_row, via_row)
            back = np.where(placed > 0, dist_col[None, :] - cost, far)
            best = back.argmin(axis=1)
            found = back[everyone, best]
            better = found < dist_row
            if not better.any():
                break
            dist_row = np.where(better, found, dist_row)
            via_col = np.where(better, best, via_col)
        else:  # pragma: no cover - a cheapest flow has no negative cycle
            raise AssertionError("negative cycle in the residual graph")

        end = int(np.where(room > 0, dist_col, past).argmin())
        links: list[tuple[int, int, int]] = []  # (row, column, +1 place / -1 take back)
        amount = int(room[end])
        column = end
        while True:
            row = int(via_row[column])
            links.append((row, column, 1))
            previous = int(via_col[row])
            if previous < 0:
                amount = min(amount, int(want[row]))
                break
            links.append((row, previous, -1))
            amount = min(amount, int(placed[row, previous]))
            column = previous
        want[row] -= amount
        room[end] -= amount
        for r, c, sign in links:
            placed[r, c] += sign * amount

    result: list[list[int]] = placed[:, :cols].tolist()
    return result


def dense_transport(worth: Any, demand: Sequence[int], supply: Sequence[int]) -> list[list[int]]:
    """Solve the problem of :func:`max_weight_transport` on the expanded matrix.

    One row per task and one column per slot, solved by
    ``scipy.optimize.linear_sum_assignment``: an answer of the largest total worth
    (up to float64 rounding of sums beyond 2**53), not necessarily the same flow.

    Args:
        worth: A (rows x columns) numpy float array: the worth of a pair, > 0, or 0
            where the pair is not allowed.
        demand: Tasks in each row (>= 0).
        supply: Free slots in each column (>= 0).

    Returns:
        ``flow[r][c]`` as :func:`max_weight_transport` returns it.

    Raises:
        ValueError: If the shapes disagree, a count is negative or a worth is < 0.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    table = np.asarray(worth, dtype=np.float64)
    rows, cols = len(demand), len(supply)
    if table.shape != (rows, cols):
        raise ValueError(f"worth must be {rows} x {cols}, one row per demand")
    if any(d < 0 for d in demand) or any(s < 0 for s in supply):
        raise ValueError("demand and supply must be >= 0")
    if not (table >= 0).all():
        raise ValueError("every worth must be >= 0")
    flow = np.zeros((rows, cols), dtype=np.int64)
    if sum(demand) and sum(supply):
        row_of = np.repeat(np.arange(rows), demand)
        col_of = np.repeat(np.arange(cols), supply)
        cost = -table[row_of][:, col_of]  # a pair not allowed costs what leaving out costs
        picked_rows, picked_cols = linear_sum_assignment(cost)
        placed = cost[picked_rows, picked_cols] < 0
        np.add.at(flow, (row_of[picked_rows[placed]], col_of[picked_cols[placed]]), 1)
    result: list[list[int]] = flow.tolist()
    return result
