"""Synoptique cells are links (#18 item 5): reached with the keyboard, with a
text label, they open the household's sheet on the Ménages page, in the app's
own tab."""

import re

from tests.browser import ARTIFACTS, browser_page, streamlit_server, wait_for_app


def test_a_cell_opens_the_household_sheet_with_the_keyboard(demo_db_path):
    with streamlit_server(demo_db_path) as url, browser_page() as page:
        page.goto(url + "/synoptique?operation=STE-DAMEBLANCHE")
        wait_for_app(page, "Synoptique des bâtiments")
        cells = page.locator("a.relog-cell")
        cells.first.wait_for(timeout=60_000)
        page.wait_for_function(  # buildings are drawn one after the other
            "() => document.querySelectorAll('a.relog-cell').length >= 66", timeout=60_000)
        assert cells.count() == 66
        first = cells.first
        label = first.get_attribute("aria-label")
        assert re.fullmatch(r"SDB-\d{4} : \S.*", label), label
        assert first.get_attribute("title") == label
        assert re.fullmatch(r"[EDRPALTSX]", first.inner_text().strip())  # not colour alone
        href = first.get_attribute("href")
        household = label.split(" : ")[0]
        assert href.startswith("menages?") and f"menage={household}" in href
        assert "operation=STE-DAMEBLANCHE" in href
        # the keyboard: Tab from the page's heading reaches the first cell
        page.get_by_text("Synoptique des bâtiments").first.click()
        for _ in range(400):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.classList.contains('relog-cell')"):
                break
        else:
            raise AssertionError("no cell is reached with the Tab key")
        focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        assert focused == label
        page.screenshot(path=str(ARTIFACTS / "synoptic-focus.png"))
        pages_before = len(page.context.pages)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/menages\?.*menage=" + re.escape(household)),
                          timeout=60_000)
        assert len(page.context.pages) == pages_before  # same tab, no new window
        wait_for_app(page, household)
        page.get_by_text(f"Fiche {household}").first.wait_for(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "synoptic-to-sheet.png"), full_page=True)


def test_a_figure_of_synthese_opens_its_households(demo_db_path):
    """The « suivi en retard » point (91 households on the demo) opens the Ménages
    list filtered to those 91, in the same tab, with the filter in the address."""
    with streamlit_server(demo_db_path) as url, browser_page() as page:
        page.goto(url + "/synthese")
        wait_for_app(page, "Points d'attention")
        link = page.locator('a[href*="filtre=suivi_en_retard"]')
        link.first.wait_for(timeout=60_000)
        assert "Voir les 91 ménages" in link.first.inner_text()
        link.first.click()
        page.wait_for_url(re.compile(r"/menages\?.*filtre=suivi_en_retard"), timeout=60_000)
        wait_for_app(page, "Liste filtrée")
        page.get_by_text(re.compile(r"Liste filtrée.*91\s+ménages")).first.wait_for(
            timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "figure-to-households.png"), full_page=True)
