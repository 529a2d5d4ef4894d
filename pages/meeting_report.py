"""Rapport de séance: the PDF pack and its Excel annex for a meeting."""

import tempfile
import time
from pathlib import Path

import streamlit as st

from pages import _common as ui
from relog_data import access, fmt, privacy, report
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

if st.button("Générer le rapport", type="primary", icon=":material/picture_as_pdf:"):
    started = time.perf_counter()
    with st.spinner("Préparation du rapport (graphiques, mise en page)…"):
        try:
            with tempfile.TemporaryDirectory() as folder:
                pdf, annex = Path(folder) / "rapport.pdf", Path(folder) / "annexe.xlsx"
                allowed = access.report_scope(viewer, scope, audience)
                report.generate(ui.database(), allowed, reference, audience, pdf, annex)
                st.session_state["report_files"] = (pdf.read_bytes(), annex.read_bytes(),
                                                    audience, scope.as_of)
        except RelogError as exc:
            st.error(str(exc))
        else:
            st.success(f"Rapport prêt en {fmt.number(time.perf_counter() - started, 1)} s.")

files = st.session_state.get("report_files")
if files is not None:
    pdf_bytes, annex_bytes, who, when = files
    stem = f"relog-rapport-{who}-{when.isoformat()}"
    left, right = st.columns(2)
    ui.download("Télécharger le rapport (PDF)", pdf_bytes, f"{stem}.pdf", "application/pdf",
                f"rapport de séance ({who})", container=left)
    ui.download("Télécharger l'annexe (Excel)", annex_bytes, f"{stem}-annexe.xlsx", XLSX,
                f"annexe du rapport de séance ({who})", container=right)
