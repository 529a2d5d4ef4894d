"""Import and export of the tracking workbook."""

import shutil
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest
import xlsxwriter

from relog_data import model
from relog_data.db import Database
from relog_data.export import export_workbook, table_frame, write_template
from relog_data.importer import import_sources
from relog_data.sources import (MAX_BYTES, MAX_UPLOAD_MB, FileProblem, Source,
                                sources_from_paths)
from tests.conftest import ROOT


# -- helpers -----------------------------------------------------------------------------
def csv(name: str, text: str, encoding: str = "utf-8") -> Source:
    return Source(name, text.encode(encoding))


@pytest.fixture()
def db(writable_small_db):
    return writable_small_db


@pytest.fixture()
def empty_db(tmp_path):
    database = Database(tmp_path / "empty.duckdb", read_only=False, create=True)
    yield database
    database.close()


def snapshot(database) -> dict[str, pd.DataFrame]:
    tables = {t.name: table_frame(database, t) for t in model.TABLES}
    tables["import_log"] = database.query_text("SELECT * FROM import_log")
    return tables


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)


def errors(report):
    return [p for p in report.problems if p.severity == "erreur"]


def only_error(report):
    errs = errors(report)
    assert len(errs) == 1, [e.message for e in errs]
    return errs[0]


HOUSEHOLD_HEADER = "id_menage;code_batiment;nb_personnes;statut;date_enquete\n"


# -- round trip, idempotence, all or nothing ------------------------------------------------
def test_export_then_import_reproduces_the_demo(demo_db, empty_db, tmp_path):
    out = export_workbook(demo_db, tmp_path / "export.xlsx")
    report = import_sources(empty_db, sources_from_paths([out]))
    assert report.committed, report.problems_frame().to_string()
    for table in model.TABLES:
        pd.testing.assert_frame_equal(table_frame(demo_db, table), table_frame(empty_db, table),
                                      check_dtype=False, obj=table.name)
    assert report.summary["households"]["inserted"] == 1129


def test_importing_twice_changes_nothing(db, tmp_path):
    out = export_workbook(db, tmp_path / "export.xlsx")
    report = import_sources(db, sources_from_paths([out]))
    assert report.no_change and not report.committed  # quiet: nothing written (#17)
    assert all(s["inserted"] == 0 and s["updated"] == 0 for s in report.summary.values())
    before = snapshot(db)
    again = import_sources(db, sources_from_paths([out]))
    assert again.summary == report.summary
    after = snapshot(db)
    for name in before:
        if name != "import_log":
            pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def test_update_by_key_and_rows_absent_are_kept(db):
    report = import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER
                                     + "H7;A2;5;diagnostic réalisé;01/02/2009\n")])
    assert report.committed, report.problems_frame().to_string()
    assert report.summary["households"] == {"inserted": 0, "updated": 1, "unchanged": 0,
                                            "deleted": 0}
    rows = db.query_text("SELECT household_id, persons, status, holder_name FROM households "
                         "ORDER BY household_id")
    h7 = rows.set_index("household_id").loc["H7"]
    assert (h7["persons"], h7["status"]) == (5, "diagnostic réalisé")
    assert h7["holder_name"] == "Titulaire H7"  # a column absent from the file is kept
    assert len(rows) == 9  # rows absent from the file are kept


def test_refused_import_leaves_the_database_unchanged(db):
    before = snapshot(db)
    report = import_sources(db, [
        csv("menages.csv", HOUSEHOLD_HEADER + "H10;A1;2;à enquêter;\nH11;A1;0;à enquêter;\n"),
        csv("suivis.csv", "id_menage;date_contact\nH10;01/05/2009\n"),
    ])
    assert not report.committed
    assert only_error(report).row == 3
    assert_same(before, snapshot(db))
    assert not (db.path.parent / "backups").exists() or not any(
        (db.path.parent / "backups").iterdir())


