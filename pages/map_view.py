"""Carte des relogements: where did the households go?

Elected officials (role "elu") see the communes of destination only
(geo.commune_aggregates through the gateway): a hidden count reads
privacy.HIDDEN everywhere, on the map as in the table, never "moins de 5"."""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from pages import _common as ui
from relog_data import charts, fmt, geo, maps
from relog_data.glossary import help_text, link, plain

viewer = ui.current_viewer()
ELU = viewer.role == "elu"
scope = ui.current_scope()  # operations only for elected officials
as_of = ui.as_of_text()
ui.header("Carte des relogements", lead="Relogements au", note=True)


POINTS_ALLOWED = viewer.named

with st.sidebar:
    st.subheader("Carte")
    background = st.radio("Fond de carte", ["Sans fond de carte", "OpenStreetMap"],
                          key="map_background",
                          help="OpenStreetMap n'apparaît que si votre navigateur accède à "
                               "internet ; sans fond, les contours de communes chargés servent "
                               "de repère.")
    if POINTS_ALLOWED:
        colour_by = st.selectbox("Couleur des points", ["on_site", "landlord", "housing_type"],
                                 format_func={"on_site": "sur site / hors site",
                                              "landlord": "bailleur de destination",
                                              "housing_type": "type de parc"}.get,
                                 key="map_colour", placeholder=ui.CHOOSE)
        temporary = st.toggle("Relogements provisoires", value=False, key="map_temporary")
        lines = st.toggle("Lignes origine → destination", value=False, key="map_lines")
    else:
        colour_by, temporary, lines = "on_site", False, False
with_tiles = background == "OpenStreetMap"

ui.programme_only("Les lieux de relogement")
aggregates = ui.call_module("geo", "commune_aggregates", scope)
moves = (ui.call_module("geo", "destinations", scope, temporary)
         if viewer.household_level else None)
if aggregates.empty and (moves is None or moves.empty):
    st.info("Aucun ménage relogé dans ce périmètre à cette date.")
    st.stop()
communes = ui.call_module("geo", "boundaries", "communes")
perimeters = ui.call_module("geo", "boundaries", "perimetre")
if scope.operations:
    perimeters = perimeters[perimeters["operation_code"].isin(scope.operations)]
elif moves is not None:
    perimeters = perimeters[perimeters["operation_code"].isin(moves["operation_code"].unique())]

left, right = st.columns([3, 2]) if POINTS_ALLOWED else (None, st.container())
if POINTS_ALLOWED:
    origins = (moves.drop_duplicates("building_code")
               [["building_code", "origin_name", "origin_latitude", "origin_longitude"]]
               .rename(columns={"origin_name": "name", "origin_latitude": "latitude",
                                "origin_longitude": "longitude"}))
    with left:
        n_def = int((moves["nature"] == "définitif").sum())
        st.markdown(f"**Destinations** — {fmt.integer(n_def)} relogements définitifs"
                    + (f", {fmt.integer(len(moves) - n_def)} provisoires" if temporary else ""))
        fmap, mode = maps.point_map(moves, origins, perimeters, communes, colour_by, lines,
                                    with_tiles)
        if mode == "grille":
            st.caption(f"Plus de {fmt.integer(maps.MAX_POINTS)} points : les destinations sont "
                       "regroupées sur le serveur par carreaux (d'environ 1 km, plus grands "
                       "quand elles s'étendent loin), en cercles proportionnels.")
        st_folium(fmap, height=560, use_container_width=True, returned_objects=[],
                  key="map_points")
with right:
    st.markdown("**Communes de destination**")
    if not POINTS_ALLOWED:
        st.caption("Pour ce profil, les relogements se lisent par commune (pas d'adresse).")
    cmap = maps.commune_map(aggregates, communes, with_tiles)
    st_folium(cmap, height=560, use_container_width=True, returned_objects=[],
              key="map_communes")
if perimeters["source"].str.contains("indicatif").any():
    st.caption("Périmètres en pointillés : périmètres indicatifs de la démonstration (un disque "
               "autour de chaque site), pas les périmètres réels ; les vrais périmètres et "
               "contours de QPV se chargent depuis la page Import des données.")

st.subheader("Par commune de destination", help=help_text("commune_destination"))
rehoused = aggregates["rehoused"].iloc[0] if len(aggregates) else 0
ui.table(pd.DataFrame({
    "Commune": aggregates["commune"],
    "Ménages": [ui.count(v) for v in aggregates["households"]],
    "Part": [f"{fmt.share(s)} ({ui.count(n)} / {ui.count(rehoused)})"
             for s, n in zip(aggregates["share"], aggregates["households"])],
    "En QPV": [ui.count(v) for v in aggregates["in_qpv"]],
    "Hors QPV": [ui.count(v) for v in aggregates["outside_qpv"]],
    "QPV non renseigné": [ui.count(v) for v in aggregates["qpv_unknown"]],
}), hide_index=True, width="stretch", column_config={
    "En QPV": st.column_config.TextColumn(help=help_text("qpv", markdown=False)),
    "Hors QPV": st.column_config.TextColumn(help=help_text("qpv", markdown=False)),
})
st.caption(f"QPV : {plain('qpv')} [Voir Définitions]({link('qpv')})")

if moves is None:  # elected officials: no household-level distances
    st.stop()
st.subheader("Distances entre le bâtiment d'origine et le logement")
summary = geo.distance_summary(moves)
cols = st.columns(4)
cols[0].metric("Distance médiane", "—" if summary["median"] is None
               else f"{fmt.number(summary['median'], 1)} km")
for col, key, label in zip(cols[1:], ["within_1", "within_5", "within_10"],
                           ["à 1 km ou moins", "à 5 km ou moins", "à 10 km ou moins"]):
    col.metric(label, fmt.share(summary[key]))
st.caption(f"Distances à vol d'oiseau calculées en Lambert-93, sur {fmt.integer(summary['n'])} "
           "relogements définitifs dont les coordonnées sont connues.")
distances = moves.loc[moves["nature"] == "définitif", "distance_km"].dropna()
bins = pd.cut(distances, [0, 1, 2, 5, 10, 20, 50, float("inf")], include_lowest=True,
              labels=["≤ 1 km", "1 à 2 km", "2 à 5 km", "5 à 10 km", "10 à 20 km", "20 à 50 km",
                      "plus de 50 km"])
counts = bins.value_counts(sort=False)
st.plotly_chart(charts.horizontal_counts(
    [str(i) for i in counts.index], [int(v) for v in counts.values],
    f"Distance origine → destination au {as_of} (n = {fmt.integer(len(distances))})",
    "#0072B2"), width="stretch", config=ui.PLOTLY_CONFIG)
