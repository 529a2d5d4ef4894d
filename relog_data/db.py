"""Connections, schema version and SQL loading.

One `Database` object per process owns one DuckDB connection. Every query runs
on its own `cursor()` (DuckDB refuses two threads on one connection), with the
shared macros of `sql/macros.sql` defined on it, and fetches its result fully
into a pandas DataFrame. SQL text comes from `sql/<name>.sql`; values are
always passed as `$name` parameters, never formatted into the text.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from . import codes
from .errors import RelogError

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
DEFAULT_DB = ROOT / "data" / "relog.duckdb"

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LINE_COMMENT = re.compile(r"--[^\n]*")


def default_db_path() -> Path:
    """`RELOG_DB` when set, else `data/relog.duckdb` in the project."""
    env = os.environ.get("RELOG_DB")
    return Path(env) if env else DEFAULT_DB


def migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """The numbered migration files, in order (`001_initial.sql` is version 1)."""
    found = []
    for path in sorted(Path(directory).glob("*.sql")):
        number = int(path.name.split("_", 1)[0])
        found.append((number, path))
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"Migrations must be numbered 1..n without gaps: {numbers}")
    return found


SCHEMA_VERSION = len(migrations())  # the schema version this code works with


@lru_cache(maxsize=None)
def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql`."""
    path = SQL_DIR / f"{name}.sql"
    return path.read_text(encoding="utf-8")


def sql_parameters(sql: str) -> set[str]:
    """The `$name` parameters a SQL text uses (comments ignored)."""
    return set(_PARAM.findall(_LINE_COMMENT.sub("", sql)))


def _enum_ddl(code_list: codes.CodeList) -> str:
    # Code values are constants of this package, not user input.
    values = ", ".join("'" + v.replace("'", "''") + "'" for v in code_list.values)
    return f"CREATE TYPE {code_list.sql_type()} AS ENUM ({values});"


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text or "being used" in text


