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

# No url_path may equal a file name of pages/: until this script has run once
# in the server, Streamlit resolves links against the files of pages/ (its
# older multipage mode) and would run such a page alone, without this frame.
ui.set_viewer(None)
ui.database()  # a French error and stop when the database cannot be opened
viewer = access_ui.current_viewer()
if viewer is None:  # nobody signed in: the sign-in page is the only page
    st.navigation([st.Page(access_ui.sign_in_page, title="Connexion", url_path="connexion",
                           icon=":material/login:")]).run()
    st.stop()
ui.set_viewer(viewer)
page = st.navigation({
    section: [st.Page(str(HERE / "pages" / f"{stem}.py"), title=title, icon=icon,
                      url_path=url, default=url == "synthese")
              for title, stem, icon, url in items]
    for section, items in access_ui.visible_pages(access_ui.PAGES, viewer).items()
})
ui.demo_banner()
access_ui.account_box(viewer)
if viewer.operations == ():
    st.warning("Aucune opération ne vous est attribuée : demandez-le à l'administrateur.")
    st.stop()
ui.sidebar_filters()
page.run()
