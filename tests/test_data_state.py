"""The cache key of the figures (relog_data/data_state.py, #20): a sign-in or a
download writes to the database file (the audit log) but changes no figure, so
neither the pages' cache nor the officials' release is computed again; an
import, or any row written, changes it."""

from __future__ import annotations

import time

from relog_data import accounts, audit, data_state, release


def _wait_for_a_new_stamp(path, before):
    """mtime has a coarse resolution on some file systems: wait until it moves."""
    for _ in range(50):
        if data_state.file_stamps(path) != before:
            return
        time.sleep(0.02)


def test_a_sign_in_and_a_download_change_the_file_but_not_the_figures(writable_small_db):
    db = writable_small_db
    accounts.add_user(db, "marie", "un mot de passe assez long", "elu")
    before_file = data_state.file_stamps(db.path)
    before = data_state.token(db)
    accounts.sign_in(db, "marie", "un mot de passe assez long")
    audit.log(db, "téléchargement", "rapport.pdf", login="marie")
    audit.log(db, "échec de connexion", "mot de passe erroné", login="marie")
    audit.log(db, "déconnexion", "à la demande", login="marie")
    _wait_for_a_new_stamp(db.path, before_file)
    assert data_state.file_stamps(db.path) != before_file  # the file did change
    assert data_state.token(db) == before


def test_an_import_entry_or_a_row_written_changes_the_token(writable_small_db):
    db = writable_small_db
    first = data_state.token(db)
    audit.log(db, "import", "classeur.xlsx")
    second = data_state.token(db)
    assert second != first
    with db.writer() as cur:  # a row written without any audit entry (a repair by hand)
        cur.execute("DELETE FROM survey_answers WHERE household_id = "
                    "(SELECT min(household_id) FROM survey_answers)")
    assert data_state.token(db) != second


def test_the_release_is_not_built_again_after_a_sign_in(writable_small_db):
    db = writable_small_db
    accounts.add_user(db, "marie", "un mot de passe assez long", "elu")
    built = release.release_for(db, None)
    accounts.sign_in(db, "marie", "un mot de passe assez long")
    assert release.release_for(db, None) is built
    audit.log(db, "import", "classeur.xlsx")  # new data: a new release
    assert release.release_for(db, None) is not built


def test_a_process_exiting_while_the_release_is_prepared_exits_cleanly(demo_db_path):
    """release.prepare's thread (after an import, at the server's start) may still
    be building when the process exits: it stops at its next step. As a daemon
    thread it was killed inside DuckDB's or HiGHS's C++ code and the process
    aborted (exit status 134, « terminate called … »), which failed `make test`
    at its very end."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    # the main thread exits while the build is inside a query (DuckDB's C++ code)
    code = (f"import sys, threading; sys.path.insert(0, {str(ROOT)!r})\n"
            "from relog_data import indicators, release\n"
            "from relog_data.db import Database\n"
            "inside = threading.Event()\n"
            "real = indicators.kpis\n"
            "def kpis(*args, **kwargs):\n"
            "    inside.set()\n"
            "    return real(*args, **kwargs)\n"
            "indicators.kpis = kpis\n"
            f"thread = release.prepare(Database({str(demo_db_path)!r}, read_only=True))\n"
            "assert inside.wait(120) and thread.is_alive()\n"
            "import time; time.sleep(0.005)\n")  # now in the query: exit
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "terminate called" not in run.stderr


def test_every_audit_action_is_sorted_into_data_or_not():
    """A new kind of audit entry must be placed: changing the figures or not."""
    from relog_data.db import load_sql

    sql = load_sql("data_version")
    listed = {a for a in audit.ACTIONS if f"'{a}'" in sql}
    assert set(audit.ACTIONS) - listed == {"import", "purge", "réglage", "capacité"}
