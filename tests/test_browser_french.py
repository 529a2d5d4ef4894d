"""Browser test: no English from Streamlit or Plotly where a user looks.

Every page of the demo is opened as its administrator (the demo's default
profile); the visible text, the text of the tables' cells (drawn on a canvas:
read from the grid's accessible table, each grid scrolled into view) and the
aria-label / title / data-title / placeholder attributes of the visible
elements are searched for strings that Streamlit or Plotly write in English.
"""

import re

import pytest

from pages._access import PAGES
from tests.browser import ARTIFACTS, browser_page, streamlit_server, wait_for_app

# Strings Streamlit or Plotly would show in English, matched as whole words, case-sensitive.
ENGLISH = [
    # sidebar navigation, tables, select boxes, file uploader
    "View", "more", "View less", "empty", "None", "NaN", "NaT", "nan", "null",
    "Choose an option", "Choose options", "No results", "Browse files", "Upload",
    "Drag and drop", "per file", "MB",
    # the toolbar over tables and charts
    "Download as CSV", "Search", "Fullscreen", "Show/hide columns", "Link to heading",
    # Plotly's mode bar and notices
    "Zoom", "Zoom in", "Zoom out", "Pan", "Box Select", "Lasso Select", "Autoscale",
    "Reset axes", "Download plot as a png", "Download plot as a PNG", "Produced with Plotly",
    "Double-click to zoom back out",
    # Leaflet's controls (the map)
    "A JavaScript library for interactive maps",
    # the app's menu and toolbar (top right)
    "Main menu", "Deploy", "Rerun", "Clear cache", "Settings", "Print", "Record a screencast",
    "About", "Made with Streamlit",
    # the file uploader once a file is chosen
    "Remove", "Add files",
]

# English that remains, each with the reason it could not be replaced (see the report of
# the "French everywhere a user looks" change). Excluded from the check on purpose:
REMAINING = {
    # Streamlit's accessibility link, visible only when focused with the keyboard: its text
    # is fixed in Streamlit's front end, and hiding it would hurt keyboard users.
    "Skip to main content",
    # aria-labels of Streamlit's widgets read by screen readers (no visible text), fixed in
    # its front end: help icon, select box arrow, date input, number input steppers,
    # sidebar and navigation landmarks, the hidden file input.
    "Help for", "Open", "Choose date", "day,", "month,", "year,", "Increment", "Decrement",
    "Collapse sidebar", "Expand sidebar", "Sidebar", "App pages", "Navigate to home page",
    "file upload",
    # once a file is chosen, the uploader's chip and buttons: "Remove <file>" and "Add files"
    # (aria-labels), "add icon" (hidden text of the "+" icon), the size in "62.0B" / "1.2KB".
    "Remove", "Add files", "add icon",
    # Not seen by this test but English too, all fixed in Streamlit's front end:
    # - "Running..." and "Stop" (the status widget, during a run): hiding it would leave no
    #   sign that a long computation is under way;
    # - the date picker's calendar (month and day names, "Previous month"), once opened;
    # - a table's column menu, opened from a column header ("Sort ascending", "Pin column",
    #   "Autosize", "Hide column", "Format"), drawn by Streamlit's grid;
    # - "No results" in a select box when the typed text matches no option;
    # - the map frame's title attribute "streamlit_folium.st_folium" (set by that component);
    # - the generic error box ("This app has encountered an error…"): with
    #   client.showErrorDetails = "none" Streamlit writes only that sentence; relog's own
    #   errors are caught and shown in French (st.error), this box means a bug.
}

# What the test looks for: ENGLISH but the remaining strings.
CHECKED = [s for s in ENGLISH if s not in REMAINING]

# The page's run is over (its title shown, Streamlit's script state) and its widgets, tables
# and charts are drawn (their code is loaded on demand: until then, skeletons).
DRAWN = """() => document.querySelector('[data-testid="stMain"] h1')
  && document.querySelector('[data-testid="stApp"]')
       .getAttribute('data-test-script-state') === 'notRunning'
  && !document.querySelector(
    '[data-testid="stSkeleton"],[data-testid="stAppSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
       .every(c => c.querySelector('.modebar-container'))"""

