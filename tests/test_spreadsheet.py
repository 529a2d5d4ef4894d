"""Formula injection: data text that a spreadsheet would run as a formula comes
out of every CSV and workbook relog writes as text, and numbers stay numbers."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from relog_data import audit, export, model, spreadsheet
from relog_data.db import Database
from relog_data.export import export_workbook, table_frame, write_template, write_workbook
from relog_data.importer import import_sources
from relog_data.report import write_annex
from relog_data.sources import Source, sources_from_paths
from tests.conftest import ROOT, build_db, small_records, start_app

PLANTED = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


def prefixed(value: str) -> str:
    return "'" + value


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def all_cells(path) -> list:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


# -- the rule ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", PLANTED + ["-3", "+33 6 12 34 56 78", "=1+1", "\r=1", "@x"])
def test_text_read_as_a_formula_gets_an_apostrophe(text):
    assert spreadsheet.neutralise(text) == prefixed(text)


@pytest.mark.parametrize("value", [-3, -2.5, 0, True, False, None, date(2009, 6, 30),
                                   datetime(2009, 6, 30, 12, 0), pd.Timestamp("2009-06-30"),
                                   "Bron", "", "Mas du Taureau - phase 2", "'=déjà du texte",
                                   " =1"])
def test_numbers_dates_and_plain_text_are_left_alone(value):
    out = spreadsheet.neutralise(value)
    assert out is value or out == value
    assert type(out) is type(value)


def test_a_frame_is_neutralised_in_its_text_columns_only():
    frame = pd.DataFrame({
        "nom": PLANTED,
        "nombre": [-3, -2, 0, 1, 2],
        "montant": [-2.5, 1.0, None, 3.25, -0.5],
        "date": pd.to_datetime(["2009-06-30"] * 5),
        "oui": [True, False, True, False, True],
        "mêlé": ["-1", -1, None, "ok", 2.5],
        "code": pd.Categorical(["+1", "a", "a", "b", "+1"]),
    })
    before = frame.copy()
    out = spreadsheet.neutralise_frame(frame)
    assert out["nom"].tolist() == [prefixed(v) for v in PLANTED]
    assert out["mêlé"].tolist()[:2] == ["'-1", -1] and out["mêlé"].tolist()[3:] == ["ok", 2.5]
    assert out["code"].tolist() == ["'+1", "a", "a", "b", "'+1"]
    for column in ("nombre", "montant", "date", "oui"):
        pd.testing.assert_series_equal(out[column], frame[column])
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is not changed


def test_csv_bytes_are_french_and_neutralised():
    frame = pd.DataFrame({"nom": PLANTED, "nombre": [-3, 1, 2, 3, 4],
                          "montant": [-2.5, 1.0, 2.0, 3.0, 4.0]})
    data = spreadsheet.csv_bytes(frame)
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = csv_rows(data.decode("utf-8-sig"))
    assert rows[0] == ["nom", "nombre", "montant"]
    assert [r[0] for r in rows[1:]] == [prefixed(v) for v in PLANTED]
    assert rows[1][1:] == ["-3", "-2,5"]  # numbers stay numbers, with a decimal comma


# -- workbooks --------------------------------------------------------------------------------
def test_report_annex_writes_text_not_formulas(tmp_path):
    table = pd.DataFrame({"Opération": PLANTED, "Ménages": [-3, 1, 2, 3, 4],
                          "Code": ["0123", "http://exemple.fr", "mailto:a@b.fr", "{=1+1}", "x"]})
    indexed = pd.DataFrame({"Ménages": [5]}, index=pd.Index(["=1+1"], name="Opération"))
    out = write_annex({"Avancement par opération": table, "Par opération": indexed},
                      tmp_path / "annexe.xlsx")
    cells = all_cells(out)
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.coordinate for c in cells if c.hyperlink is not None]
    values = {c.value: c for c in cells}
    for text in PLANTED + ["=1+1"]:
        assert values[prefixed(text)].data_type == "s"
    for text in ("0123", "http://exemple.fr", "mailto:a@b.fr", "{=1+1}"):
        assert values[text].data_type == "s"  # not a number, a link or an array formula
    assert values[-3].data_type == "n"


def test_every_workbook_is_opened_with_the_safe_options(tmp_path, monkeypatch):
    seen = []
    real = export.xlsxwriter.Workbook

    def recording(path, options=None):
        seen.append(dict(options or {}))
        return real(path, options)

    monkeypatch.setattr(export.xlsxwriter, "Workbook", recording)
    write_template(tmp_path / "modele.xlsx")
    write_workbook({}, tmp_path / "vide.xlsx")
    assert len(seen) == 2
    for options in seen:
        assert options["strings_to_formulas"] is False
        assert options["strings_to_urls"] is False
        assert options.get("strings_to_numbers", False) is False


def hostile_records() -> dict[str, list[dict]]:
    records = small_records()
    records["operations"][0]["name"] = "=x"
    records["operations"][1]["name"] = PLANTED[0]
    records["buildings"][0]["name"] = PLANTED[1]
    records["buildings"][1]["address"] = PLANTED[2]
    records["households"][5]["officer"] = PLANTED[3]  # H6, still to rehouse
    records["households"][0]["holder_name"] = "-3"
    records["moves"][1]["address"] = "=x"
    records["vacancies"] = [dict(
        vacancy_id="@SUM(A1)", landlord=PLANTED[0], commune=PLANTED[1], insee_code="69029",
        address=PLANTED[2], latitude=45.74, longitude=4.91, typology="T3", surface_m2=60.0,
        rent=300.0, financing="PLUS", quota="bailleur", new_or_recent=True, in_qpv=False,
        available_date=date(2009, 9, 1), status="disponible")]
    return records


@pytest.fixture(scope="module")
def hostile_db_path(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("hostile") / "hostile.duckdb", hostile_records())


def test_full_export_keeps_formula_text_literal_and_round_trips(hostile_db_path, tmp_path):
    with Database(hostile_db_path) as db:
        out = export_workbook(db, tmp_path / "export.xlsx")
        cells = all_cells(out)
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        texts = {c.value for c in cells if c.data_type == "s"}
        # the export is imported again: the text as typed, no apostrophe
        assert {"=x", "-3", "@SUM(A1)"} | set(PLANTED[:4]) <= texts
        assert not any(str(t).startswith("'") for t in texts)
        with Database(tmp_path / "copie.duckdb", read_only=False, create=True) as copy:
            report = import_sources(copy, sources_from_paths([out]))
            assert report.committed, report.problems_frame().to_string()
            for table in model.TABLES:
                pd.testing.assert_frame_equal(table_frame(db, table), table_frame(copy, table),
                                              check_dtype=False, obj=table.name)
            names = copy.query_text("SELECT name FROM operations ORDER BY operation_code")
            assert names["name"].tolist() == ["=x", PLANTED[0]]


# -- CSV files: command line and pages ---------------------------------------------------------
@pytest.fixture()
def audited_db_path(hostile_db_path, tmp_path):
    path = tmp_path / "audit.duckdb"
    shutil.copy(hostile_db_path, path)
    with Database(path, read_only=False) as db:
        for text in PLANTED:  # what anyone may type as a login on the sign-in form
            audit.log(db, "échec de connexion", detail=text, login=text)
    return path


def assert_neutralised(rows: list[list[str]]) -> None:
    fields = [f for row in rows for f in row]
    for text in PLANTED:
        assert prefixed(text) in fields, text
        assert text not in fields, text
    assert not [f for f in fields if f[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_command_line_audit_csv_is_neutralised(audited_db_path, tmp_path):
    out = tmp_path / "journal.csv"
    run = subprocess.run([sys.executable, "-m", "relog_data", "audit", "--db",
                          str(audited_db_path), "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    rows = csv_rows(out.read_text(encoding="utf-8-sig"))
    assert rows[0] == ["entry_id", "logged_at", "login", "role", "action", "detail"]
    assert_neutralised(rows)
    printed = subprocess.run([sys.executable, "-m", "relog_data", "audit", "--db",
                              str(audited_db_path)], capture_output=True, text=True, cwd=ROOT)
    assert_neutralised(csv_rows(printed.stdout))


def test_csv_downloads_of_the_pages_are_neutralised(audited_db_path, monkeypatch):
    """Matches (Offre et besoins), audit log (Comptes et journal), import
    problems (Import des données), the households list (Ménages) and survey
    figures (Satisfaction): each page offers its CSV (spreadsheet.csv_bytes,
    written when the link is followed); the file each link serves is checked."""
    from relog_data import downloads
    from tests.conftest import download_links

    with Database(audited_db_path, read_only=False) as db:
        problems = import_sources(db, [Source("menages.csv", (
            "id_menage;code_batiment;nb_personnes;statut;date_enquete\n"
            "H1;A1;+1+1;@SUM(A1);-2+3\n").encode())], dry_run=True)
    assert not problems.committed and problems.errors
    at = start_app(audited_db_path, monkeypatch)
    assert not at.exception, at.exception

    def page_csv(page: str, header: str) -> list[list[str]]:
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, (page, at.exception)
        token = at.session_state["access_token"]
        served = []
        for url in download_links(at).values():
            item = downloads.REGISTRY.take(url.rsplit("/", 1)[1], token)
            if item is not None and item.mime == "text/csv":
                served.append(item.content().decode("utf-8-sig"))
        found = [csv_rows(t) for t in served if header in t.splitlines()[0]]
        assert found, (page, served)
        return found[0]

    matches = page_csv("supply_needs", "bailleur")
    assert matches[0][2:7] == ["logement", "bailleur", "commune", "typologie", "loyer"]
    assert len(matches) > 1
    for row in matches[1:]:
        assert row[2:5] == ["'@SUM(A1)", prefixed(PLANTED[0]), prefixed(PLANTED[1])]
        assert row[6] == "300,0"  # the rent stays a number
    log = page_csv("admin_log", "Qui")
    assert_neutralised([r[1:] for r in log[1:]])
    at.session_state["import_done"] = problems  # the page shows the report of an import
    checks = page_csv("data_import", "Valeur")
    values = [r[checks[0].index("Valeur")] for r in checks[1:]]
    assert sorted(values) == sorted(["'+1+1", "'@SUM(A1)", "'-2+3"])
    assert [r[checks[0].index("Ligne")] for r in checks[1:]] == ["2", "2", "2"]
    listing = page_csv("households", "Ménage")  # the officer's list (#18)
    fields = [f for row in listing[1:] for f in row]
    for text in (PLANTED[0], PLANTED[1], PLANTED[3]):  # operation, building, officer
        assert prefixed(text) in fields and text not in fields, text
    assert not [f for f in fields if f[:1] in ("=", "+", "-", "@", "\t", "\r")]
    survey = page_csv("satisfaction", "libellé")
    assert len(survey) > 1 and not [f for r in survey for f in r if f.startswith("'")]
