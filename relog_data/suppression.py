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
  interval computed by linear programming (`lp_bounds`), as statistical offices' audit
  tools do). A complementary cell an attacker can work out reveals no small
  count: it is reported (`intervals`), not required to stay wide.

Complementary cells are chosen cheapest first (cost = weight x (value + 1)):
a small, low-weight cell goes before a headline figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix

from .lp_bounds import Bounds

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
            max_rounds: int = 1_000, prefer=(), check=lambda: None) -> np.ndarray:
    """The boolean mask of hidden cells (`forced`: cells hidden from the start;
    `prefer`: cell keys to show again, in order, wherever the rule allows once
    the suppression is complete: a complementary cell chosen early may have
    become unnecessary). `check` is called between two steps (it may raise to
    stop the work)."""
    values = np.asarray(problem.values, dtype=float)
    hidden = np.asarray(problem.internal, dtype=bool).copy()
    hidden |= (values > 0) & (values < threshold)
    hidden[list(forced)] = True
    _hold(problem, values, hidden, threshold)
    index = _Index(problem)
    # Cells that must stay wide when hidden: small counts, and both ends of a
    # small change of a cumulative count between two dates.
    protected = (values > 0) & (values < threshold)
    for i, j in _changes(problem, values, threshold, problem.monotone):
        # (an internal cell's changes are its owner's business: release.py)
        protected[i] |= not problem.internal[i]
        protected[j] |= not problem.internal[j]
    cache: dict = {"protected": protected, "index": index}
    shown_known = False
    for _ in range(max_rounds):
        check()
        _complete(problem, values, hidden)
        weak = _audit(problem, values, hidden, threshold, cache)
        if not weak:
            if shown_known:
                _show_again(problem, values, hidden, threshold, cache, prefer, forced, check)
                return hidden
            _publish_what_is_known(problem, values, hidden, index)
            shown_known = True
            continue  # and check again: a shown cell now bounds its neighbours in time
        for cell, _lo, _hi in weak:
            candidates = _published_around(cell, problem, index, hidden)
            if not candidates:
                raise RuntimeError(f"cannot protect cell {problem.keys[cell]!r}")
            nonzero = [j for j in candidates if values[j] > 0] or candidates
            # same date first: hiding a cell of another date costs that date's table
            near = [j for j in nonzero if _date(problem.keys[j]) == _date(problem.keys[cell])]
            hidden[min(near or nonzero, key=lambda j: _cost(problem, values, j))] = True
    raise RuntimeError("suppression did not converge")


class _Index:
    """Which relations and cumulative series each cell is in (built once)."""

    def __init__(self, problem: Problem):
        n = len(problem.keys)
        self.relations_of = _relations_of(problem)
        self.monotone_of: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for s, cells in enumerate(problem.monotone):
            for pos, i in enumerate(cells):
                self.monotone_of[i].append((s, pos))
        self.series_of: dict[int, list] = {}
        for cells in problem.series:
            for i in cells:
                self.series_of[i] = cells

    def neighbours(self, problem: Problem, i: int) -> set:
        """The cells sharing a relation or a cumulative series with cell i."""
        out: set = set()
        for r in self.relations_of[i]:
            out.update(j for j in problem.relations[r][0] if j != i)
        for s, _pos in self.monotone_of[i]:
            out.update(j for j in problem.monotone[s] if j != i)
        return out


def _publish_what_is_known(problem: Problem, values: np.ndarray, hidden: np.ndarray,
                           index: _Index) -> None:
    """A hidden cell that is not small and that a reader can work out exactly
    from what is published is shown: it tells nothing more (the set of values
    consistent with the release is unchanged), and the reader gets the figure."""
    lower, upper = _monotone_bounds(problem, values, hidden)
    known = []
    for comp in _components(problem, hidden):
        cells = [c for c in comp if not problem.internal[c] and not small(values[c])]
        if not cells:
            continue
        local, lp = _system(problem, values, hidden, comp, index, lower, upper)
        lp.spread([local[c] for c in cells], 1.0)
        for c in cells:
            k = local[c]
            lo_seen, hi_seen = lp.seen(k)
            if hi_seen - lo_seen >= 1e-6:
                continue  # two solutions differ: not determined
            lo = lp.lowest(k)
            if abs(lo - values[c]) >= 1e-6 or lp.seen(k)[1] - lo >= 1e-6:
                continue
            if lp.highest(k) - lo < 1e-6:
                known.append(c)
    hidden[known] = False


