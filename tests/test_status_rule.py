"""Recorded statuses respected (issue #17 item 4): the status at a date D, the
optional sheet historique_statuts and the warnings for a recorded status that
the events contradict. See the data dictionary, « Status at a date D ».

The fixture is tests/conftest.py small_records (data date 01/05/2009: H5's
pending offer) plus, all in building A2 (operation OPA, phase 2):
- H10 « accord », diagnosed 01/05/2007, one offer refused 01/05/2008
  (answered 10/05/2008) and none accepted: « accord » at the data date, « en
  recherche » rebuilt from the events before it;
- H11 « proposition en cours » with a pending offer of 01/04/2009 and a
  history: diagnostic réalisé 01/05/2007, en recherche 01/02/2008, proposition
  en cours 01/04/2009; no refused offer, so the events alone would say
  « diagnostic réalisé » between its diagnosis and its offer;
- H12 « relogé », history accord 01/01/2008 then a definitive move on
  01/03/2008 (the move decides from that day on, whatever the history says);
  an accepted offer of 01/12/2007 (answered 20/12/2007);
- one household per contradiction kind: H13 « proposition en cours » with only
  a refused offer; H14 « en recherche » without any offer; H15 « diagnostic
  réalisé » without date_enquete; H16 « à enquêter » with a date_enquete;
  H17 « accord » without date_enquete nor any offer (two kinds at once);
- H18 « départ autonome » without date_sortie: gone at the data date (its
  recorded status), « diagnostic réalisé » before it.
Every state below is read off these records by hand.
"""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from relog_data import indicators as ind, model, supply
from relog_data.checks import run_checks
from relog_data.db import Database
from relog_data.export import export_workbook, table_frame
from relog_data.importer import import_sources
from relog_data.indicators import Scope
from relog_data.sources import Source, sources_from_paths
from tests.conftest import D, _household, _move, _offer, build_db, small_records

DATA_DATE = date(2009, 5, 1)
RULE = "statut saisi contredit par les événements"


def status_records() -> dict[str, list[dict]]:
    records = small_records()
    records["households"] += [
        _household("H10", "A2", "accord", diag=D(2007, 5, 1)),
        _household("H11", "A2", "proposition en cours", diag=D(2007, 5, 1)),
        _household("H12", "A2", "relogé", diag=D(2007, 5, 1)),
        _household("H13", "A2", "proposition en cours", diag=D(2007, 5, 1)),
        _household("H14", "A2", "en recherche", diag=D(2007, 5, 1)),
        _household("H15", "A2", "diagnostic réalisé", diag=None),
        _household("H16", "A2", "à enquêter", diag=D(2007, 6, 1)),
        _household("H17", "A2", "accord", diag=None),
        _household("H18", "A2", "départ autonome", diag=D(2007, 5, 1)),  # no date_sortie
    ]
    records["offers"] += [
        _offer("H10", 1, "refusée", D(2008, 5, 1), D(2008, 5, 10), "loyer"),
        _offer("H11", 1, "en attente", D(2009, 4, 1)),
        _offer("H12", 1, "acceptée", D(2007, 12, 1), D(2007, 12, 20)),
        _offer("H13", 1, "refusée", D(2008, 6, 1), D(2008, 6, 15), "typologie"),
    ]
    records["moves"] += [
        _move("H12", D(2008, 3, 1), "définitif", False, False, False, "social", True, "T3",
              400, 100),
    ]
    records["status_history"] = [
        dict(household_id="H11", status="diagnostic réalisé", status_date=D(2007, 5, 1)),
        dict(household_id="H11", status="en recherche", status_date=D(2008, 2, 1)),
        dict(household_id="H11", status="proposition en cours", status_date=D(2009, 4, 1)),
        dict(household_id="H12", status="accord", status_date=D(2008, 1, 1)),
    ]
    return records


@pytest.fixture(scope="module")
def status_path(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("status") / "status.duckdb", status_records())


