"""Cell suppression for a set of published counts, checked by linear programming.

A `Problem` is a set of cells (true values, all counts >= 0) tied by linear
equalities (a total and its parts, a numerator and its denominator, an amount
and the counts it is made of), by "series" (the same quantity at several
publication dates) and by "monotone" series (a cumulative count that never
decreases). `protect` chooses which cells to hide so that, for a reader who
knows every published value and every one of those relations:

- no published cell holds 1 .. threshold-1, and no two published values of one
  series differ by 1 .. threshold-1 (the change between two dates is a count);
- every hidden cell holding 1 .. threshold-1 (a "sensitive" cell, published
  or internal) can still take any value over a range of at least `threshold`
  (high - low >= threshold, e.g. any of 0 .. 5) (the
  interval computed by `scipy.optimize.linprog`, as statistical offices' audit
  tools do). A complementary cell an attacker can work out reveals no small
  count: it is reported (`intervals`), not required to stay wide.

Complementary cells are chosen cheapest first (cost = weight x (value + 1)):
a small, low-weight cell goes before a headline figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

THRESHOLD = 5


@dataclass
class Problem:
    keys: list = field(default_factory=list)
    values: list = field(default_factory=list)
    weights: list = field(default_factory=list)
    internal: list = field(default_factory=list)  # never published (e.g. counts behind an amount)
    relations: list = field(default_factory=list)  # [(indices, coefficients)]: sum = 0
    series: list = field(default_factory=list)  # [indices in date order]
    monotone: list = field(default_factory=list)  # [indices in date order], non-decreasing
    index: dict = field(default_factory=dict)

    def add(self, key, value, weight: float = 1.0, internal: bool = False) -> int:
        if key in self.index:
            raise KeyError(f"duplicate cell {key!r}")
        self.index[key] = len(self.keys)
        self.keys.append(key)
        self.values.append(float(value))
        self.weights.append(float(weight))
        self.internal.append(bool(internal))
        return self.index[key]

    def relate_if_true(self, total, parts) -> bool:
        """total = sum(parts) when the data says so (a quantity that is not
        additive, like a survey wave's eligible households, has no such relation)."""
        value = self.values[self.index[total]] - sum(self.values[self.index[p]] for p in parts)
        if abs(value) > 1e-6:
            return False
        self.relate(total, parts)
        return True

    def relate(self, total, parts, coefficients=None) -> None:
        """total = sum(coefficient x part) (coefficients default to 1)."""
        coefficients = [1.0] * len(parts) if coefficients is None else list(coefficients)
        cells = [self.index[total], *(self.index[p] for p in parts)]
        coefs = [1.0, *(-float(c) for c in coefficients)]
        value = sum(c * self.values[i] for i, c in zip(cells, coefs))
        if abs(value) > 1e-6:
            raise ValueError(f"relation {total!r} = {parts!r} does not hold on the data "
                             f"({value:+g})")
        self.relations.append((cells, coefs))

    def add_series(self, keys, monotone: bool = False) -> None:
        """The same quantity at successive dates; `monotone`: a cumulative count
        (kept as such only when the data never decreases: a reader assumes it)."""
        cells = [self.index[k] for k in keys if k in self.index]
        if len(cells) > 1:
            self.series.append(cells)
            values = [self.values[i] for i in cells]
            if monotone and all(a <= b for a, b in zip(values, values[1:])):
                self.monotone.append(cells)


def small(value: float, threshold: int = THRESHOLD) -> bool:
    return 0 < abs(value) < threshold


def protect(problem: Problem, threshold: int = THRESHOLD, forced=(),
            max_rounds: int = 1_000, prefer=()) -> np.ndarray:
    """The boolean mask of hidden cells (`forced`: cells hidden from the start;
    `prefer`: cell keys to show again, in order, wherever the rule allows once
    the suppression is complete: a complementary cell chosen early may have
    become unnecessary)."""
    values = np.asarray(problem.values, dtype=float)
    n = len(values)
    hidden = np.asarray(problem.internal, dtype=bool).copy()
    hidden |= (values > 0) & (values < threshold)
    hidden[list(forced)] = True
    _hold(problem, values, hidden, threshold)
    members = _memberships(problem, n)
    # Cells that must stay wide when hidden: small counts, and both ends of a
    # small change of a cumulative count between two dates.
    protected = (values > 0) & (values < threshold)
    for i, j in _changes(problem, values, threshold, problem.monotone):
        # (an internal cell's changes are its owner's business: release.py)
        protected[i] |= not problem.internal[i]
        protected[j] |= not problem.internal[j]
    cache: dict = {"protected": protected}
    shown_known = False
    for _ in range(max_rounds):
        _complete(problem, values, hidden)
        weak = _audit(problem, values, hidden, threshold, cache)
        if not weak:
            if shown_known:
                _show_again(problem, values, hidden, threshold, cache, prefer, forced)
                return hidden
            _publish_what_is_known(problem, values, hidden)
            shown_known = True
            continue  # and check again: a shown cell now bounds its neighbours in time
        for cell, _lo, _hi in weak:
            candidates = _published_around(cell, members, hidden)
            if not candidates:
                raise RuntimeError(f"cannot protect cell {problem.keys[cell]!r}")
            nonzero = [j for j in candidates if values[j] > 0] or candidates
            # same date first: hiding a cell of another date costs that date's table
            near = [j for j in nonzero if _date(problem.keys[j]) == _date(problem.keys[cell])]
            hidden[min(near or nonzero, key=lambda j: _cost(problem, values, j))] = True
    raise RuntimeError("suppression did not converge")


def _publish_what_is_known(problem: Problem, values: np.ndarray, hidden: np.ndarray) -> None:
    """A hidden cell that is not small and that a reader can work out exactly
    from what is published is shown: it tells nothing more (the set of values
    consistent with the release is unchanged), and the reader gets the figure."""
    for cell, (lo, hi) in intervals(problem, hidden, skip_small=True).items():
        if (not problem.internal[cell] and not small(values[cell])
                and hi - lo < 1e-6 and abs(lo - values[cell]) < 1e-6):
            hidden[cell] = False


def _show_again(problem, values, hidden, threshold, cache, prefer, forced) -> None:
    """Show each preferred hidden cell again when that breaks nothing: it is not
    small, differs by 0 or >= threshold from its series' shown values, leaves
    no relation with a single hidden cell, and every protected cell stays wide."""
    forced = set(forced)
    relations_of = cache.setdefault("relations_of", _relations_of(problem))
    series_of: dict[int, list] = {}
    for cells in problem.series:
        for i in cells:
            series_of[i] = cells
    for group in prefer:  # a key, or a tuple of keys shown together (a table row)
        keys = group if isinstance(group, list) else [group]
        cells = [problem.index[k] for k in keys if k in problem.index]
        cells = [c for c in cells if hidden[c]]
        if not cells or any(c in forced or problem.internal[c] or small(values[c], threshold)
                            for c in cells):
            continue
        if any(not hidden[j] and small(values[c] - values[j], threshold)
               for c in cells for j in series_of.get(c, ()) if j != c):
            continue
        hidden[cells] = False
        lone = any(sum(hidden[i] for i in problem.relations[r][0]) == 1
                   for c in cells for r in relations_of[c])
        if lone or _audit(problem, values, hidden, threshold, cache):
            hidden[cells] = True


def _date(key):
    """A cell key's first component (the publication date in release.py)."""
    return key[0] if isinstance(key, tuple) and key else None


def _published_around(cell: int, members: list[set], hidden: np.ndarray) -> list[int]:
    """The published cells next to `cell`, or else next to the hidden cells
    connected to it (what bounds it)."""
    direct = [j for j in members[cell] if not hidden[j]]
    if direct:
        return direct
    seen, todo, found = {cell}, [cell], set()
    while todo:
        i = todo.pop()
        for j in members[i]:
            if hidden[j] and j not in seen:
                seen.add(j)
                todo.append(j)
            elif not hidden[j]:
                found.add(j)
    return sorted(found)


def _audit(problem, values, hidden, threshold, cache):
    """The weak cells, re-solving only the components that changed (a component
    with the same hidden cells has the same LP: published values never change)."""
    weak = []
    relations_of = cache.setdefault("relations_of", _relations_of(problem))
    for comp in _components(problem, hidden):
        key = frozenset(comp)
        if key not in cache:
            # The same table at another date (a finished operation, a closed survey
            # wave) is the same linear programme: solve it once.
            signature, order = _signature(problem, values, hidden, comp, relations_of)
            if signature in cache:
                found = [(order[pos], lo, hi) for pos, lo, hi in cache[signature]]
            else:
                found = []
                for cell, lo, hi in _component_bounds(problem, values, hidden, comp,
                                                      threshold,
                                                      protected=cache["protected"]):
                    if hi - lo < threshold - 1e-6:
                        found.append((cell, lo, hi))
                where = {cell: pos for pos, cell in enumerate(order)}
                cache[signature] = [(where[c], lo, hi) for c, lo, hi in found]
            cache[key] = found
        weak += cache[key]
    return weak


def _changes(problem: Problem, values: np.ndarray, threshold: int, series) -> list[tuple]:
    """Pairs of one of `series` whose change is small (1 .. threshold-1): a count
    of households rehoused or gone between two publication dates. (Cumulative
    series: a reader links their dates, value by value, so a change between two
    hidden values can be narrowed even when each value alone cannot.)"""
    out = []
    for cells in series:
        for a, i in enumerate(cells):
            for j in cells[a + 1:]:
                if small(values[j] - values[i], threshold):
                    out.append((i, j))
    return out


def _relations_of(problem: Problem) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in problem.keys]
    for r, (cells, _) in enumerate(problem.relations):
        for i in cells:
            out[i].append(r)
    return out


