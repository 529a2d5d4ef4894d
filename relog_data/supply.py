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


def save_capacity(db: Database, values: dict[str, int]) -> None:
    """Store the annual allocations per landlord (administrators)."""
    frame = pd.DataFrame({"landlord": list(values),
                          "annual_allocations": [int(v) for v in values.values()],
                          "updated_at": datetime.now()})
    with db.writer() as cur:
        cur.register("new_capacity", frame)
        try:
            cur.execute("INSERT OR REPLACE INTO landlord_capacity "
                        "SELECT landlord, annual_allocations, updated_at FROM new_capacity")
        finally:
            cur.unregister("new_capacity")


def households_list(db: Database, scope: Scope) -> pd.DataFrame:
    return db.query("households_list", **scope.params())


def household_events(db: Database, household: str) -> pd.DataFrame:
    return db.query("household_events", household=household)
