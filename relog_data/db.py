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
import shutil
import tempfile
import threading
import time
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


class DatabaseBusy(RelogError):
    """The file is held by another process (DuckDB: one writer, or readers)."""


# -- owner-only files -----------------------------------------------------------------------------
_UMASK_LOCK = threading.Lock()
_umask_depth = 0
_umask_saved = 0


@contextmanager
def owner_only():
    """Files and folders created meanwhile are for their owner only (0600 /
    0700): the database, its .wal, backups, scratch copies. The umask is
    process-wide; nested and concurrent uses restore it once, at the end."""
    global _umask_depth, _umask_saved
    with _UMASK_LOCK:
        if _umask_depth == 0:
            _umask_saved = os.umask(0o077)
            os.umask(_umask_saved | 0o077)
        _umask_depth += 1
    try:
        yield
    finally:
        with _UMASK_LOCK:
            _umask_depth -= 1
            if _umask_depth == 0:
                os.umask(_umask_saved)


def restrict(path: Path, mode: int = 0o600) -> None:
    """Make a file (0600) or folder (0700) this process created owner-only."""
    os.chmod(path, mode)


def private_copy(source: Path, target: Path) -> None:
    """Copy a file to a new owner-only file (`shutil.copy2` would copy the
    source's permissions)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            fd = None
            shutil.copyfileobj(src, dst, 1024 * 1024)
    finally:
        if fd is not None:
            os.close(fd)


def wal_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".wal")


def missing_message(path: Path) -> str:
    return (f"Base de données introuvable : {path}. Vérifiez le chemin (--db ou variable "
            f"RELOG_DB) ; pour créer une base vide : « python -m relog_data init --db {path} » "
            f"(ou la démonstration : « python -m relog_data demo --db {path} »).")


# -- readers and writers in one process ----------------------------------------------------------
WRITER_WAIT_SECONDS = 20.0  # longest wait of a writer for the readers to finish
BUSY_MESSAGE = "La base est occupée : réessayez dans quelques secondes."


class _SharedLock:
    """Many readers or one writer, the writer first: once a writer waits, new
    readers wait behind it (a thread already reading may read again), so that
    continuous reading cannot starve sign-ins, audit entries and imports. A
    writer waits at most WRITER_WAIT_SECONDS for the readers, then gives up
    with a French RelogError."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0
        self._local = threading.local()  # per thread: shared() holds

    @contextmanager
    def shared(self):
        held = getattr(self._local, "held", 0)
        with self._cond:
            while self._writer or (self._writers_waiting and not held):
                self._cond.wait()
            self._readers += 1
        self._local.held = held + 1
        try:
            yield
        finally:
            self._local.held = held
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self):
        deadline = time.monotonic() + WRITER_WAIT_SECONDS
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise RelogError(BUSY_MESSAGE)
                    self._cond.wait(left)
                self._writer = True
            finally:
                self._writers_waiting -= 1
                self._cond.notify_all()  # readers held back by this writer re-check
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
        self._readers = threading.local()  # per thread: a reading cursor, macros defined
        if not self.path.exists():
            if not create:
                raise RelogError(missing_message(self.path))
            if read_only:
                raise ValueError("create=True needs read_only=False")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        new_file = not self.path.exists()
        try:
            with owner_only():  # a new file (and any .wal) is for its owner only
                self._con = duckdb.connect(str(self.path), read_only=read_only)
            if new_file:
                restrict(self.path)
        except duckdb.IOException as exc:
            if _is_lock_error(exc):
                raise DatabaseBusy(
                    f"La base {self.path} est utilisée par un autre programme (l'application "
                    "relog, ou un import en cours). Pour importer pendant que l'application "
                    "tourne, passez par sa page « Import des données » ; sinon arrêtez "
                    "l'application, puis relancez la commande."
                ) from exc
            raise RelogError(
                f"Impossible d'ouvrir {self.path} : ce n'est pas une base DuckDB lisible."
            ) from exc
        try:
            with owner_only():
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
            cur = self._reading_cursor()
            try:
                return cur.execute(sql, args).df()
            except BaseException:
                self._drop_reading_cursor()  # the next query starts from a fresh cursor
                raise

    def _reading_cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's reading cursor (DuckDB: one cursor per thread), made once per
        connection: defining the macros costs ~15-20 ms, more than many queries. A
        connection swapped by write_access or rewrite gets new cursors."""
        local = self._readers
        if getattr(local, "con", None) is not self._con:
            self._drop_reading_cursor()
            local.cur, local.con = self.cursor(), self._con
        return local.cur

    def _drop_reading_cursor(self) -> None:
        local = self._readers
        cur = getattr(local, "cur", None)
        local.cur = local.con = None
        if cur is not None:
            try:
                cur.close()
            except Exception:  # its connection may be closed already
                pass

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

    def is_demo(self) -> bool:
        """The demonstration database (settings: demo = 'oui')."""
        frame = self.query_text("SELECT value FROM settings WHERE key = 'demo'")
        return bool(len(frame)) and frame["value"].iloc[0] == "oui"

    def refuse_demo(self) -> None:
        """Refuse to write real data into the demonstration database."""
        if self.is_demo():
            raise RelogError(
                "Cette base est la base de démonstration (données fictives) : on n'y importe "
                "pas de vraies données. Créez une base vide avec « python -m relog_data init "
                "--db CHEMIN », puis importez-y vos fichiers (« python -m relog_data import "
                "FICHIER --db CHEMIN ») et lancez l'application sur elle (RELOG_DB=CHEMIN).")

    def rewrite(self) -> None:
        """Copy the live data into a fresh owner-only file and put it in place of
        this one. DuckDB does not zero the blocks it frees: after erasing data
        (the purge), the old bytes stay in the file until it is rewritten. The
        file stays locked by this connection while it is copied."""
        if self.read_only:
            raise RelogError("Cette base est ouverte en lecture seule.")
        fresh = self.path.with_name(f".{self.path.name}.rewrite-{os.getpid()}")
        for stale in (fresh, wal_path(fresh)):
            stale.unlink(missing_ok=True)
        original = self.path.stat()
        with self._access.exclusive(), self._write_lock, owner_only():
            self._con.execute("CHECKPOINT")
            name = self._con.execute("SELECT current_database()").fetchall()[0][0]
            tables = [r[0] for r in self._con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = $d "
                "AND schema_name = 'main'", {"d": name}).fetchall()]
            try:
                self._con.execute("ATTACH $p AS relog_rewrite", {"p": str(fresh)})
                try:
                    # Identifiers, not values: the catalog name DuckDB gave this file and
                    # the table names it lists, quoted.
                    self._con.execute(f'COPY FROM DATABASE "{_ident(name)}" TO relog_rewrite')
                    for table in tables:
                        counts = self._con.execute(
                            f'SELECT (SELECT count(*) FROM "{_ident(name)}".main."{_ident(table)}"),'
                            f' (SELECT count(*) FROM relog_rewrite.main."{_ident(table)}")'
                        ).fetchall()[0]
                        if counts[0] != counts[1]:
                            raise RuntimeError(f"rewrite lost rows of {table}: {counts}")
                finally:
                    self._con.execute("DETACH relog_rewrite")
                restrict(fresh)
                if os.geteuid() == 0 and (original.st_uid, original.st_gid) != (0, 0):
                    os.chown(fresh, original.st_uid, original.st_gid)
                with open(fresh, "rb") as f:
                    os.fsync(f.fileno())
                self._con.close()
                os.replace(fresh, self.path)
            except BaseException:
                fresh.unlink(missing_ok=True)
                wal_path(fresh).unlink(missing_ok=True)
                raise
            finally:
                if not _is_open(self._con):
                    self._con = duckdb.connect(str(self.path), read_only=False)
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
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
        try:
            self._cur = self._db.cursor()
            self._cur.execute("BEGIN TRANSACTION")
        except BaseException:
            self._db._write_lock.release()
            raise
        return self._cur

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            with owner_only():  # the commit may create the .wal
                if exc_type is None:
                    self._cur.execute("COMMIT")
                else:
                    self._cur.execute("ROLLBACK")
        finally:
            self._cur.close()
            self._db._write_lock.release()


def _ident(name: str) -> str:
    """A name for a double-quoted SQL identifier."""
    return str(name).replace('"', '""')


def _is_open(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("SELECT 1")
        return True
    except duckdb.Error:
        return False


@contextmanager
def scratch_copy(path: str | Path):
    """A writable Database on a private temporary copy of `path` (and of its
    .wal), deleted afterwards: for dry runs, which must leave the file exactly
    as it is — opening it for writing would replay its .wal into it, or upgrade
    its schema."""
    path = Path(path)
    if not path.exists():
        raise RelogError(missing_message(path))
    with owner_only():
        try:  # beside the database (same disk, room for it), else the system's
            scratch = tempfile.TemporaryDirectory(prefix=".relog-scratch-", dir=path.parent)
        except OSError:
            scratch = tempfile.TemporaryDirectory(prefix="relog-scratch-")
    with scratch as folder:
        copy = Path(folder) / path.name
        private_copy(path, copy)
        if wal_path(path).exists():
            private_copy(wal_path(path), wal_path(copy))
        db = Database(copy, read_only=False)
        try:
            yield db
        finally:
            db.close()


def _param(value):
    """Normalise a parameter: an empty list or tuple means "no filter" (NULL)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        value = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        return value or None
    return value


# -- the process's read-only handle --------------------------------------------------------------
_SHARED: dict[str, Database] = {}
_SHARED_LOCK = threading.Lock()


def shared_database(path: str | Path) -> Database:
    """The process's one read-only Database on `path`: the app's pages and its
    HTTP routes share it (DuckDB lets a process hold a file one way only)."""
    key = str(Path(path).resolve())
    with _SHARED_LOCK:
        db = _SHARED.get(key)
        if db is None:
            db = _SHARED[key] = Database(key, read_only=True)
        return db


def close_shared() -> None:
    """Close every shared handle (tests, between two apps on one file)."""
    with _SHARED_LOCK:
        for db in _SHARED.values():
            try:
                db.close()
            except Exception:  # already closed
                pass
        _SHARED.clear()
