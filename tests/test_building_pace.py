"""Per building in Avancement (#18 item 5): households left, pace of the last 6
months, projected last departure against the planned demolition."""

from datetime import date

import pandas as pd

from relog_data import indicators as ind
from relog_data.indicators import Scope
from tests.conftest import start_app


def test_pace_per_building_by_hand(small_db):
    pace = ind.building_pace(small_db, Scope(as_of=date(2008, 6, 1))).set_index("building_code")
    # A1: H3 (01/01/2008), H1 (01/03), H2 (15/03) done in the 6 months before 01/06/2008;
    # H4 and H5 left: 3 / 6 = 0,5 a month, 2 / 0,5 = 4 months = ceil(121,75) = 122 days
    a1 = pace.loc["A1"]
    assert (a1["households"], a1["done"], a1["remaining"], a1["done_last_6_months"]) == \
        (5, 3, 2, 3)
    assert a1["pace_per_month"] == 0.5
    assert a1["projected_last_departure"].date() == date(2008, 10, 1)
    assert a1["margin_days"] == (date(2010, 6, 30) - date(2008, 10, 1)).days  # before demolition
    # A2: nobody left yet: nil pace, no date
    a2 = pace.loc["A2"]
    assert (a2["remaining"], a2["done_last_6_months"]) == (2, 0)
    assert pd.isna(a2["projected_last_departure"]) and pd.isna(a2["margin_days"])
    # B1: everyone gone, no projection
    assert pace.loc["B1", "remaining"] == 0 and pd.isna(pace.loc["B1", "projected_last_departure"])


def test_buildings_add_up_to_the_projection(demo_db):
    scope = Scope(as_of=ind.data_date(demo_db))
    pace = ind.building_pace(demo_db, scope)
    total = ind.projection(demo_db, scope).query("is_total").iloc[0]
    assert pace["remaining"].sum() == total["remaining"]
    assert pace["done_last_6_months"].sum() == total["done_last_6_months"]


def test_avancement_shows_the_table(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, date="2009-06-30")
    at.switch_page("pages/progress.py").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Dernier départ estimé" in d.value.columns)
    assert list(table.columns) == ["Bâtiment", "Restant à reloger", "Rythme (6 derniers mois)",
                                   "Dernier départ estimé", "Démolition prévue", "À ce rythme",
                                   "Opération"]
    assert len(table) > 0
    assert table["Rythme (6 derniers mois)"].str.endswith("/ mois").any()
    assert table["À ce rythme"].str.contains("démolition").all()


def test_officials_do_not_get_it(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, demo_role="elu")
    at.switch_page("pages/progress.py").run()
    assert not at.exception
    assert not any("Dernier départ estimé" in d.value.columns for d in at.dataframe)


def test_a_nil_pace_reads_a_dash(small_db_path, tmp_path, monkeypatch):
    import shutil

    path = tmp_path / "small.duckdb"
    shutil.copy(small_db_path, path)
    at = start_app(path, monkeypatch, date="2009-06-01")
    at.switch_page("pages/progress.py").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Dernier départ estimé" in d.value.columns)
    # A1 (H5 left) and A2 (H6, H7): nobody left in the 6 months before 01/06/2009
    assert len(table) == 2
    assert set(table["Rythme (6 derniers mois)"]) == {"—"}
    assert set(table["Dernier départ estimé"]) == {"—"}
    assert set(table["À ce rythme"]) == {"rythme nul : aucun départ estimé"}


def test_a_long_table_is_sent_page_by_page(demo_db_path, monkeypatch):
    """#20: at 150 000 households this table had 2 000 rows (1 MB sent to the
    browser). Beyond ui.PAGE_ROWS rows it is sent a page at a time, most urgent
    demolition first; every row is reachable through the page picker."""
    from pages import _common as ui

    at = start_app(demo_db_path, monkeypatch, date="2009-06-30")
    at.switch_page("pages/progress.py").run()
    whole = next(d.value for d in at.dataframe if "Dernier départ estimé" in d.value.columns)
    assert len(whole) > 4
    monkeypatch.setattr(ui, "PAGE_ROWS", 3)
    at.run()
    assert not at.exception
    first = next(d.value for d in at.dataframe if "Dernier départ estimé" in d.value.columns)
    pick = at.selectbox(key="progress_building_pace")
    assert pick.label == f"{len(whole)} lignes : afficher"
    assert pick.format_func(1) == f"lignes 4 à {min(6, len(whole))}"
    pick.select(1).run()
    second = next(d.value for d in at.dataframe if "Dernier départ estimé" in d.value.columns)
    assert list(first["Bâtiment"]) == list(whole["Bâtiment"][:3])
    assert list(second["Bâtiment"]) == list(whole["Bâtiment"][3:6])