MODEBARS = """() => [...document.querySelectorAll('.js-plotly-plot .modebar')]
  .map(m => [...m.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title')))"""

COLLECT = """() => {
  const visible = el => el.checkVisibility ? el.checkVisibility() : true;
  const attrs = [];
  for (const el of document.querySelectorAll(
      '[aria-label],[title],[data-title],[placeholder]')) {
    if (!visible(el)) continue;
    for (const name of ['aria-label', 'title', 'data-title', 'placeholder']) {
      const value = el.getAttribute(name);
      if (value) attrs.push(value);
    }
  }
  // icon ligatures (":material/upload:" is drawn from the text "upload")
  const icons = new Set([...document.querySelectorAll('[data-testid="stIconMaterial"]')]
                        .map(e => e.textContent.trim()));
  const text = document.body.innerText.split('\\n').filter(l => !icons.has(l.trim()));
  return {text, attrs};
}"""


def english_in(strings: list[str]) -> list[str]:
    found = []
    for value in strings:
        for known in REMAINING:  # explicit exclusions, listed above with their reason
            value = value.replace(known, " ")
        for word in CHECKED:
            if re.search(rf"(?<![\w/]){re.escape(word)}(?![\w])", value):
                found.append(f"{word!r} in {value.strip()[:80]!r}")
    return found


def test_english_finder_is_able_to_fail():
    assert english_in(["View 3 more"]) and english_in(["Download plot as a PNG"])
    assert english_in(["Choose an option"]) and english_in(["None"])
    assert not english_in(["Voir l'application comme", "Aucune ligne à afficher.", "—",
                           "Help for Situation au", "Skip to main content"])


def _choice_widgets_without_placeholder(source: str) -> list[int]:
    """Lines of the select boxes and multiselects of `source` that leave
    Streamlit's English placeholder (« Choose an option ») in the page."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("selectbox", "multiselect")
                and not any(k.arg in ("placeholder", None) for k in node.keywords)):
            lines.append(node.lineno)
    return lines


def test_every_choice_widget_has_a_french_placeholder():
    # Streamlit writes « Choose an option » into a select box's input even when a
    # value is chosen: the page picker of long tables (#20) showed it on Offre et besoins
    assert _choice_widgets_without_placeholder("st.selectbox('Ménage', ids, key='k')") == [1]
    assert _choice_widgets_without_placeholder(
        "where.selectbox('Ménage', ids, placeholder=CHOOSE)") == []
    from pathlib import Path

    missing = {path.name: lines for path in sorted(Path("pages").glob("*.py"))
               if (lines := _choice_widgets_without_placeholder(path.read_text("utf-8")))}
    assert missing == {}, missing


def _tables_app():
    import pandas as pd

    from pages import _common as ui

    ui.table(pd.DataFrame({"Date réelle": [None, "30/06/2009"], "Ménages": [None, 3.0]}))
    ui.table(pd.DataFrame({"Ménages": []}), empty="Aucun ménage.")


def test_tables_show_a_dash_and_a_french_empty_state():
    """The demo's tables happen to have no missing value: the helper itself is checked."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_tables_app).run()
    assert not at.exception
    assert len(at.dataframe) == 1
    assert at.dataframe[0].proto.placeholder == "—"
    assert [c.value for c in at.caption] == ["Aucun ménage."]


URLS = [url for items in PAGES.values() for _, _, _, url in items]


@pytest.fixture(scope="module")
def server(demo_db_path):
    with streamlit_server(demo_db_path) as url:
        yield url


