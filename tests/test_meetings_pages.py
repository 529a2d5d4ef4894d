"""The meeting archive in the app (#19): the Séances page (list, frozen
figures, zip, reproduce, withdraw), the « Depuis la dernière séance »
section of Synthèse and « Enregistrer comme séance » on the Rapport page."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from relog_data import access, meetings
from relog_data.access import Viewer
from relog_data.db import Database
from relog_data.importer import import_sources
from relog_data.indicators import Scope
from relog_data.sources import Source

from .conftest import download_links, start_app
from .test_pages_access import everything_shown, opened

ADMIN = Viewer("admin", login="test")
HOLDERS = "id_menage;code_batiment;nom_titulaire;nb_personnes;statut;date_enquete\n"
SOURCES = {
    "operations.csv": "code_operation;nom;commune;type_intervention\n"
                      "OP;Opération du Parc;Bron;démolition\n",
    "batiments.csv": "code_batiment;code_operation;nom;nb_logements;bailleur\n"
                     "B1;OP;Bâtiment 1;10;Alliade\n",
    "menages.csv": HOLDERS + "H1;B1;Dupont;3;relogé;05/01/2009\n"
                             "H2;B1;Martin;2;relogé;05/01/2009\n"
                             "H3;B1;Durand;1;diagnostic réalisé;05/01/2009\n"
                             "H4;B1;Petit;1;diagnostic réalisé;05/01/2009\n"
                             "H5;B1;Roux;1;diagnostic réalisé;20/04/2009\n",
    "relogements.csv": "id_menage;date_relogement;nature;commune\n"
                       "H1;10/01/2009;définitif;Bron\nH2;10/02/2009;définitif;Bron\n",
}
# After the meeting: H3's move of 01/03/2009 (before the meeting, a correction)
# and H4's of 01/05/2009 (after it, a new event) are imported.
CORRECTION = {
    "menages.csv": HOLDERS + "H3;B1;Durand;1;relogé;05/01/2009\n"
                             "H4;B1;Petit;1;relogé;05/01/2009\n",
    "relogements.csv": "id_menage;date_relogement;nature;commune\n"
                       "H3;01/03/2009;définitif;Bron\nH4;01/05/2009;définitif;Bron\n",
}


def _import(db: Database, files: dict[str, str], user: str) -> None:
    report = import_sources(db, [Source(n, t.encode()) for n, t in files.items()], user=user)
    assert report.committed, report.problems_frame().to_string()


def build_archive(path: Path, correction: bool = True) -> dict[str, int]:
    """Five households in one operation; a partner meeting and an officials'
    meeting frozen at 31/03/2009 (without PDF: quick); then, unless told
    otherwise, the import of a correction and of a new event."""
    with Database(path, read_only=False, create=True) as db:
        _import(db, SOURCES, "import initial")
        ids = {
            "partenaire": meetings.create(
                db, ADMIN, meeting_date=date(2009, 4, 2), title="GTR d'avril",
                audience="partenaire", scope=Scope(as_of=date(2009, 3, 31)), with_files=False),
            "elu": meetings.create(
                db, ADMIN, meeting_date=date(2009, 4, 3), title="Revue des élus",
                audience="elu", scope=Scope(as_of=date(2009, 3, 31)), with_files=False),
        }
        if correction:
            _import(db, CORRECTION, "correction")
    return ids


@pytest.fixture()
def archive_db(tmp_path) -> tuple[Path, dict[str, int]]:
    path = tmp_path / "archive.duckdb"
    return path, build_archive(path)


def _seances(path: Path, monkeypatch, viewer=ADMIN, **query):
    at = start_app(path, monkeypatch, viewer=viewer, date="2009-05-01",
                   reference="2009-03-31", **query)
    assert opened(at, "meetings")
    return at


def test_seances_lists_and_opens_a_meeting(archive_db, monkeypatch):
    path, ids = archive_db
    at = _seances(path, monkeypatch, seance=str(ids["partenaire"]))
    listing = at.table[0].value
    assert set(listing["Titre"]) == {"GTR d'avril", "Revue des élus"}
    assert list(listing["Date"]) == ["03/04/2009", "02/04/2009"]  # newest first
    assert at.selectbox(key="meetings_choice").value == ids["partenaire"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Relogés"] == "2" and metrics["Concernés"] == "5"
    assert metrics["Avancement"] == "40,0\u00a0%"
    per_op = at.table[1].value.set_index("Opération")
    assert per_op.loc["Opération du Parc", "Relogés"] == "2"
    assert per_op.loc["Opération du Parc", "Encore sur place"] == "3"
    assert "Archive complète (zip)" in download_links(at)
    assert "PDF" not in " ".join(download_links(at))  # frozen without a pack
    with Database(path) as db:  # the zip offered holds the frozen figures
        data = access.fetch(db, ADMIN, "meetings", "archive", ids["partenaire"])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.endswith("chiffres.json") for n in names)


def test_reproduce_lists_the_figures_that_moved(archive_db, monkeypatch):
    path, ids = archive_db
    at = _seances(path, monkeypatch, seance=str(ids["partenaire"]))
    at.button(key="meetings_reproduce_button").click().run()
    assert not at.exception, at.exception
    table = at.table[-1].value
    moved = dict(zip(table["Indicateur"], zip(table["À la séance"], table["Aujourd'hui"],
                                              table["Écart"])))
    assert moved["Relogés"] == ("2", "3", "+1")
    assert "Ménages en cause" in table.columns
    assert "H3" in set(table["Ménages en cause"])
    assert any(e.label.startswith("Pourquoi : les 1 ménage(s)") for e in at.expander)
    assert "H3 : diagnostic réalisé → relogé" in everything_shown(at).replace("\\", "")


def test_reproduce_says_no_difference(tmp_path, monkeypatch):
    path = tmp_path / "still.duckdb"
    ids = build_archive(path, correction=False)
    at = _seances(path, monkeypatch, seance=str(ids["partenaire"]))
    at.button(key="meetings_reproduce_button").click().run()
    assert any("Aucun écart" in s.value for s in at.success)


def test_admin_withdraws_a_meeting(archive_db, monkeypatch):
    path, ids = archive_db
    at = _seances(path, monkeypatch, seance=str(ids["partenaire"]))
    at.button(key="FormSubmitter:meetings_withdraw_form-Retirer la séance").click().run()
    assert any("motif" in e.value for e in at.error)  # the reason is required
    at.text_input(key="meetings_withdraw_reason").input("Chiffres de H3 erronés")
    at.button(key="FormSubmitter:meetings_withdraw_form-Retirer la séance").click().run()
    assert any("confirmation" in w.value for w in at.warning)
    at.text_input(key="meetings_withdraw_reason").input("Chiffres de H3 erronés")
    at.checkbox(key="meetings_withdraw_confirm").check()
    at.button(key="FormSubmitter:meetings_withdraw_form-Retirer la séance").click().run()
    assert not at.exception, at.exception
    assert any("retirée" in s.value for s in at.success)
    warning = " ".join(w.value for w in at.warning)
    assert "Séance retirée" in warning and "Chiffres de H3 erronés" in warning
    assert "par test" in warning
    with Database(path) as db:
        assert meetings.get(db, ADMIN, ids["partenaire"]).withdrawn
    assert not any(e.label == "Retirer la séance" for e in at.expander)


def test_a_partner_sees_no_withdraw_form(archive_db, monkeypatch):
    path, ids = archive_db
    at = _seances(path, monkeypatch, viewer=Viewer("partenaire", login="part"),
                  seance=str(ids["partenaire"]))
    assert at.selectbox(key="meetings_choice").value == ids["partenaire"]
    assert not any(e.label == "Retirer la séance" for e in at.expander)
    assert "Archive complète (zip)" in download_links(at)


def test_an_official_sees_officials_meetings_only(archive_db, monkeypatch):
    path, ids = archive_db
    at = _seances(path, monkeypatch, viewer=Viewer("elu", login="elu1"),
                  seance=str(ids["partenaire"]))
    assert list(at.table[0].value["Titre"]) == ["Revue des élus"]
    assert any("n'est pas ouverte" in w.value for w in at.warning)  # the partner's one
    assert at.selectbox(key="meetings_choice").value == ids["elu"]
    assert not any(e.label == "Retirer la séance" for e in at.expander)
    at.button(key="meetings_reproduce_button").click().run()
    assert not at.exception, at.exception
    assert "Ménages en cause" not in " ".join(str(d.value.columns) for d in at.table)
    text = everything_shown(at)
    assert "H3" not in text and "H4" not in text


def test_synthese_says_what_changed_since_the_meeting(archive_db, monkeypatch):
    path, ids = archive_db
    at = start_app(path, monkeypatch, date="2009-05-01", reference="2009-03-31")
    assert not at.exception, at.exception
    assert at.selectbox(key="summary_meeting").value == ids["partenaire"]
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # Markdown escapes
    assert ("Relogés : 4 (+2 depuis la séance du 02/04/2009, dont +1 relogement nouveau "
            "et +1 relogement antérieur saisi depuis)") in text
    assert "Ménages concernés : 5 (stable depuis la séance du 02/04/2009)" in text
    assert "comparée à la séance du 31/03/2009" in " ".join(h.proto.body for h in at.get("html"))
    labels = [e.label.replace("\\", "") for e in at.expander]
    assert "Relogés : les ménages derrière l'écart" in labels
    bodies = " ".join(h.proto.body for h in at.get("html"))
    assert "menage=H4" in bodies and "menage=H3" in bodies
    assert "Entrés depuis la séance (événements nouveaux)</b> (1)" in bodies
    assert "Ajoutés par une correction du passé</b> (1)" in bodies
    changes = [d.value for d in at.table if "Ménage" in d.value.columns]
    assert changes and "H3" in set(changes[0]["Ménage"]) and "H4" not in set(changes[0]["Ménage"])


def test_synthese_without_meeting_says_how_to_make_one(small_db_path, tmp_path, monkeypatch):
    path = tmp_path / "none.duckdb"  # a copy: the sign-in adds an account to the file
    shutil.copy(small_db_path, path)
    at = start_app(path, monkeypatch, date="2009-06-30", reference="2009-03-31")
    assert not at.exception, at.exception
    assert any("Rapport de séance" in c.value and "Aucune séance" in c.value for c in at.caption)


def test_synthese_for_an_official_has_no_household(archive_db, monkeypatch):
    path, ids = archive_db
    at = start_app(path, monkeypatch, viewer=Viewer("elu", login="elu1"), date="2009-05-01",
                   reference="2009-03-31")
    assert not at.exception, at.exception
    text = everything_shown(at)
    assert "H3" not in text and "H4" not in text
    assert not any("ménages derrière" in e.label for e in at.expander)


def _report_page(tmp_path, monkeypatch):
    """The Rapport page on a fresh archive, audience « partenaires »."""
    path = tmp_path / "report.duckdb"
    ids = build_archive(path)
    at = start_app(path, monkeypatch, date="2009-05-01", reference="2009-03-31")
    assert opened(at, "meeting_report")
    at.radio(key="report_audience").set_value("partenaire").run()
    return path, ids, at


def test_the_report_page_saves_a_meeting(tmp_path, monkeypatch):
    path, ids, at = _report_page(tmp_path, monkeypatch)
    previous = at.selectbox(key="report_meeting_previous")
    assert previous.options == ["aucune", "Séance du 02/04/2009 — GTR d'avril "
                                          "(situation au 31/03/2009)"]
    assert previous.value == ids["partenaire"]
    submit = "FormSubmitter:report_meeting_form-Enregistrer la séance"
    at.button(key=submit).click().run()
    assert any("titre" in e.value for e in at.error)
    at.text_input(key="report_meeting_title").input("GTR de mai")
    at.button(key=submit).click().run()
    assert not at.exception, at.exception
    assert any("enregistrée" in s.value for s in at.success), [e.value for e in at.error]
    with Database(path) as db:
        made = [m for m in meetings.visible(db, ADMIN) if m.title == "GTR de mai"]
        assert len(made) == 1
        assert made[0].as_of == date(2009, 5, 1) and made[0].previous_id == ids["partenaire"]
        assert made[0].audience == "partenaire" and made[0].created_by == "test"


def test_an_officer_must_choose_operations_first(archive_db, monkeypatch):
    path, _ = archive_db
    at = start_app(path, monkeypatch, viewer=Viewer("charge", ("OP",), login="chargé"),
                   date="2009-05-01", reference="2009-03-31")
    assert opened(at, "meeting_report")
    assert any("choisissez d'abord vos opérations" in i.value for i in at.info)
    at.session_state["filter_operations"] = ["OP"]
    at.run()
    assert at.text_input(key="report_meeting_title") is not None


def test_the_report_page_compares_the_pack_with_a_meeting(tmp_path, monkeypatch):
    """« Comparer les chiffres clés à la séance »: the latest meeting of the audience is
    chosen; the generated pack's key figures split the change (the PDF's text)."""
    from pypdf import PdfReader

    path, ids, at = _report_page(tmp_path, monkeypatch)
    compared = at.selectbox(key="report_compared")
    assert compared.value == ids["partenaire"]
    at.button[0].click().run()  # Générer le rapport
    assert not at.exception, at.exception
    files = at.session_state["report_files"]
    assert files["compared"] == ids["partenaire"]
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert "Depuis la séance du 02/04/2009" in text
    # another comparison: the pack is not offered any more
    at.selectbox(key="report_compared").select_index(0).run()
    assert download_links(at) == {}
