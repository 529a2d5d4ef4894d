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
        hidden = [c for c in list(parts) + list(others) if 0 < int(row[c]) < threshold]
        for col in hidden:
            out.iloc[i, out.columns.get_loc(col)] = HIDDEN
        hidden_parts = [c for c in hidden if c in parts]
        if len(hidden_parts) == 1:
            candidates = sorted((int(row[c]), c) for c in parts
                                if c not in hidden_parts and int(row[c]) > 0)
            if candidates:
                out.iloc[i, out.columns.get_loc(candidates[0][1])] = SECONDARY
    return out


def share_cell(numerator, denominator, audience: str, threshold: int = THRESHOLD) -> str:
    """"82,4 % (579 / 703)", or "—" for elu when the denominator is under the threshold."""
    if audience == "elu" and not fmt.is_missing(denominator) and 0 < denominator < threshold:
        return "— (effectif < 5)"
    return fmt.share_with_n(numerator, denominator)
