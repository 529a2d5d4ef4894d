"""Truthful figures on any data, and contradictory data shown rather than hidden.

A fixture built like tests/conftest.py small_records (which it copies, so the
figures other tests rely on are untouched), with:
- a survey wave 3 answered (10/03 and 20/03/2008) partly by households not yet
  rehoused at the end of the wave;
- building A2 recorded as demolished on 15/01/2009 while H6 (en recherche) and
  H7 (à enquêter) still live in it;
- building B1 recorded as demolished on 01/01/2008 while H8 and H9 moved out
  only in March and April 2008 (rehoused since: not inhabited at D), and named
  "Bât. A1" like building A1 of the other operation;
- no plan: no phase has a number of households planned.
Every figure below is computed by hand from these records.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from relog_data import fmt, indicators as ind, survey
from relog_data.access import Viewer, fetch
from relog_data.checks import run_checks
from relog_data.db import Database
from relog_data.importer import import_sources
from relog_data.indicators import Scope
from relog_data.sources import Source
from tests.conftest import D, build_db, small_records, start_app

RULE = "ménage rattaché à un bâtiment démoli"
AS_OF = date(2009, 6, 1)


def _answer(hid, wave, when, info):
    return dict(household_id=hid, wave=wave, survey_date=when, q_information=info,
                q_interlocuteur=None, q_accompagnement=None, q_accompagnement_demenagement=None,
                q_logement=None, q_cadre_vie=None, q_avant_apres=None)


def contradiction_records() -> dict[str, list[dict]]:
    records = small_records()
    for building in records["buildings"]:
        if building["building_code"] == "A2":
            building["actual_demolition"] = D(2009, 1, 15)
        if building["building_code"] == "B1":
            building["actual_demolition"] = D(2008, 1, 1)
            building["name"] = "Bât. A1"  # the name of A1, in operation OPA
    for phase in records["phases"]:
        phase["households_planned"] = None
    records["survey_answers"] += [
        _answer("H1", 3, D(2008, 3, 10), "très satisfaisant"),  # moved 01/03/2008
        _answer("H2", 3, D(2008, 3, 20), "plutôt satisfaisant"),  # moved 15/03/2008
        _answer("H9", 3, D(2008, 3, 20), "plutôt satisfaisant"),  # moves only 01/04/2008
    ]
    return records


@pytest.fixture(scope="module")
def contra_path(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("contra") / "contra.duckdb",
                    contradiction_records())


@pytest.fixture()
def contra_db(contra_path):
    db = Database(contra_path, read_only=True)
    yield db
    db.close()


# -- 4. response rate ------------------------------------------------------------------------
def test_response_rate_counts_only_eligible_households(contra_db):
    waves = survey.waves(contra_db).set_index("wave")
    # wave 3 ends 20/03/2008. Definitive moves (the latest) on or before: H1 01/03,
    # H2 15/03, H8 01/03 -> 3 eligible (H3's latest is 01/06, H9's 01/04).
    # H1 and H2 answered; H9 answered before its move: hors champ.
    w3 = waves.loc[3]
    assert (w3["eligible"], w3["respondents"], w3["out_of_scope_respondents"]) == (3, 2, 1)
    assert w3["response_rate"] == pytest.approx(2 / 3)
    # the former rule (3 answers / 2 rehoused before 10/03/2008) read 150 %
    assert (waves["response_rate"] <= 1).all()
    # months since the move, eligible respondents only: 9 and 5 days
    assert w3["median_months_since_move"] == pytest.approx(7 / 30.4375)
    # wave 1 (01/10/2008): H1 H2 H3 H8 H9 eligible, H1 H2 answered
    assert (waves.loc[1, "eligible"], waves.loc[1, "respondents"]) == (5, 2)


def test_response_rate_is_on_the_definitions_page_text():
    defs = ind.definitions().set_index("key")
    text = defs.loc["response_rate", "definition"]
    assert "dernière date d'enquête" in text and "100 %" in text
    assert "demolished_inhabited" in defs.index


@pytest.mark.parametrize("value,text", [
    (0.0412, "p = 0,041"), (0.001, "p = 0,001"), (0.00099, "p < 0,001"),
    (3e-12, "p < 0,001"), (0.0, "p < 0,001"), (None, "—"), (float("nan"), "—"),
])
def test_p_value_format(value, text):
    assert fmt.p_value(value) == text


def test_tiny_p_value_in_the_comparison_table():
    import pandas as pd
    rows = []
    for wave, (n, k) in {1: (100, 5), 2: (100, 95)}.items():
        for question in survey.QUESTION_LABELS:
            rows.append(dict(question=question, wave=wave, n_answers=n, n_satisfied=k,
                             satisfied_share=k / n, ci_low=0.0, ci_high=1.0))
    table = survey.comparison_table(pd.DataFrame(rows), 1, 2)
    assert survey.fisher_exact(5, 95, 95, 5) < 1e-3
    assert set(table["Écart significatif ?"]) == {"oui (p < 0,001)"}
    assert "0,000" not in table.to_string()


# -- 5. demolished but inhabited -------------------------------------------------------------
def test_checks_warn_for_each_household_in_a_demolished_building(contra_db):
    checks = run_checks(contra_db)
    found = checks[checks["rule"] == RULE]
    # A2: H6, H7 never moved; B1: H8 (01/03/2008) and H9 (01/04/2008) after 01/01/2008
    assert sorted(zip(found["row_key"], found["value"])) == [
        ("H6", "A2"), ("H7", "A2"), ("H8", "B1"), ("H9", "B1")]
    assert set(found["severity"]) == {"avertissement"}
    assert set(found["sheet"]) == {"menages"}
    assert "15/01/2009" in found.set_index("row_key").loc["H6", "message"]


def test_no_such_warning_on_the_original_fixture(small_db):
    assert not (run_checks(small_db)["rule"] == RULE).any()


def test_import_warns_with_sheet_row_and_value(small_db_path, tmp_path):
    path = tmp_path / "work.duckdb"
    shutil.copy(small_db_path, path)
    with Database(path, read_only=False) as db:
        report = import_sources(db, [
            Source("batiments.csv", (
                "code_batiment;code_operation;numero_phase;nom;nb_logements;bailleur;"
                "date_demolition_prevue;date_demolition_reelle\n"
                "A2;OPA;2;Bât. A2;10;Bailleur A;30/06/2010;15/01/2009\n").encode()),
            Source("menages.csv", (
                "id_menage;code_batiment;nb_personnes;statut;date_enquete\n"
                "H6;A2;3;en recherche;01/04/2007\n").encode()),
        ])
        assert report.committed, report.problems_frame().to_string()
        mine = [p for p in report.warnings if "démoli" in p.message]
        got = sorted(((p.sheet, p.row, p.column, p.value, p.file) for p in mine),
                     key=lambda t: t[1] or 0, reverse=True)
        # H6 is row 2 of menages.csv; H7 is only in the database
        assert got == [("menages", 2, "code_batiment", "A2", "menages.csv"),
                       ("menages", None, "code_batiment", "A2", "(base existante)")]


@pytest.mark.parametrize("when,expected", [
    (date(2008, 12, 1), []),  # A2 not demolished yet, its planned date 18 months away
    (AS_OF, [("A2", 2, True)]),  # demolished 15/01/2009, H6 and H7 inside; B1 empty
])
def test_demolished_inhabited_buildings_are_at_risk(contra_db, when, expected):
    risk = ind.buildings_at_risk(contra_db, Scope(as_of=when))
    assert [(r.building_code, r.still_inside, bool(r.demolished))
            for r in risk.itertuples()] == expected


def test_attention_point_and_contradiction_counts(contra_db):
    scope = Scope(as_of=AS_OF)
    points = [p for p in ind.attention_points(contra_db, scope)
              if p["kind"] == "bâtiment démoli encore habité"]
    assert len(points) == 1 and points[0]["count"] == 2
    assert "bâtiment démoli (le 15/01/2009), 2 ménage(s) encore rattaché(s) — données à " \
           "corriger" in points[0]["text"]
    assert not any(p["kind"] == "bâtiment à risque" for p in ind.attention_points(
        contra_db, scope))
    found = ind.data_contradictions(contra_db, scope).set_index("kind")
    assert (found.loc["demolished_inhabited", "buildings"],
            found.loc["demolished_inhabited", "households"]) == (1, 2)
    # only OPB in scope: B1 is demolished but empty
    none = ind.data_contradictions(contra_db, Scope(operations=("OPB",), as_of=AS_OF))
    assert (none["buildings"].iloc[0], none["households"].iloc[0]) == (0, 0)


def test_elected_officials_see_small_counts_suppressed(contra_db):
    found = fetch(contra_db, Viewer("elu"), "indicators", "data_contradictions",
                  Scope(as_of=AS_OF))
    assert fmt.is_missing(found["households"].iloc[0])  # 2 < 5
    assert found["buildings"].iloc[0] == 1


def _app(contra_path, tmp_path, monkeypatch):
    copy = tmp_path / "app.duckdb"  # start_app adds an account: work on a copy
    shutil.copy(contra_path, copy)
    return start_app(copy, monkeypatch, as_of="2009-06-01")


def test_progress_page_agrees_with_the_synoptic(contra_path, tmp_path, monkeypatch):
    at = _app(contra_path, tmp_path, monkeypatch)
    at.switch_page("pages/progress.py").run()
    assert not at.exception
    assert not any("n'abrite encore" in s.value for s in at.success)
    assert any("données à corriger" in e.value for e in at.error)
    risk = next(d.value for d in at.dataframe
                if "Ménages encore dans le bâtiment" in d.value.columns)
    assert risk["Bâtiment"].tolist() == ["Bât. A2"]
    assert risk["Échéance"].iloc[0] == "démoli le 15/01/2009 — données à corriger"
    assert risk["Ménages encore dans le bâtiment"].iloc[0] == "2 / 2"


def test_quality_page_counts_contradictions(contra_path, tmp_path, monkeypatch):
    at = _app(contra_path, tmp_path, monkeypatch)
    at.switch_page("pages/quality.py").run()
    assert not at.exception
    assert any(s.value == "Qualité des données" for s in at.subheader)
    table = next(d.value for d in at.dataframe if "Contradiction" in d.value.columns)
    row = table.set_index("Contradiction").loc["Bâtiment démoli encore habité"]
    assert (row["Bâtiments"], row["Ménages concernés"]) == ("1", "2")


def test_satisfaction_page_never_shows_a_rate_above_100(contra_path, tmp_path, monkeypatch):
    at = _app(contra_path, tmp_path, monkeypatch)
    at.switch_page("pages/satisfaction.py").run()
    assert not at.exception
    waves = at.dataframe[0].value.set_index("Vague")
    assert waves.loc["Vague 3", "Taux de réponse"].startswith(f"66,7{fmt.NBSP}% (2 / 3 ")
    assert waves.loc["Vague 3", "Réponses hors champ"] == "1"


# -- 4. plan line, demo sentences, buildings sharing a name -----------------------------------
def _trace_names(figure) -> list[str]:
    return [t.name for t in figure.data]


def test_plan_line_only_where_a_plan_exists(contra_db, small_db):
    from relog_data import charts
    scope = Scope(as_of=AS_OF)
    series = ind.progress_series(contra_db, scope)
    assert series["planned"].isna().all()  # no plan entered: no figure, not 0
    assert series["done"].iloc[-1] == 6  # H1 H2 H3 H4 H8 H9
    figure = charts.progress_curve(series, None, "t")
    assert "prévu (plan de relogement)" not in _trace_names(figure)
    planned = ind.progress_series(small_db, scope)
    assert "prévu (plan de relogement)" in _trace_names(charts.progress_curve(planned, None, "t"))


def test_gantt_keeps_buildings_of_the_same_name_apart(contra_db):
    from relog_data import charts
    timeline = ind.timeline(contra_db, Scope(as_of=AS_OF))
    figure = charts.gantt(timeline, AS_OF, "t")
    shown = {y for trace in figure.data for y in (trace.y or ())}
    assert {"Opération OPA · Bât. A1", "Opération OPB · Bât. A1"} <= shown


def test_pages_label_buildings_with_their_operation(contra_path, tmp_path, monkeypatch):
    import json
    at = _app(contra_path, tmp_path, monkeypatch)
    at.switch_page("pages/synoptic.py").run()
    assert not at.exception
    text = " ".join(h.proto.body for h in at.get("html"))
    assert "Opération OPA · Bât. A1" in text and "Opération OPB · Bât. A1" in text
    assert "bâtiment démoli encore habité : données à corriger" in text
    at.switch_page("pages/progress.py").run()
    at.radio(key="progress_level").set_value("building").run()
    assert not at.exception
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)
    axis = {y for trace in bars["data"] for y in trace.get("y", [])}
    assert any(y.startswith("Opération OPA · Bât. A1 (n = 5)") for y in axis)
    assert any(y.startswith("Opération OPB · Bât. A1 (n = 2)") for y in axis)
    curve = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert "prévu (plan de relogement)" not in [t.get("name") for t in curve["data"]]


def test_demo_sentences_only_on_the_demo(contra_path, demo_db_path, tmp_path, monkeypatch):
    at = _app(contra_path, tmp_path, monkeypatch)
    at.switch_page("pages/summary.py").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "décohabitation" in captions and "Champratel" not in captions
    demo = start_app(demo_db_path, monkeypatch)
    demo.switch_page("pages/summary.py").run()
    assert "Champratel : 97 pour 92 prévus" in " ".join(c.value for c in demo.caption)