def test_every_error_is_listed_at_once(db):
    report = import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER
                                     + "H10;A1;deux;à enquêter;\n"
                                     + "H11;ZZ;2;à enquêter;\n"
                                     + "H12;A1;2;perdu;\n"
                                     + "H13;A1;2;à enquêter;31/02/2009\n")])
    found = {(p.row, p.column) for p in errors(report)}
    assert found == {(2, "nb_personnes"), (3, "code_batiment"), (4, "statut"),
                     (5, "date_enquete")}


# -- each validation rule -------------------------------------------------------------------------
def test_required_value_missing(db):
    p = only_error(import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER + "H10;A1;;à enquêter;\n")]))
    assert (p.sheet, p.row, p.column) == ("menages", 2, "nb_personnes")
    assert "obligatoire" in p.message


def test_required_column_missing(db):
    p = only_error(import_sources(db, [csv("menages.csv", "id_menage;code_batiment;statut\n"
                                                          "H10;A1;à enquêter\n")]))
    assert (p.row, p.column) == (1, "nb_personnes")
    assert "Colonne obligatoire absente" in p.message


@pytest.mark.parametrize("value,column,word", [
    ("trois", "nb_personnes", "nombre entier"),
    ("2,5", "nb_personnes", "nombre entier"),
])
def test_value_of_wrong_type(db, value, column, word):
    p = only_error(import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER
                                           + f"H10;A1;{value};à enquêter;\n")]))
    assert (p.row, p.column, p.value) == (2, column, value)
    assert word in p.message


def test_bad_date_and_bad_amount(db):
    report = import_sources(db, [csv("menages.csv",
                                     "id_menage;code_batiment;nb_personnes;statut;date_enquete;"
                                     "loyer_avant\nH10;A1;2;à enquêter;2009-13-01;12 abc\n")])
    found = {(p.column, p.value) for p in errors(report)}
    assert found == {("date_enquete", "2009-13-01"), ("loyer_avant", "12 abc")}


def test_code_outside_its_list(db):
    p = only_error(import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER + "H10;A1;2;parti;\n")]))
    assert (p.column, p.value) == ("statut", "parti")
    assert "« relogé »" in p.message  # the allowed values are listed


def test_duplicate_key_within_the_file(db):
    report = import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER
                                     + "H10;A1;2;à enquêter;\nH10;A1;3;à enquêter;\n")])
    p = only_error(report)
    assert (p.row, p.value) == (3, "H10")
    assert "ligne 2" in p.message


def test_duplicate_composite_key(db):
    text = ("id_menage;rang;date_proposition;bailleur;reponse\n"
            "H6;2;01/02/2009;B;refusée\nH6;2;01/03/2009;B;refusée\n")
    p = only_error(import_sources(db, [csv("propositions.csv", text)]))
    assert (p.sheet, p.row, p.column, p.value) == ("propositions", 3, "id_menage + rang", "H6 / 2")


def test_reference_to_an_unknown_row(db):
    p = only_error(import_sources(db, [csv("suivis.csv", "id_menage;date_contact\nH99;01/05/2009\n")]))
    assert (p.sheet, p.row, p.column, p.value) == ("suivis", 2, "id_menage", "H99")
    assert "Référence inconnue" in p.message


def test_reference_to_a_row_of_the_same_import(empty_db):
    report = import_sources(empty_db, [
        csv("operations.csv", "code_operation;nom;commune;type_intervention\n"
                              "OP;Op;Bron;démolition\n"),
        csv("batiments.csv", "code_batiment;code_operation;nom;nb_logements;bailleur\n"
                             "B;OP;Bât;10;X\n"),
        csv("menages.csv", "id_menage;code_batiment;nb_personnes;statut;id_menage_origine\n"
                           "M1;B;2;à enquêter;\nM2;B;1;à enquêter;M1\n"),
    ])
    assert report.committed, report.problems_frame().to_string()


