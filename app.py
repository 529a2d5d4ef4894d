"""relog — entry point and router.

Run with `make run` (or `streamlit run app.py`). The database is
`data/relog.duckdb`, or the file named by the RELOG_DB environment variable.
"""

from pathlib import Path

import streamlit as st

from pages import _access as access_ui
from pages import _common as ui

HERE = Path(__file__).resolve().parent

st.set_page_config(
    page_title="relog – pilotage du relogement",
    page_icon=str(HERE / "assets" / "favicon.png"),
    layout="wide",
)
ui.load_css()
st.logo(str(HERE / "assets" / "logo.svg"))

# Section -> (title, file in pages/, icon, url_path); the first page is the default.
PAGES = {
    "Pilotage": [
        ("Synthèse", "summary", ":material/dashboard:", "synthese"),
        ("Avancement", "progress", ":material/trending_up:", "avancement"),
        ("Calendrier", "schedule", ":material/calendar_month:", "calendrier"),
        ("Qualité du relogement", "quality", ":material/verified:", "qualite"),
        ("Carte des relogements", "map_view", ":material/map:", "carte"),
    ],
    "Relogement": [
        ("Offre et besoins", "supply_needs", ":material/balance:", "offre-besoins"),
        ("Ménages", "households", ":material/groups:", "menages"),
        ("Synoptique", "synoptic", ":material/grid_view:", "synoptique"),
    ],
    "Séance": [
        ("Rapport de séance", "meeting_report", ":material/picture_as_pdf:", "rapport"),
    ],
    "Évaluation": [
        ("Satisfaction", "satisfaction", ":material/sentiment_satisfied:", "enquete-satisfaction"),
    ],
    "Référence": [
        ("Définitions", "glossary", ":material/menu_book:", "definitions"),
    ],
    "Administration": [
        ("Import des données", "data_import", ":material/upload_file:", "import"),
        ("Comptes et journal", "admin_log", ":material/shield_person:", "journal"),
    ],
}

# No url_path may equal a file name of pages/: until this script has run once
# in the server, Streamlit resolves links against the files of pages/ (its
# older multipage mode) and would run such a page alone, without this frame.
st.session_state["_viewer_now"] = None
ui.database()  # a French error and stop when the database cannot be opened
viewer = access_ui.current_viewer()
if viewer is None:  # nobody signed in: the sign-in page is the only page
    st.navigation([st.Page(access_ui.sign_in_page, title="Connexion", url_path="connexion",
                           icon=":material/login:")]).run()
    st.stop()
st.session_state["_viewer_now"] = viewer
page = st.navigation({
    section: [st.Page(str(HERE / "pages" / f"{stem}.py"), title=title, icon=icon,
                      url_path=url, default=url == "synthese")
              for title, stem, icon, url in items]
    for section, items in access_ui.visible_pages(PAGES, viewer).items()
})
ui.demo_banner()
access_ui.account_box(viewer)
if viewer.operations == ():
    st.warning("Aucune opération ne vous est attribuée : demandez-le à l'administrateur.")
    st.stop()
ui.sidebar_filters()
page.run()