def _show_again(problem, values, hidden, threshold, cache, prefer, forced,
                check=lambda: None) -> None:
    """Show each preferred hidden cell again when that breaks nothing: it is not
    small, differs by 0 or >= threshold from its series' shown values, leaves
    no relation with a single hidden cell, and every protected cell stays wide."""
    forced = set(forced)
    index = cache["index"]
    for group in prefer:  # a key, or a tuple of keys shown together (a table row)
        check()
        keys = group if isinstance(group, list) else [group]
        cells = [problem.index[k] for k in keys if k in problem.index]
        cells = [c for c in cells if hidden[c]]
        if not cells or any(c in forced or problem.internal[c] or small(values[c], threshold)
                            for c in cells):
            continue
        if any(not hidden[j] and small(values[c] - values[j], threshold)
               for c in cells for j in index.series_of.get(c, ()) if j != c):
            continue
        hidden[cells] = False
        lone = any(sum(hidden[i] for i in problem.relations[r][0]) == 1
                   for c in cells for r in index.relations_of[c])
        if lone or _audit(problem, values, hidden, threshold, cache, around=cells):
            hidden[cells] = True


def _date(key):
    """A cell key's first component (the publication date in release.py)."""
    return key[0] if isinstance(key, tuple) and key else None


def _published_around(cell: int, problem: Problem, index: _Index,
                      hidden: np.ndarray) -> list[int]:
    """The published cells next to `cell`, or else next to the hidden cells
    connected to it (what bounds it)."""
    direct = [j for j in index.neighbours(problem, cell) if not hidden[j]]
    if direct:
        return direct
    seen, todo, found = {cell}, [cell], set()
    done_relations, done_series = set(), set()
    while todo:  # through each relation and series once (a total has hundreds of parts)
        i = todo.pop()
        groups = [problem.relations[r][0] for r in index.relations_of[i]
                  if r not in done_relations]
        done_relations.update(index.relations_of[i])
        groups += [problem.monotone[s] for s, _pos in index.monotone_of[i]
                   if s not in done_series]
        done_series.update(s for s, _pos in index.monotone_of[i])
        for cells in groups:
            for j in cells:
                if hidden[j]:
                    if j not in seen:
                        seen.add(j)
                        todo.append(j)
                else:
                    found.add(j)
    return sorted(found)


def _audit(problem, values, hidden, threshold, cache, around=None):
    """The weak cells, re-solving only the components that changed (a component
    with the same hidden cells and the same bounds from its series has the same
    LP: published values never change). `around`: cells just shown again; only
    the components they touch can have changed (the others were checked)."""
    weak = []
    index = cache["index"]
    if around is None:
        comps = _components(problem, hidden)
        lower, upper = _monotone_bounds(problem, values, hidden)
    else:
        comps = _components_around(problem, hidden, index, around)
        lower, upper = _cell_bounds(problem, values, hidden, index,
                                    [i for comp in comps for i in comp])
    for comp in comps:
        comp = sorted(comp)
        key = (tuple(comp), lower[comp].tobytes(), upper[comp].tobytes())
        if key not in cache:
            # The same table at another date (a finished operation, a closed survey
            # wave) is the same linear programme: solve it once.
            signature, order = _signature(problem, values, comp, index, lower, upper,
                                          cache["protected"])
            if signature in cache:
                found = [(order[pos], lo, hi) for pos, lo, hi in cache[signature]]
            else:
                cells = [c for c in comp if cache["protected"][c]]
                found = _narrow(problem, values, hidden, comp, cells, threshold, index,
                                lower, upper) if cells else []
                where = {cell: pos for pos, cell in enumerate(order)}
                cache[signature] = [(where[c], lo, hi) for c, lo, hi in found]
            cache[key] = found
        weak += cache[key]
    return weak


def _narrow(problem, values, hidden, comp, cells, threshold, index, lower, upper):
    """[(cell, low, high)] for the `cells` of one component whose exact range is
    narrower than `threshold`. A range already spanned by two solutions found
    (the true values are one) needs no further programme."""
    local, lp = _system(problem, values, hidden, comp, index, lower, upper)
    lp.spread([local[c] for c in cells], threshold)
    out = []
    for c in cells:
        k = local[c]
        lo_seen, hi_seen = lp.seen(k)
        if hi_seen - lo_seen >= threshold - 1e-6:
            continue
        lo = lp.lowest(k)
        if lp.seen(k)[1] - lo >= threshold - 1e-6:
            continue
        hi = lp.highest(k)
        if hi - lo < threshold - 1e-6:
            out.append((c, lo, hi))
    return out


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


def _signature(problem, values, comp, index, lower, upper, protected):
    """What a component's audit depends on, dates left out: its linear programme
    and which of its cells must stay wide; and its cells in a canonical order."""
    order = sorted(comp, key=lambda i: repr(_shape(problem.keys[i])))
    where = {cell: pos for pos, cell in enumerate(order)}
    rels = set()
    for r in {r for i in comp for r in index.relations_of[i]}:
        # the programme sees a relation's hidden cells and the sum of its published ones
        cells, coefs = problem.relations[r]
        hid = tuple(sorted((where[j], c) for j, c in zip(cells, coefs) if j in where))
        rels.add((hid, round(sum(c * values[j] for j, c in zip(cells, coefs)
                                 if j not in where), 9)))
    bounds = tuple((pos, lower[i], upper[i]) for pos, i in enumerate(order)
                   if index.monotone_of[i])
    shapes = tuple((repr(_shape(problem.keys[i])), values[i], bool(protected[i])) for i in order)
    return ("lp", shapes, tuple(sorted(rels)), bounds), order


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