@pytest.mark.parametrize("sheet,text,column", [
    ("menages", HOUSEHOLD_HEADER + "H10;A1;0;à enquêter;\n", "nb_personnes"),
    ("menages", "id_menage;code_batiment;nb_personnes;statut;loyer_avant\n"
                "H10;A1;2;à enquêter;-5\n", "loyer_avant"),
    ("batiments", "code_batiment;code_operation;nom;nb_logements;bailleur\nA9;OPA;x;-1;B\n",
     "nb_logements"),
    ("relogements", "id_menage;date_relogement;nature;commune;surface_m2\n"
                    "H5;01/01/2009;provisoire;Bron;-20\n", "surface_m2"),
])
def test_negative_or_too_small_values(db, sheet, text, column):
    p = only_error(import_sources(db, [csv(f"{sheet}.csv", text)]))
    assert (p.sheet, p.row, p.column) == (sheet, 2, column)


def test_rehoused_without_definitive_move(db):
    p = only_error(import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER
                                           + "H6;A2;3;relogé;01/04/2007\n")]))
    assert (p.sheet, p.row, p.column, p.value) == ("menages", 2, "statut", "relogé")
    assert "aucun relogement" in p.message


def test_definitive_move_of_a_household_not_rehoused(db):
    p = only_error(import_sources(db, [csv("relogements.csv",
                                           "id_menage;date_relogement;nature;commune\n"
                                           "H6;01/05/2009;définitif;Bron\n")]))
    assert (p.sheet, p.row) == ("relogements", 2)
    assert "en recherche" in p.message


def test_temporary_status_without_temporary_move(db):
    p = only_error(import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER
                                           + "H7;A2;3;relogé provisoire;01/04/2007\n")]))
    assert (p.row, p.column) == (2, "statut")


def test_answer_before_offer(db):
    p = only_error(import_sources(db, [csv(
        "propositions.csv", "id_menage;rang;date_proposition;bailleur;reponse;date_reponse\n"
                            "H6;2;10/03/2009;B;refusée;01/03/2009\n")]))
    assert (p.row, p.column, p.value) == (2, "date_reponse", "01/03/2009")


def test_phase_ending_before_its_start(db):
    p = only_error(import_sources(db, [csv(
        "phases.csv", "code_operation;numero_phase;date_debut_prevue;date_fin_prevue\n"
                      "OPA;3;2010-01-01;2009-01-01\n")]))
    assert (p.sheet, p.row, p.column) == ("phases", 2, "date_fin_prevue")


def test_demolition_before_its_phase(db):
    p = only_error(import_sources(db, [csv(
        "batiments.csv", "code_batiment;code_operation;numero_phase;nom;nb_logements;bailleur;"
                         "date_demolition_prevue\nA1;OPA;1;Bât. A1;10;Bailleur A;01/01/2005\n")]))
    assert (p.sheet, p.row, p.column) == ("batiments", 2, "date_demolition_prevue")


def test_warnings_do_not_block(db):
    report = import_sources(db, [
        csv("menages.csv", "id_menage;code_batiment;nb_personnes;statut;date_enquete;couleur\n"
                           "H6;A2;3;en recherche;01/04/2007;bleu\n"),
        csv("propositions.csv", "id_menage;rang;date_proposition;bailleur;reponse;date_reponse\n"
                                "H6;2;01/03/2009;B;acceptée;05/03/2009\n"),
        csv("relogements.csv", "id_menage;date_relogement;nature;commune;latitude;longitude\n"
                               "H5;01/01/2007;provisoire;Bron;-33.9;151.2\n"),
    ])
    assert report.committed, report.problems_frame().to_string()
    rules = {p.message.split(" ")[0] for p in report.warnings}
    messages = " ".join(p.message for p in report.warnings)
    assert "Colonne « couleur » inconnue" in messages
    assert "hors de France" in messages
    assert "avant l'enquête sociale" in messages
    assert "encore « en recherche »" in messages
    assert rules


