"""Erasing personal data once an operation is closed (retention).

For every operation whose households are all rehoused for good or gone, the
last of them before the given date: holders' names, destination addresses and
coordinates are erased, and so are the values of those fields in the history
of data changes (its rows stay: they tell when data was corrected). What the
indicators need stays: the on-site, QPV and INSEE flags computed from the
coordinates are first written into the move itself, and the status histories
(pseudonymous) are kept, so every indicator keeps its value at every date. The
purge is written in the audit log; it is a dry run unless `apply` is given.

Erasing means no copy keeps the data: `apply_to_file` (the command line)
also deletes the import backups taken before (they hold the erased names and
addresses) and rewrites the database file, since DuckDB leaves the bytes of
erased values in the blocks it frees.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd

from . import audit
from .db import Database, DatabaseBusy, wal_path
from .errors import RelogError


def candidates(db: Database, closed_before: date) -> pd.DataFrame:
    return db.query("purge_candidates", closed_before=closed_before)


def backup_files(path: Path) -> list[Path]:
    """The import backups of the database at `path`: backups/<name>-<time><suffix>
    beside it (see importer)."""
    folder = Path(path).parent / "backups"
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{Path(path).stem}-*{Path(path).suffix}"))


def purge(db: Database, closed_before: date, apply: bool = False, actor: str = "",
          backups_deleted: int | None = None) -> pd.DataFrame:
    """The operations concerned and what is (or would be) erased.
    `backups_deleted`: how many backups the caller deletes afterwards (audit)."""
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
        # The history of data changes (data_changes, #17) may hold the erased
        # names and addresses: their old and new values go, the rows stay.
        changes_deleted = cur.execute("""
            UPDATE data_changes SET old_value = NULL, new_value = NULL
            WHERE field IN ('holder_name', 'address', 'latitude', 'longitude')
              AND (old_value IS NOT NULL OR new_value IS NOT NULL)
              AND household_id IN (
                SELECT h.household_id FROM households AS h
                JOIN buildings AS b ON b.building_code = h.building_code
                WHERE list_contains($ops, b.operation_code))""", {"ops": ops}).fetchall()[0][0]
        now = datetime.now()
        for op in ops:
            cur.execute("INSERT OR REPLACE INTO purges VALUES ($o, $t, $d)",
                        {"o": op, "t": now, "d": closed_before})
        detail = "; ".join(
            f"{r.operation_code} : {r.names} nom(s), {r.moves_located} adresse(s) de relogement"
            for r in found.itertuples())
        if changes_deleted:
            detail += f" ; {changes_deleted} valeur(s) de l'historique des modifications effacée(s)"
        if backups_deleted is not None:
            detail += (f" ; {backups_deleted} copie(s) de sauvegarde antérieure(s) supprimée(s),"
                       " base réécrite")
        audit.record(cur, "purge", f"opérations closes avant le {closed_before:%d/%m/%Y} — "
                     + detail, login=actor)
    return found


def apply_to_file(path: Path, closed_before: date, actor: str = "") -> tuple[pd.DataFrame, int]:
    """Apply the purge to the database file at `path`, then leave no copy of what
    was erased: the backups taken before are deleted and the file is rewritten.
    Returns the operations concerned and the number of backups deleted."""
    path = Path(path)
    copies = backup_files(path)
    try:
        db = Database(path, read_only=False)
    except DatabaseBusy as exc:
        raise RelogError(
            f"La base {path} est utilisée par un autre programme (l'application relog, ou un "
            "import en cours) : arrêtez l'application le temps de l'effacement, puis relancez "
            "la commande.") from exc
    with db:
        found = purge(db, closed_before, apply=True, actor=actor, backups_deleted=len(copies))
        if found.empty:
            return found, 0
        try:
            for copy in copies:
                copy.unlink(missing_ok=True)
                wal_path(copy).unlink(missing_ok=True)
            db.rewrite()
        except OSError as exc:
            raise RelogError(
                f"L'effacement est fait dans la base, mais une copie n'a pas pu être supprimée ou "
                f"la base réécrite ({exc.strerror or exc}) : corrigez la cause et relancez la "
                "même commande.") from exc
    return found, len(copies)
