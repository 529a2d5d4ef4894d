"""Erasing personal data once an operation is closed (retention).

For every operation whose households are all rehoused for good or gone, the
last of them before the given date: holders' names, destination addresses and
coordinates are erased. What the indicators need stays: the on-site, QPV and
INSEE flags computed from the coordinates are first written into the move
itself, so every indicator keeps its value. The purge is written in the audit
log; it is a dry run unless `apply` is given.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from . import audit
from .db import Database


def candidates(db: Database, closed_before: date) -> pd.DataFrame:
    return db.query("purge_candidates", closed_before=closed_before)


def purge(db: Database, closed_before: date, apply: bool = False, actor: str = "") -> pd.DataFrame:
    """The operations concerned and what is (or would be) erased."""
    found = candidates(db, closed_before)
    if not apply or found.empty:
        return found
    ops = list(found["operation_code"])
    with db.writer() as cur:
        cur.execute("""
            UPDATE moves SET on_site = coalesce(on_site, on_site_computed),
                             in_qpv = coalesce(in_qpv, in_qpv_computed),
                             insee_code = coalesce(insee_code, insee_code_computed),
                             address = NULL, latitude = NULL, longitude = NULL
            WHERE household_id IN (
                SELECT h.household_id FROM households AS h
                JOIN buildings AS b ON b.building_code = h.building_code
                WHERE list_contains($ops, b.operation_code))""", {"ops": ops})
        cur.execute("""
            UPDATE households SET holder_name = NULL
            WHERE building_code IN (SELECT building_code FROM buildings
                                    WHERE list_contains($ops, operation_code))""", {"ops": ops})
        now = datetime.now()
        for op in ops:
            cur.execute("INSERT OR REPLACE INTO purges VALUES ($o, $t, $d)",
                        {"o": op, "t": now, "d": closed_before})
        detail = "; ".join(
            f"{r.operation_code} : {r.names} nom(s), {r.moves_located} adresse(s) de relogement"
            for r in found.itertuples())
        audit.record(cur, "purge", f"opérations closes avant le {closed_before:%d/%m/%Y} — "
                     + detail, login=actor)
    return found
