"""Security findings that only a browser shows: a sign-in that survives a
reload and a deep link, the older multipage mode, the same tab handed from
one user to the next, and files that need the session which produced them."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlparse

import pytest

from relog_data import accounts
from relog_data.db import Database
from tests.browser import ARTIFACTS, browser_page, streamlit_server, wait_for_app

PASSWORD = "mot de passe de test"


@pytest.fixture()
def accounts_db(small_db_path, tmp_path):
    path = tmp_path / "secure.duckdb"
    shutil.copy(small_db_path, path)
    with Database(path, read_only=False) as db:
        accounts.add_user(db, "admin1", PASSWORD, "admin")
        accounts.add_user(db, "charge1", PASSWORD, "charge", operations=["OPA"])
        accounts.add_user(db, "elu1", PASSWORD, "elu")
    return path


def sign_in(page, login: str, then: str) -> None:
    wait_for_app(page, "Connexion")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    wait_for_app(page, then)


def sign_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    wait_for_app(page, "Connexion")
    page.get_by_label("Identifiant").wait_for()


def audit(path) -> list[list]:
    with Database(path) as db:
        return db.query_text("SELECT coalesce(login, '-') AS login, action, detail "
                             "FROM audit_log ORDER BY entry_id").values.tolist()


def test_first_visit_runs_no_module_of_pages_alone(accounts_db):
    """Finding 9: on a fresh server, /_access used to run pages/_access.py
    alone (Streamlit's older multipage mode) and list pages/ in the menu."""
    with streamlit_server(accounts_db, warm=False) as url, browser_page() as page:
        page.goto(url + "/_access")
        wait_for_app(page, "Page introuvable")
        assert "_access" in page.get_by_text("Aucune page de relog").inner_text()
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.count() == 0 or "access" not in nav.inner_text().lower()
        assert page.get_by_text("Page not found").count() == 0
        page.goto(url + "/_common")
        wait_for_app(page, "Page introuvable")
        assert page.locator('[data-testid="stException"]').count() == 0


def test_deep_link_survives_sign_in_and_reload_keeps_the_session(accounts_db):
    """Finding 9: a link opened before sign-in used to show "Page not found"
    and land on Synthèse; a reload used to sign the user out."""
    with streamlit_server(accounts_db) as url, browser_page() as page:
        page.goto(url + "/avancement?operation=OPA&date=2009-05-01")
        sign_in(page, "admin1", "Avancement du relogement")
        assert page.get_by_text("Page not found").count() == 0
        where = urlparse(page.url)
        assert where.path == "/avancement"
        assert parse_qs(where.query)["operation"] == ["OPA"]
        assert parse_qs(where.query)["date"] == ["2009-05-01"]
        page.get_by_text("Périmètre : Opération OPA").first.wait_for()
        cookie = next(c for c in page.context.cookies() if c["name"] == "relog_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        page.reload()
        wait_for_app(page, "Avancement du relogement")
        page.get_by_text("Connecté : admin1").wait_for()
        page.screenshot(path=str(ARTIFACTS / "reload-signed-in.png"), full_page=True)
        sign_out(page)
        assert not any(c["name"] == "relog_session" for c in page.context.cookies())
        page.reload()
        wait_for_app(page, "Connexion")  # the revoked session does not come back
        page.get_by_label("Identifiant").wait_for()


def test_downloads_need_the_session_that_made_them(accounts_db):
    """Finding 4: /media/<hash> URLs served files to anyone with the URL,
    after sign-out, without an audit entry."""
    with streamlit_server(accounts_db) as url, browser_page() as page:
        page.goto(url + "/journal")
        sign_in(page, "admin1", "Journal d'audit")
        link = page.get_by_role("link", name="Télécharger le journal (CSV)")
        href = link.get_attribute("href")
        assert href.startswith("/relog/fichier/")
        assert page.locator('a[href*="/media/"]').count() == 0
        with page.expect_download() as info:
            link.click()
        assert info.value.suggested_filename == "relog-journal-audit.csv"
        assert "admin1" in open(info.value.path(), encoding="utf-8-sig").read()
        # the same URL without the session's cookie: refused
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + href, timeout=10)
        assert refused.value.code == 404
        assert "Fichier indisponible" in refused.value.read().decode()
        # with the cookie, but after sign-out: refused too
        cookie = next(c for c in page.context.cookies() if c["name"] == "relog_session")
        sign_out(page)
        request = urllib.request.Request(url + href,
                                         headers={"Cookie": f"relog_session={cookie['value']}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 404
    log = audit(accounts_db)
    assert [r for r in log if r[1] == "téléchargement"] == \
        [["admin1", "téléchargement", "journal d'audit (CSV)"]]


def test_the_next_user_of_a_tab_gets_nothing_of_the_previous_one(accounts_db):
    """Finding 1: charge1 makes the officers' pack and signs out; elu1 signs in
    in the same tab and used to get charge1's PDF and annex."""
    with streamlit_server(accounts_db) as url, browser_page(height=1400) as page:
        page.goto(url + "/rapport?date=2009-05-01")
        sign_in(page, "charge1", "Rapport de séance")
        page.get_by_text("chargés de relogement", exact=False).first.click()
        page.get_by_role("button", name="Générer le rapport").click()
        link = page.get_by_role("link", name="Télécharger le rapport (PDF)")
        link.wait_for(timeout=120_000)
        href = link.get_attribute("href")
        sign_out(page)
        page.get_by_label("Identifiant").fill("elu1")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        wait_for_app(page, "Synthèse du programme")
        page.screenshot(path=str(ARTIFACTS / "same-tab-signed-in.png"), full_page=True)
        page.locator('[data-testid="stSidebarNav"] a[href$="/rapport"]').click()
        page.get_by_role("button", name="Générer le rapport").wait_for()
        wait_for_app(page, "Public")
        assert page.get_by_role("link", name="Télécharger le rapport (PDF)").count() == 0
        assert page.get_by_text("Rapport prêt").count() == 0
        response = page.request.get(url + href)
        assert response.status == 404  # elu1's cookie does not open charge1's file
        page.screenshot(path=str(ARTIFACTS / "same-tab-next-user.png"), full_page=True)


def test_account_commands_take_effect_while_the_app_runs(accounts_db):
    """Finding 7: `users disable / set-role` were refused while the app held
    the database, and open sessions kept their role."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    def users(*args):
        return subprocess.run([sys.executable, "-m", "relog_data", "users", *args, "--db",
                               str(accounts_db)], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)

    with streamlit_server(accounts_db) as url, browser_page() as page:
        page.goto(url + "/menages")
        sign_in(page, "charge1", "Ménages")
        done = users("set-role", "charge1", "--role", "elu")
        assert done.returncode == 0, done.stderr
        page.locator('[data-testid="stSidebarNav"] a[href$="/avancement"]').click()
        wait_for_app(page, "Connexion")  # the changed account's session is over
        page.get_by_label("Identifiant").wait_for()
        sign_in(page, "charge1", "Avancement du relogement")  # back where the click led
        page.get_by_text("Connecté : charge1 (Élu").wait_for()
        assert page.locator('[data-testid="stSidebarNav"] a[href$="/menages"]').count() == 0
        done = users("disable", "charge1")
        assert done.returncode == 0, done.stderr
        page.locator('[data-testid="stSidebarNav"] a[href$="/avancement"]').click()
        wait_for_app(page, "Connexion")
        page.get_by_label("Identifiant").wait_for()
    log = audit(accounts_db)
    changes = [r for r in log if r[1] == "compte" and "charge1" in r[2]][1:]  # after the add
    assert [r[0].startswith("cli:") for r in changes] == [True, True]
    assert [r[2] for r in changes] == ["rôle de charge1 : elu", "compte charge1 désactivé"]
