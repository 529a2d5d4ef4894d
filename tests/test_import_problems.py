"""Issue #17, items 3, 5 and 7: import problems that say how to fix them (sorted,
lettered, labelled as the template writes the column, with a suggestion for a
near code value), dates and amounts as people write them, French headers
everywhere in the template."""

import shutil
import string
import subprocess
import sys
from datetime import date

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from streamlit.testing.v1 import AppTest

from relog_data import codes, model
from relog_data.export import write_template
from relog_data.importer import ImportReport, Problem, import_sources
from relog_data.parsing import parse_column
from relog_data.sources import Source, sources_from_paths
from tests.conftest import ROOT


@pytest.fixture()
def db(writable_small_db):
    return writable_small_db


def letter(index: int) -> str:
    assert index < 26  # the test's headers are short
    return string.ascii_uppercase[index]


def workbook(path, sheets: dict[str, list[list]]):
    """An .xlsx with the sheets in the order given (text cells only)."""
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value not in (None, ""):
                    sheet.write_string(i, j, str(value))
    book.close()
    return path


# Sheets in the "wrong" order (propositions before menages), columns in an order of
# their own: the expected letters are computed from these headers.
OFFERS_HEADER = ["rang", "id_menage", "reponse", "bailleur", "date_proposition"]
HOUSEHOLDS_HEADER = ["statut", "id_menage", "nb_personnes", "code_batiment",
                     "souhait_localisation", "date_enquete", "couleur"]
MIXED = {
    "propositions": [OFFERS_HEADER,
                     ["1", "H7", "aceptée", "Bailleur", "16 mars 2022"],
                     ["2", "H7", "en attente", "Bailleur", "16/03/85"]],
    "menages": [HOUSEHOLDS_HEADER,
                ["en recherch", "H20", "2", "A1", "", "", ""],
                ["à enquêter", "H21", "deux", "A1", "", "", ""],
                ["parti", "H22", "2", "A1", "indiférent", "", ""],
                ["à enquêter", "H23", "2", "A1", "", "", ""]],
}


def template_headers(tmp_path) -> dict[str, list[str]]:
    book = openpyxl.load_workbook(write_template(tmp_path / "modele.xlsx"), read_only=True)
    return {name: [c.value for c in next(book[name].iter_rows(max_row=1))]
            for name in book.sheetnames}


def test_errors_are_sorted_lettered_labelled_and_suggested(db, tmp_path):
    path = workbook(tmp_path / "saisie.xlsx", MIXED)
    report = import_sources(db, sources_from_paths([path]), dry_run=True)
    h, o = HOUSEHOLDS_HEADER.index, OFFERS_HEADER.index
    expected = [
        ("menages", 2, letter(h("statut")), "statut", "en recherch", "Valeur hors liste",
         "en recherche"),
        ("menages", 3, letter(h("nb_personnes")), "nb_personnes", "deux",
         "Nombre entier non reconnu", None),
        ("menages", 4, letter(h("statut")), "statut", "parti", "Valeur hors liste", None),
        ("menages", 4, letter(h("souhait_localisation")), "souhait_localisation", "indiférent",
         "Valeur hors liste", "indifférent"),
        ("propositions", 2, letter(o("reponse")), "reponse", "aceptée", "Valeur hors liste",
         "acceptée"),
        ("propositions", 3, letter(o("date_proposition")), "date_proposition", "16/03/85",
         "Année à deux chiffres", None),
    ]
    assert [(p.sheet, p.row, p.letter, p.column, p.value, p.kind, p.suggestion)
            for p in report.errors] == expected
    # the warnings come after every error
    severities = [p.severity for p in report.sorted_problems()]
    assert "avertissement" in severities
    assert severities == sorted(severities, key=lambda s: s != "erreur")
    unknown = [p for p in report.warnings if p.kind == "Colonne inconnue"]
    assert [(p.row, p.letter, p.column) for p in unknown] == [
        (1, letter(h("couleur")), "couleur")]
    # the column names are those the template's header rows write
    headers = template_headers(tmp_path)
    for p in report.errors:
        assert p.column in headers[p.sheet]
    # the table for screens and CSV: French headers, sorted like the errors
    frame = report.problems_frame()
    assert {"Colonne (lettre)", "Suggestion", "Type"} <= set(frame.columns)
    assert frame["Colonne (lettre)"].tolist()[:6] == [e[2] for e in expected]
    assert frame["Suggestion"].tolist()[:6] == [e[6] or "" for e in expected]
    assert "None" not in frame.to_csv()


