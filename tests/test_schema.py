"""Schema creation, the model <-> database mapping, and schema versions."""

import shutil

import duckdb
import pytest

from relog_data import codes
from relog_data.db import MIGRATIONS_DIR, SCHEMA_VERSION, Database, sql_parameters
from relog_data.errors import RelogError
from relog_data.model import COMPUTED_COLUMNS, TABLES

NOW, NEXT = SCHEMA_VERSION, SCHEMA_VERSION + 1
KIND_TYPES = {"text": "VARCHAR", "int": "INTEGER", "decimal": ("DOUBLE", "DECIMAL"),
              "date": "DATE", "bool": "BOOLEAN"}


@pytest.fixture()
def fresh_db(tmp_path):
    db = Database(tmp_path / "fresh.duckdb", read_only=False, create=True)
    yield db
    db.close()


def columns_of(db, table):
    return db.query_text(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = $t ORDER BY ordinal_position", t=table)


def test_model_matches_database(fresh_db):
    for table in TABLES:
        cols = columns_of(fresh_db, table.name)
        cols = cols[~cols["column_name"].isin(COMPUTED_COLUMNS.get(table.name, ()))]
        assert list(cols["column_name"]) == [c.name for c in table.columns], table.name
        for col, row in zip(table.columns, cols.itertuples()):
            if col.kind == "code":
                assert row.data_type.startswith("ENUM("), (table.name, col.name)
            else:
                expected = KIND_TYPES[col.kind]
                expected = expected if isinstance(expected, tuple) else (expected,)
                assert row.data_type.startswith(expected), (table.name, col.name, row.data_type)
            assert (row.is_nullable == "NO") == col.required, (table.name, col.name)


def test_enum_types_follow_the_code_lists(fresh_db):
    for code_list in codes.ALL_CODE_LISTS:
        got = fresh_db.query_text(
            f"SELECT unnest(enum_range(NULL::{code_list.sql_type()})) AS v")["v"].tolist()
        assert tuple(got) == code_list.values


def test_constraints_refuse_bad_rows(fresh_db):
    with fresh_db.writer() as cur:
        cur.execute("INSERT INTO operations (operation_code, name, commune, intervention_type) "
                    "VALUES ('OP', 'Op', 'Bron', 'démolition')")
    bad = [
        "INSERT INTO operations (operation_code, name, commune, intervention_type) "
        "VALUES ('OP2', 'Op', 'Bron', 'construction')",  # code outside its list
        "INSERT INTO phases VALUES ('OP', 1, 'x', DATE '2009-01-01', DATE '2008-01-01', "
        "NULL, NULL, NULL)",  # end before start
        "INSERT INTO buildings (building_code, operation_code, name, dwellings, landlord) "
        "VALUES ('B', 'NOPE', 'b', 1, 'L')",  # unknown operation
        "INSERT INTO buildings (building_code, operation_code, name, dwellings, landlord) "
        "VALUES ('B', 'OP', 'b', -1, 'L')",  # negative dwellings
        "INSERT INTO operations (operation_code, name, commune, intervention_type) "
        "VALUES ('OP', 'dup', 'Bron', 'démolition')",  # duplicate key
    ]
    for statement in bad:
        with pytest.raises(duckdb.Error):
            with fresh_db.writer() as cur:
                cur.execute(statement)
    assert fresh_db.query_text("SELECT count(*) AS n FROM operations")["n"][0] == 1


def test_schema_version_recorded(fresh_db):
    assert fresh_db.schema_version() == SCHEMA_VERSION >= 1


def test_older_database_is_upgraded_or_refused(tmp_path):
    old_dir = tmp_path / "old"
    old_dir.mkdir()
    for migration in MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(migration, old_dir)
    path = tmp_path / "db.duckdb"
    Database(path, read_only=False, create=True, migrations_dir=old_dir).close()

    new_dir = tmp_path / "new"
    shutil.copytree(old_dir, new_dir)
    (new_dir / f"{NEXT:03d}_extra.sql").write_text("ALTER TABLE operations ADD COLUMN note VARCHAR;")

    # the app (read-only) refuses an older schema with a clear message
    with pytest.raises(RelogError, match=f"schéma {NOW}, antérieur au schéma {NEXT}.*migrate"):
        Database(path, read_only=True, migrations_dir=new_dir)
    # a writer upgrades it
    with Database(path, read_only=False, migrations_dir=new_dir) as db:
        assert db.schema_version() == NEXT
        assert "note" in set(columns_of(db, "operations")["column_name"])
    # and the older code refuses the newer database
    with pytest.raises(RelogError, match="plus récente"):
        Database(path, read_only=True, migrations_dir=old_dir)


def test_failed_migration_changes_nothing(tmp_path):
    old_dir = tmp_path / "old"
    old_dir.mkdir()
    for migration in MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(migration, old_dir)
    path = tmp_path / "db.duckdb"
    Database(path, read_only=False, create=True, migrations_dir=old_dir).close()
    (old_dir / f"{NEXT:03d}_broken.sql").write_text(
        "ALTER TABLE operations ADD COLUMN note VARCHAR; SELECT * FROM no_such_table;")
    with pytest.raises(duckdb.Error):
        Database(path, read_only=False, migrations_dir=old_dir)
    (old_dir / f"{NEXT:03d}_broken.sql").unlink()
    with Database(path, read_only=True, migrations_dir=old_dir) as db:
        assert db.schema_version() == NOW
        assert "note" not in set(columns_of(db, "operations")["column_name"])


def test_foreign_database_and_missing_file_are_refused(tmp_path):
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    with pytest.raises(RelogError, match="n'est pas une base relog"):
        Database(other, read_only=True)
    with pytest.raises(RelogError, match="introuvable"):
        Database(tmp_path / "absent.duckdb")
    not_db = tmp_path / "notes.duckdb"
    not_db.write_text("ceci n'est pas une base")
    with pytest.raises(RelogError):
        Database(not_db)


def test_parameters_are_found_outside_comments():
    assert sql_parameters("SELECT $a -- $b\n, $c_1") == {"a", "c_1"}


def test_missing_parameter_is_an_error(small_db):
    with pytest.raises(TypeError, match="operations"):
        small_db.query("kpis", level="total")
