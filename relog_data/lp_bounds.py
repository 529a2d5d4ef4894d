"""The lowest and highest value each unknown of a small linear system can take.

One `Bounds` per connected set of hidden cells (suppression.py): unknowns x with
A x = b and lower <= x <= upper. The exact minimum and maximum of one unknown
is a linear programme; a suppression audit asks for hundreds of them on the
same system, most of which a point already found answers ("this cell can be 3
lower than its true value": no programme needed to know it is not narrow).

- No equation, or a single one: the range has a closed form (the range of a
  linear form over a box is an interval), no solver.
- Otherwise the system is handed once to HiGHS (the solver scipy ships) and
  only the objective changes between two questions, so each answer starts
  from the previous basis. Without that module, `scipy.optimize.linprog`.
Every solution found is kept as a *witness*: `seen(k)` is the range of x_k over
the witnesses, an inner bound of the exact range.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

try:  # the HiGHS bindings scipy vendors (scipy 1.15 and later)
    from scipy.optimize._highspy import _core as _highs
except ImportError:  # pragma: no cover - another scipy
    _highs = None

TOLERANCE = 1e-6


class Bounds:
    """Ranges of the unknowns of A x = b, lower <= x <= upper (upper may be inf).
    `truth` (the true values) is a solution; it is the first witness."""

    def __init__(self, a_eq, b_eq, lower: np.ndarray, upper: np.ndarray,
                 truth: np.ndarray | None = None):
        self.n = len(lower)
        self.lower = np.asarray(lower, dtype=float)
        self.upper = np.asarray(upper, dtype=float)
        self.a_eq = a_eq
        self.b_eq = None if b_eq is None else np.asarray(b_eq, dtype=float)
        rows = 0 if a_eq is None else a_eq.shape[0]
        self.closed = rows <= 1
        self.low_seen = np.full(self.n, np.inf)
        self.high_seen = np.full(self.n, -np.inf)
        self.truth = None
        if truth is not None and self._inside(truth):
            self.truth = np.asarray(truth, dtype=float)
            self._witness(self.truth)
        self._cost = None  # the objective the model holds (None: unknown)
        self._model = None
        if self.closed and rows == 1:
            row = a_eq.toarray()[0]
            self._row, self._rhs = row, float(self.b_eq[0])

    # -- what is known without solving ------------------------------------------------------
    def seen(self, k: int) -> tuple[float, float]:
        """The range of x_k over the solutions found so far (empty: (inf, -inf))."""
        return self.low_seen[k], self.high_seen[k]

    def _inside(self, x: np.ndarray) -> bool:
        x = np.asarray(x, dtype=float)
        if np.any(x < self.lower - TOLERANCE) or np.any(x > self.upper + TOLERANCE):
            return False
        if self.a_eq is None:
            return True
        return bool(np.all(np.abs(self.a_eq @ x - self.b_eq) <= TOLERANCE))

    def _witness(self, x: np.ndarray) -> None:
        np.minimum(self.low_seen, x, out=self.low_seen)
        np.maximum(self.high_seen, x, out=self.high_seen)

    # -- exact ranges ------------------------------------------------------------------------
    def lowest(self, k: int) -> float:
        """The minimum of x_k (exact)."""
        return self._extreme(k, maximize=False)

    def highest(self, k: int) -> float:
        """The maximum of x_k (exact; inf when unbounded)."""
        return self._extreme(k, maximize=True)

    def _extreme(self, k: int, maximize: bool) -> float:
        if self.closed:
            return self._closed(k)[1 if maximize else 0]
        cost = np.zeros(self.n)
        cost[k] = 1.0
        return self._optimum(cost, maximize=maximize)

    def spread(self, cells, reach: float) -> None:
        """Two solutions that move many unknowns at once, kept as witnesses: the
        sum of `cells` (positions) at its minimum, and at its maximum with no
        unknown above its true value + `reach` (else the maximum is often
        unbounded, and an unbounded programme gives no solution)."""
        if self.closed or len(cells) < 2:
            return
        cost = np.zeros(self.n)
        cost[list(cells)] = 1.0
        self._optimum(cost, maximize=False)
        if self.truth is None:
            return
        self._optimum(cost, maximize=True, upper=np.minimum(self.upper, self.truth + reach))

    def _closed(self, k: int) -> tuple[float, float]:
        lo, hi = self.lower[k], self.upper[k]
        if self.a_eq is None:
            return lo, hi
        # c_k x_k = rhs - sum_{i != k} c_i x_i; the sum ranges over [smin, smax]
        c = self._row
        others = np.arange(self.n) != k
        ci, li, ui = c[others], self.lower[others], self.upper[others]
        with np.errstate(invalid="ignore"):
            smin = np.sum(np.where(ci > 0, ci * li, np.where(ci < 0, ci * ui, 0.0)))
            smax = np.sum(np.where(ci > 0, ci * ui, np.where(ci < 0, ci * li, 0.0)))
        if c[k] == 0:
            return lo, hi
        a, b = (self._rhs - smax) / c[k], (self._rhs - smin) / c[k]
        a, b = (a, b) if c[k] > 0 else (b, a)
        return max(lo, a), min(hi, b)

    def _optimum(self, cost: np.ndarray, maximize: bool, upper=None) -> float:
        if _highs is not None:
            found = self._highs(cost, maximize, upper)
            if found is not None:
                return found
        return self._linprog(cost, maximize, upper)

    def _highs(self, cost, maximize, upper):
        if self._model is None:
            self._model = _model(self.a_eq, self.b_eq, self.lower, self.upper)
        h = self._model
        changed = np.arange(self.n) if self._cost is None else np.flatnonzero(cost != self._cost)
        if len(changed):
            h.changeColsCost(len(changed), changed.astype(np.int32), cost[changed])
        self._cost = cost.copy()
        h.changeObjectiveSense(_highs.ObjSense.kMaximize if maximize
                               else _highs.ObjSense.kMinimize)
        if upper is not None:
            _set_bounds(h, self.lower, upper)
        try:
            h.run()
            status = h.getModelStatus()
            if status == _highs.HighsModelStatus.kOptimal:
                x = np.asarray(h.getSolution().col_value, dtype=float)
                self._witness(x)
                return float(cost @ x)
            if status == _highs.HighsModelStatus.kUnbounded:
                return np.inf if maximize else -np.inf
            return None  # anything else: ask linprog, which reports it
        finally:
            if upper is not None:
                _set_bounds(h, self.lower, self.upper)

    def _linprog(self, cost, maximize, upper=None):
        upper = self.upper if upper is None else upper
        bounds = list(zip(self.lower, [None if np.isinf(u) else u for u in upper]))
        res = linprog(-cost if maximize else cost, A_eq=self.a_eq, b_eq=self.b_eq,
                      bounds=bounds, method="highs")
        if res.status == 3:  # unbounded
            return np.inf if maximize else -np.inf
        if res.status != 0:
            raise RuntimeError(f"linprog failed: {res.message}")
        self._witness(np.asarray(res.x, dtype=float))
        return -res.fun if maximize else res.fun


def _set_bounds(h, lower: np.ndarray, upper: np.ndarray) -> None:
    h.changeColsBounds(len(upper), np.arange(len(upper), dtype=np.int32),
                       np.asarray(lower, dtype=float),
                       np.where(np.isinf(upper), _highs.kHighsInf, upper).astype(float))


def _model(a_eq, b_eq, lower, upper):
    """A HiGHS instance holding the system, silent, objective to be set."""
    h = _highs._Highs()
    h.setOptionValue("output_flag", False)
    lp = _highs.HighsLp()
    n, m = len(lower), a_eq.shape[0]
    csc = a_eq.tocsc()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.asarray(lower, dtype=float)
    lp.col_upper_ = np.where(np.isinf(upper), _highs.kHighsInf, upper).astype(float)
    lp.row_lower_ = np.asarray(b_eq, dtype=float)
    lp.row_upper_ = np.asarray(b_eq, dtype=float)
    lp.a_matrix_.format_ = _highs.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    h.passModel(lp)
    return h
