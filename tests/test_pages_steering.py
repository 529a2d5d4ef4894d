"""The steering pages with AppTest, under several filters and dates, asserting
the figures shown against the data layer."""

import json
import shutil
from datetime import date
from html import unescape

import pytest

from relog_data import fmt, indicators as ind
from relog_data.indicators import Scope
from tests.conftest import download_links, start_app


def start(db_path, monkeypatch, **query):
    at = start_app(db_path, monkeypatch, **query)
    assert not at.exception, at.exception
    return at


def metrics(at):
    return {m.label: m.value for m in at.metric}


def captions(at):
    return " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("query,scope", [
    ({}, Scope(as_of=date(2009, 6, 30))),
    ({"operation": "VAULX-MDT", "date": "2008-12-31", "reference": "2008-06-30"},
     Scope(operations=("VAULX-MDT",), as_of=date(2008, 12, 31))),
    ({"operation": ["BRON-TERRAILLON", "STE-DAMEBLANCHE"], "date": "2009-03-31"},
     Scope(operations=("BRON-TERRAILLON", "STE-DAMEBLANCHE"), as_of=date(2009, 3, 31))),
    ({"phase": "2", "date": "2009-06-30", "reference": "2009-01-31"},
     Scope(phases=(2,), as_of=date(2009, 6, 30))),
])
def test_summary_follows_the_link_and_the_date(demo_db_path, demo_db, monkeypatch, query, scope):
    at = start(demo_db_path, monkeypatch, **query)
    total = ind.kpis(demo_db, scope).query("is_total").iloc[0]
    shown = metrics(at)
    assert shown["Ménages concernés"] == fmt.integer(total["households_total"])
    assert shown["Relogés"] == fmt.integer(total["rehoused"])
    assert shown["Restant à reloger"] == fmt.integer(total["remaining"])
    assert shown["Avancement"] == fmt.share(total["progress_rate"])
    if "reference" in query:
        ref = scope.at(date.fromisoformat(query["reference"]))
        before = ind.kpis(demo_db, ref).query("is_total").iloc[0]
        delta = int(total["rehoused"] - before["rehoused"])
        assert f"+{fmt.integer(delta)} depuis le {fmt.day(ref.as_of)}" in captions(at)
    # the view is written back into the link
    assert at.query_params.get("date") in (query.get("date"), ["2009-06-30"], "2009-06-30")


def test_summary_points_of_attention(demo_db_path, monkeypatch):
    at = start(demo_db_path, monkeypatch)
    text = " ".join(m.value for m in at.markdown)
    assert "Echarmeaux 2" in text and "démolition prévue le 30/11/2009" in text
    assert "3 refus ou plus" in text.lower()
    assert "sans aucun contact de suivi" in text


@pytest.mark.parametrize("query,scope", [
    ({}, Scope(as_of=date(2009, 6, 30))),
    ({"operation": "VAULX-MDT", "phase": "2", "date": "2009-03-31"},
     Scope(operations=("VAULX-MDT",), phases=(2,), as_of=date(2009, 3, 31))),
])
def test_progress_page(demo_db_path, demo_db, monkeypatch, query, scope):
    at = start(demo_db_path, monkeypatch, **query)
    at.switch_page("pages/progress.py").run()
    assert not at.exception
    total = ind.kpis(demo_db, scope).query("is_total").iloc[0]
    shown = metrics(at)
    assert shown["Relogés"] == fmt.integer(total["rehoused"])
    assert shown["Encore dans les bâtiments"] == fmt.integer(total["still_in_building"])
    assert shown["Taux de refus"] == fmt.share(total["refusal_rate"])
    risk = ind.buildings_at_risk(demo_db, scope)
    tables = [d.value for d in at.dataframe]
    risk_table = next((t for t in tables if "Ménages encore dans le bâtiment" in t.columns), None)
    if risk.empty:
        assert risk_table is None
    else:
        assert risk_table["Bâtiment"].tolist() == risk["name"].tolist()
        assert risk_table["Ménages encore dans le bâtiment"].iloc[0] == fmt.ratio(
            risk["still_inside"].iloc[0], risk["households"].iloc[0])
    offers = ind.offers_detail(demo_db, scope)
    three = next(t for t in tables if "Refus" in t.columns)
    assert len(three) == int((offers["refused"] >= 3).sum())
    projection = ind.projection(demo_db, scope).query("is_total").iloc[0]
    text = " ".join(m.value for m in at.markdown)
    assert ind.month_year(projection["projected_end"]) in text


def test_progress_page_by_building(demo_db_path, monkeypatch):
    at = start(demo_db_path, monkeypatch, operation="STE-SEVERINE")
    at.switch_page("pages/progress.py").run()
    at.radio[0].set_value("building").run()
    assert not at.exception
    assert "terminé : plus aucun ménage à reloger" in " ".join(m.value for m in at.markdown)


