"""Synoptique: one cell per household, building by building, coloured by state."""

import html

import streamlit as st

from pages import _common as ui
from relog_data import fmt
from relog_data.codes import HOUSEHOLD_STATUS, STATUS_COLOURS

scope = ui.current_scope()
as_of = ui.as_of_text()
ui.header("Synoptique des bâtiments")

households = ui.call_module("supply", "households_list", scope)
MAX_CELLS = 3000
if len(households) > MAX_CELLS:
    st.info(f"{fmt.integer(len(households))} ménages dans ce périmètre : choisissez une ou "
            "plusieurs opérations (ou phases) dans la barre latérale pour afficher le "
            f"synoptique (au plus {fmt.integer(MAX_CELLS)} cases).")
    st.stop()
timeline = ui.call("timeline", scope)
buildings = timeline[timeline["level"] == "building"].set_index("building_code")
operation_names = ui.operation_labels()
legend = " ".join(
    f'<span style="display:inline-flex;align-items:center;margin-right:12px">'
    f'<span style="width:14px;height:14px;background:{STATUS_COLOURS[s]};'
    f'border:1px solid #555;margin-right:4px"></span>{html.escape(s)}</span>'
    for s in HOUSEHOLD_STATUS.values)
st.html(f'<div style="font-size:0.85rem;margin-bottom:0.6rem">{legend}</div>')

for code, group in households.sort_values(["operation_code", "building_code", "state_order",
                                           "household_id"]).groupby("building_code", sort=False):
    info = buildings.loc[code] if code in buildings.index else None
    planned = info["planned_end"] if info is not None else None
    days = (planned.date() - scope.as_of).days if planned is not None and not \
        fmt.is_missing(planned) else None
    inside = group["state_order"].le(5).sum()
    demolished = info["actual_end"] if info is not None else None
    if demolished is not None and not fmt.is_missing(demolished):
        when = f"démoli le {fmt.day(demolished)}"
        if inside and demolished.date() <= scope.as_of:  # contradictory: shown, not hidden
            when += " — bâtiment démoli encore habité : données à corriger"
    elif days is None:
        when = "démolition prévue : —"
    else:
        when = (f"démolition prévue le {fmt.day(planned)} ("
                + (f"dans {fmt.integer(days)} jours" if days >= 0 else
                   f"dépassée de {fmt.integer(-days)} jours, pas encore démoli") + ")")
    cells = "".join(
        f'<span title="{html.escape(r.household_id)} · {html.escape(r.state)}" '
        f'style="display:inline-block;width:16px;height:16px;margin:1px;'
        f'background:{STATUS_COLOURS.get(r.state, "#888")};border:1px solid #555"></span>'
        for r in group.itertuples())
    # buildings of different operations may share a name: always say which operation
    operation = group["operation_code"].iloc[0]
    label = f'{operation_names.get(operation, operation)} · {group["building_name"].iloc[0]}'
    st.html(
        f'<div style="margin-bottom:0.9rem"><div><b>{html.escape(label)}'
        f'</b> · {fmt.integer(len(group))} ménages, {fmt.integer(inside)} encore dans le '
        f'bâtiment · {when}</div><div style="max-width:900px">{cells}</div></div>')
