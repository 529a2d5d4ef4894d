"""Every figure of Synthèse and Avancement that leads to households (#18 item 4),
clicked in a real browser: the Ménages list it opens holds as many households as
the figure said."""

from __future__ import annotations

import re

import pytest

from tests.browser import ARTIFACTS, browser_page, streamlit_server, wait_for_app

LINK = 'a[href*="filtre="]'
# « Voir les 91 ménages », « Voir le ménage », or under a headline figure « 720 ménages »
COUNT = re.compile(r"^(?:Voir (?:le ménage|les ([\d\s\u202f\u00a0]+) ménages)"
                   r"|([\d\s\u202f\u00a0]+) ménages?)(?: .+)?$")
LISTED = re.compile(r"Liste filtrée : .+ — ([\d\s\u202f\u00a0]+) ménages?\.")


def _number(text: str | None) -> int:
    return 1 if text is None else int(re.sub(r"\D", "", text))


def _open(page, url: str, path: str, heading: str, first: bool) -> None:
    if first:
        page.goto(url + path)
    else:  # back through the sidebar, as a user would (a typed address restarts the app)
        page.get_by_test_id("stSidebarNav").get_by_role(
            "link", name="Synthèse" if path == "/synthese" else "Avancement").click()
    wait_for_app(page, heading)
    page.locator(LINK).first.wait_for(timeout=60_000)
    _run_over(page)  # every expander drawn (on a loaded machine the page draws slowly)
    _open_expanders(page)
    _run_over(page)


def _run_over(page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_function(  # the script run is over
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def _open_expanders(page) -> None:
    for summary in page.locator('[data-testid="stExpander"] summary').all():
        if summary.get_attribute("aria-expanded") != "true":
            summary.click()  # links inside expanders are clicked too


@pytest.mark.parametrize("path,heading", [("/synthese", "Points d'attention"),
                                          ("/avancement", "Avancement")])
def test_each_figure_opens_exactly_its_households(demo_db_path, path, heading):
    with streamlit_server(demo_db_path) as url, browser_page() as page:
        _open(page, url, path, heading, first=True)
        links = [(a.get_attribute("href"), a.inner_text()) for a in page.locator(LINK).all()]
        figures = [(href, COUNT.search(text.split("\n")[-1].strip())) for href, text in links]
        figures = [(href, _number(m.group(1) or m.group(2))) for href, m in figures if m]
        assert len(figures) >= (10 if path == "/synthese" else 3), links
        checked = []
        for i, (href, expected) in enumerate(figures):
            if i:
                _open(page, url, path, heading, first=False)
            try:
                link = page.locator(f'a[href="{href}"]').first
                if not link.is_visible():  # in an expander drawn after they were opened
                    _open_expanders(page)
                link.click(timeout=30_000)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "figure-click-failed.png"), full_page=True)
                raise
            page.wait_for_url(re.compile(r"/menages\?.*filtre="), timeout=60_000)
            note = page.get_by_text(LISTED).first
            note.wait_for(timeout=60_000)
            listed = _number(LISTED.search(note.inner_text()).group(1))
            checked.append((href, expected, listed))
        assert all(expected == listed for _, expected, listed in checked), checked