def test_a_missing_column_says_where_to_add_it_without_none(db):
    header = ["id_menage", "code_batiment", "nb_personnes", "statu"]
    text = ";".join(header) + "\nH20;A1;2;à enquêter\n"
    report = import_sources(db, [Source("menages.csv", text.encode())], dry_run=True)
    (p,) = report.errors
    assert (p.kind, p.row, p.column, p.value) == ("Colonne obligatoire absente", 1, "statut",
                                                  None)
    free = letter(len(header))
    assert p.letter == free
    assert f"en colonne {free}" in p.message and "« statut »" in p.message
    assert f"« statu » (colonne {letter(header.index('statu'))})" in p.message
    assert p.suggestion == "statut"  # the misspelt header, as a suggestion
    frame = report.problems_frame()
    assert "None" not in frame.to_csv() and "None" not in p.message
    assert frame.loc[frame["Type"] == "Colonne obligatoire absente", "Valeur"].tolist() == [""]


def test_far_off_values_get_no_suggestion(db):
    text = "id_menage;code_batiment;nb_personnes;statut;souhait_localisation\n" \
           "H20;A1;2;zzzz;ailleurs\n"
    report = import_sources(db, [Source("menages.csv", text.encode())], dry_run=True)
    assert [(p.value, p.suggestion) for p in report.errors] == [("zzzz", None),
                                                                ("ailleurs", None)]


def test_nine_month_only_dates_are_one_group_of_nine_and_imported_as_the_first(db):
    rows = "".join(f"H{20 + i};A1;2;à enquêter;mars 2022\n" for i in range(9))
    text = "id_menage;code_batiment;nb_personnes;statut;date_enquete\n" + rows
    report = import_sources(db, [Source("menages.csv", text.encode())])
    assert report.committed, report.problems_frame().to_string()
    groups = [g for g in report.groups(first=3) if g["kind"] == "Date sans jour"]
    assert len(groups) == 1
    (group,) = groups
    assert (group["severity"], group["count"], len(group["problems"])) == ("avertissement", 9, 3)
    assert [p.row for p in group["problems"]] == [2, 3, 4]
    assert all(p.letter == "E" and p.column == "date_enquete" for p in group["problems"])
    assert "date sans jour : le 1er du mois a été retenu" in group["problems"][0].message
    stored = db.query_text("SELECT DISTINCT diagnosis_date FROM households "
                           "WHERE household_id BETWEEN 'H20' AND 'H28'")
    assert stored["diagnosis_date"].tolist() == [pd.Timestamp(2022, 3, 1)]


def test_errors_group_before_warnings(db):
    report = ImportReport(problems=[
        Problem("avertissement", "f.xlsx", "menages", 2 + i, "date_enquete", "mars 2022", "m",
                "E", "Date sans jour") for i in range(9)
    ] + [Problem("erreur", "f.xlsx", "propositions", 2, "reponse", "x", "m", "C",
                 "Valeur hors liste")])
    groups = report.groups()
    assert [(g["severity"], g["kind"], g["count"]) for g in groups] == [
        ("erreur", "Valeur hors liste", 1), ("avertissement", "Date sans jour", 9)]


DATE = model.TABLES_BY_NAME["households"].column("diagnosis_date")