def _shape(key):
    """A cell key without its date."""
    return key[1:] if isinstance(key, tuple) and key else key


def _signature(problem, values, hidden, comp, relations_of):
    """What a component's linear programme depends on, dates left out; and its
    cells in a canonical order."""
    order = sorted(comp, key=lambda i: repr(_shape(problem.keys[i])))
    where = {cell: pos for pos, cell in enumerate(order)}
    rels = set()
    for i in comp:
        for r in relations_of[i]:
            cells, coefs = problem.relations[r]
            rels.add(tuple(sorted(
                (("h", where[j]) if j in where else ("v", values[j]), c)
                for j, c in zip(cells, coefs))))
    bounds = []
    for cells in problem.monotone:
        for pos, i in enumerate(cells):
            if i in where:
                before = [values[j] for j in cells[:pos] if not hidden[j]]
                after = [values[j] for j in cells[pos + 1:] if not hidden[j]]
                bounds.append((where[i], max(before, default=None), min(after, default=None)))
    shapes = tuple((repr(_shape(problem.keys[i])), values[i]) for i in order)
    return ("lp", shapes, tuple(sorted(rels, key=repr)), tuple(sorted(bounds, key=repr))), order


def _cost(problem: Problem, values: np.ndarray, j: int) -> float:
    return problem.weights[j] * (values[j] + 1.0)


