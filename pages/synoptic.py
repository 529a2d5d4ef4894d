"""Synoptique: one cell per household, building by building, coloured by state
and lettered (not colour alone); each cell is a link (keyboard-focusable) to
the household's sheet on the Ménages page (`menages?menage=ID`)."""

import html
from urllib.parse import urlencode

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
# One letter per status inside each cell: the state is read without the colour.
STATUS_LETTERS = {"à enquêter": "E", "diagnostic réalisé": "D", "en recherche": "R",
                  "proposition en cours": "P", "accord": "A", "relogé": "L",
                  "relogé provisoire": "T", "départ autonome": "S", "autre sortie": "X"}
# Dark letters on light cells, white on dark ones (contrast of at least 4.5:1).
DARK_CELLS = {"#0072B2", "#882255"}
HOUSEHOLDS_URL = "menages"  # url_path of the Ménages page (pages/_access.py), relative
SCOPE_PARAMS = tuple(ui.URL_KEYS.values())  # the sidebar's scope travels with the link


def sheet_url(household_id: str) -> str:
    """menages?operation=…&date=…&menage=ID: the household's sheet, same scope."""
    params = [(k, v) for k in SCOPE_PARAMS for v in st.query_params.get_all(k)]
    return f"{HOUSEHOLDS_URL}?{urlencode(params + [('menage', household_id)])}"


def text_colour(state: str) -> str:
    return "#FFFFFF" if STATUS_COLOURS.get(state, "#888888") in DARK_CELLS else "#000000"


legend = " ".join(
    f'<span style="display:inline-flex;align-items:center;margin-right:12px">'
    f'<span class="relog-cell" aria-hidden="true" style="background:{STATUS_COLOURS[s]};'
    f'color:{text_colour(s)};margin-right:4px">{STATUS_LETTERS.get(s, "?")}</span>'
    f'{html.escape(s)}</span>'
    for s in HOUSEHOLD_STATUS.values)
CELL_CSS = """<style>
a.relog-cell, span.relog-cell { display:inline-block; width:18px; height:18px; margin:1px;
  border:1px solid #555; font:600 11px/18px sans-serif; text-align:center;
  text-decoration:none; vertical-align:top; }
a.relog-cell:focus-visible, a.relog-cell:hover { outline:3px solid #000;
  outline-offset:1px; box-shadow:0 0 0 5px #FFF; }
</style>"""
st.html(f'{CELL_CSS}<div style="font-size:0.85rem;margin-bottom:0.6rem">{legend}</div>')
st.caption("Chaque case est un ménage, avec la lettre de son statut ; cliquez-la (ou "
           "atteignez-la avec la touche Tab puis Entrée) pour ouvrir sa fiche.")

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
        f'<a class="relog-cell" href="{html.escape(sheet_url(r.household_id))}" '
        f'target="_self" aria-label="{html.escape(r.household_id)} : {html.escape(r.state)}" '
        f'title="{html.escape(r.household_id)} : {html.escape(r.state)}" '
        f'style="background:{STATUS_COLOURS.get(r.state, "#888")};'
        f'color:{text_colour(r.state)}">{STATUS_LETTERS.get(r.state, "?")}</a>'
        for r in group.itertuples())
    # buildings of different operations may share a name: always say which operation
    operation = group["operation_code"].iloc[0]
    label = f'{operation_names.get(operation, operation)} · {group["building_name"].iloc[0]}'
    st.html(
        f'<div style="margin-bottom:0.9rem"><div><b>{html.escape(label)}'
        f'</b> · {fmt.integer(len(group))} ménages, {fmt.integer(inside)} encore dans le '
        f'bâtiment · {when}</div><div style="max-width:900px" role="group" '
        f'aria-label="{html.escape(label)}">{cells}</div></div>')
