"""Database.query reuses one reading cursor per thread and connection (the
macros of sql/macros.sql are defined once, not per query: #20), and never
serves stale or broken cursors."""

import threading

import duckdb
import pytest

from relog_data.db import Database
from tests.conftest import real_copy


@pytest.fixture()
def copy(demo_db_path, tmp_path):
    return real_copy(demo_db_path, tmp_path / "copy.duckdb")


def test_one_cursor_per_thread_reused_across_queries(copy):
    db = Database(copy, read_only=True)
    try:
        db.query("data_date")
        first = db._readers.cur
        db.query("data_date")
        assert db._readers.cur is first  # reused: the macros are not defined again
        seen = {}

        def other():
            db.query("data_date")
            seen["cur"] = db._readers.cur

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert seen["cur"] is not None and seen["cur"] is not first
    finally:
        db.close()


def test_a_failed_query_leaves_no_broken_cursor(copy):
    db = Database(copy, read_only=True)
    try:
        db.query("data_date")
        broken = db._readers.cur
        with pytest.raises(duckdb.Error):
            db.query_text("SELECT * FROM no_such_table")
        assert db._readers.cur is None
        with pytest.raises(duckdb.ConnectionException):
            broken.execute("SELECT 1")  # closed, not reused
        assert db.query("data_date")["data_date"].notna().all()
    finally:
        db.close()


def test_data_written_through_write_access_is_read_by_the_same_thread(copy):
    db = Database(copy, read_only=True)
    try:
        before = int(db.query_text("SELECT count(*) AS n FROM audit_log")["n"].iloc[0])
        with db.write_access() as writable, writable.writer() as cur:
            cur.execute("INSERT INTO audit_log (logged_at, action, detail) "
                        "VALUES (now(), 'export', 'test')")
        after = int(db.query_text("SELECT count(*) AS n FROM audit_log")["n"].iloc[0])
        assert after == before + 1  # a new connection, hence a new cursor
    finally:
        db.close()