def test_schedule_page(demo_db_path, demo_db, monkeypatch):
    at = start(demo_db_path, monkeypatch)
    at.switch_page("pages/schedule.py").run()
    assert not at.exception
    phases = at.dataframe[0].value
    vaulx1 = phases[(phases["Phase"] == "1ère phase")].iloc[0]
    assert vaulx1["Fin prévue → réelle"] == "31/12/2007 → 30/09/2008"
    assert vaulx1["Glissement de la fin"] == "+9,0 mois"
    buildings = at.dataframe[1].value.set_index("Bâtiment")
    assert buildings.loc["Mont Pilat", "Démolition réelle"] == "04/11/2008"
    assert "nan" not in buildings.to_string().lower()


@pytest.mark.parametrize("query,scope", [
    ({}, Scope(as_of=date(2009, 6, 30))),
    ({"operation": "CLERMONT-CHAMPRATEL"}, Scope(operations=("CLERMONT-CHAMPRATEL",),
                                                  as_of=date(2009, 6, 30))),
])
def test_quality_page(demo_db_path, demo_db, monkeypatch, query, scope):
    at = start(demo_db_path, monkeypatch, **query)
    at.switch_page("pages/quality.py").run()
    assert not at.exception
    total = ind.kpis(demo_db, scope).query("is_total").iloc[0]
    table = at.dataframe[0].value
    overall = table["Ensemble du périmètre"]
    assert overall["Relogés hors site"] == fmt.share_with_n(total["offsite_share_num"],
                                                           total["offsite_share_den"])
    assert overall["Compensation ANRU"].startswith(fmt.euros(total["rent_compensation_eur"]))
    assert "nan" not in table.to_string().lower()


