"""Supply against needs: households still to rehouse, vacancies that can be
mobilised, coverage, affordability, allocation capacity and matching
suggestions (rules and parameters in sql/matches.sql, sql/coverage.sql and
sql/affordability.sql, documented on the Définitions page)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from .db import Database
from .indicators import Scope

DEFAULT_TOLERANCE = 0.10  # rent may exceed the current rent by 10 %


def needs(db: Database, scope: Scope) -> pd.DataFrame:
    return db.query("needs", **scope.params())


def supply(db: Database) -> pd.DataFrame:
    return db.query("supply")


def coverage(db: Database, scope: Scope) -> pd.DataFrame:
    """dimension ('typology' | 'location'), grp, households, vacancies, ratio."""
    frame = db.query("coverage", **scope.params())
    frame["ratio"] = frame["vacancies"] / frame["households"].where(frame["households"] > 0)
    return frame


def affordability(db: Database, scope: Scope, tolerance: float = DEFAULT_TOLERANCE) -> dict:
    row = db.query("affordability", **scope.params(), tolerance=tolerance).iloc[0]
    return {k: (None if pd.isna(v) else v) for k, v in row.items()}


def matches(db: Database, scope: Scope, tolerance: float = DEFAULT_TOLERANCE,
            household: str | None = None) -> pd.DataFrame:
    """Household x compatible vacancy pairs, ranked per household (for one
    household when `household` is given)."""
    return db.query("matches", **scope.params(), tolerance=tolerance, household=household)


def capacity(db: Database) -> pd.DataFrame:
    return db.query("capacity")


def capacity_changes(current: dict[str, int], values: dict[str, int]) -> list[dict]:
    """The values that differ from the stored ones, one dict per landlord:
    landlord, old (None: never entered), new; in landlord order. A landlord
    never entered and left at 0 (the form's default) is not a change."""
    found = []
    for landlord in sorted(values):
        new = int(values[landlord])
        old = current.get(landlord)
        old = None if old is None or pd.isna(old) else int(old)
        if old != new and not (old is None and new == 0):
            found.append({"landlord": landlord, "old": old, "new": new})
    return found


def capacity_change_text(change: dict) -> str:
    """« capacité Bailleur X : 40 → 55 » (« non saisie » when none was entered)."""
    from . import fmt

    old = "non saisie" if change["old"] is None else fmt.integer(change["old"])
    return f"capacité {change['landlord']} : {old} → {fmt.integer(change['new'])}"


def save_capacity(db: Database, values: dict[str, int], viewer) -> list[dict]:
    """Store the annual allocations per landlord: administrators only (refused
    for any other role, whatever the page shows). Only changed values are
    written, each with one audit entry « capacité Bailleur X : 40 → 55 ».
    Returns the changes (capacity_changes)."""
    from . import audit
    from .access import AccessDenied

    if viewer is None or not viewer.can_edit_capacity:
        raise AccessDenied("La capacité d'attribution des bailleurs ne peut être modifiée que "
                           "par un administrateur.")
    if any(int(v) < 0 for v in values.values()):
        raise ValueError("Une capacité d'attribution ne peut pas être négative.")
    stored = capacity(db)
    changes = capacity_changes(dict(zip(stored["landlord"], stored["annual_allocations"])),
                               values)
    if not changes:
        return []
    frame = pd.DataFrame({"landlord": [c["landlord"] for c in changes],
                          "annual_allocations": [c["new"] for c in changes],
                          "updated_at": datetime.now()})
    with db.writer() as cur:
        cur.register("new_capacity", frame)
        try:
            cur.execute("INSERT OR REPLACE INTO landlord_capacity "
                        "SELECT landlord, annual_allocations, updated_at FROM new_capacity")
        finally:
            cur.unregister("new_capacity")
        for change in changes:
            audit.record(cur, "capacité", capacity_change_text(change),
                         login=viewer.login or None, role=viewer.role)
    return changes


def households_list(db: Database, scope: Scope) -> pd.DataFrame:
    """The households of the scope with their next step (relog_data/officer.py)."""
    from .officer import households_list as listed

    return listed(db, scope)


def household_events(db: Database, household: str) -> pd.DataFrame:
    return db.query("household_events", household=household)
