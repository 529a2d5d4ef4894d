"""Rapport de séance: the PDF pack and its Excel annex for a meeting."""

import tempfile
import time
from pathlib import Path

import streamlit as st

from pages import _common as ui
from relog_data import access, fmt, indicators, privacy, report
from relog_data.errors import RelogError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

scope = ui.current_scope()
reference = ui.reference_date()
ui.header("Rapport de séance", lead="Données au",
          since=f"évolutions depuis le {fmt.day(reference)}")
st.markdown(
    "Un PDF A4 pour la séance (couverture, chiffres clés et évolutions, avancement, calendrier, "
    "destinations, qualité, satisfaction, points d'attention, définitions) et son annexe Excel "
    "(le tableau derrière chaque graphique). Le périmètre et les dates sont ceux de la barre "
    "latérale. Le contenu suit le public choisi : pour les élus, aucun identifiant de ménage "
    "et aucun groupe de moins de 5 ménages.")
viewer = ui.current_viewer()
audience = st.radio("Public", list(access.REPORT_AUDIENCES[viewer.role]),
                    format_func=privacy.AUDIENCES.get, key="report_audience")

problem = indicators.reference_problem(scope.as_of, st.session_state.get(ui.KEY_REFERENCE))
if problem:
    st.error(problem)
if st.button("Générer le rapport", type="primary", icon=":material/picture_as_pdf:",
             disabled=bool(problem)):
    started = time.perf_counter()
    with st.spinner("Préparation du rapport (graphiques, mise en page)…"):
        try:
            with tempfile.TemporaryDirectory() as folder:
                pdf, annex = Path(folder) / "rapport.pdf", Path(folder) / "annexe.xlsx"
                allowed = access.report_scope(viewer, scope, audience)
                report.generate(ui.database(), allowed, reference, audience, pdf, annex)
                st.session_state["report_files"] = {
                    "pdf": pdf.read_bytes(), "annex": annex.read_bytes(),
                    "audience": audience, "as_of": scope.as_of, "reference": reference,
                    "scope": scope}
        except RelogError as exc:
            st.error(str(exc))
        else:
            st.success(f"Rapport prêt en {fmt.number(time.perf_counter() - started, 1)} s.")

files = st.session_state.get("report_files")
if isinstance(files, dict):
    stale = files["scope"] != scope or files["reference"] != reference
    if stale:
        # A pack made for other dates or another scope is never offered: it
        # would be taken for the one the sidebar shows.
        st.caption(f"Le dernier rapport généré portait sur d'autres dates ou un autre périmètre "
                   f"(données au {fmt.day(files['as_of'])}"
                   + (f", séance précédente du {fmt.day(files['reference'])}"
                      if files["reference"] else "")
                   + f", {ui.scope_caption(files['scope']).lower()}) : générez-le de nouveau "
                   "pour la sélection actuelle.")
    else:
        who, when = files["audience"], files["as_of"]
        stem = f"relog-rapport-{who}-{when.isoformat()}"
        st.caption(f"Rapport « {privacy.AUDIENCES.get(who, who)} », données au {fmt.day(when)}.")
        left, right = st.columns(2)
        ui.download("Télécharger le rapport (PDF)", files["pdf"], f"{stem}.pdf",
                    "application/pdf", f"rapport de séance ({who})", container=left)
        ui.download("Télécharger l'annexe (Excel)", files["annex"], f"{stem}-annexe.xlsx", XLSX,
                    f"annexe du rapport de séance ({who})", container=right)
