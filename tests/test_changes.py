"""Issue #17: the field-level preview of an import, the history of data
changes and quiet idempotence, on a hand-made fixture."""

import io
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from relog_data import access, changes, purge
from relog_data.access import AccessDenied, Viewer
from relog_data.db import Database
from relog_data.importer import import_sources
from relog_data.sources import Source
from tests.conftest import ROOT, download_links, real_copy, start_app

BASE = {
    "operations.csv": "code_operation;nom;commune;type_intervention\nOP;Op;Bron;démolition\n",
    "batiments.csv": "code_batiment;code_operation;nom;nb_logements;bailleur\n"
                     "B1;OP;Bâtiment 1;10;Alliade\n",
}
HEADER = "id_menage;code_batiment;nom_titulaire;nb_personnes;statut;date_enquete;loyer_avant\n"
FIRST = (HEADER + "H1;B1;Dupont;3;à enquêter;01/02/2009;350,5\n"
         "H2;B1;Martin;2;à enquêter;15/03/2009;\n"
         "H3;B1;Durand;1;à enquêter;;\n")
# H1: persons 3 -> 4 and rent 350,5 -> 1 360; H2: name Martin -> =Martin+Roux (a
# would-be formula); H4 new; H3 left out of the file.
SECOND = (HEADER + "H1;B1;Dupont;4;à enquêter;01/02/2009;1360\n"
          "H2;B1;=Martin+Roux;2;à enquêter;15/03/2009;\n"
          "H4;B1;Petit;5;à enquêter;;\n")


def sources(menages: str, base: bool = True) -> list[Source]:
    files = dict(BASE) if base else {}
    files["menages.csv"] = menages
    return [Source(name, text.encode("utf-8")) for name, text in files.items()]


@pytest.fixture()
def db(tmp_path):
    database = Database(tmp_path / "base.duckdb", read_only=False, create=True)
    first = import_sources(database, sources(FIRST), user="agent.un")
    assert first.committed, first.problems_frame().to_string()
    yield database
    database.close()


def backups(database) -> list:
    folder = database.path.parent / "backups"
    return sorted(folder.iterdir()) if folder.exists() else []


def count(database, table: str) -> int:
    return int(database.query_text(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])


EXPECTED_FIELDS = [  # (key, label, old, new) as the French screens show them
    ("H1", "loyer_avant", "350,5", "1\u202f360"),
    ("H1", "nb_personnes", "3", "4"),
    ("H2", "nom_titulaire", "Martin", "=Martin+Roux"),
]


def changed_fields(frame: pd.DataFrame) -> list[tuple]:
    part = frame[frame["kind"] == "modifiée"]
    return sorted(zip(part["key"], part["label"], part["old"], part["new"]))


def test_preview_lists_exactly_the_changed_fields_new_and_absent_rows(db):
    before = count(db, "data_changes"), count(db, "import_log"), len(backups(db))
    report = import_sources(db, sources(SECOND, base=False), dry_run=True)
    assert not report.errors and not report.committed
    menages = report.changes[report.changes["table"] == "households"]
    assert changed_fields(menages) == EXPECTED_FIELDS
    assert menages.loc[menages["kind"] == "nouvelle", "key"].tolist() == ["H4"]
    assert menages.loc[menages["kind"] == "absente du fichier", "key"].tolist() == ["H3"]
    assert set(menages["kind"]) == {"modifiée", "nouvelle", "absente du fichier"}
    assert set(report.changes["table"]) == {"households"}  # only the sheet in the file
    counts = report.summary_frame().set_index("Feuille").loc["menages"]
    assert (counts["Nouvelles"], counts["Modifiées"], counts["Champs modifiés"],
            counts["Inchangées"], counts["Absentes (conservées)"]) == \
        (1, 2, 3, 0, 1)
    # nothing written by the preview
    assert (count(db, "data_changes"), count(db, "import_log"), len(backups(db))) == before


def test_replace_says_the_absent_rows_are_deleted(db):
    report = import_sources(db, sources(SECOND, base=False), replace=("menages",), dry_run=True)
    assert not report.errors
    menages = report.changes[report.changes["table"] == "households"]
    assert menages.loc[menages["kind"] == "supprimée", "key"].tolist() == ["H3"]
    assert "absente du fichier" not in set(menages["kind"])


def test_dates_and_decimals_are_french():
    from relog_data import model

    households = model.TABLES_BY_NAME["households"]
    assert changes.french_value(households.column("diagnosis_date"), "2008-03-31") == \
        "31/03/2008"
    assert changes.french_value(households.column("rent_before"), "1234.5") == "1\u202f234,5"
    assert changes.french_value(households.column("rent_before"), None) == "—"
    moves = model.TABLES_BY_NAME["moves"]
    assert changes.french_value(moves.column("in_qpv"), "true") == "oui"


