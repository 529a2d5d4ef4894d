"""Browser tests: the app in headless Debian Chromium, offline."""

import re

import pytest

from relog_data import fmt
from tests.browser import ARTIFACTS, browser_page, browser_pages, streamlit_server, wait_for_app


@pytest.fixture(scope="module")
def server(demo_db_path):
    with streamlit_server(demo_db_path) as url:
        yield url


def test_synthese_in_browser(server):
    with browser_page() as page:
        page.goto(server + "/")
        wait_for_app(page, "Synthèse du programme")
        page.locator('[data-testid="stMetricValue"]').first.wait_for()
        page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "synthese.png"), full_page=True)
        values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert fmt.integer(1129).replace("\u202f", " ") in [v.replace("\u202f", " ")
                                                             for v in values]
        assert "720" in values
        assert page.get_by_text("Données fictives de démonstration").count() >= 1
        # the plotly chart drew its bars
        assert page.locator(".js-plotly-plot .barlayer .point").count() > 10
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.blocked == [], page.blocked


def test_definitions_in_browser(server):
    with browser_page() as page:
        page.goto(server + "/definitions")
        wait_for_app(page, "Définitions des indicateurs")
        page.get_by_text("Taux d'avancement").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "definitions.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.blocked == [], page.blocked


def test_upload_a_workbook_in_the_browser(small_db_path, tmp_path):
    import shutil

    import xlsxwriter

    from relog_data import accounts
    from relog_data.db import Database

    db_path = tmp_path / "upload.duckdb"
    shutil.copy(small_db_path, db_path)
    workbook = tmp_path / "suivi.xlsx"
    book = xlsxwriter.Workbook(str(workbook))
    sheet = book.add_worksheet("suivis")
    sheet.write_row(0, 0, ["id_menage", "date_contact", "type_contact"])
    sheet.write_row(1, 0, ["H2", "05/05/2009", "visite à domicile"])
    sheet.write_row(2, 0, ["H9", "06/05/2009", "téléphone"])
    book.close()
    with Database(db_path, read_only=False) as db:  # not the demo: a sign-in is required
        accounts.add_user(db, "admin", "mot de passe de test", "admin")
    with streamlit_server(db_path) as url, browser_page() as page:
        page.goto(url + "/")
        wait_for_app(page, "Connexion")
        assert page.get_by_text("Import des données").count() == 0
        page.get_by_label("Identifiant").fill("admin")
        page.get_by_label("Mot de passe").fill("mot de passe de test")
        page.get_by_role("button", name="Se connecter").click()
        wait_for_app(page, "Pilotage")
        link = page.locator('[data-testid="stSidebarNav"] a[href$="/import"]')
        if not link.is_visible():
            page.get_by_text(re.compile(r"View \d+ more")).click()
        link.click()
        wait_for_app(page, "Historique des imports")
        page.locator('[data-testid="stFileUploader"]').filter(has_text="Fichiers à importer").locator(
            '[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            str(workbook))
        page.get_by_role("button", name="Contrôler les fichiers").click()
        page.get_by_text("Contrôle réussi").wait_for(timeout=90_000)
        page.get_by_role("button", name="Importer", exact=True).click()
        page.get_by_text("Import réussi").wait_for(timeout=90_000)
        page.screenshot(path=str(ARTIFACTS / "import.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.blocked == [], page.blocked
    with Database(db_path) as db:
        contacts = db.query_text("SELECT household_id FROM followups ORDER BY 1")
        assert contacts["household_id"].tolist() == ["H1", "H2", "H9"]
        assert len(db.query("import_history")) == 1
        log = db.query_text("SELECT coalesce(login, '-') AS login, action FROM audit_log "
                            "ORDER BY entry_id")
        assert log.values.tolist() == [["-", "compte"], ["admin", "connexion"],
                                       ["admin", "import"]]


def test_satisfaction_in_browser(server):
    with browser_page(height=2400) as page:
        page.goto(server + "/enquete-satisfaction")
        wait_for_app(page, "Satisfaction des ménages relogés")
        page.locator(".js-plotly-plot").nth(3).wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "satisfaction.png"), full_page=True)
        # the heat-map and one diverging chart per question
        assert page.locator(".js-plotly-plot").count() == 8
        assert page.get_by_text("points entre la vague 1 et la vague 2").count() >= 7
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.blocked == [], page.blocked


@pytest.mark.parametrize("path,title,charts", [
    ("/avancement", "Avancement du relogement", 4),
    ("/calendrier", "Calendrier des opérations", 1),
    ("/qualite", "Qualité du relogement", 4),
    ("/offre-besoins", "Offre et besoins", 11),
])
def test_steering_pages_in_browser(server, path, title, charts):
    with browser_page(height=2600) as page:
        page.goto(server + path + "?date=2009-06-30&reference=2009-03-31")
        wait_for_app(page, title)
        page.locator(".js-plotly-plot").nth(charts - 1).wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / f"{path.strip('/')}.png"), full_page=True)
        assert page.locator(".js-plotly-plot").count() >= charts
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("Page not found").count() == 0
        assert page.blocked == [], page.blocked