@pytest.fixture()
def status_db(status_path):
    with Database(status_path, read_only=True) as db:
        yield db


def states(db, when) -> dict[str, str]:
    frame = ind.household_states(db, Scope(as_of=when))
    return dict(zip(frame["household_id"], frame["state"]))


# -- the status at a date D ------------------------------------------------------------------
def test_the_data_date_is_the_latest_event(status_db):
    assert ind.data_date(status_db) == DATA_DATE


def test_at_the_data_date_and_after_the_recorded_status_is_shown(status_db):
    recorded = dict(zip(*ind.household_states(status_db, Scope()).pipe(
        lambda f: (f["household_id"], f["status"]))))
    for when in (None, DATA_DATE, date(2010, 1, 1)):
        assert states(status_db, when) == recorded, when
    assert recorded["H10"] == "accord" and recorded["H17"] == "accord"
    # today's Synthèse (as_of = the data date) counts what the officers typed
    counts = ind.status_counts(status_db, Scope(as_of=DATA_DATE), "total")
    assert dict(zip(counts["status"], counts["households"]))["accord"] == 2  # H10, H17
    assert dict(zip(counts["status"], counts["households"]))["départ autonome"] == 2  # H4 H18


def test_before_the_data_date_the_state_is_rebuilt_from_the_events(status_db):
    before = states(status_db, date(2009, 4, 30))
    assert before["H10"] == "en recherche"  # « accord » typed, but no accepted offer
    assert before["H13"] == "en recherche"
    assert before["H14"] == "diagnostic réalisé"
    assert before["H15"] == "à enquêter"  # no date_enquete
    assert before["H16"] == "diagnostic réalisé"
    assert before["H17"] == "à enquêter"
    assert states(status_db, date(2008, 5, 5))["H10"] == "proposition en cours"  # not answered
    assert before["H18"] == "diagnostic réalisé"  # an exit without date_sortie


def test_the_curve_and_the_projection_agree_with_the_synthese(status_db):
    """done = rehoused + exits at D, on the curve and the projection as in the kpis:
    H18 (gone, no date_sortie) counts at the data date only."""
    for when, done in ((date(2009, 4, 30), 7), (DATA_DATE, 8)):
        scope = Scope(as_of=when)
        row = ind.kpis(status_db, scope, "total").iloc[0]
        assert row["progress_rate_num"] == done, when  # H1 H2 H3 H4 H8 H9 H12 (+ H18)
        assert ind.progress_series(status_db, scope)["done"].iloc[-1] == done, when
        projection = ind.projection(status_db, scope)
        assert projection.query("is_total")["done"].iloc[0] == done, when


def test_the_history_gives_the_status_at_a_past_date(status_db):
    # the events alone would say « diagnostic réalisé » (no refused offer)
    assert states(status_db, date(2008, 6, 1))["H11"] == "en recherche"
    assert states(status_db, date(2007, 12, 31))["H11"] == "diagnostic réalisé"
    assert states(status_db, date(2009, 4, 15))["H11"] == "proposition en cours"
    # before its first history row, the state is rebuilt from the events
    assert states(status_db, date(2007, 4, 15))["H11"] == "à enquêter"


def test_a_definitive_move_before_d_wins_over_the_history(status_db):
    assert states(status_db, date(2008, 2, 15))["H12"] == "accord"  # history
    assert states(status_db, date(2008, 3, 1))["H12"] == "relogé"  # the move, that day
    assert states(status_db, date(2008, 6, 1))["H12"] == "relogé"
    row = ind.kpis(status_db, Scope(as_of=date(2008, 6, 1)), "total").iloc[0]
    assert row["rehoused"] == 6  # H1 H2 H3 H8 H9 (moved by March/June 2008) and H12


