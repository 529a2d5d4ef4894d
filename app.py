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

# No url_path may equal a file name of pages/ (see server.py: Streamlit's older
# multipage mode is switched off there, and this keeps links unambiguous).
ui.set_viewer(None)
ui.database()  # a French error and stop when the database cannot be opened
viewer = access_ui.current_viewer()
if viewer is None:  # nobody signed in: every page's address shows the sign-in form
    st.navigation(access_ui.sign_in_pages(), position="hidden").run()
    st.stop()
ui.set_viewer(viewer)
# expanded: every page of the menu shown (no English "View N more" button)
page = st.navigation(access_ui.navigation_pages(HERE / "pages", viewer), expanded=True)
access_ui.ensure_session(page.url_path)
ui.demo_banner()
access_ui.account_box(viewer)
if viewer.operations == ():
    st.warning("Aucune opération ne vous est attribuée : demandez-le à l'administrateur.")
    st.stop()
ui.sidebar_filters()
page.run()
