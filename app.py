"""relog — entry point and router.

Run with `make run` (or `streamlit run app.py`). The database is
`data/relog.duckdb`, or the file named by the RELOG_DB environment variable.
"""

from pathlib import Path

import streamlit as st

from pages import _common as ui

HERE = Path(__file__).resolve().parent

st.set_page_config(
    page_title="relog – pilotage du relogement",
    page_icon=str(HERE / "assets" / "favicon.png"),
    layout="wide",
)
ui.load_css()
st.logo(str(HERE / "assets" / "logo.svg"))

PAGES = {
    "Pilotage": [
        st.Page(str(HERE / "pages" / "summary.py"), title="Synthèse",
                icon=":material/dashboard:", url_path="synthese", default=True),
        st.Page(str(HERE / "pages" / "progress.py"), title="Avancement",
                icon=":material/trending_up:", url_path="avancement"),
        st.Page(str(HERE / "pages" / "schedule.py"), title="Calendrier",
                icon=":material/calendar_month:", url_path="calendrier"),
        st.Page(str(HERE / "pages" / "quality.py"), title="Qualité du relogement",
                icon=":material/verified:", url_path="qualite"),
        st.Page(str(HERE / "pages" / "map_view.py"), title="Carte des relogements",
                icon=":material/map:", url_path="carte"),
    ],
    "Relogement": [
        st.Page(str(HERE / "pages" / "supply_needs.py"), title="Offre et besoins",
                icon=":material/balance:", url_path="offre-besoins"),
        st.Page(str(HERE / "pages" / "households.py"), title="Ménages",
                icon=":material/groups:", url_path="menages"),
        st.Page(str(HERE / "pages" / "synoptic.py"), title="Synoptique",
                icon=":material/grid_view:", url_path="synoptique"),
    ],
    "Séance": [
        st.Page(str(HERE / "pages" / "meeting_report.py"), title="Rapport de séance",
                icon=":material/picture_as_pdf:", url_path="rapport"),
    ],
    "Évaluation": [
        st.Page(str(HERE / "pages" / "satisfaction.py"), title="Satisfaction",
                icon=":material/sentiment_satisfied:", url_path="enquete-satisfaction"),
    ],
    "Référence": [
        st.Page(str(HERE / "pages" / "glossary.py"), title="Définitions",
                icon=":material/menu_book:", url_path="definitions"),
    ],
    "Administration": [
        st.Page(str(HERE / "pages" / "data_import.py"), title="Import des données",
                icon=":material/upload_file:", url_path="import"),
    ],
}

# No url_path may equal a file name of pages/: until this script has run once
# in the server, Streamlit resolves links against the files of pages/ (its
# older multipage mode) and would run such a page alone, without this frame.
page = st.navigation(PAGES)
ui.database()  # a French error and stop when the database cannot be opened
ui.demo_banner()
ui.sidebar_filters()
page.run()