def test_a_status_change_dated_last_sets_the_data_date(status_path, tmp_path):
    path = shutil.copy(status_path, tmp_path / "later.duckdb")
    with Database(path, read_only=False) as db:
        with db.writer() as cur:
            cur.execute("INSERT INTO status_history VALUES ('H10', 'en recherche', "
                        "DATE '2009-06-15')")
        assert ind.data_date(db) == date(2009, 6, 15)
        # 01/05/2009 is now before the data date: rebuilt from the events there
        assert states(db, DATA_DATE)["H10"] == "en recherche"
        assert states(db, date(2009, 6, 15))["H10"] == "accord"  # the recorded status


def test_the_demo_date_setting_is_the_data_date(status_path, tmp_path):
    path = shutil.copy(status_path, tmp_path / "demo-date.duckdb")
    with Database(path, read_only=False) as db:
        with db.writer() as cur:
            cur.execute("INSERT INTO settings VALUES ('demo_date', '2009-03-01')")
        assert ind.data_date(db) == date(2009, 3, 1)
        assert states(db, date(2009, 3, 1))["H10"] == "accord"
        assert states(db, date(2009, 2, 28))["H10"] == "en recherche"


def test_the_definition_says_the_recorded_status_is_shown():
    text = ind.definitions().set_index("key").loc["state_at_date", "definition"]
    assert "statut saisi" in text and "historique des statuts" in text


def test_status_changes_are_events_of_the_household(status_db):
    events = supply.household_events(status_db, "H11")
    got = [(pd.Timestamp(d).date(), e) for d, e in zip(events["day"], events["event"])
           if e.startswith("Statut")]
    assert got == [(date(2007, 5, 1), "Statut : diagnostic réalisé"),
                   (date(2008, 2, 1), "Statut : en recherche"),
                   (date(2009, 4, 1), "Statut : proposition en cours")]


# -- warnings ---------------------------------------------------------------------------------
EXPECTED = {
    ("H10", "Ménage H10 : statut « accord » sans proposition acceptée. Le statut saisi est "
            "affiché ; vérifiez les propositions."),
    ("H13", "Ménage H13 : statut « proposition en cours » sans proposition en attente. Le "
            "statut saisi est affiché ; vérifiez les propositions."),
    ("H14", "Ménage H14 : statut « en recherche » sans proposition refusée. Le statut saisi "
            "est affiché ; vérifiez les propositions."),
    ("H15", "Ménage H15 : statut « diagnostic réalisé » sans date d'enquête. Le statut saisi "
            "est affiché ; vérifiez la date d'enquête."),
    ("H16", "Ménage H16 : statut « à enquêter » avec une date d'enquête (01/06/2007). Le "
            "statut saisi est affiché ; vérifiez la date d'enquête."),
    ("H17", "Ménage H17 : statut « accord » sans proposition acceptée. Le statut saisi est "
            "affiché ; vérifiez les propositions."),
    ("H17", "Ménage H17 : statut « accord » sans date d'enquête. Le statut saisi est "
            "affiché ; vérifiez la date d'enquête."),
}


def test_each_contradiction_gives_one_warning_naming_the_household(status_db):
    found = run_checks(status_db)
    mine = found[found["rule"] == RULE]
    assert (mine["severity"] == "avertissement").all()
    assert (mine["sheet"] == "menages").all() and (mine["column_name"] == "statut").all()
    pairs = list(zip(mine["row_key"], mine["message"]))
    assert len(pairs) == len(set(pairs))  # one per household and kind
    assert set(pairs) == EXPECTED
    assert found[found["severity"] == "erreur"].empty  # warnings only


def test_no_such_warning_on_consistent_data(small_db, demo_db):
    for db in (small_db, demo_db):
        found = run_checks(db)
        assert found[found["rule"] == RULE].empty