def test_map_draws_its_features_offline(server):
    with browser_page(height=1800) as page:
        page.goto(server + "/carte?operation=VAULX-MDT")
        wait_for_app(page, "Carte des relogements")
        frame = page.frame_locator("iframe").first
        frame.locator(".leaflet-interactive").nth(100).wait_for(timeout=30_000)
        drawn = frame.locator(".leaflet-interactive").count()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "carte.png"), full_page=True)
        assert drawn > 500  # 508 destinations, origins and the perimeter
        assert frame.locator(".leaflet-control-zoom").count() == 1
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.blocked == [], page.blocked


def test_report_download_in_browser(server, tmp_path):
    with browser_page(height=1400) as page:
        page.goto(server + "/rapport?date=2009-06-30&reference=2009-03-31")
        wait_for_app(page, "Rapport de séance")
        page.get_by_role("button", name="Générer le rapport").click()
        button = page.get_by_role("link", name="Télécharger le rapport (PDF)")
        button.wait_for(timeout=120_000)
        with page.expect_download(timeout=60_000) as info:
            button.click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        page.screenshot(path=str(ARTIFACTS / "rapport.png"), full_page=True)
        assert target.name == "relog-rapport-elu-2009-06-30.pdf"
        assert target.read_bytes()[:5] == b"%PDF-"
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.blocked == [], page.blocked


@pytest.mark.parametrize("path,title,text", [
    ("/menages?menage=BRT-0001", "Ménages", "Fiche BRT-0001"),  # a sheet on demand (#18)
    ("/synoptique", "Synoptique des bâtiments", "encore dans le bâtiment"),
])
def test_household_pages_in_browser(server, path, title, text):
    with browser_page(height=1600) as page:
        page.goto(server + path)
        wait_for_app(page, title)
        page.get_by_text(text).first.wait_for(timeout=30_000)
        name = path.split("?")[0].strip("/")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.blocked == [], page.blocked


def test_two_sessions_while_an_import_runs(demo_db_path, tmp_path):
    """Session A imports the whole demo workbook again plus new follow-up contacts
    while session B browses: both get correct pages, B sees the figures of before
    or after the import, never an error."""
    import pandas as pd

    from relog_data import indicators as ind
    from relog_data.db import Database
    from relog_data.export import export_workbook

    from relog_data import accounts
    from tests.conftest import real_copy

    db_path = real_copy(demo_db_path, tmp_path / "busy.duckdb")  # imports need a real base
    with Database(db_path, read_only=False) as db:
        accounts.add_user(db, "admin", "mot de passe de test", "admin")
        workbook = export_workbook(db, tmp_path / "suivi.xlsx")
        overdue_before = len(ind.followups_overdue(db, ind.Scope(as_of=ind.data_date(db))))
        late = ind.followups_overdue(db, ind.Scope(as_of=ind.data_date(db)))["household_id"]
    contacts = pd.DataFrame({"id_menage": late.head(40), "date_contact": "15/06/2009",
                             "type_contact": "téléphone"})
    with pd.ExcelWriter(tmp_path / "suivis.xlsx") as writer:
        contacts.to_excel(writer, sheet_name="suivis", index=False)
    with streamlit_server(db_path) as url, browser_pages(2) as (a, b):
        for page, where in ((a, "/import"), (b, "/")):
            page.goto(url + where)
            wait_for_app(page, "Connexion")
            page.get_by_label("Identifiant").fill("admin")
            page.get_by_label("Mot de passe").fill("mot de passe de test")
            page.get_by_role("button", name="Se connecter").click()
        wait_for_app(a, "Historique des imports")
        a.locator('[data-testid="stFileUploader"]').filter(has_text="Fichiers à importer").locator(
            '[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            [str(workbook), str(tmp_path / "suivis.xlsx")])
        a.get_by_role("button", name="Contrôler les fichiers").click()
        a.get_by_text("Contrôle réussi").wait_for(timeout=90_000)
        a.get_by_role("button", name="Importer", exact=True).click()
        # meanwhile, session B opens two pages
        seen = []
        for path, title in (("/", "Synthèse du programme"), ("/avancement",
                                                             "Avancement du relogement")):
            b.goto(url + path)
            wait_for_app(b, title)
            # B's queries wait while A's import holds the database, then run
            first = b.locator('[data-testid="stMetric"]').filter(
                has_text="Ménages concernés" if path == "/" else "Relogés").first
            first.locator('[data-testid="stMetricValue"]').wait_for(timeout=120_000)
            assert b.locator('[data-testid="stException"]').count() == 0
            seen.append([first.locator('[data-testid="stMetricValue"]').inner_text()])
        a.get_by_text("Import réussi").wait_for(timeout=120_000)
        assert a.locator('[data-testid="stException"]').count() == 0
        # after the import, B sees the new follow-ups in the points of attention
        b.goto(url + "/")
        wait_for_app(b, "Synthèse du programme")
        b.get_by_text("sans aucun contact de suivi").first.wait_for(timeout=30_000)
        text = b.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
        assert any(f"{overdue_before - 40} ménage(s) relogé(s)" in t for t in text), text
        assert [v.replace("\u202f", " ") for v in seen[0][:1]] == ["1 129"]
        assert a.blocked == [] and b.blocked == []