def test_quality_marks_small_populations(small_db_path, tmp_path, monkeypatch):
    path = tmp_path / "small.duckdb"  # the app signs in with an account it adds: a copy
    shutil.copy(small_db_path, path)
    at = start(path, monkeypatch, date="2009-06-01")
    at.switch_page("pages/quality.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "effectif faible" in table.loc["Relogés hors site", "Ensemble du périmètre"]


def test_map_page(demo_db_path, demo_db, monkeypatch):
    from relog_data import geo

    at = start(demo_db_path, monkeypatch, operation="VAULX-MDT")
    at.switch_page("pages/map_view.py").run()
    assert not at.exception
    scope = Scope(operations=("VAULX-MDT",), as_of=date(2009, 6, 30))
    aggregates = geo.commune_aggregates(demo_db, scope)
    table = at.dataframe[0].value
    assert table["Commune"].tolist() == aggregates["commune"].tolist()
    assert table["Ménages"].iloc[0] == fmt.integer(aggregates["households"].iloc[0])
    summary = geo.distance_summary(geo.destinations(demo_db, scope))
    shown = metrics(at)
    assert shown["Distance médiane"] == f"{fmt.number(summary['median'], 1)} km"
    assert shown["à 5 km ou moins"] == fmt.share(summary["within_5"])
    assert "508 relogements définitifs" in " ".join(m.value for m in at.markdown)


def test_report_page_generates_the_pack(demo_db_path, monkeypatch):
    at = start(demo_db_path, monkeypatch, date="2009-06-30", reference="2009-03-31")
    at.switch_page("pages/meeting_report.py").run()
    assert not at.exception
    assert at.radio[0].options == ["élus (séance de revue : agrégats seulement)",
                                   "partenaires du groupe technique (données pseudonymes)",
                                   "chargés de relogement"]
    at.button[0].click().run(timeout=180)
    assert not at.exception
    assert at.success and "Rapport prêt" in at.success[0].value
    labels = list(download_links(at))
    assert labels == ["Télécharger le rapport (PDF)", "Télécharger l'annexe (Excel)"]


# -- the one-sentence headline and the elected officials' Synthèse (issue 16) -------------------
def subheaders(at):
    return [s.value for s in at.subheader]


def test_summary_opens_with_one_sentence_for_staff_too(demo_db_path, demo_db, monkeypatch):
    from relog_data import wording

    at = start(demo_db_path, monkeypatch)
    scope = Scope(as_of=date(2009, 6, 30))
    total = ind.kpis(demo_db, scope).query("is_total").iloc[0]
    projected = ind.projection(demo_db, scope).query("is_total").iloc[0]
    sentence = wording.headline(total, projected)
    # the demo at 30/06/2009: 845 / 1 129 done, 284 left, end in April 2011 (+3,3 months)
    assert sentence == ("75\u00a0% des ménages relogés ou partis ; 284 restent à reloger ; "
                        "fin estimée en avril 2011, 3 mois après la date prévue.")
    assert subheaders(at)[0] == fmt.md_escape(sentence)


def _elu_fetch(db, *args):
    from relog_data import access

    return access.fetch(db, access.Viewer("elu"), *args)


def test_elu_summary_speaks_in_one_sentence_and_hides_with_s(demo_db_path, demo_db,
                                                             monkeypatch):
    """What the release contract promises the elected officials' Synthèse: the
    sentence from the published figures, shares first, « s » for every hidden
    cell, never « < 5 » (the label told the reader the value was 1 to 4)."""
    from relog_data import privacy, wording

    assert privacy.HIDDEN == "s"
    at = start_app(demo_db_path, monkeypatch, demo_role="elu")
    assert not at.exception, at.exception
    scope = Scope(as_of=date(2009, 6, 30))
    total = _elu_fetch(demo_db, "indicators", "kpis", scope, "total").query("is_total").iloc[0]
    projection = _elu_fetch(demo_db, "indicators", "projection", scope)
    sentence = wording.headline(total, projection.query("is_total").iloc[0])
    assert sentence and subheaders(at)[0] == fmt.md_escape(sentence)
    shown = [d.value.astype(str) for d in at.dataframe]
    for frame in shown:
        assert not frame.apply(lambda col: col.str.contains("< 5", regex=False)).any().any()
    assert all("< 5" not in m.value for m in at.metric)
    assert all("< 5" not in c.value for c in at.caption)
    table = next(t for t in shown if "Relogés + sorties / concernés" in t.columns)
    assert list(table.columns[:3]) == ["Opération", "Avancement",
                                       "Relogés + sorties / concernés"]
    overview = _elu_fetch(demo_db, "indicators", "operations_overview", scope)
    # per operation, officials see progress only: no rehoused / temporary / exits columns
    assert not {"Relogés", "Provisoires", "Sorties"} & set(table.columns)
    for column, source in (("Concernés", "households_total"),
                           ("Restant à reloger", "remaining")):
        expected = ["s" if fmt.is_missing(v) else fmt.integer(v) for v in overview[source]]
        assert table[column].tolist() == expected, column
        assert "—" not in table[column].tolist() and "0" not in [
            e for e, v in zip(table[column], overview[source]) if fmt.is_missing(v)]
    assert any(c.value.startswith(privacy.NOTE) for c in at.caption)


def test_elu_sidebar_offers_publication_dates_only(demo_db_path, demo_db, monkeypatch):
    """A link's date is snapped to the latest publication date on or before it;
    no phase nor landlord filter for an official (releases are per operation)."""
    at = start_app(demo_db_path, monkeypatch, demo_role="elu", date="2009-05-15",
                   reference="2008-11-20", phase="2")
    assert not at.exception, at.exception
    dates = _elu_fetch(demo_db, "release", "publication_dates")
    as_of = at.selectbox(key="filter_as_of")
    assert as_of.options == [fmt.day(d) for d in dates]
    assert as_of.value == date(2009, 3, 31)
    assert at.selectbox(key="filter_reference").value == date(2008, 9, 30)
    assert [m.label for m in at.multiselect] == ["Opérations"]
    assert at.query_params.get("date") in (["2009-03-31"], "2009-03-31")
    assert not at.query_params.get("phase")
    at.selectbox(key="filter_as_of").set_value(date(2008, 12, 31)).run()
    assert not at.exception
    assert at.query_params.get("date") in (["2008-12-31"], "2008-12-31")


def test_schedule_page_of_many_operations_draws_one_at_a_time(demo_db_path, demo_db,
                                                              monkeypatch):
    from relog_data import charts

    monkeypatch.setattr(charts, "GANTT_OPERATIONS", 2)  # the demo's few operations as "many"
    at = start(demo_db_path, monkeypatch)
    at.switch_page("pages/schedule.py").run()
    assert not at.exception
    timeline = ind.timeline(demo_db, Scope(as_of=date(2009, 6, 30)))
    slip = timeline.groupby("operation_name")["slippage_months"].max()
    box = next(b for b in at.selectbox if b.label.startswith("Opération dont afficher"))
    assert box.options == charts.slipped_first(timeline)  # tested by hand in test_report
    assert box.value == slip.idxmax()  # the most slipped first
    def drawn():
        chart = json.loads(at.get("plotly_chart")[0].proto.spec)
        return (unescape(chart["layout"]["title"]["text"]),
                {unescape(y) for trace in chart["data"] for y in trace.get("y", [])})

    def names(operation):  # its phases and buildings: the rows, without the operation's name
        return set(timeline.loc[timeline["operation_name"] == operation, "name"])

    title, rows = drawn()
    assert title.startswith(box.value) and rows == names(box.value)
    other = next(o for o in box.options if o != box.value)
    box.select(other).run()
    title, rows = drawn()
    assert title.startswith(other) and rows == names(other)
    # the tables keep every operation
    assert set(at.dataframe[0].value["Opération"]) | set(at.dataframe[1].value["Opération"]) \
        == set(slip.index)