# -- the sheet historique_statuts ----------------------------------------------------------------
def test_the_sheet_is_in_the_model_after_the_households():
    names = [t.name for t in model.TABLES]
    assert names.index("status_history") == names.index("households") + 1
    table = model.TABLES_BY_NAME["status_history"]
    assert table.sheet == "historique_statuts"
    assert [(c.french, c.kind, c.required) for c in table.columns] == [
        ("id_menage", "text", True), ("statut", "code", True), ("date", "date", True)]


def test_status_history_imports_from_a_sheet(writable_small_db):
    db = writable_small_db
    report = import_sources(db, [Source("historique_statuts.csv", (
        "id_menage;statut;date\n"
        "H6;en recherche;01/05/2007\n"
        "H6;PROPOSITION EN COURS;2009-01-05\n").encode("utf-8"))])
    assert report.committed, report.problems_frame().to_string()
    assert report.summary["status_history"]["inserted"] == 2
    rows = db.query_text("SELECT household_id, CAST(status AS VARCHAR) AS status, status_date "
                         "FROM status_history ORDER BY status_date")
    assert rows["status"].tolist() == ["en recherche", "proposition en cours"]
    assert [pd.Timestamp(d).date() for d in rows["status_date"]] == [date(2007, 5, 1),
                                                                   date(2009, 1, 5)]
    # the events alone would say « diagnostic réalisé » (its first offer is of 05/01/2009)
    assert states(db, date(2008, 6, 1))["H6"] == "en recherche"
    assert states(db, date(2009, 1, 10))["H6"] == "proposition en cours"


def test_status_history_refuses_an_unknown_household_and_a_duplicate(writable_small_db):
    report = import_sources(writable_small_db, [Source("historique_statuts.csv", (
        "id_menage;statut;date\n"
        "H99;accord;01/05/2007\n"
        "H6;accord;01/05/2007\n"
        "H6;relogé;01/05/2007\n").encode("utf-8"))])
    assert not report.committed
    messages = [p.message for p in report.errors]
    assert any("Référence inconnue" in m and "H99" in m for m in messages), messages
    assert any("Clé en double" in m for m in messages), messages


def test_status_history_round_trips_through_the_export(status_db, tmp_path):
    out = export_workbook(status_db, tmp_path / "export.xlsx")
    import openpyxl

    assert "historique_statuts" in openpyxl.load_workbook(out, read_only=True).sheetnames
    with Database(tmp_path / "copy.duckdb", read_only=False, create=True) as copy:
        report = import_sources(copy, sources_from_paths([out]))
        assert report.committed, report.problems_frame().to_string()
        table = model.TABLES_BY_NAME["status_history"]
        assert len(table_frame(copy, table)) == 4
        for t in model.TABLES:
            pd.testing.assert_frame_equal(table_frame(status_db, t), table_frame(copy, t),
                                          check_dtype=False, obj=t.name)
        assert states(copy, date(2008, 6, 1)) == states(status_db, date(2008, 6, 1))


def test_the_purge_keeps_the_status_history_and_the_past_states(status_path, tmp_path):
    """A status history is pseudonymous: the purge keeps it, so the states of a
    closed operation's households at past dates stay what they were."""
    from relog_data import purge

    path = shutil.copy(status_path, tmp_path / "purge.duckdb")
    with Database(path, read_only=False) as db:
        with db.writer() as cur:  # OPB closed: H8 and H9 rehoused (OPA is not: H5, H6 ...)
            cur.execute("INSERT INTO status_history VALUES ('H8', 'accord', DATE '2008-02-08')")
        before = states(db, date(2008, 2, 10))
        found = purge.candidates(db, date(2010, 1, 1))
        assert found["operation_code"].tolist() == ["OPB"]
        purge.purge(db, date(2010, 1, 1), apply=True, actor="test")
        left = db.query_text("SELECT household_id FROM status_history ORDER BY ALL")
        assert "H8" in set(left["household_id"]) and len(left) == 5
        assert states(db, date(2008, 2, 10)) == before
        assert before["H8"] == "accord"
