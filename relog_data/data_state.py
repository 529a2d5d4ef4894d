"""The state of the data every figure is computed from, as a cache key.

The database file changes on every sign-in and every download (the audit log),
which says nothing about the figures. `token(db)` changes with the data only
(`sql/data_version.sql`: imports, purges, settings, rows written), and is read
again only when the file has changed since the last call.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd

from .db import Database

_LOCK = threading.Lock()
_SEEN: dict[str, tuple] = {}  # path -> (file stamps, token)


def file_stamps(path: str | Path) -> tuple[int, int]:
    """Modification times of the database file and of its write-ahead log."""
    p = Path(path)
    wal = p.with_name(p.name + ".wal")
    return tuple(q.stat().st_mtime_ns if q.exists() else 0 for q in (p, wal))


def token(db: Database) -> tuple:
    """The database's path and the state of its data (equal tokens: equal figures)."""
    path = str(getattr(db, "path", ""))
    stamps = file_stamps(path) if path and Path(path).is_file() else None
    with _LOCK:
        seen = _SEEN.get(path)
    if stamps is not None and seen is not None and seen[0] == stamps:
        return seen[1]
    version = db.query("data_version").iloc[0]
    found = (path, tuple(None if pd.isna(v) else v for v in version))
    if stamps is not None:
        with _LOCK:
            _SEEN[path] = (stamps, found)
    return found
