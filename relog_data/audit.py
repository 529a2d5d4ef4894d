"""The append-only audit log: who did what, when.

Only `record` writes to the table, and only by INSERT; nothing in relog updates
or deletes an entry (the purge command logs itself here and leaves the log).
Passwords never reach this log: callers pass what was done, not the secrets.
"""

from __future__ import annotations

import getpass
from datetime import datetime

import pandas as pd

from .db import Database

ACTIONS = {
    "connexion": "Connexion réussie",
    "échec de connexion": "Échec de connexion",
    "déconnexion": "Déconnexion",
    "import": "Import de données",
    "export": "Export de la base",
    "téléchargement": "Téléchargement",
    "compte": "Modification d'un compte",
    "purge": "Effacement de données personnelles",
    "réglage": "Modification d'un réglage",
    "capacité": "Modification d'une capacité d'attribution",
    "séance": "Archive des séances (création, retrait)",
}


def record(cur, action: str, detail: str = "", login: str | None = None,
           role: str | None = None) -> None:
    """Append an entry with an open cursor (inside the caller's transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    cur.execute(
        "INSERT INTO audit_log (logged_at, login, role, action, detail) VALUES ($t, $l, $r, $a, $d)",
        {"t": datetime.now(), "l": login or None, "r": role or None, "a": action,
         "d": detail},
    )


def log(db: Database, action: str, detail: str = "", login: str | None = None,
        role: str | None = None) -> None:
    """Append an entry in its own transaction (db must be writable)."""
    with db.writer() as cur:
        record(cur, action, detail, login, role)


def cli_login() -> str:
    """Who runs a command line: "cli:<system user>"."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli:inconnu"


def entries(db: Database, viewer, limit: int | None = None) -> pd.DataFrame:
    """The log, newest first: administrators only."""
    from .access import AccessDenied

    if viewer.role != "admin":
        raise AccessDenied("Journal d'audit réservé aux administrateurs.")
    return db.query("audit_entries", limit=limit)
