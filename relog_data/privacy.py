"""Audiences and small-group suppression.

Elected officials' sessions see aggregates only: a count of 1 to 4 households
is shown as "< 5", a share computed on fewer than 5 households as "—", and when
a row's parts add up to a total shown beside them, a second part is suppressed
so that the first cannot be recomputed by subtraction.
"""

from __future__ import annotations

import pandas as pd

from . import fmt

AUDIENCES = {
    "elu": "élus (séance de revue : agrégats seulement)",
    "partenaire": "partenaires du groupe technique (données pseudonymes)",
    "charge": "chargés de relogement",
}
THRESHOLD = 5
HIDDEN = "< 5"  # a count of 1 to 4
SECONDARY = "s"  # a larger count hidden so that a "< 5" cannot be recomputed ("secret")
NOTE = ("« < 5 » : moins de 5 ménages ; « s » : case masquée pour qu'une case « < 5 » ne "
        "puisse pas être recalculée à partir du total.")


def is_small(value, threshold: int = THRESHOLD) -> bool:
    """A count of 1 to threshold-1 households: one that must not be shown to
    elected officials (0 and missing values are not)."""
    return not fmt.is_missing(value) and 0 < value < threshold


def household_level_allowed(audience: str) -> bool:
    return audience in ("partenaire", "charge")


def count_cells(frame: pd.DataFrame, parts: list[str], others: list[str] = (),
                audience: str = "elu", threshold: int = THRESHOLD) -> pd.DataFrame:
    """Counts formatted in French; for `elu`, 1..threshold-1 shown as "< 5" and,
    in each row, a second part shown as "s" when only one of `parts` (columns
    that add up to a total shown in the same row) is hidden."""
    out = pd.DataFrame(index=frame.index)
    for col in list(parts) + list(others):
        out[col] = [fmt.integer(v) for v in frame[col]]
    if audience != "elu":
        return out
    for i, (_, row) in enumerate(frame.iterrows()):
        # an unknown count (no plan: households_planned empty) is shown "—", never hidden
        hidden = [c for c in list(parts) + list(others) if is_small(row[c], threshold)]
        for col in hidden:
            out.iloc[i, out.columns.get_loc(col)] = HIDDEN
        hidden_parts = [c for c in hidden if c in parts]
        if len(hidden_parts) == 1:
            candidates = sorted((int(row[c]), c) for c in parts
                                if c not in hidden_parts and not fmt.is_missing(row[c])
                                and int(row[c]) > 0)
            if candidates:
                out.iloc[i, out.columns.get_loc(candidates[0][1])] = SECONDARY
    return out


def share_cell(numerator, denominator, audience: str, threshold: int = THRESHOLD) -> str:
    """"82,4 % (579 / 703)", or "—" for elu when the denominator is under the threshold."""
    if audience == "elu" and is_small(denominator, threshold):
        return "— (effectif < 5)"
    return fmt.share_with_n(numerator, denominator)


# -- suppression of frames for the `elu` viewer (used by access.py) ------------------------------
def suppress(frame: pd.DataFrame, counts: list[str], *, row_totals: dict | None = None,
             total_flag: str | None = None, column_parts: list[str] = (),
             groups: tuple[list[str], str] | None = None, shares: dict | None = None,
             derived: dict | None = None, threshold: int = THRESHOLD) -> pd.DataFrame:
    """A copy of `frame` where every count of 1 to threshold-1 households is
    missing (NA), and enough other cells too that none can be recomputed.

    counts: the columns holding counts.
    row_totals: {total column: [part columns]}: in each row the parts add up to
        the total.
    total_flag: a boolean column marking total rows: in each count column the
        other rows add up to the total row.
    column_parts: count columns whose rows add up to a total shown elsewhere.
    groups: (key columns, value column): long frames whose values add up, within
        a group, to a total shown elsewhere.
    shares: {share column: (numerator column, denominator column)}: missing when
        either is hidden or the denominator is under the threshold.
    derived: {column: count column}: missing when that count is hidden (a median
        or an amount computed on those households).

    Secondary suppression: whenever exactly one part of a relation is hidden,
    its smallest non-zero visible part is hidden too (or, with no such part,
    the total), until nothing changes."""
    out = frame.copy().reset_index(drop=True)
    counts = [c for c in counts if c in out.columns]
    values = {c: pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float) for c in counts}
    hidden = {(i, c) for c in counts for i, v in enumerate(values[c]) if is_small(v, threshold)}
    relations: list[tuple[list, tuple | None]] = []
    n = len(out)
    for total, parts in (row_totals or {}).items():
        parts = [p for p in parts if p in values]
        if total in values:
            relations += [([(i, p) for p in parts], (i, total)) for i in range(n)]
    if total_flag and total_flag in out.columns:
        is_total = out[total_flag].fillna(False).astype(bool).to_numpy()
        rows, totals = [i for i in range(n) if not is_total[i]], \
            [i for i in range(n) if is_total[i]]
        for c in counts:
            relations.append(([(i, c) for i in rows], (totals[0], c) if totals else None))
    for c in column_parts:
        if c in values:
            relations.append(([(i, c) for i in range(n)], None))
    if groups is not None:
        keys, value = groups
        if value in values and n:
            for _, idx in out.groupby(keys, dropna=False, sort=False).indices.items():
                relations.append(([(int(i), value) for i in idx], None))
    changed = True
    while changed:
        changed = False
        for parts, total in relations:
            if sum(cell in hidden for cell in parts) != 1:
                continue
            visible = [(values[c][i], (i, c)) for i, c in parts
                       if (i, c) not in hidden and values[c][i] > 0]
            if visible:
                hidden.add(min(visible)[1])
                changed = True
            elif total is not None and total not in hidden and values[total[1]][total[0]] > 0:
                hidden.add(total)
                changed = True
    for c in counts:
        rows = [i for i, col in hidden if col == c]
        if rows:
            if pd.api.types.is_integer_dtype(out[c]):
                out[c] = out[c].astype("Int64")
            out.loc[rows, c] = pd.NA if str(out[c].dtype) == "Int64" else float("nan")
    for share, (num, den) in (shares or {}).items():
        if share not in out.columns:
            continue
        mask = pd.Series(False, index=out.index)
        for col in (num, den):
            if col in out.columns:
                mask |= out[col].isna()
        if den in out.columns:
            d = pd.to_numeric(out[den], errors="coerce")
            mask |= (d > 0) & (d < threshold)
        out[share] = out[share].astype("float64").mask(mask)
    for col, basis in (derived or {}).items():
        if col in out.columns and basis in out.columns:
            mask = out[basis].isna()
            if pd.api.types.is_numeric_dtype(out[col]):
                out[col] = out[col].astype("float64").mask(mask)
            else:
                out[col] = out[col].mask(mask)
    out.attrs["suppressed"] = len(hidden)
    return out


def visible_small_counts(frame: pd.DataFrame, counts: list[str],
                         threshold: int = THRESHOLD) -> list[tuple[int, str, float]]:
    """The cells of `counts` still showing 1 to threshold-1 (what must never happen)."""
    found = []
    for c in counts:
        if c not in frame.columns:
            continue
        v = pd.to_numeric(frame[c], errors="coerce")
        for i, x in v.items():
            if is_small(x, threshold):
                found.append((i, c, float(x)))
    return found