def test_every_page_speaks_french(server):
    problems = {}
    cells_seen = {}
    with browser_page() as page:
        page.goto(server + "/")  # the demo's first visit goes through the session cookie
        wait_for_app(page, "Synthèse du programme")
        for url in URLS:
            page.goto(server + "/" + ("" if url == "synthese" else url))
            wait_for_app(page, "Pilotage")
            page.wait_for_function(DRAWN, timeout=30_000)
            map_frames = page.locator('iframe[title="streamlit_folium.st_folium"]')
            if url == "carte":  # the map (Leaflet, in a component's frame) drawn too
                map_frames.first.wait_for()
                page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first.locator(
                    ".leaflet-control-zoom-in").wait_for()
            assert page.locator('[data-testid="stException"]').count() == 0, url
            if url in ("synthese", "calendrier", "carte"):
                page.screenshot(path=str(ARTIFACTS / f"french-{url}.png"), full_page=True)
            # what collapsed expanders hold is read too (a grid in one draws no cell)
            closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
            for i in range(closed.count()):
                closed.first.click()
            page.wait_for_function(DRAWN, timeout=30_000)
            cells = []
            grids = page.locator('[data-testid="stDataFrame"]')
            for i in range(grids.count()):  # a grid draws its cells once scrolled into view
                grids.nth(i).scroll_into_view_if_needed()
                page.wait_for_function("g => g.querySelectorAll('table td').length > 0",
                                       arg=grids.nth(i).element_handle(), timeout=20_000)
                cells += grids.nth(i).locator("table td").all_text_contents()
            found = page.evaluate(COLLECT)
            found["cells"] = cells
            for frame in page.frames[1:]:  # the map: Leaflet in a component's frame
                frame.wait_for_load_state()
                inner = frame.evaluate(COLLECT)
                found["text"] += inner["text"]
                found["attrs"] += inner["attrs"]
            if url == "carte":
                zoom = page.frame_locator("iframe").first.locator(".leaflet-control-zoom-in")
                assert zoom.get_attribute("title") == "Agrandir"
                assert len(page.frames) > 1
            cells_seen[url] = found["cells"]
            english = sorted(set(english_in(found["text"] + found["attrs"] + found["cells"])))
            # the whole menu, without a "View N more" button: the last pages are listed
            if not page.locator('[data-testid="stSidebarNav"] a[href$="/journal"]').is_visible():
                english.append("menu incomplet : « Comptes et journal » absent")
            # Plotly's mode bar: the two buttons kept, in French
            for titles in page.evaluate(MODEBARS):
                if titles != ["Télécharger le graphique (PNG)", "Réinitialiser les axes"]:
                    english.append(f"barre d'outils Plotly : {titles}")
            if english:
                problems[url] = english
    assert problems == {}, problems
    # the tables' cells were read (each grid waited for), so a "None" could not slip by
    assert len([url for url, cells in cells_seen.items() if cells]) >= 6, cells_seen.keys()


def test_file_uploader_speaks_french(small_db_path, tmp_path):
    """The import page (closed in the demo): a real database and its administrator."""
    import shutil

    from relog_data import accounts
    from relog_data.db import Database

    db_path = tmp_path / "import.duckdb"
    shutil.copy(small_db_path, db_path)
    with Database(db_path, read_only=False) as db:
        accounts.add_user(db, "admin", "mot de passe de test", "admin")
    csv = tmp_path / "suivis.csv"
    csv.write_text("id_menage;date_contact;type_contact\nH2;05/05/2009;téléphone\n",
                   encoding="utf-8")
    with streamlit_server(db_path, warm=False) as url, browser_page() as page:
        page.goto(url + "/import")
        wait_for_app(page, "Connexion")
        page.get_by_label("Identifiant").fill("admin")
        page.get_by_label("Mot de passe").fill("mot de passe de test")
        page.get_by_role("button", name="Se connecter").click()
        wait_for_app(page, "Historique des imports")
        page.wait_for_function(DRAWN, timeout=30_000)
        uploader = page.locator('[data-testid="stFileUploader"]').first
        assert uploader.get_by_role("button", name="Parcourir").is_visible()
        assert page.get_by_text("Formats acceptés : .xlsx, .csv, .zip — 100 Mo au plus par "
                                "fichier.").is_visible()
        uploader.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
        uploader.get_by_text("suivis.csv").wait_for()
        wait_for_app(page, "Historique des imports")
        page.screenshot(path=str(ARTIFACTS / "french-import-real.png"), full_page=True)
        found = page.evaluate(COLLECT)
        assert english_in(found["text"] + found["attrs"]) == []
