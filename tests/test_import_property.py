"""Property: whatever is typed into the cells, the importer answers with
validation problems or a clean import — never a crash, never a partial write."""

import shutil

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relog_data import model
from relog_data.db import Database
from relog_data.export import table_frame
from relog_data.importer import import_sources
from relog_data.sources import Source

CELL = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", " ", "oui", "non", "relogé", "T3", "-1", "0", "1 234,50 €", "31/02/2008",
                     "2008-03-31", "39538", "H1", "A1", "OPA", "=1+1", "nan", "NULL", ";", '"',
                     "acceptée", "définitif", "provisoire", "9" * 30, "1e308", "\x00"]),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)

TABLES = st.sampled_from([t for t in model.TABLES])


def _csv_field(value) -> str:
    text = "" if value is None else value
    return '"' + text.replace('"', '""') + '"'


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=TABLES, rows=st.lists(st.lists(CELL, min_size=20, max_size=20), min_size=1, max_size=4))
def test_random_cells_never_crash_nor_write_partially(small_db_path, tmp_path_factory, table, rows):
    path = tmp_path_factory.mktemp("prop") / "p.duckdb"
    shutil.copy(small_db_path, path)
    header = [c.french for c in table.columns]
    lines = [";".join(header)]
    for row in rows:
        lines.append(";".join(_csv_field(v) for v in row[: len(header)]))
    source = Source(f"{table.sheet}.csv", ("\n".join(lines) + "\n").encode("utf-8", "replace"))
    with Database(path, read_only=False) as db:
        before = {t.name: table_frame(db, t) for t in model.TABLES}
        report = import_sources(db, [source])
        after = {t.name: table_frame(db, t) for t in model.TABLES}
    if report.errors:
        assert not report.committed
        for name in before:
            pd.testing.assert_frame_equal(before[name], after[name], obj=name)
        for problem in report.errors:
            assert problem.message and problem.sheet is not None
    elif report.no_change:  # nothing to write (e.g. only empty rows): nothing written
        assert not report.committed
        for name in before:
            pd.testing.assert_frame_equal(before[name], after[name], obj=name)
    else:
        assert report.committed