def audit(problem: Problem, hidden, threshold: int = THRESHOLD
          ) -> list[tuple[int, float, float]]:
    """Hidden cells an attacker narrows to fewer than `threshold` values:
    [(cell, low, high)]. Internal cells count only when their value is small."""
    values = np.asarray(problem.values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    index = _Index(problem)
    lower, upper = _monotone_bounds(problem, values, hidden)
    weak = []
    for comp in _components(problem, hidden):
        local, lp = _system(problem, values, hidden, comp, index, lower, upper)
        for cell in comp:
            if not small(values[cell], threshold):
                continue
            lo, hi = lp.lowest(local[cell]), lp.highest(local[cell])
            if hi - lo < threshold - 1e-6:
                weak.append((cell, lo, hi))
    return weak


def intervals(problem: Problem, hidden) -> dict[int, tuple[float, float]]:
    """Every hidden cell's exact interval."""
    values = np.asarray(problem.values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    index = _Index(problem)
    lower, upper = _monotone_bounds(problem, values, hidden)
    out = {}
    for comp in _components(problem, hidden):
        local, lp = _system(problem, values, hidden, comp, index, lower, upper)
        for cell in comp:
            out[cell] = (lp.lowest(local[cell]), lp.highest(local[cell]))
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


def _components_around(problem: Problem, hidden: np.ndarray, index: _Index,
                       cells) -> list[list[int]]:
    """The components (as `_components`) of the hidden cells that share a
    relation or a cumulative series with one of `cells`."""
    seeds = set()
    for c in cells:
        seeds.update(j for j in index.neighbours(problem, c) if hidden[j])
    comps, seen, done_relations = [], set(), set()
    for seed in seeds:
        if seed in seen:
            continue
        comp, todo = [seed], [seed]
        seen.add(seed)
        while todo:
            i = todo.pop()
            for r in index.relations_of[i]:
                if r in done_relations:
                    continue
                done_relations.add(r)
                hid = [j for j in problem.relations[r][0] if hidden[j]]
                if len(hid) < 2:
                    continue
                for j in hid:
                    if j not in seen:
                        seen.add(j)
                        comp.append(j)
                        todo.append(j)
        comps.append(comp)
    return comps


def _monotone_bounds(problem: Problem, values: np.ndarray, hidden: np.ndarray):
    """Every cell's bounds known to a reader: >= 0, and a cumulative count lies
    between its published values at the dates around it."""
    lower = np.zeros(len(values))
    upper = np.full(len(values), np.inf)
    for cells in problem.monotone:
        idx = np.asarray(cells)
        v, shown = values[idx], ~hidden[idx]
        before = np.maximum.accumulate(np.concatenate(([-np.inf], np.where(shown, v, -np.inf)[:-1])))
        after = np.minimum.accumulate(np.where(shown, v, np.inf)[::-1])[::-1]
        after = np.concatenate((after[1:], [np.inf]))
        lower[idx] = np.maximum(lower[idx], before)
        upper[idx] = np.minimum(upper[idx], after)
    return lower, upper


def _cell_bounds(problem: Problem, values: np.ndarray, hidden: np.ndarray, index: _Index,
                 cells) -> tuple[np.ndarray, np.ndarray]:
    """`_monotone_bounds` for a few cells (the other entries: 0 and inf)."""
    lower = np.zeros(len(values))
    upper = np.full(len(values), np.inf)
    for i in cells:
        for s, pos in index.monotone_of[i]:
            series = problem.monotone[s]
            before = [values[j] for j in series[:pos] if not hidden[j]]
            after = [values[j] for j in series[pos + 1:] if not hidden[j]]
            if before:
                lower[i] = max(lower[i], max(before))
            if after:
                upper[i] = min(upper[i], min(after))
    return lower, upper


def _system(problem, values, hidden, comp, index: _Index, lower, upper):
    """The linear system of one component: its cells' positions and a
    `lp_bounds.Bounds` (relations with published cells moved to the right-hand
    side, bounds from `lower`/`upper`)."""
    local = {cell: k for k, cell in enumerate(comp)}
    rows, cols, data, rhs = [], [], [], []
    for r, rel in enumerate(sorted({r for i in comp for r in index.relations_of[i]})):
        cells, coefs = problem.relations[rel]
        const = 0.0
        for i, c in zip(cells, coefs):
            if i in local:
                rows.append(r)
                cols.append(local[i])
                data.append(c)
            else:
                const += c * values[i]
        rhs.append(-const)
    a_eq = csr_matrix((data, (rows, cols)), shape=(len(rhs), len(comp))) if rhs else None
    b_eq = np.asarray(rhs) if rhs else None
    comp_idx = np.asarray(comp)
    return local, Bounds(a_eq, b_eq, lower[comp_idx], upper[comp_idx], values[comp_idx])