class _SharedLock:
    """Many readers or one writer (readers wait while the writer holds it)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def shared(self):
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self):
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class Database:
    """A relog database file.

    `read_only=True` (the app) opens the file for reading; an older schema is
    then refused with a French message telling how to upgrade it.
    `read_only=False` (the command line, the importer) upgrades an older
    schema in place, and creates a new database when `create=True`.
    """

    def __init__(
        self,
        path: str | Path,
        read_only: bool = True,
        create: bool = False,
        migrations_dir: Path = MIGRATIONS_DIR,
    ):
        self.path = Path(path)
        self.read_only = read_only
        self._access = _SharedLock()
        self._migrations = migrations(migrations_dir)
        self.latest_version = len(self._migrations)
        self._write_lock = threading.Lock()
        if not self.path.exists():
            if not create:
                raise RelogError(
                    f"Base de données introuvable : {self.path}. "
                    "Créez la base de démonstration avec « python -m relog_data demo --db "
                    f"{self.path} » ou indiquez le bon chemin (variable RELOG_DB)."
                )
            if read_only:
                raise ValueError("create=True needs read_only=False")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if _is_lock_error(exc):
                raise RelogError(
                    f"La base {self.path} est utilisée par un autre programme (l'application "
                    "relog, ou un import en cours). Pour importer pendant que l'application "
                    "tourne, passez par sa page « Import des données » ; sinon arrêtez "
                    "l'application, puis relancez la commande."
                ) from exc
            raise RelogError(
                f"Impossible d'ouvrir {self.path} : ce n'est pas une base DuckDB lisible."
            ) from exc
        try:
            self._check_schema()
        except BaseException:
            self._con.close()
            raise

    # -- schema ---------------------------------------------------------------
    def schema_version(self) -> int | None:
        tables = set(
            r[0]
            for r in self._con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        )
        if "schema_version" not in tables:
            return 0 if not tables else None
        row = self._con.execute("SELECT max(version) FROM schema_version").fetchall()[0]
        return int(row[0]) if row and row[0] is not None else 0

    def _check_schema(self) -> None:
        version = self.schema_version()
        if version is None:
            raise RelogError(
                f"{self.path} n'est pas une base relog (aucune table de version de schéma)."
            )
        if version > self.latest_version:
            raise RelogError(
                f"La base {self.path} a été créée par une version plus récente de relog "
                f"(schéma {version}, cette version connaît le schéma {self.latest_version}). "
                "Mettez relog à jour."
            )
        if version < self.latest_version:
            if self.read_only:
                if version == 0:
                    raise RelogError(f"La base {self.path} est vide.")
                raise RelogError(
                    f"La base {self.path} utilise le schéma {version}, antérieur au schéma "
                    f"{self.latest_version} de cette version. Mettez-la à jour avec "
                    f"« python -m relog_data migrate --db {self.path} »."
                )
            self._migrate(version)

    def _migrate(self, from_version: int) -> None:
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            if from_version == 0:
                for code_list in codes.ALL_CODE_LISTS:
                    con.execute(_enum_ddl(code_list))
                con.execute(
                    "CREATE TABLE schema_version ("
                    "version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
                )
            for number, path in self._migrations:
                if number <= from_version:
                    continue
                con.execute(path.read_text(encoding="utf-8"))
                con.execute(
                    "INSERT INTO schema_version VALUES ($v, $t)",
                    {"v": number, "t": datetime.now()},
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    # -- queries --------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor with the shared macros defined (temporary macros are
        local to a cursor in DuckDB)."""
        cur = self._con.cursor()
        cur.execute(load_sql("macros"))
        return cur

    def query(self, name: str, **params) -> pd.DataFrame:
        """Run `sql/<name>.sql` with its `$` parameters and return a DataFrame."""
        return self.query_text(load_sql(name), **params)

    def query_text(self, sql: str, **params) -> pd.DataFrame:
        wanted = sql_parameters(sql)
        missing = wanted - params.keys()
        if missing:
            raise TypeError(f"Missing SQL parameters: {sorted(missing)}")
        args = {k: _param(v) for k, v in params.items() if k in wanted}
        with self._access.shared():
            cur = self.cursor()
            try:
                return cur.execute(sql, args).df()
            finally:
                cur.close()

    @contextmanager
    def write_access(self):
        """A writable Database on the same file, for the app's import page.

        The app reads through a read-only connection, and DuckDB does not let
        one process hold the same file both read-only and read-write: queries
        of other sessions wait while this connection is swapped for a writable
        one, then they see the new data."""
        if not self.read_only:
            yield self
            return
        with self._access.exclusive():
            self._con.close()
            try:
                writable = Database(self.path, read_only=False)
            except BaseException:
                self._con = duckdb.connect(str(self.path), read_only=True)
                raise
            try:
                yield writable
            finally:
                writable.close()
                self._con = duckdb.connect(str(self.path), read_only=True)

    # -- writes ---------------------------------------------------------------
    def writer(self) -> "_Writer":
        """Context manager: one transaction on a dedicated cursor, serialised
        across threads; rolled back on any error."""
        if self.read_only:
            raise RelogError("Cette base est ouverte en lecture seule.")
        return _Writer(self)

    def checkpoint(self) -> None:
        """Write everything committed into the main database file."""
        with self._write_lock:
            self._con.execute("CHECKPOINT")

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Writer:
    def __init__(self, db: Database):
        self._db = db

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self._db._write_lock.acquire()
        self._cur = self._db.cursor()
        self._cur.execute("BEGIN TRANSACTION")
        return self._cur

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._cur.execute("COMMIT")
            else:
                self._cur.execute("ROLLBACK")
        finally:
            self._cur.close()
            self._db._write_lock.release()


def _param(value):
    """Normalise a parameter: an empty list or tuple means "no filter" (NULL)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        value = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        return value or None
    return value
