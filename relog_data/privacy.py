"""Audiences and the symbols of small-group protection.

Elected officials see aggregates only, published by `release.py` under the rule
of `suppression.py`: no count of 1 to 4 households can be read or worked out.
Every cell they may not see is shown with one symbol, HIDDEN ("s", secret
statistique), whether it is small itself or hidden so that a small one cannot be
recomputed: a reader cannot tell the two apart.
"""

from __future__ import annotations

import pandas as pd

from . import fmt

AUDIENCES = {
    "elu": "élus (séance de revue : agrégats seulement)",
    "partenaire": "partenaires du groupe technique (données pseudonymes)",
    "charge": "chargés de relogement",
}
# The same audiences in a word (lists, the meeting archive).
AUDIENCE_NAMES = {"elu": "élus", "partenaire": "partenaires", "charge": "chargés de relogement"}
THRESHOLD = 5
HIDDEN = "s"  # secret statistique: any cell not published to elected officials
NOTE = ("« s » : secret statistique — chiffre non publié, parce qu'il compte moins de 5 "
        "ménages ou qu'il permettrait de recalculer un tel chiffre (par différence avec un "
        "total, entre deux dates ou à partir d'un montant).")


def is_small(value, threshold: int = THRESHOLD) -> bool:
    """A count of 1 to threshold-1 households: one that must not be shown to
    elected officials (0 and missing values are not)."""
    return not fmt.is_missing(value) and 0 < value < threshold


def household_level_allowed(audience: str) -> bool:
    return audience in ("partenaire", "charge")


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
