"""The dictionary's cross-table validation rules (`sql/checks.sql`)."""

from __future__ import annotations

import pandas as pd

from .db import Database, load_sql


def run_checks(db: Database) -> pd.DataFrame:
    """Every problem found in the database: severity, rule, sheet, row_key,
    column_name, value, message. Empty when the data is consistent."""
    return db.query("checks")


def run_checks_on_cursor(cur) -> pd.DataFrame:
    """Same, on an open cursor (inside the importer's transaction)."""
    return cur.execute(load_sql("checks")).df()
