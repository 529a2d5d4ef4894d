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

ui.database()  # a French error and stop when the database cannot be opened
ui.demo_banner()
ui.sidebar_filters()

PAGES = [
    st.Page(str(HERE / "pages" / "synthese.py"), title="Synthèse",
            icon=":material/dashboard:", url_path="synthese", default=True),
    st.Page(str(HERE / "pages" / "definitions.py"), title="Définitions",
            icon=":material/menu_book:", url_path="definitions"),
]

st.navigation(PAGES).run()