@pytest.mark.parametrize("text,expected", [
    ("16/03/2022", date(2022, 3, 16)),
    ("16.03.2022", date(2022, 3, 16)),
    ("16-03-2022", date(2022, 3, 16)),
    ("16/03/22", date(2022, 3, 16)),
    ("16/03/69", date(2069, 3, 16)),
    ("16/03/00", date(2000, 3, 16)),
    ("2022-03-16", date(2022, 3, 16)),
    ("16 mars 2022", date(2022, 3, 16)),
    ("16 MARS 2022", date(2022, 3, 16)),
    ("16 mars 22", date(2022, 3, 16)),
    ("16-mars-22", date(2022, 3, 16)),
    ("1er mars 2022", date(2022, 3, 1)),
    ("mardi 1er mars 2022", date(2022, 3, 1)),
    ("3 févr. 2021", date(2021, 2, 3)),
    ("3 fevrier 2021", date(2021, 2, 3)),
    ("3 fev 2021", date(2021, 2, 3)),
    ("12 janv. 2020", date(2020, 1, 12)),
    ("5 sept. 2019", date(2019, 9, 5)),
    ("5 sept 2019", date(2019, 9, 5)),
    ("15 août 2018", date(2018, 8, 15)),
    ("15 aout 2018", date(2018, 8, 15)),
    ("31 déc. 2010", date(2010, 12, 31)),
    ("7 juil. 2015", date(2015, 7, 7)),
])
def test_dates_as_people_write_them(text, expected):
    values, blank, bad, notes = parse_column(DATE, [text])
    assert (values, bad.tolist(), notes) == ([expected], [False], [None])


@pytest.mark.parametrize("text,expected", [
    ("mars 2022", date(2022, 3, 1)), ("Août 2020", date(2020, 8, 1)),
    ("03/2022", date(2022, 3, 1)),
])
def test_a_month_without_a_day_is_the_first_with_a_warning(text, expected):
    values, _, bad, notes = parse_column(DATE, [text])
    assert (values, bad.tolist()) == ([expected], [False])
    assert notes[0].kind == "Date sans jour"
    assert notes[0].message == (f"« {text} » : date sans jour : le 1er du mois a été retenu "
                                f"({expected:%d/%m/%Y}).")


@pytest.mark.parametrize("text,kind,words", [
    ("16/03/85", "Année à deux chiffres", ["écrivez 1985 ou 2085", "de 00 à 69"]),
    ("16 mars 99", "Année à deux chiffres", ["écrivez 1999 ou 2099"]),
    ("mars 22", "Année à deux chiffres", ["jour ou année", "mars 2022"]),
    ("16 mars", "Date sans année", ["date sans année"]),
    ("31/02/2022", "Date impossible", ["le 31 février 2022 n'existe pas"]),
    ("16/13/2022", "Date impossible", ["pas de mois 13"]),
    ("16 jui 2022", None, []),  # juin or juillet: not guessed
    ("31/12/9999", "Date hors période", ["1900 à 2100"]),
])
def test_refused_dates_say_why(text, kind, words):
    values, _, bad, notes = parse_column(DATE, [text])
    assert (values, bad.tolist()) == ([None], [True])
    assert (notes[0].kind if notes[0] else None) == kind
    for word in words:
        assert word in notes[0].message


def test_a_refused_date_reaches_the_report_with_its_reason(db):
    text = "id_menage;code_batiment;nb_personnes;statut;date_enquete\n" \
           "H20;A1;2;à enquêter;16/03/85\nH21;A1;2;à enquêter;bientôt\n"
    report = import_sources(db, [Source("menages.csv", text.encode())], dry_run=True)
    first, second = report.errors
    assert (first.kind, first.letter) == ("Année à deux chiffres", "E")
    assert "écrivez 1985 ou 2085" in first.message
    assert second.kind == "Date non reconnue"
    for form in ("31/03/2008", "31.03.2008", "31/03/08", "31 mars 2008"):
        assert form in second.message  # the forms accepted


RENT = model.TABLES_BY_NAME["offers"].column("rent")