def test_the_history_after_two_imports_matches_the_changes(db):
    report = import_sources(db, sources(SECOND, base=False), user="agent.deux")
    assert report.committed, report.problems_frame().to_string()
    stored = db.query_text(
        "SELECT c.import_id, l.imported_by, table_name, row_key, key_parts, household_id, "
        "field, old_value, new_value, change_kind FROM data_changes AS c "
        "JOIN import_log AS l USING (import_id) ORDER BY import_id, table_name, row_key, field")
    first = stored[stored["imported_by"] == "agent.un"]
    assert sorted(zip(first["table_name"], first["row_key"], first["change_kind"])) == [
        ("buildings", "B1", "nouvelle"), ("households", "H1", "nouvelle"),
        ("households", "H2", "nouvelle"), ("households", "H3", "nouvelle"),
        ("operations", "OP", "nouvelle")]
    assert first["field"].isna().all() and first["new_value"].isna().all()
    second = stored[stored["imported_by"] == "agent.deux"]
    assert sorted(zip(second["row_key"], second["field"].fillna(""), second["old_value"]
                      .fillna(""), second["new_value"].fillna(""), second["change_kind"])) == [
        ("H1", "persons", "3", "4", "modifiée"),
        ("H1", "rent_before", "350.5", "1360.0", "modifiée"),
        ("H2", "holder_name", "Martin", "=Martin+Roux", "modifiée"),
        ("H4", "", "", "", "nouvelle")]
    assert (second["household_id"] == second["row_key"]).all()
    assert [list(k) for k in second["key_parts"]] == [[k] for k in second["row_key"]]
    # H3, absent from the file, is kept and not in the history of the second import
    assert count(db, "households") == 4

    history = changes.household_history(db, "H1")
    assert list(zip(history["author"], history["label"], history["old"], history["new"],
                    history["kind"])) == [
        ("agent.deux", "nb_personnes", "3", "4", "modifiée"),  # by column: persons,
        ("agent.deux", "loyer_avant", "350,5", "1\u202f360", "modifiée"),  # rent_before
        ("agent.un", "", "", "", "nouvelle")]
    assert (history["sheet"] == "menages").all()


def test_history_through_the_gateway_by_role(db):
    assert import_sources(db, sources(SECOND, base=False)).committed
    charge = access.fetch(db, Viewer("charge"), "changes", "household_history", "H2")
    named = charge[charge["field"] == "holder_name"]
    assert (named["old"].iloc[0], named["new"].iloc[0]) == ("Martin", "=Martin+Roux")
    partner = access.fetch(db, Viewer("partenaire"), "changes", "household_history", "H2")
    hidden = partner[partner["field"] == "holder_name"]
    assert (hidden["old"].iloc[0], hidden["new"].iloc[0]) == ("masqué", "masqué")
    assert "Martin" not in partner.to_string()
    h1 = access.fetch(db, Viewer("partenaire"), "changes", "household_history", "H1")
    assert "3" in h1["old"].tolist()  # other columns stay visible
    with pytest.raises(AccessDenied):
        access.fetch(db, Viewer("elu"), "changes", "household_history", "H2")
    with pytest.raises(AccessDenied):  # a rehousing officer of other operations
        access.fetch(db, Viewer("charge", ("AUTRE",)), "changes", "household_history", "H2")
    with pytest.raises(AccessDenied):  # one import's changes: administrators only
        access.fetch(db, Viewer("charge"), "changes", "import_changes", 2)
    made = access.fetch(db, Viewer("admin"), "changes", "import_changes", 2)
    assert len(made) == 4
    with pytest.raises(AccessDenied):
        access.fetch(db, Viewer("charge"), "changes", "import_change_count", 2)
    assert access.fetch(db, Viewer("admin"), "changes", "import_change_count", 2) == 4


def test_the_first_changes_of_an_import_and_their_count(db):
    # the administrators' page reads the first 1 000 changes and their count in SQL
    # (#20: 626 000 changes at 150 000 households were copied at every visit)
    assert import_sources(db, sources(SECOND, base=False)).committed
    every = changes.import_changes(db, 2)
    assert changes.import_change_count(db, 2) == len(every) == 4
    first = changes.import_changes(db, 2, first=3)
    assert len(first) == 3
    pd.testing.assert_frame_equal(first, every.head(3))
    assert changes.import_change_count(db, 99) == 0 and changes.import_changes(db, 99).empty


