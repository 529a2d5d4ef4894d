"""The officer's tool in a real browser (#18): search by name, address,
building and operation; a click on a list row opens the sheet; ?menage= opens
it directly; screenshots of three sheets in different situations."""

from __future__ import annotations

import re

import pytest

from relog_data import officer
from relog_data.db import Database
from relog_data.indicators import Scope, data_date

from .browser import ARTIFACTS, browser_page, streamlit_server, wait_for_app


@pytest.fixture(scope="module")
def server(demo_db_path):
    with streamlit_server(demo_db_path) as url:
        yield url


def _search(page, text):
    box = page.get_by_role("textbox", name="Rechercher un ménage")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(800)


def _wait_cell(page, text: str) -> None:
    """Wait until a cell of the list shows `text` (the grid redraws after a rerun)."""
    # queried from the document each time: a rerun may replace the grid element
    page.wait_for_function(
        "text => [...document.querySelectorAll('[data-testid=\"stDataFrame\"] table td')]"
        ".some(td => td.textContent.includes(text))", arg=text, timeout=30_000)


def _cells(page) -> list[str]:
    """The text of the list's cells (the grid draws them once in view)."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    page.wait_for_function("g => g.querySelectorAll('table td').length > 0",
                           arg=grid.element_handle(), timeout=20_000)
    return grid.locator("table td").all_text_contents()


@pytest.mark.parametrize("text,field", [
    ("Yilmaz", "holder_name"), ("avenue Gabriel Peri", "building_address"),
    ("Mont Pilat", "building_name"), ("Dame Blanche", "operation_name")])
def test_search_in_browser_finds_expected_households(server, demo_db_path, text, field):
    with Database(demo_db_path) as db:
        scope = Scope(as_of=data_date(db))
        expected = officer.search(db, scope, text, named=True)["household_id"].tolist()
    assert expected
    with browser_page(height=1400) as page:
        page.goto(server + "/menages")
        wait_for_app(page, "Ménages")
        _search(page, text)
        page.get_by_text(f"{len(expected)} /", exact=False).first.wait_for(timeout=30_000)
        _wait_cell(page, expected[0])
        assert page.locator('[data-testid="stException"]').count() == 0


def test_click_on_a_row_opens_the_sheet(server):
    with browser_page(height=1600) as page:
        page.goto(server + "/menages")
        wait_for_app(page, "Choisissez un ménage dans la liste")
        assert page.get_by_role("heading", name=re.compile("^Fiche ")).count() == 0
        _search(page, "VMT-0334")
        page.get_by_text("1 / 1", exact=False).first.wait_for(timeout=30_000)
        _wait_cell(page, "VMT-0334")
        grid = page.locator('[data-testid="stDataFrame"]').first
        box = grid.bounding_box()
        # the first data row, just below the header: click its row-selection cell
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 18)
        page.get_by_text("Fiche VMT-0334", exact=False).first.wait_for(timeout=30_000)
        assert "menage=VMT-0334" in page.url
        page.screenshot(path=str(ARTIFACTS / "menages-clic.png"), full_page=True)


# situations: rehoused without follow-up, refusals in progress, never contacted, and the
# same household six weeks later, its building's demolition then 77 days away (urgent)
SHEETS = {"suivi": "VMT-0334", "refus": None, "jamais-contacte": "BRT-0030",
          "urgent": "BRT-0030&date=2009-08-15"}


def test_three_sheets_screenshots(server, demo_db_path):
    with Database(demo_db_path) as db:
        frame = officer.households_list(db, Scope(as_of=data_date(db)))
    refusals = frame[frame["step_key"].isin(["third_offer", "commission"])]
    sheets = dict(SHEETS, refus=refusals["household_id"].iloc[0])
    for name, household in sheets.items():
        with browser_page(height=2000) as page:
            page.goto(server + f"/menages?menage={household}")
            household = household.split("&")[0]
            wait_for_app(page, f"Fiche {household}")
            page.get_by_text("Prochaine action :", exact=False).first.wait_for(timeout=30_000)
            page.get_by_text("Reste à charge").first.wait_for(timeout=30_000)
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
                " && !document.querySelector('[data-testid=\"stSkeleton\"]')",
                timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ARTIFACTS / f"fiche-{name}.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.blocked == [], page.blocked


def test_a_partner_search_by_name_finds_nothing_in_browser(server):
    with browser_page(height=1400) as page:
        page.goto(server + "/menages")
        wait_for_app(page, "Ménages")
        # the demo's profile switcher: a partner of the technical group
        page.get_by_role("combobox", name="Voir l'application comme").click()
        page.get_by_role("option", name="Partenaire (groupe technique)").click()
        wait_for_app(page, "Partenaire (groupe technique)")
        page.wait_for_timeout(800)
        _search(page, "Yilmaz")  # a holder's name of the demo (VMT-0334)
        page.get_by_text("Aucun ménage ne correspond à « Yilmaz »").first.wait_for(
            timeout=30_000)
        _search(page, "VMT-0334")  # the pseudonym is found
        page.get_by_text("1 / 1", exact=False).first.wait_for(timeout=30_000)
        _wait_cell(page, "VMT-0334")
        assert "Yilmaz" not in " ".join(_cells(page))
        assert page.locator('[data-testid="stException"]').count() == 0