@pytest.mark.parametrize("text,expected", [
    ("1 234,50 €", 1234.5), ("1\u00a0234,50 €", 1234.5), ("1\u202f234,50", 1234.5),
    ("1234.5", 1234.5), ("1.234,50", 1234.5), ("1,234.50", 1234.5), ("450 €", 450.0),
    ("450 euros", 450.0), ("450 EUR", 450.0), ("450€", 450.0), ("12,5", 12.5),
    ("1.234.567", 1234567.0),
])
def test_amounts_as_people_write_them(text, expected):
    values, _, bad, _ = parse_column(RENT, [text])
    assert (values, bad.tolist()) == ([expected], [False])


@pytest.mark.parametrize("text", ["1.2.3", "1,23,4", "douze", "12 dollars", "1.23,4"])
def test_unreadable_amounts_are_refused(text):
    values, _, bad, _ = parse_column(RENT, [text])
    assert (values, bad.tolist()) == ([None], [True])


def test_the_lists_sheet_and_every_template_header_are_french(tmp_path):
    headers = template_headers(tmp_path)
    lists = headers["Listes"]
    english = {c.name for c in codes.ALL_CODE_LISTS} | {"booleen"}
    assert not english & set(lists)
    assert lists[:3] == ["Type d'intervention", "Mode de conduite", "Composition du ménage"]
    assert "Statut du ménage" in lists and "Oui / non" == lists[-1]
    assert len(lists) == len(codes.ALL_CODE_LISTS) + 1
    for table in model.TABLES:  # the data sheets: the dictionary's French names
        assert headers[table.sheet] == [c.french for c in table.columns]
        assert not {c.name for c in table.columns if c.name != c.french} & set(
            headers[table.sheet])
    assert headers["Lisez-moi"][0].startswith("relog")


def test_command_line_prints_sorted_lettered_problems(small_db_path, tmp_path):
    path = workbook(tmp_path / "saisie.xlsx", MIXED)
    database = shutil.copy(small_db_path, tmp_path / "copie.duckdb")
    result = subprocess.run([sys.executable, "-m", "relog_data", "import", str(path), "--db",
                             str(database), "--dry-run"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("ERREUR")]
    h = HOUSEHOLDS_HEADER.index
    assert len(lines) == 6
    assert f"ligne 2 · colonne {letter(h('statut'))} (statut) · valeur « en recherch »" \
        in lines[0]
    assert lines[0].endswith("Suggestion : « en recherche » ?")
    assert "ligne 3 · colonne C (nb_personnes)" in lines[1] and "Suggestion" not in lines[1]
    assert f"colonne {letter(h('souhait_localisation'))} (souhait_localisation)" in lines[3]
    assert lines[3].endswith("Suggestion : « indifférent » ?")
    assert "feuille propositions" in lines[4] and "feuille propositions" in lines[5]
    assert "None" not in result.stdout


def _render(report):
    from pages._import_problems import show_problems

    show_problems(report)


def test_the_page_shows_errors_first_then_warnings_by_kind():
    problems = [Problem("avertissement", "f.xlsx", "menages", 2 + i, "date_enquete",
                        "mars 2022", "« mars 2022 » : date sans jour.", "E", "Date sans jour")
                for i in range(9)]
    problems += [Problem("erreur", "f.xlsx", "menages", 5, "statut", "en recherch",
                         "Valeur inconnue.", "A", "Valeur hors liste", "en recherche"),
                 Problem("erreur", "f.xlsx", "menages", 3, "statut", "parti",
                         "Valeur inconnue.", "A", "Valeur hors liste")]
    report = ImportReport(files=[{"name": "f.xlsx"}], problems=problems)
    at = AppTest.from_function(_render, args=(report,), default_timeout=30).run()
    assert not at.exception, at.exception
    assert "2 erreurs bloquantes, 9 avertissements" in at.markdown[0].value
    errors = at.dataframe[0].value
    assert errors["Ligne"].tolist() == [3, 5]
    assert errors["Suggestion"].tolist() == ["", "en recherche"]
    assert [e.label for e in at.expander] == ["Date sans jour — 9 lignes"]
    assert len(at.dataframe[1].value) == 9