def test_reimporting_an_unchanged_file_writes_nothing(db):
    assert import_sources(db, sources(SECOND, base=False)).committed
    state = (count(db, "import_log"), count(db, "data_changes"), len(backups(db)),
             count(db, "households"))
    audit_before = count(db, "audit_log")
    again = import_sources(db, sources(SECOND, base=False))
    assert again.no_change and not again.committed and again.backup is None
    assert not again.errors
    assert (count(db, "import_log"), count(db, "data_changes"), len(backups(db)),
            count(db, "households")) == state
    last = db.query_text("SELECT action, detail FROM audit_log ORDER BY entry_id DESC LIMIT 1")
    assert count(db, "audit_log") == audit_before + 1
    assert last["action"].iloc[0] == "import" and "aucun changement" in last["detail"].iloc[0]
    assert again.summary["households"]["unchanged"] == 3


def test_a_backup_is_taken_when_something_changes_and_holds_the_state_before(db):
    n = len(backups(db))
    report = import_sources(db, sources(SECOND, base=False))
    assert report.committed and len(backups(db)) == n + 1
    with Database(report.backup, read_only=True) as old:
        assert count(old, "import_log") == 1 and count(old, "households") == 3


def test_a_refused_import_writes_no_backup_and_no_history(db):
    n = len(backups(db)), count(db, "data_changes")
    bad = SECOND + "H5;B1;X;0;à enquêter;;\n"  # 0 persons: refused
    report = import_sources(db, sources(bad, base=False))
    assert report.errors and not report.committed
    assert (len(backups(db)), count(db, "data_changes")) == n


def test_preview_workbook_never_writes_formulas(db):
    from openpyxl import load_workbook

    report = import_sources(db, sources(SECOND, base=False), dry_run=True)
    data = changes.workbook_bytes(report.changes, report.summary)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Résumé", "Changements"]
    rows = list(book["Changements"].iter_rows(values_only=True))
    assert rows[0] == ("Feuille", "Clé", "Changement", "Colonne", "Ancienne valeur",
                       "Nouvelle valeur")
    cells = [c for row in book["Changements"].iter_rows() for c in row]
    formula = [c for c in cells if c.value == "=Martin+Roux"]
    assert formula and all(c.data_type == "s" for c in formula)
    assert ("menages", "H3", "absente du fichier", None, None, None) in rows


def test_purge_erases_the_names_in_the_history_and_keeps_its_rows(tmp_path):
    database = Database(tmp_path / "p.duckdb", read_only=False, create=True)
    header = "id_menage;code_batiment;nom_titulaire;nb_personnes;statut;date_sortie\n"
    gone = header + "H1;B1;Dupont;3;départ autonome;01/02/2009\n"
    try:
        assert import_sources(database, sources(gone)).committed
        assert import_sources(database, sources(gone.replace("Dupont", "Dupond"),
                                                base=False)).committed
        assert len(changes.household_history(database, "H1")) == 2
        found = purge.purge(database, date(2030, 1, 1), apply=True)
        assert list(found["operation_code"]) == ["OP"]
        history = changes.household_history(database, "H1")
        assert len(history) == 2  # the rows stay: they date the correction
        values = database.query_text(
            "SELECT old_value, new_value FROM data_changes WHERE field = 'holder_name'")
        assert len(values) == 1 and values.isna().all(axis=None)
        text = database.query_text("SELECT string_agg(coalesce(old_value, '') || '|' || "
                                   "coalesce(new_value, ''), ' ') AS t FROM data_changes")
        assert "Dupon" not in str(text.iloc[0, 0])
    finally:
        database.close()