# -- formats and variants ---------------------------------------------------------------------
def test_csv_semicolon_windows_1252_decimal_comma_french_dates(db):
    text = ("Identifiant ménage;Code bâtiment;Nb personnes;Statut;Date d'enquête;Loyer avant;"
            "APL avant\n"
            "H10;A1;2;Diagnostic réalisé;31/03/2008;1 234,50 €;120,5\n")
    text = text.replace("Identifiant ménage", "id_menage")
    report = import_sources(db, [csv("Ménages.csv", text, "cp1252")])
    assert report.committed, report.problems_frame().to_string()
    row = db.query_text("SELECT * FROM households WHERE household_id = 'H10'").iloc[0]
    assert row["diagnosis_date"].date() == date(2008, 3, 31)
    assert float(row["rent_before"]) == pytest.approx(1234.5)
    assert float(row["allowance_before"]) == pytest.approx(120.5)


def test_csv_comma_utf8_with_bom_iso_dates(db):
    text = ("\ufeffid_menage,code_batiment,nb_personnes,statut,date_enquete,loyer_avant\n"
            'H10,A1,2,diagnostic réalisé,2008-03-31,"1234,5"\n')
    report = import_sources(db, [csv("menages.csv", text)])
    assert report.committed, report.problems_frame().to_string()
    row = db.query_text("SELECT * FROM households WHERE household_id = 'H10'").iloc[0]
    assert float(row["rent_before"]) == pytest.approx(1234.5)


def test_header_sheet_and_value_variants(db):
    text = ("ID_MENAGE;Code-Bâtiment;NB PERSONNES;STATUT;Date de l'enquête;Typologie souhaitée;"
            "Composition\n"
            "H10;A1;4;DIAGNOSTIC REALISE;31/03/2008;t 4;Couple avec enfants\n")
    report = import_sources(db, [csv("MENAGES.csv", text)])
    assert report.committed, report.problems_frame().to_string()
    row = db.query_text("SELECT * FROM households WHERE household_id = 'H10'").iloc[0]
    assert (row["status"], row["wanted_typology"], row["composition"]) == (
        "diagnostic réalisé", "T4", "couple avec enfant(s)")


@pytest.mark.parametrize("word,expected", [("oui", True), ("O", True), ("1", True),
                                           ("Vrai", True), ("TRUE", True), ("non", False),
                                           ("n", False), ("0", False), ("faux", False),
                                           ("false", False), ("", None)])
def test_booleans(db, word, expected):
    text = f"id_menage;date_relogement;nature;commune;sur_site\nH5;01/12/2008;provisoire;Bron;{word}\n"
    report = import_sources(db, [csv("relogements.csv", text)])
    assert report.committed, report.problems_frame().to_string()
    value = db.query_text("SELECT on_site FROM moves WHERE household_id = 'H5' "
                          "AND move_date = DATE '2008-12-01'")["on_site"].iloc[0]
    assert (None if pd.isna(value) else bool(value)) == expected


def test_xlsx_formulas_real_dates_and_trailing_formatted_rows(db, tmp_path):
    path = tmp_path / "suivi.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Ménages")
    yellow = book.add_format({"bg_color": "#FFFF00"})
    datefmt = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["id_menage", "code_batiment", "nb_personnes", "statut",
                           "date_enquete", "loyer_avant"])
    sheet.write_row(1, 0, ["H10", "A1"])
    sheet.write_formula(1, 2, "=1+2", None, 3)  # cached value 3
    sheet.write(1, 3, "à enquêter")
    sheet.write_datetime(1, 4, pd.Timestamp("2008-03-31").to_pydatetime(), datefmt)
    sheet.write_formula(1, 5, "=300+12.5", None, 312.5)
    # an empty row, then a row, then 100 000 formatted but empty rows
    sheet.write_row(3, 0, ["H11", "A1", 1, "à enquêter"])
    for r in range(4, 100_004):
        sheet.set_row(r, None, yellow)
    sheet2 = book.add_worksheet("Lisez-moi")
    sheet2.write(0, 0, "notes")
    book.close()
    report = import_sources(db, sources_from_paths([path]))
    assert report.committed, report.problems_frame().to_string()
    assert report.summary["households"]["inserted"] == 2
    row = db.query_text("SELECT * FROM households WHERE household_id = 'H10'").iloc[0]
    assert row["persons"] == 3 and float(row["rent_before"]) == 312.5
    assert row["diagnosis_date"].date() == date(2008, 3, 31)


