"""Browser tests: the app in headless Debian Chromium, offline."""

import pytest

from relog_data import fmt
from tests.browser import ARTIFACTS, browser_page, streamlit_server, wait_for_app


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
