"""The meeting archive in a real browser (#19): a meeting saved from the Rapport
de séance page, then found on the Séances page, on a real (non-demo) database
that asks for a sign-in."""

from __future__ import annotations

from relog_data import accounts
from relog_data.db import Database

from .browser import ARTIFACTS, browser_page, streamlit_server, wait_for_app
from .test_meetings_pages import build_archive

PASSWORD = "mot de passe de test"
TITLE = "GTR de mai (navigateur)"


def _settle(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)


def test_save_a_meeting_from_the_report_page_and_find_it(tmp_path):
    db_path = tmp_path / "meetings.duckdb"
    build_archive(db_path)  # two meetings, then a correction imported
    with Database(db_path, read_only=False) as db:
        accounts.add_user(db, "admin", PASSWORD, "admin")
    with streamlit_server(db_path) as url, browser_page(width=1280) as page:
        page.goto(url + "/")
        wait_for_app(page, "Connexion")
        page.get_by_label("Identifiant").fill("admin")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        wait_for_app(page, "Pilotage")
        page.locator('[data-testid="stSidebarNav"] a[href$="/rapport"]').click()
        wait_for_app(page, "Enregistrer comme séance")
        page.get_by_text("partenaires du groupe technique").click()
        _settle(page)
        page.get_by_label("Titre de la séance (obligatoire)").fill(TITLE)
        page.get_by_role("button", name="Enregistrer la séance").click()
        link = page.get_by_role("link", name="Ouvrir la séance n° 3 (page Séances)")
        try:
            link.wait_for(timeout=180_000)  # the PDF is printed by Chromium
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "meeting-save-failed.png"), full_page=True)
            raise
        assert page.get_by_text("Séance n° 3 enregistrée").count() == 1
        link.click()
        page.wait_for_url("**/seances?*seance=3*", timeout=60_000)
        wait_for_app(page, "Séances enregistrées (3)")
        heading = page.get_by_role("heading", name=TITLE)
        heading.first.wait_for(timeout=60_000)
        assert "Séance du" in heading.first.inner_text()
        page.get_by_text("Archive complète (zip)").wait_for(timeout=60_000)
        _settle(page)
        assert page.get_by_text("Rapport de la séance (PDF)").count() == 1
        page.screenshot(path=str(ARTIFACTS / "seances.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.blocked == [], page.blocked
    with Database(db_path) as db:
        made = db.query_text("SELECT title, audience, created_by, pdf_sha256 FROM meetings "
                             "WHERE meeting_id = 3")
        assert made.iloc[0]["title"] == TITLE and made.iloc[0]["audience"] == "partenaire"
        assert made.iloc[0]["created_by"] == "admin" and made.iloc[0]["pdf_sha256"]
