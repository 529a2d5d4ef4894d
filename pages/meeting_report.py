"""Rapport de séance: the PDF pack and its Excel annex for a meeting."""

import tempfile
import time
from pathlib import Path

import streamlit as st

from pages import _common as ui
from relog_data import access, fmt, indicators, meetings, privacy, report
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

# The archived meeting the key figures are compared with (#19): what it showed, new
# events and corrections apart.
# The meetings of this audience, not withdrawn, with an earlier situation date.
archived = {m.meeting_id: m for m in ui.call_module("meetings", "visible", include_withdrawn=False)
            if m.audience == audience and scope.as_of and m.as_of < scope.as_of}


def choose_meeting(label: str, key: str, none: str, help: str):
    """A select box of `archived` (the latest first chosen) or `none`."""
    return st.selectbox(label, [None, *archived], key=key, placeholder=ui.CHOOSE,
                        index=1 if archived else 0, help=help,
                        format_func=lambda i: none if i is None else archived[i].label)


compared = choose_meeting(
    "Comparer les chiffres clés à la séance", "report_compared", "aucune séance enregistrée",
    "Séances enregistrées pour ce public (page Séances) : le rapport compare ses chiffres "
    "clés à ce que la séance a montré, en séparant événements nouveaux et corrections du "
    "passé.")

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
                report.generate(ui.database(), allowed, reference, audience, pdf, annex,
                                previous_meeting=compared)
                st.session_state["report_files"] = {
                    "pdf": pdf.read_bytes(), "annex": annex.read_bytes(),
                    "audience": audience, "as_of": scope.as_of, "reference": reference,
                    "scope": scope, "compared": compared}
        except RelogError as exc:
            st.error(str(exc))
        else:
            st.success(f"Rapport prêt en {fmt.number(time.perf_counter() - started, 1)} s.")

files = st.session_state.get("report_files")
if isinstance(files, dict):
    stale = (files["scope"] != scope or files["reference"] != reference
             or files.get("compared") != compared)
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

# -- save as a meeting (#19) ----------------------------------------------------------------------
st.divider()
st.subheader("Enregistrer comme séance", anchor=False)
created = st.session_state.get("report_meeting_created")
if isinstance(created, dict):
    st.success(f"Séance n° {created['id']} enregistrée : {fmt.md_escape(created['label'])}.",
               icon=":material/inventory_2:")
    st.page_link("pages/meetings.py", label=f"Ouvrir la séance n° {created['id']} (page Séances)",
                 icon=":material/arrow_forward:", query_params={"seance": str(created["id"])})
if viewer.role not in meetings.CREATORS:
    st.caption("L'enregistrement d'une séance est réservé aux administrateurs et aux chargés "
               "de relogement. Les séances enregistrées se consultent sur la page Séances.")
elif not meetings.can_create(viewer, scope.operations):
    st.info("Pour enregistrer une séance, choisissez d'abord vos opérations dans le périmètre "
            "(barre latérale, « Opérations ») : un chargé de relogement enregistre les séances "
            "de ses opérations seulement.", icon=":material/filter_alt:")
elif scope.landlords:
    st.info("Une séance porte sur des opérations et des phases : retirez le filtre « Bailleur "
            "d'origine » de la barre latérale pour l'enregistrer.", icon=":material/filter_alt:")
else:
    st.caption(
        f"Fige, pour le public choisi plus haut (« {privacy.AUDIENCES.get(audience, audience)} »)"
        f" et le périmètre de la barre latérale (données au {fmt.day(scope.as_of)}) : les "
        "chiffres, les points d'attention, la situation de chaque ménage, le rapport PDF et "
        "son annexe. La séance se retrouve ensuite sur la page Séances, et la Synthèse dit "
        "ce qui a changé depuis.")
    with st.form("report_meeting_form"):
        title = st.text_input("Titre de la séance (obligatoire)", key="report_meeting_title",
                              max_chars=200,
                              placeholder="par exemple « Groupe technique relogement de juin »")
        meeting_date = st.columns([1, 3])[0].date_input(
            "Date de la séance", value=scope.as_of, format="DD/MM/YYYY",
            key="report_meeting_date")
        previous = choose_meeting(
            "Séance précédente", "report_meeting_previous", "aucune",
            "Parmi les séances enregistrées pour le même public, non retirées, dont la "
            "situation est antérieure : le rapport figé montre les évolutions depuis elle "
            "(« aucune » : un rapport sans évolutions).")
        save = st.form_submit_button("Enregistrer la séance", type="primary",
                                     icon=":material/inventory_2:", disabled=bool(problem))
    if save:
        if not title.strip():
            st.error("Donnez un titre à la séance.")
        else:
            with st.spinner("Enregistrement de la séance (chiffres, rapport PDF et annexe)…"):
                try:
                    # computed and printed first, on the shared read-only handle: the
                    # other sessions wait only for the short write
                    prepared = meetings.prepare(
                        ui.database(), viewer, meeting_date=meeting_date, title=title,
                        audience=audience, scope=scope, previous_id=previous)
                    with ui.database().write_access() as writable:
                        new_id = meetings.store(writable, prepared)
                except RelogError as exc:
                    st.error(str(exc))
                else:
                    label = (f"séance du {fmt.day(meeting_date)} — "
                             f"{' '.join(title.split())}")
                    st.session_state["report_meeting_created"] = {"id": new_id, "label": label}
                    st.rerun()
