"""Supply against needs: each matching rule, coverage, affordability, pages."""

import shutil
from datetime import date

import pytest

from relog_data import supply
from relog_data.db import Database
from relog_data.indicators import Scope
from relog_data.model import VACANCIES
from relog_data.store import insert_frames, typed_frame
from tests.conftest import start_app

AS_OF = date(2009, 6, 1)


def vacancy(vid, typology, commune, rent, status="disponible", new=False,
            available=date(2009, 7, 1)):
    return dict(vacancy_id=vid, landlord="Bailleur B", commune=commune, insee_code=None,
                address=None, latitude=None, longitude=None, typology=typology, surface_m2=60,
                rent=rent, financing="PLUS", quota="bailleur", new_or_recent=new, in_qpv=False,
                available_date=available, status=status)


@pytest.fixture()
def db(small_db_path, tmp_path):
    path = tmp_path / "supply.duckdb"
    shutil.copy(small_db_path, path)
    database = Database(path, read_only=False)
    rows = [
        vacancy("V1", "T3", "Vaulx-en-Velin", 440.0, new=True),  # rent exactly +10 %
        vacancy("V2", "T3", "Vaulx-en-Velin", 440.02),  # 2 cents over the tolerance
        vacancy("V3", "T4", "Vaulx-en-Velin", 300.0),  # one room more
        vacancy("V4", "T5", "Vaulx-en-Velin", 300.0),  # two rooms more
        vacancy("V5", "T3", "Bron", 300.0, new=True),  # another commune
        vacancy("V6", "T3", "Vaulx-en-Velin", 300.0, available=date(2010, 7, 1)),  # too late
        vacancy("V7", "T3", "Vaulx-en-Velin", 350.0, status="attribué"),  # not supply
        vacancy("V8", "T2", "Vaulx-en-Velin", 300.0),  # too small
    ]
    with database.writer() as cur:
        insert_frames(cur, {"vacancies": typed_frame(VACANCIES, rows)})
        cur.execute("UPDATE households SET rent_before = 400, location_wish = 'même commune' "
                    "WHERE household_id = 'H6'")
        cur.execute("UPDATE households SET specific_need = 'logement adapté' "
                    "WHERE household_id = 'H7'")
    yield database
    database.close()


def matched(db, household, tolerance=0.10):
    pairs = supply.matches(db, Scope(as_of=AS_OF), tolerance)
    return pairs[pairs["household_id"] == household]["vacancy_id"].tolist()


def test_each_rule_for_a_household_wishing_the_same_commune(db):
    # V1 in (rent at the edge, exact typology), V3 in (one room more), ranked after V1;
    # V2 over the tolerance, V4 two rooms more, V5 other commune, V6 available after the
    # demolition of A2 (30/06/2010), V7 already allocated, V8 too small: all out
    assert matched(db, "H6") == ["V1", "V3"]


def test_tolerance_moves_the_edge(db):
    assert "V2" in matched(db, "H6", tolerance=0.11)
    assert matched(db, "H6", tolerance=0.0) == ["V3"]  # 300 <= 400, 440 > 400


def test_adapted_housing_needs_new_or_recent(db):
    # H7 needs adapted housing, wishes nothing in particular: only new vacancies
    assert matched(db, "H7") == ["V5", "V1"]  # cheaper first


def test_unknown_rent_and_indifferent_wish(db):
    # H5: T3 wanted, no rent known, no wish: every T3/T4 vacancy available in time,
    # exact typology first, then the cheapest
    assert matched(db, "H5") == ["V5", "V1", "V2", "V3"]


def test_coverage_figures(db):
    frame = supply.coverage(db, Scope(as_of=AS_OF)).set_index(["dimension", "grp"])
    assert tuple(frame.loc[("typology", "T3"), ["households", "vacancies"]]) == (3, 4)
    assert frame.loc[("typology", "T3"), "ratio"] == pytest.approx(4 / 3)
    assert tuple(frame.loc[("location", "même commune"), ["households", "vacancies"]]) == (1, 6)
    assert tuple(frame.loc[("location", "indifférent"), ["households", "vacancies"]]) == (2, 7)


def test_affordability(db):
    result = supply.affordability(db, Scope(as_of=AS_OF), 0.10)
    # only H6 has a known rent (400): V1 (440) and cheaper ones qualify
    assert (result["with_rent"], result["with_affordable"]) == (1, 1)
    assert result["affordable_share"] == pytest.approx(1.0)


def test_capacity_is_saved(db):
    from relog_data.access import Viewer

    admin = Viewer("admin", login="test")
    supply.save_capacity(db, {"Bailleur A": 420}, admin)
    supply.save_capacity(db, {"Bailleur A": 450}, admin)
    frame = supply.capacity(db)
    assert frame["annual_allocations"].tolist() == [450]


def test_household_events_in_time_order(db):
    events = supply.household_events(db, "H1")
    assert events["event"].tolist()[:3] == ["Enquête sociale (diagnostic)", "Proposition n° 1",
                                            "Réponse à la proposition n° 1 : refusée"]
    assert "Relogement provisoire" in events["event"].tolist()
    assert events["day"].is_monotonic_increasing


def test_supply_page(demo_db_path, demo_db, monkeypatch):
    at = start_app(demo_db_path, monkeypatch)
    at.switch_page("pages/supply_needs.py").run()
    assert not at.exception
    scope = Scope(as_of=date(2009, 6, 30))
    needs = supply.needs(demo_db, scope)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Ménages encore à reloger"] == str(len(needs))
    coverage = supply.coverage(demo_db, scope).set_index(["dimension", "grp"])
    t5 = coverage.loc[("typology", "T5")]
    table = at.dataframe[0].value.set_index("Typologie")
    assert table.loc["T5", "Couverture"].startswith(
        f"T5 : {int(t5['vacancies'])} logement(s) pour {int(t5['households'])} ménage(s)")
    pairs = supply.matches(demo_db, scope, 0.10)
    text = " ".join(m.value for m in at.markdown)
    assert f"{pairs['household_id'].nunique()} / {len(needs)}" in text.replace("**", "")


def test_households_and_synoptic_pages(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, operation="STE-DAMEBLANCHE")
    at.switch_page("pages/households.py").run()
    assert not at.exception
    listing = at.dataframe[0].value
    assert len(listing) == 66
    at.text_input[0].set_value("SDB-0001").run()
    assert at.dataframe[0].value["Ménage"].tolist() == ["SDB-0001"]
    assert not any(h.value.startswith("Fiche") for h in at.subheader)  # on demand (#18)
    at.query_params["menage"] = "SDB-0001"
    at.run()
    assert any(h.value.startswith("Fiche SDB-0001") for h in at.subheader)
    at.switch_page("pages/synoptic.py").run()
    assert not at.exception
    html = " ".join(str(e.proto) for e in at.get("html"))
    assert html.count("menage=SDB-0") == 66  # one cell (a link to its sheet) per household
    assert "Dame Blanche – tour A" in html