def test_excel_row_numbers_count_the_header_as_row_1(db, tmp_path):
    path = tmp_path / "e.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("menages")
    sheet.write_row(0, 0, ["id_menage", "code_batiment", "nb_personnes", "statut"])
    sheet.write_row(1, 0, ["H10", "A1", 1, "à enquêter"])
    sheet.write_row(4, 0, ["H11", "A1", 0, "à enquêter"])  # Excel row 5
    book.close()
    p = only_error(import_sources(db, sources_from_paths([path])))
    assert (p.file, p.sheet, p.row, p.column, p.value) == ("e.xlsx", "menages", 5,
                                                          "nb_personnes", "0")


def test_folder_and_zip_of_csv(db, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "menages.csv").write_text(HOUSEHOLD_HEADER + "H10;A1;2;à enquêter;\n")
    (folder / "suivis.csv").write_text("id_menage;date_contact\nH2;01/05/2009\n")
    report = import_sources(db, sources_from_paths([folder]))
    assert report.committed
    archive = shutil.make_archive(str(tmp_path / "lot"), "zip", folder)
    again = import_sources(db, sources_from_paths([archive]))
    assert again.no_change and not again.errors  # read, checked, nothing to write
    assert again.summary["households"]["unchanged"] == 1


# -- bad files -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,data,words", [
    ("faux.xlsx", b"id_menage;statut\nH1;relog\xc3\xa9\n", "pas un vrai classeur"),
    ("vide.csv", b"", "est vide"),
    ("vide.xlsx", b"   ", "est vide"),
    ("secret.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "mot de passe"),
    ("abime.xlsx", b"PK\x03\x04" + b"\x00" * 100, "illisible"),
    ("ancien.xls", b"\xd0\xcf\x11\xe0", ".xls"),
    ("notes.pdf", b"%PDF-1.4", "non pris en charge"),
])
def test_unreadable_files_get_a_french_error(db, name, data, words):
    before = snapshot(db)
    report = import_sources(db, [Source(name, data)])
    assert report.unreadable and not report.committed
    assert words in only_error(report).message
    assert_same(before, snapshot(db))


def test_csv_with_a_different_number_of_fields(db):
    report = import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER
                                     + "H10;A1;2;à enquêter;\nH11;A1;2\nH12;A1;2;x;y;z;w\n")])
    assert report.unreadable
    assert {p.row for p in errors(report)} == {3, 4}


def test_file_over_the_upload_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "enorme.csv"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: nothing is written or read
    with pytest.raises(FileProblem, match=f"au plus {MAX_UPLOAD_MB} Mo par fichier"):
        sources_from_paths([big])


# -- replace, backups, log ---------------------------------------------------------------------
def test_replace_a_table(db):
    text = "id_menage;date_contact;type_contact\nH2;01/05/2009;téléphone\n"
    report = import_sources(db, [csv("suivis.csv", text)], replace=("suivis",))
    assert report.committed
    assert report.summary["followups"]["deleted"] == 1  # H1's contact, absent from the file
    assert db.query_text("SELECT household_id FROM followups")["household_id"].tolist() == ["H2"]


def test_replace_refused_when_other_sheets_refer_to_removed_rows(db):
    before = snapshot(db)
    report = import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER + "H7;A2;3;à enquêter;\n")],
                            replace=("menages",))
    assert not report.committed
    assert "Impossible de remplacer" in errors(report)[0].message
    assert_same(before, snapshot(db))


def test_log_and_backups(db):
    for i in range(12):
        report = import_sources(db, [csv("suivis.csv", f"id_menage;date_contact\nH2;{i + 1:02d}/05/2009\n")],
                                user="agent.test")
        assert report.committed
    backups = sorted((db.path.parent / "backups").iterdir())
    assert len(backups) == 10
    log = db.query("import_history")
    assert len(log) == 12
    assert log["imported_by"].iloc[0] == "agent.test"
    assert "sha256" in log["files"].iloc[0]
    # a backup holds the database as it was before its import
    with Database(backups[-1], read_only=True) as old:
        assert len(old.query("import_history")) == 11


