"""Safety of the data layer and the command line: the demo stays a demo, dry
runs leave the file as it was, files are owner-only, a purge leaves no copy,
writers are not starved by readers, and account commands reach a running app."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from relog_data import accounts, audit, cli, db as db_module, geo, indicators, requests
from relog_data.access import SYSTEM
from relog_data.db import Database
from relog_data.errors import RelogError
from relog_data.importer import import_sources
from relog_data.indicators import Scope
from relog_data.sources import Source

from .conftest import ROOT, real_copy

PASSWORD = "un mot de passe assez long"


def run(*args, stdin: str | None = None, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "relog_data", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})})


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- A. the demo is a demo ----------------------------------------------------------------------
def test_importing_into_the_demo_is_refused_before_anything_is_written(demo_db_path, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    before = sha256(path)
    follow_up = Source("suivis.csv", "id_menage;date_contact\nVMT-0001;01/06/2009\n".encode())
    with Database(path, read_only=False) as db:
        imports = len(db.query_text("SELECT * FROM import_log"))  # the demo's own (#19)
        for dry_run in (True, False):
            with pytest.raises(RelogError, match="python -m relog_data init --db"):
                import_sources(db, [follow_up], dry_run=dry_run)
        with pytest.raises(RelogError, match="démonstration"):
            geo.import_boundaries(db, "qpv.geojson", b"{}", "qpv")
        assert len(db.query_text("SELECT * FROM import_log")) == imports
    with Database(path) as db:  # the app's read-only handle: its dry run is refused too
        with pytest.raises(RelogError, match="init"):
            import_sources(db, [follow_up], dry_run=True)
    csv = tmp_path / "suivis.csv"
    csv.write_bytes(follow_up.data)
    for extra in ((), ("--dry-run",)):
        result = run("import", str(csv), "--db", str(path), *extra)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "démonstration" in result.stderr and "init --db" in result.stderr
    assert sha256(path) == before
    assert not (tmp_path / "backups").exists()


# -- C. a dry run changes no byte ---------------------------------------------------------------
def _leave_a_wal(path: Path) -> None:
    """A process that wrote and died before its checkpoint: a .wal stays beside
    the file, which the next writable opening replays into it."""
    code = ("import duckdb, os, sys; c = duckdb.connect(sys.argv[1]); c.execute(\"INSERT INTO "
            "audit_log (logged_at, action, detail) VALUES (now(), 'export', 'x')\"); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)


@pytest.mark.parametrize("with_wal", [False, True])
def test_import_dry_run_leaves_the_file_byte_identical(small_db_path, tmp_path, with_wal):
    folder = tmp_path / "base"
    folder.mkdir()
    path = folder / "small.duckdb"
    shutil.copy(small_db_path, path)
    if with_wal:
        _leave_a_wal(path)
        assert db_module.wal_path(path).exists()
    files = {p.name: sha256(p) for p in folder.iterdir()}
    csv = tmp_path / "suivis.csv"
    csv.write_text("id_menage;date_contact\nH2;01/05/2009\n")
    result = run("import", str(csv), "--dry-run", "--db", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rien n'a été écrit" in result.stdout and "suivis" in result.stdout
    assert {p.name: sha256(p) for p in folder.iterdir()} == files  # same files, same bytes


# -- D. owner-only files ------------------------------------------------------------------------
def test_new_databases_wal_backups_and_exports_are_owner_only(small_db_path, tmp_path):
    previous = os.umask(0o022)  # an ordinary umask: files would be 0644 without care
    try:
        fresh = tmp_path / "fresh.duckdb"
        db = Database(fresh, read_only=False, create=True)
        try:
            assert mode(fresh) == 0o600
            with db.writer() as cur:
                audit.record(cur, "export", "test")
            wal = db_module.wal_path(fresh)
            assert wal.exists() and mode(wal) == 0o600
        finally:
            db.close()
        path = tmp_path / "work.duckdb"
        shutil.copy(small_db_path, path)  # 0644, as a copy made by hand
        with Database(path, read_only=False) as work:
            report = import_sources(work, [Source("suivis.csv", b"id_menage;date_contact\n"
                                                  b"H2;01/05/2009\n")])
        assert report.committed
        assert mode(tmp_path / "backups") == 0o700 and mode(Path(report.backup)) == 0o600
    finally:
        os.umask(previous)
    out = tmp_path / "export.xlsx"
    result = run("export", str(out), "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert mode(out) == 0o600
    demo = tmp_path / "demo.duckdb"
    assert run("demo", "--db", str(demo)).returncode == 0
    assert mode(demo) == 0o600


# -- E. a purge leaves no copy of what it erased ------------------------------------------------
def test_purge_erases_the_backups_and_the_freed_bytes(demo_db_path, tmp_path):
    path = real_copy(demo_db_path, tmp_path / "purge.duckdb")
    name, address = "Mme Zéphyrine Témoin (fictif)", "7 impasse du Témoin-Effacé"
    with Database(path, read_only=False) as db:
        household = db.query_text(
            "SELECT min(m.household_id) AS h FROM moves AS m JOIN households USING (household_id)"
            " JOIN buildings AS b USING (building_code) WHERE b.operation_code = 'STE-SEVERINE'"
            " AND m.address IS NOT NULL")["h"].iloc[0]
        with db.writer() as cur:  # a name and an address found nowhere else
            cur.execute("UPDATE households SET holder_name = $n WHERE household_id = $h",
                        {"n": name, "h": household})
            cur.execute("UPDATE moves SET address = $a WHERE household_id = $h",
                        {"a": address, "h": household})
        kpis_before = indicators.kpis(db, Scope(as_of=date(2009, 6, 30)), "operation")
    csv = tmp_path / "suivis.csv"
    csv.write_text("id_menage;date_contact\nVMT-0001;01/06/2009\n")
    imported = run("import", str(csv), "--db", str(path))  # takes a backup first
    assert imported.returncode == 0, imported.stdout + imported.stderr

    def copies() -> list[Path]:
        found = [path, db_module.wal_path(path)]
        found += [p for p in (tmp_path / "backups").rglob("*") if p.is_file()]
        return [p for p in found if p.exists()]

    def holding(text: str) -> list[str]:
        return [p.name for p in copies() if text.encode("utf-8") in p.read_bytes()]

    assert len(list((tmp_path / "backups").iterdir())) == 1
    assert len(holding(name)) == 2 and len(holding(address)) == 2  # file and backup
    result = run("purge", "--closed-before", "2009-01-01", "--apply", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "1 copie(s) de sauvegarde antérieure(s) supprimée(s)" in result.stdout
    assert holding(name) == [] and holding(address) == []
    assert mode(path) == 0o600
    with Database(path) as db:
        pd.testing.assert_frame_equal(
            indicators.kpis(db, Scope(as_of=date(2009, 6, 30)), "operation"), kpis_before)
        log = audit.entries(db, SYSTEM)
        assert log["action"].iloc[0] == "purge"
        assert "1 copie(s) de sauvegarde antérieure(s) supprimée(s)" in log["detail"].iloc[0]
        assert log["action"].iloc[1] == "import"  # the log survives the rewrite
        assert db.query_text("SELECT count(*) AS n FROM households")["n"].iloc[0] == 1129
    with Database(path, read_only=False) as db:  # still a working database: sequences too
        audit.log(db, "export", "après la purge")


# -- F. a writer is not starved by readers ------------------------------------------------------
def test_a_writer_gets_in_while_readers_keep_reading():
    lock = db_module._SharedLock()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            with lock.shared():
                time.sleep(0.02)

    readers = []
    for _ in range(4):
        readers.append(threading.Thread(target=reader, daemon=True))
        readers[-1].start()
        time.sleep(0.005)  # staggered: at every moment some reader holds the lock
    time.sleep(0.2)
    waited = []

    def writer():
        started = time.monotonic()
        with lock.exclusive():
            waited.append(time.monotonic() - started)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    thread.join(timeout=5)
    stop.set()
    for r in readers:
        r.join(timeout=5)
    assert waited, "the writer did not get the lock in 5 s"
    assert waited[0] < 1.0
    print(f"writer waited {waited[0] * 1000:.0f} ms behind 4 continuous readers")


def test_a_writer_blocked_by_a_reader_gives_up_in_french(monkeypatch):
    monkeypatch.setattr(db_module, "WRITER_WAIT_SECONDS", 0.3)
    lock = db_module._SharedLock()
    holding, release = threading.Event(), threading.Event()

    def stubborn_reader():
        with lock.shared():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=stubborn_reader, daemon=True)
    thread.start()
    holding.wait(5)
    started = time.monotonic()
    with pytest.raises(RelogError) as refused:
        with lock.exclusive():
            pass
    elapsed = time.monotonic() - started
    assert str(refused.value) == "La base est occupée : réessayez dans quelques secondes."
    assert 0.25 <= elapsed < 2
    entered = threading.Event()  # the writer gone, new readers are not held back

    def late_reader():
        with lock.shared():
            entered.set()

    threading.Thread(target=late_reader, daemon=True).start()
    assert entered.wait(1)
    release.set()
    thread.join(5)


# -- G. account commands while the app runs -----------------------------------------------------
def _with_accounts(small_db_path: Path, path: Path) -> Path:
    shutil.copy(small_db_path, path)
    with Database(path, read_only=False) as db:
        accounts.add_user(db, "off1", PASSWORD, "charge", operations=["OPA"], actor="test")
        accounts.add_user(db, "off2", PASSWORD, "charge", operations=["OPB"], actor="test")
    return path


def test_account_commands_reach_the_running_app(small_db_path, tmp_path, monkeypatch):
    path = _with_accounts(small_db_path, tmp_path / "app.duckdb")
    folder = requests.requests_dir(path)
    app = Database(path, read_only=True)  # the app: holds the file for its whole life
    stop = threading.Event()
    seen, results, failures = [], [], []
    load = requests._load

    def reading(request: Path):  # what the app reads: text and modes
        seen.append((request.read_text(encoding="utf-8"), mode(request), mode(folder)))
        return load(request)

    monkeypatch.setattr(requests, "_load", reading)

    def app_loop():
        while not stop.is_set():
            try:
                results.extend(requests.apply_pending(app))
            except Exception as exc:  # noqa: BLE001 - reported by the test
                failures.append(exc)
            time.sleep(0.1)

    loop = threading.Thread(target=app_loop, daemon=True)
    loop.start()
    try:
        disabled = run("users", "disable", "off1", "--db", str(path))
        moved = run("users", "set-role", "off2", "--role", "partenaire", "--db", str(path))
        renewed = run("users", "password", "off2", "--password-stdin", "--db", str(path),
                      stdin="un tout nouveau mot de passe\n")
        unknown = run("users", "disable", "personne", "--db", str(path))
        added = run("users", "add", "elu1", "--role", "elu", "--name", "Élu Un",
                    "--password-stdin", "--db", str(path), stdin=PASSWORD + "\n")
    finally:
        stop.set()
        loop.join(10)
    try:
        assert not failures, failures
        assert disabled.returncode == 0, disabled.stderr
        assert "Compte « off1 » désactivé." in disabled.stdout
        assert "demande lui est transmise" in disabled.stderr
        assert moved.returncode == 0 and "Rôle de « off2 » : partenaire." in moved.stdout
        assert renewed.returncode == 0 and "Mot de passe de « off2 » changé." in renewed.stdout
        assert unknown.returncode == 2 and "Aucun compte « personne »" in unknown.stderr
        assert added.returncode == 0 and "Compte « elu1 » créé (rôle elu)." in added.stdout
        users = app.query_text("SELECT login, role, active FROM users ORDER BY login")
        assert users.values.tolist() == [["elu1", "elu", True], ["off1", "charge", False],
                                         ["off2", "partenaire", True]]
        log = audit.entries(app, SYSTEM)
        changes = log[log["action"] == "compte"]["detail"].tolist()
        assert "compte off1 désactivé" in changes and "rôle de off2 : partenaire" in changes
        assert log[log["action"] == "compte"]["login"].iloc[0].startswith("cli:")
        assert [(r["login"], r["ok"], r["revoke"]) for r in results] == [
            ("off1", True, True), ("off2", True, True), ("off2", True, True),
            ("personne", False, False), ("elu1", True, False)]
        assert results[0]["logins"] == ["off1"]
        # what travelled: the hash, never the password; owner-only files
        assert seen and all(m == 0o600 and d == 0o700 for _, m, d in seen)
        texts = [t for t, _, _ in seen]
        assert all("un tout nouveau mot de passe" not in t and PASSWORD not in t for t in texts)
        assert len(texts) == 5
        password_requests = [json.loads(t) for t in texts if '"password"' in t]
        assert password_requests[0]["arguments"]["password_hash"].startswith("$argon2id$")
        assert password_requests[0]["actor"].startswith("cli:")
        assert list(folder.iterdir()) == []  # nothing left behind
    finally:
        app.close()
    with Database(path, read_only=False) as db:  # the new password and account work
        assert accounts.sign_in(db, "off2", "un tout nouveau mot de passe").role == "partenaire"
        assert accounts.sign_in(db, "elu1", PASSWORD).role == "elu"


def test_without_an_answer_the_request_is_withdrawn(small_db_path, tmp_path, monkeypatch,
                                                   capsys):
    path = _with_accounts(small_db_path, tmp_path / "quiet.duckdb")
    holder = subprocess.Popen(  # an app that never answers
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], "
         "read_only=True); print('ok', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        monkeypatch.setattr(requests, "WAIT_SECONDS", 1)
        code = cli.main(["users", "disable", "off1", "--db", str(path)])
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert code == 2
    assert "L'application n'a pas répondu en 1 s" in err and "rien n'a été modifié" in err
    assert list(requests.requests_dir(path).iterdir()) == []
    with Database(path) as db:
        assert db.query_text("SELECT active FROM users WHERE login = 'off1'")["active"].iloc[0]


def test_stale_malformed_or_foreign_requests_are_not_applied(small_db_path, tmp_path):
    path = _with_accounts(small_db_path, tmp_path / "w.duckdb")
    with Database(path, read_only=False) as db:
        request_id = requests.submit(path, "disable", {"login": "off1"}, "cli:test")
        folder = requests.requests_dir(path)

        def forge(body, file_mode=0o600) -> Path:
            import uuid

            rid = uuid.uuid4().hex
            target = folder / f"{rid}.request.json"
            target.write_text(json.dumps({"id": rid, **body}) if isinstance(body, dict)
                              else body)
            os.chmod(target, file_mode)
            return target

        now = time.time()
        stale = forge({"command": "disable", "arguments": {"login": "off2"},
                       "actor": "cli:test", "created": now - 120})
        malformed = forge("{pas du json")
        extra = forge({"command": "set-role", "created": now, "actor": "cli:test",
                       "arguments": {"login": "off2", "role": "admin", "operations": None,
                                     "sql": "DROP TABLE users"}})
        open_to_all = forge({"command": "disable", "arguments": {"login": "off2"},
                             "actor": "cli:test", "created": now}, 0o644)
        results = requests.apply_pending(db)
        assert [(r["id"], r["ok"]) for r in results] == [(request_id, True)]
        assert not stale.exists() and not malformed.exists() and not extra.exists()
        assert open_to_all.exists()  # left alone, never applied
        users = db.query_text("SELECT login, role, active FROM users ORDER BY login")
        assert users.values.tolist() == [["off1", "charge", False], ["off2", "charge", True]]
        result = requests.wait_for_result(path, request_id, seconds=1)
        assert result["message"] == "Compte « off1 » désactivé."
        os.chmod(folder, 0o755)  # a folder open to others: nothing in it is applied
        os.chmod(open_to_all, 0o600)
        assert requests.apply_pending(db) == []
        assert db.query_text("SELECT active FROM users WHERE login = 'off2'")["active"].iloc[0]
