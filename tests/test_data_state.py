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