def test_dry_run_writes_nothing(db):
    before = snapshot(db)
    report = import_sources(db, [csv("menages.csv", HOUSEHOLD_HEADER + "H10;A1;2;à enquêter;\n")],
                            dry_run=True)
    assert not report.committed and not errors(report)
    assert report.summary["households"]["inserted"] == 1
    assert_same(before, snapshot(db))


# -- command line --------------------------------------------------------------------------------
def cli(*args):
    return subprocess.run([sys.executable, "-m", "relog_data", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_import_exit_codes(small_db_path, tmp_path):
    path = tmp_path / "c.duckdb"
    shutil.copy(small_db_path, path)
    good = tmp_path / "suivis.csv"
    good.write_text("id_menage;date_contact\nH2;01/05/2009\n")
    bad = tmp_path / "menages.csv"
    bad.write_text(HOUSEHOLD_HEADER + "H10;A1;zéro;à enquêter;\n")
    ok = cli("import", str(good), "--db", str(path))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "suivis" in ok.stdout and "Import réussi" in ok.stdout
    refused = cli("import", str(bad), "--db", str(path))
    assert refused.returncode == 1
    assert ("ERREUR [Nombre entier non reconnu] : menages.csv · feuille menages · ligne 2 · "
            "colonne C (nb_personnes) · valeur « zéro »") in refused.stdout
    missing = cli("import", str(tmp_path / "absent.csv"), "--db", str(path))
    assert missing.returncode == 2 and "introuvable" in missing.stderr
    fake = tmp_path / "faux.xlsx"
    fake.write_text("pas un classeur")
    assert cli("import", str(fake), "--db", str(path)).returncode == 2


def test_cli_import_while_the_database_is_open_elsewhere(small_db_path, tmp_path):
    path = tmp_path / "busy.duckdb"
    shutil.copy(small_db_path, path)
    good = tmp_path / "suivis.csv"
    good.write_text("id_menage;date_contact\nH2;01/05/2009\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], "
         "read_only=True); print('ok', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        result = cli("import", str(good), "--db", str(path))
        assert result.returncode == 2
        assert "utilisée par un autre programme" in result.stderr
        assert "Import des données" in result.stderr
    finally:
        holder.kill()
    with Database(path) as check:
        assert len(check.query_text("SELECT * FROM followups")) == 1


def test_cli_export_and_template(demo_db_path, tmp_path):
    import openpyxl

    out = tmp_path / "modele.xlsx"
    assert cli("template", str(out)).returncode == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "Lisez-moi"
    assert {t.sheet for t in model.TABLES} <= set(book.sheetnames)
    menages = book["menages"]
    assert [c.value for c in menages[1]][:4] == ["id_menage", "code_batiment", "nom_titulaire",
                                                "nb_personnes"]
    validations = menages.data_validations.dataValidation
    assert any(v.type == "list" for v in validations)
    readme = " ".join(str(c.value) for row in book["Lisez-moi"].iter_rows() for c in row if c.value)
    assert "statut" in readme and "« relogé provisoire »" in readme
    exported = tmp_path / "export.xlsx"
    result = cli("export", "--db", str(demo_db_path), str(exported))
    assert result.returncode == 0, result.stderr
    assert len(pd.read_excel(exported, sheet_name="menages")) == 1129


def test_empty_template_imports_nothing(empty_db, tmp_path):
    out = write_template(tmp_path / "modele.xlsx")
    report = import_sources(empty_db, sources_from_paths([out]))
    assert report.no_change and not report.errors, report.problems_frame().to_string()
    assert all(s["inserted"] == 0 for s in report.summary.values())
    assert empty_db.query_text("SELECT count(*) AS n FROM import_log")["n"][0] == 0