# -- the command line ---------------------------------------------------------------------------
def cli(*args):
    return subprocess.run([sys.executable, "-m", "relog_data", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_dry_run_history_and_unknown_household(db, tmp_path):
    path = db.path
    db.close()
    second = tmp_path / "menages.csv"
    second.write_text(SECOND, encoding="utf-8")
    dry = cli("import", str(second), "--db", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "H1 · nb_personnes : 3 → 4" in dry.stdout
    assert "H2 · nom_titulaire : Martin → =Martin+Roux" in dry.stdout
    assert "H4 : nouvelle ligne" in dry.stdout and "H3 : absente du fichier" in dry.stdout
    assert "1 nouvelle(s), 2 modifiée(s) (3 champ(s))" in dry.stdout
    done = cli("import", str(second), "--db", str(path))
    assert done.returncode == 0 and "Import réussi" in done.stdout
    again = cli("import", str(second), "--db", str(path))
    assert again.returncode == 0 and "Aucun changement" in again.stdout
    history = cli("history", "--household", "H1", "--db", str(path))
    assert history.returncode == 0, history.stderr
    assert "nb_personnes : 3 → 4" in history.stdout and "feuille menages" in history.stdout
    unknown = cli("history", "--household", "ZZZ", "--db", str(path))
    assert unknown.returncode == 1 and "Ménage inconnu" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    with Database(path, read_only=True) as reopened:  # `db` fixture closes it again: harmless
        assert count(reopened, "import_log") == 2


def test_init_refuses_an_existing_file(tmp_path):
    path = tmp_path / "neuve.duckdb"
    assert cli("init", "--db", str(path)).returncode == 0
    again = cli("init", "--db", str(path))
    assert again.returncode == 2 and "existe déjà" in again.stderr


# -- the pages ------------------------------------------------------------------------------------
def test_import_page_shows_the_preview(demo_db_path, tmp_path, monkeypatch):
    path = real_copy(demo_db_path, tmp_path / "real.duckdb")
    with Database(path, read_only=True) as database:
        row = database.query_text(
            "SELECT household_id, building_code, persons, CAST(status AS VARCHAR) AS status "
            "FROM households ORDER BY household_id LIMIT 1").iloc[0]
    text = ("id_menage;code_batiment;nb_personnes;statut\n"
            f"{row.household_id};{row.building_code};{int(row.persons) + 1};{row.status}\n")
    app = start_app(path, monkeypatch)
    app.switch_page("pages/data_import.py").run()
    assert not app.exception
    app.file_uploader(key="import_files").set_value(
        ("menages.csv", text.encode("utf-8"), "text/csv")).run()
    next(b for b in app.button if b.label == "Contrôler les fichiers").click().run()
    assert not app.exception, app.exception
    shown = " ".join(m.value for m in app.markdown)
    assert "Changements ligne à ligne" in shown
    frames = [d.value for d in app.dataframe]
    fields = next(f for f in frames if "Ancienne valeur" in f.columns)
    assert fields.iloc[0].tolist() == [row.household_id, "nb_personnes", str(int(row.persons)),
                                       str(int(row.persons) + 1)]
    labels = [e.label for e in app.expander]
    assert any(label.startswith("Feuille « menages » : 1 ligne(s) modifiée(s), 0 nouvelle(s), "
                                "1\u202f128 absente(s) du fichier") for label in labels), labels
    assert "Télécharger le détail des changements (.xlsx)" in download_links(app)
    # the import, then the history on the household sheet and on the admin page
    next(b for b in app.button if b.label == "Importer").click().run()
    assert not app.exception, app.exception
    assert any("Import réussi" in s.value for s in app.success)
    app.switch_page("pages/admin_log.py").run()
    assert not app.exception, app.exception
    assert "Imports et changements" in [h.value for h in app.subheader]
    made = next(d.value for d in app.dataframe if "Ancienne valeur" in d.value.columns)
    assert made.iloc[0]["Clé"] == row.household_id
    # the CSV is read again from the database when its link is followed (#20: no copy
    # of the list kept per session), and holds the same changes as the table
    import io

    from relog_data import downloads

    url = download_links(app)["Télécharger les changements (CSV)"]
    item = downloads.REGISTRY.take(url.rsplit("/", 1)[1], app.session_state["access_token"])
    served = pd.read_csv(io.BytesIO(item.content()), sep=";", encoding="utf-8-sig", dtype=str)
    count = next(m.value for m in app.markdown if "changement(s) enregistré(s)" in m.value)
    assert count.startswith(f"{len(served):_} changement".replace("_", "\u202f"))
    assert served["Clé"].head(len(made)).tolist() == made["Clé"].astype(str).tolist()


def test_household_sheet_shows_the_history_of_changes(db, monkeypatch):
    assert import_sources(db, sources(SECOND, base=False), user="agent.deux").committed
    path = db.path
    db.close()
    app = start_app(path, monkeypatch, viewer=Viewer("partenaire", login="partenaire"))
    app.switch_page("pages/households.py").run()
    assert not app.exception, app.exception
    app.query_params["menage"] = "H2"  # the sheet opens on demand (#18)
    app.run()
    assert not app.exception, app.exception
    assert "**Historique des modifications**" in [m.value for m in app.markdown]
    history = next(d.value for d in app.dataframe if "Ancienne valeur" in d.value.columns)
    assert history["Ancienne valeur"].tolist()[0] == "masqué"
    assert "Martin" not in history.to_string()


def test_a_key_with_a_date_is_shown_in_french(db):
    text = "id_menage;date_contact;type_contact\nH1;05/04/2009;téléphone\n"
    assert import_sources(db, [Source("suivis.csv", text.encode())]).committed
    changed = text.replace("téléphone", "permanence") + "H2;06/04/2009;\n"
    report = import_sources(db, [Source("suivis.csv", changed.encode())], dry_run=True)
    suivis = report.changes[report.changes["table"] == "followups"]
    assert changed_fields(suivis) == [("H1 / 05/04/2009", "type_contact", "téléphone",
                                       "permanence")]
    assert suivis.loc[suivis["kind"] == "nouvelle", "key"].tolist() == ["H2 / 06/04/2009"]
    assert list(suivis["key_parts"].iloc[-1]) == ["H2", "2009-04-06"]
    assert set(suivis["household_id"]) == {"H1", "H2"}
