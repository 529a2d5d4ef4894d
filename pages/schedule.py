"""Calendrier: phases and demolitions, planned against real, with slippage."""

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import charts, fmt
from relog_data.glossary import help_text

scope = ui.current_scope()
as_of = ui.as_of_text()
ui.header("Calendrier des opérations")

timeline = ui.call("timeline", scope)
if timeline.empty:
    st.info("Aucune phase ni aucun bâtiment dans ce périmètre.")
    st.stop()

drawn, title = timeline, f"Phases et démolitions : prévu et réel, au {as_of}"
operations = charts.slipped_first(timeline)
if len(operations) > charts.GANTT_OPERATIONS:
    chosen = st.selectbox(
        f"Opération dont afficher le calendrier ({fmt.integer(len(operations))} opérations, "
        "la plus en retard d'abord ; les tableaux plus bas les montrent toutes)", operations,
        placeholder=ui.CHOOSE)
    drawn = timeline[timeline["operation_name"] == chosen]
    title = f"{chosen}, au {as_of}"
# one operation drawn: its title names it, the rows need not
st.plotly_chart(charts.gantt(drawn, scope.as_of, title, name_operation=drawn is timeline),
                width="stretch", config=ui.PLOTLY_CONFIG)
st.caption("Barres grises : phase prévue ; barres bleues : phase réelle (jusqu'à la date de "
           "situation si elle n'est pas finie). Losanges : démolition prévue (vide) et réelle "
           "(plein) ; triangles verts : premier et dernier relogement (ou sortie) du bâtiment.")


def slip(value) -> str:
    if pd.isna(value):
        return "—"
    if value == 0:
        return "à l'heure"
    return f"{'+' if value > 0 else chr(0x2212)}{fmt.number(abs(value), 1)} mois"


st.subheader("Glissements", help=help_text("glissement"))
phases = timeline[timeline["level"] == "phase"]
st.markdown("**Phases**")
ui.table(pd.DataFrame({
    "Opération": phases["operation_name"],
    "Phase": phases["name"],
    "Début prévu → réel": [f"{fmt.day(a)} → {fmt.day(b)}"
                           for a, b in zip(phases["planned_start"], phases["actual_start"])],
    "Fin prévue → réelle": [f"{fmt.day(a)} → {fmt.day(b) if not pd.isna(b) else 'en cours'}"
                            for a, b in zip(phases["planned_end"], phases["actual_end"])],
    "Glissement de la fin": [slip(v) for v in phases["slippage_months"]],
}), hide_index=True, width="stretch", page_rows=ui.PAGE_ROWS, key="schedule_phases")
buildings = timeline[timeline["level"] == "building"]
st.markdown("**Bâtiments**")
ui.table(pd.DataFrame({
    "Opération": buildings["operation_name"],
    "Bâtiment": buildings["name"],
    "Premier / dernier relogement": [f"{fmt.day(a)} / {fmt.day(b)}" for a, b in
                                     zip(buildings["first_rehousing"],
                                         buildings["last_rehousing"])],
    "Démolition prévue": [fmt.day(d) for d in buildings["planned_end"]],
    "Démolition réelle": [fmt.day(d) if not pd.isna(d) else "pas encore"
                          for d in buildings["actual_end"]],
    "Glissement": [slip(v) for v in buildings["slippage_months"]],
}), hide_index=True, width="stretch", page_rows=ui.PAGE_ROWS, key="schedule_buildings")
st.caption("Glissement : date réelle (ou date de situation, quand la date prévue est dépassée) "
           "moins date prévue. « — » : échéance pas encore atteinte.")