def _hold(problem: Problem, values: np.ndarray, hidden: np.ndarray, threshold: int) -> None:
    """Within each series, from the latest date back: a value is published only if
    it differs from every value already published by 0 or by threshold or more."""
    for cells in problem.series:
        shown: list[float] = []
        for i in reversed(cells):
            if hidden[i]:
                continue
            if any(small(values[i] - v, threshold) for v in shown):
                hidden[i] = True
            else:
                shown.append(values[i])


def _complete(problem: Problem, values: np.ndarray, hidden: np.ndarray) -> None:
    """No relation may hold exactly one hidden cell (it would be recomputed by
    subtraction): hide its cheapest published cell too, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for cells, _ in problem.relations:
            hid = [i for i in cells if hidden[i]]
            if len(hid) != 1:
                continue
            shown = [i for i in cells if not hidden[i]]
            if shown:
                hidden[min(shown, key=lambda j: _cost(problem, values, j))] = True
                changed = True


def _memberships(problem: Problem, n: int) -> list[set]:
    members: list[set] = [set() for _ in range(n)]
    groups = [cells for cells, _ in problem.relations] + problem.monotone
    for cells in groups:
        for i in cells:
            members[i].update(j for j in cells if j != i)
    return members


def audit(problem: Problem, hidden, threshold: int = THRESHOLD
          ) -> list[tuple[int, float, float]]:
    """Hidden cells an attacker narrows to fewer than `threshold` values:
    [(cell, low, high)]. Internal cells count only when their value is small."""
    values = np.asarray(problem.values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    weak = []
    for comp in _components(problem, hidden):
        bounds = _component_bounds(problem, values, hidden, comp, threshold)
        for cell, lo, hi in bounds:
            if small(values[cell], threshold) and hi - lo < threshold - 1e-6:
                weak.append((cell, lo, hi))
    return weak


def intervals(problem: Problem, hidden, skip_small: bool = False
              ) -> dict[int, tuple[float, float]]:
    """Every hidden cell's interval (or every cell's that is not small)."""
    values = np.asarray(problem.values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    out = {}
    for comp in _components(problem, hidden):
        if skip_small:
            comp_cells = [c for c in comp if not small(values[c])]
        else:
            comp_cells = comp
        for cell, lo, hi in _component_bounds(problem, values, hidden, comp, None,
                                              only=comp_cells):
            out[cell] = (lo, hi)
    return out


def _components(problem: Problem, hidden: np.ndarray) -> list[list[int]]:
    parent = {i: i for i in np.flatnonzero(hidden)}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Monotone series bound a hidden cell by the nearest published values around
    # it (see _component_bounds) instead of linking dates into one problem.
    for cells, _ in problem.relations:
        hid = [i for i in cells if hidden[i]]
        for a, b in zip(hid, hid[1:]):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
    comps: dict[int, list[int]] = {}
    for i in parent:
        comps.setdefault(find(i), []).append(i)
    return list(comps.values())


def _lp_parts(problem, values, hidden, comp):
    """The linear programme of one component: its cells' positions, equalities
    and bounds (non-negative; a cumulative count between its published values)."""
    local = {cell: k for k, cell in enumerate(comp)}
    rows, cols, data, rhs = [], [], [], []
    r = 0
    for cells, coefs in problem.relations:
        if not any(i in local for i in cells):
            continue
        const = 0.0
        for i, c in zip(cells, coefs):
            if i in local:
                rows.append(r)
                cols.append(local[i])
                data.append(c)
            else:
                const += c * values[i]
        rhs.append(-const)
        r += 1
    a_eq = csr_matrix((data, (rows, cols)), shape=(r, len(comp))) if r else None
    b_eq = np.asarray(rhs) if r else None
    lower = np.zeros(len(comp))
    upper = np.full(len(comp), np.inf)
    for cells in problem.monotone:  # a cumulative count lies between its published values
        for pos, i in enumerate(cells):
            if i not in local:
                continue
            before = [values[j] for j in cells[:pos] if not hidden[j]]
            after = [values[j] for j in cells[pos + 1:] if not hidden[j]]
            if before:
                lower[local[i]] = max(lower[local[i]], max(before))
            if after:
                upper[local[i]] = min(upper[local[i]], min(after))
    bounds = list(zip(lower, [None if np.isinf(u) else u for u in upper]))
    return local, a_eq, b_eq, bounds


def _solve(cost, a_eq, b_eq, bounds, what) -> float:
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status == 3:  # unbounded
        return -np.inf
    if res.status != 0:
        raise RuntimeError(f"linprog failed on {what!r}: {res.message}")
    return res.fun


def _component_bounds(problem, values, hidden, comp, threshold, only=None, protected=None):
    """min and max of hidden cells of one component (`only`, else all; with a
    threshold, only the protected ones, and the max is skipped once the min is
    far enough below), under the relations, the monotone bounds and
    non-negativity, published cells fixed."""
    local, a_eq, b_eq, bounds = _lp_parts(problem, values, hidden, comp)
    out = []
    for cell in (comp if only is None else only):
        if threshold is not None and not (small(values[cell], threshold) if protected is None
                                          else protected[cell]):
            continue  # only sensitive cells need to stay wide
        cost = np.zeros(len(comp))
        cost[local[cell]] = 1.0
        lo = _solve(cost, a_eq, b_eq, bounds, problem.keys[cell])
        if threshold is not None and values[cell] - lo >= threshold - 1e-6:
            out.append((cell, lo, np.inf))  # already wide enough below
            continue
        out.append((cell, lo, -_solve(-cost, a_eq, b_eq, bounds, problem.keys[cell])))
    return out
