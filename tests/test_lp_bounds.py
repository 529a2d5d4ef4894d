"""lp_bounds.Bounds: the exact range of each unknown, against scipy's linprog
solving each minimum and maximum from scratch, on systems like the ones a
suppression audit builds (totals and their parts, bounds from a cumulative
count, unbounded unknowns)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from relog_data import lp_bounds
from relog_data.lp_bounds import Bounds


def _reference(a, b, lower, upper, k):
    bounds = list(zip(lower, [None if np.isinf(u) else u for u in upper]))
    cost = np.zeros(len(lower))
    cost[k] = 1
    low = linprog(cost, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    high = linprog(-cost, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    assert low.status == 0
    return low.fun, (np.inf if high.status == 3 else -high.fun)


def _system(rng, n, rows):
    """A random system the true values `truth` satisfy: each row a total
    (coefficient 1) and some of its parts (-1), or a sum with mixed signs."""
    truth = rng.integers(0, 30, n).astype(float)
    a = np.zeros((rows, n))
    for r in range(rows):
        members = rng.choice(n, size=min(n, rng.integers(2, 5)), replace=False)
        a[r, members] = rng.choice([1.0, -1.0, 2.0], size=len(members))
    b = a @ truth
    lower = np.where(rng.random(n) < 0.3, np.maximum(truth - rng.integers(0, 6, n), 0), 0.0)
    upper = np.where(rng.random(n) < 0.4, truth + rng.integers(0, 6, n), np.inf)
    return truth, csr_matrix(a), b, lower, upper


@pytest.mark.parametrize("seed", range(40))
def test_every_range_equals_linprog_from_scratch(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 9))
    rows = int(rng.integers(0, 4))
    truth, a, b, lower, upper = _system(rng, n, rows)
    lp = Bounds(a if rows else None, b if rows else None, lower, upper, truth)
    lp.spread(list(range(n)), 5)
    for k in range(n):
        want_low, want_high = _reference(a if rows else None, b if rows else None, lower, upper,
                                         k)
        assert lp.lowest(k) == pytest.approx(want_low, abs=1e-7)
        assert lp.highest(k) == pytest.approx(want_high, abs=1e-7)
        # every witness is a solution: its range lies inside the exact one
        seen_low, seen_high = lp.seen(k)
        assert want_low - 1e-7 <= seen_low <= truth[k] <= seen_high <= want_high + 1e-7


def test_a_single_equation_needs_no_solver_and_is_exact():
    """total 35 = A + B + C with A published (20): B + C = 15, B at most 12
    (a later published value of a cumulative count): C in 3 .. 15."""
    a = csr_matrix(np.array([[1.0, 1.0]]))
    lp = Bounds(a, np.array([15.0]), np.zeros(2), np.array([12.0, np.inf]),
                np.array([12.0, 3.0]))
    assert lp.closed
    assert (lp.lowest(1), lp.highest(1)) == (3.0, 15.0)
    assert (lp.lowest(0), lp.highest(0)) == (0.0, 12.0)


def test_an_unbounded_maximum_is_infinite():
    """x0 - x1 = 2 (two cells, one the other's part with a sign) and a third
    equation that keeps the system off the closed form: x0 has no maximum."""
    a = csr_matrix(np.array([[1.0, -1.0, 0.0], [0.0, 1.0, -1.0]]))
    lp = Bounds(a, np.array([2.0, 0.0]), np.zeros(3), np.full(3, np.inf),
                np.array([5.0, 3.0, 3.0]))
    assert not lp.closed
    assert lp.lowest(0) == pytest.approx(2.0)
    assert lp.highest(0) == np.inf


def test_without_the_bundled_highs_linprog_gives_the_same_ranges(monkeypatch):
    rng = np.random.default_rng(7)
    truth, a, b, lower, upper = _system(rng, 6, 3)
    fast = Bounds(a, b, lower, upper, truth)
    ranges = [r for k in range(6) for r in (fast.lowest(k), fast.highest(k))]
    monkeypatch.setattr(lp_bounds, "_highs", None)
    slow = Bounds(a, b, lower, upper, truth)
    assert [r for k in range(6) for r in (slow.lowest(k), slow.highest(k))] \
        == pytest.approx(ranges)
    assert not fast.closed and len(set(ranges)) > 2  # a real system, ranges that differ
