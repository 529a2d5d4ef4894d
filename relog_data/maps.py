"""The rehousing map, built with folium and served without any CDN: Leaflet
comes from the app's own static folder (installed at set-up from the npm
registry, see the Makefile). No tiles unless asked; every data text escaped.

The size of the map does not grow with the number of households: above
MAX_POINTS destinations, points give way to a grid aggregated on the server.
"""

from __future__ import annotations

import folium
import numpy as np
from branca.element import MacroElement
from jinja2 import Template
import pandas as pd
import shapely

from . import fmt, privacy
from .fmt import html_text as escape

LEAFLET_JS = "/app/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS = "/app/static/vendor/leaflet/leaflet.css"
MAX_POINTS = 2000
GRID_DEGREES = 0.01  # about 1.1 km north-south, 0.8 km east-west at these latitudes
MAX_CELLS = 2000  # the grid doubles its cell size until it has no more cells than this
TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILES_ATTRIBUTION = "© contributeurs OpenStreetMap"

ON_SITE_COLOURS = {"sur site": "#E69F00", "hors site": "#0072B2", "non renseigné": "#888888"}
CATEGORY_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                    "#F0E442", "#882255", "#44AA99", "#999933", "#332288", "#888888")


class _MetricScale(MacroElement):
    """A scale bar in kilometres only."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}")


class _FrenchControls(MacroElement):
    """Leaflet's zoom buttons titled in French (its own titles: "Zoom in", "Zoom out"), and
    its credit without the English tooltip "A JavaScript library for interactive maps"."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.zoom({zoomInTitle: 'Agrandir', zoomOutTitle: 'Réduire'})"
        ".addTo({{ this._parent.get_name() }});"
        "{{ this._parent.get_name() }}.attributionControl.setPrefix('Leaflet');"
        "{% endmacro %}")


def _new_map(bounds, with_tiles: bool) -> folium.Map:
    m = folium.Map(tiles=None, max_zoom=18, min_zoom=5, zoom_control=False)
    m.add_child(_FrenchControls())
    m.add_child(_MetricScale())
    # Leaflet from the app itself, nothing else (no jQuery, Bootstrap or icon fonts).
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    if with_tiles:
        folium.TileLayer(TILES_URL, attr=TILES_ATTRIBUTION, name="OpenStreetMap",
                         max_zoom=18).add_to(m)
    if bounds is not None:
        m.fit_bounds(bounds, padding=(20, 20))
    else:  # nothing located: metropolitan France
        m.location, m.zoom_start = [46.6, 2.5], 5
    return m


def _colour_key(moves: pd.DataFrame, colour_by: str) -> tuple[pd.Series, dict[str, str]]:
    if colour_by == "on_site":
        key = moves["on_site"].map({True: "sur site", False: "hors site"}).fillna("non renseigné")
        return key, ON_SITE_COLOURS
    column = {"landlord": "landlord", "housing_type": "housing_type"}[colour_by]
    key = moves[column].astype("object").fillna("non renseigné")
    values = list(key.value_counts().index)
    return key, {v: CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)] for i, v in enumerate(values)}


def _legend(title: str, colours: dict[str, str], extra: list[tuple[str, str]] = ()) -> str:
    items = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
        f'background:{c};margin-right:6px"></span>{escape(label)}</div>'
        for label, c in list(colours.items()) + list(extra))
    return (f'<div style="position:absolute;bottom:24px;left:12px;z-index:1000;background:white;'
            f'padding:8px 10px;border:1px solid #999;border-radius:4px;font:12px sans-serif;'
            f'max-height:45%;overflow:auto"><b>{escape(title)}</b>{items}</div>')


def _bounds(frames: list[pd.DataFrame]):
    frames = [f for f in frames if len(f)]  # nothing located at all: no bounds
    lats = pd.concat([f["lat"] for f in frames], ignore_index=True) if frames else []
    lons = pd.concat([f["lon"] for f in frames], ignore_index=True) if frames else []
    if len(lats) == 0 or pd.isna(lats).all():
        return None
    (south, west), (north, east) = ((float(np.nanmin(lats)), float(np.nanmin(lons))),
                                    (float(np.nanmax(lats)), float(np.nanmax(lons))))
    # A single place (one commune, one building) gives an empty box: Leaflet
    # cannot fit it, so give it a few kilometres around.
    pad = max(0.0, 0.03 - (north - south) / 2, 0.03 - (east - west) / 2)
    return [[south - pad, west - pad], [north + pad, east + pad]]


def point_map(moves: pd.DataFrame, origins: pd.DataFrame, perimeters: pd.DataFrame,
              communes: pd.DataFrame, colour_by: str = "on_site", lines: bool = False,
              with_tiles: bool = False, show_address: bool = True) -> tuple[folium.Map, str]:
    """Destinations (points, or a grid above MAX_POINTS), origin buildings,
    perimeters and commune outlines. Returns the map and how points were drawn."""
    located = moves.dropna(subset=["latitude", "longitude"])
    frames = [located.rename(columns={"latitude": "lat", "longitude": "lon"}),
              origins.rename(columns={"latitude": "lat", "longitude": "lon"})]
    m = _new_map(_bounds(frames), with_tiles)
    _outlines(m, communes, perimeters)
    # origin buildings first: the destinations (on site ones included) are drawn on top
    # (one GeoJSON layer: a programme has thousands of buildings at the largest scale)
    placed = origins.dropna(subset=["latitude", "longitude"])
    if len(placed):
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature",
                 "geometry": {"type": "Point", "coordinates": [round(float(rec.longitude), 5),
                                                               round(float(rec.latitude), 5)]},
                 "properties": {"t": f"Bâtiment d'origine : {escape(rec.name)}"}}
                for rec in placed.itertuples(index=False)]},
            name="Bâtiments d'origine",
            marker=folium.CircleMarker(radius=11, color="#1F2933", weight=3, fill=True,
                                       fill_color="#FFFFFF", fill_opacity=1),
            tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False)).add_to(m)
    key, colours = _colour_key(located, colour_by)
    mode = "points"
    if len(located) > MAX_POINTS:
        mode = "grille"
        _grid(m, located)
    else:
        if lines:
            for rec in located.itertuples(index=False):
                if pd.isna(rec.origin_latitude):
                    continue
                folium.PolyLine([(rec.origin_latitude, rec.origin_longitude),
                                 (rec.latitude, rec.longitude)], weight=1, opacity=0.35,
                                color="#52606D").add_to(m)
        features = []
        for rec, k in zip(located.itertuples(index=False), key):
            label = (f"{escape(rec.household_id)} · {escape(rec.commune)} · "
                     f"{escape(rec.typology or '?')} · {fmt.day(rec.move_date)}"
                     + (" (provisoire)" if rec.nature == "provisoire" else ""))
            popup = label + (f"<br>{escape(rec.address)}" if show_address and rec.address else "")
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point",
                             "coordinates": [round(float(rec.longitude), 5),
                                             round(float(rec.latitude), 5)]},
                "properties": {"t": label, "p": popup, "c": colours[k],
                               "r": 4 if rec.nature == "provisoire" else 5},
            })
        layer = folium.GeoJson(
            {"type": "FeatureCollection", "features": features}, name="Relogements",
            marker=folium.CircleMarker(radius=5, weight=1, fill=True, fill_opacity=0.9,
                                       color="#FFFFFF"),
            style_function=lambda f: {"fillColor": f["properties"]["c"],
                                      "radius": f["properties"]["r"]},
            tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False),
            popup=folium.GeoJsonPopup(fields=["p"], labels=False),
        )
        if features:  # folium refuses a tooltip over an empty layer
            layer.add_to(m)
    title = {"on_site": "Relogements définitifs", "landlord": "Bailleur de destination",
             "housing_type": "Type de parc"}[colour_by]
    extra = [("bâtiment d'origine", "#1F2933")]
    if mode == "grille":
        colours, extra = {}, [("ménages relogés par carreau (cercles proportionnels)",
                               "#0072B2")] + extra
    m.get_root().html.add_child(folium.Element(_legend(title, colours, extra)))
    return m, mode


def grid_cells(moves: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Destinations counted per grid cell (at the cells' mean position); the
    cell is GRID_DEGREES wide, doubled until there are at most MAX_CELLS."""
    size = GRID_DEGREES
    while True:
        cells = moves.assign(gy=np.floor(moves["latitude"] / size).astype(int),
                             gx=np.floor(moves["longitude"] / size).astype(int))
        grouped = cells.groupby(["gy", "gx"]).agg(n=("household_id", "size"),
                                                  lat=("latitude", "mean"),
                                                  lon=("longitude", "mean")).reset_index()
        if len(grouped) <= MAX_CELLS:
            return grouped, size
        size *= 2


def _grid(m: folium.Map, moves: pd.DataFrame) -> None:
    grouped, _ = grid_cells(moves)
    top = grouped["n"].max()
    features = [{"type": "Feature",
                 "geometry": {"type": "Point", "coordinates": [round(r.lon, 5), round(r.lat, 5)]},
                 "properties": {"t": f"{fmt.integer(r.n)} ménage(s)",
                                "r": float(3 + 17 * np.sqrt(r.n / top))}}
                for r in grouped.itertuples(index=False)]
    folium.GeoJson({"type": "FeatureCollection", "features": features}, name="Relogements",
                   marker=folium.CircleMarker(radius=5, weight=1, fill=True, fill_opacity=0.6,
                                              color="#0072B2", fill_color="#0072B2"),
                   style_function=lambda f: {"radius": f["properties"]["r"]},
                   tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False)).add_to(m)


def _outlines(m: folium.Map, communes: pd.DataFrame, perimeters: pd.DataFrame) -> None:
    for frame, colour, label, dash in ((communes, "#9AA5B1", "Communes", None),
                                       (perimeters, "#882255", "Périmètre", "6 4")):
        if frame is None or not len(frame):
            continue
        geoms = shapely.simplify(frame["geometry"].to_numpy(), 0.0005, preserve_topology=True)
        collection = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": shapely.geometry.mapping(g),
             "properties": {"t": escape(n)}} for g, n in zip(geoms, frame["name"])]}
        folium.GeoJson(collection, name=label,
                       style_function=lambda f, c=colour, d=dash: {
                           "color": c, "weight": 1.5, "fillOpacity": 0.03, "dashArray": d},
                       tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False)).add_to(m)


def commune_map(aggregates: pd.DataFrame, communes: pd.DataFrame,
                with_tiles: bool = False) -> folium.Map:
    """Destination communes: a choropleth of households when commune boundaries
    are loaded, else proportional circles at each commune's centre."""
    # Counts not published to elected officials (NA) have no centre and read
    # privacy.HIDDEN with the lightest fill.
    located = aggregates.dropna(subset=["centre_lat", "centre_lon", "households"])
    m = _new_map(_bounds([located.rename(columns={"centre_lat": "lat", "centre_lon": "lon"})]),
                 with_tiles)
    by_code = {code: (None if pd.isna(n) else int(n))
               for code, n in zip(aggregates["insee_code"], aggregates["households"])}
    if communes is not None and len(communes):
        top = max([n for n in by_code.values() if n] or [1])
        features = []
        for geom, code, name in zip(communes["geometry"], communes["code"], communes["name"]):
            n = by_code.get(code, 0)
            text = (f"{privacy.HIDDEN} (secret statistique)" if n is None
                    else f"{fmt.integer(n)} ménage(s)")
            features.append({"type": "Feature",
                             "geometry": shapely.geometry.mapping(
                                 shapely.simplify(geom, 0.0005, preserve_topology=True)),
                             "properties": {"t": f"{escape(name)} : {text}",
                                            "o": 0.0 if n == 0 else 0.1 if n is None
                                            else 0.15 + 0.7 * n / top}})
        folium.GeoJson({"type": "FeatureCollection", "features": features}, name="Communes",
                       style_function=lambda f: {"color": "#52606D", "weight": 0.8,
                                                 "fillColor": "#0072B2",
                                                 "fillOpacity": f["properties"]["o"]},
                       tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False)).add_to(m)
    top = located["households"].max() if len(located) else 1
    for rec in located.itertuples(index=False):
        outside = (fmt.ratio(rec.outside_qpv, rec.households) if not pd.isna(rec.outside_qpv)
                   else f"{privacy.HIDDEN} / {fmt.integer(rec.households)}")
        folium.CircleMarker(
            (rec.centre_lat, rec.centre_lon),
            radius=float(4 + 26 * np.sqrt(float(rec.households) / float(top))),
            color="#0072B2", weight=1, fill=True, fill_color="#0072B2", fill_opacity=0.45,
            tooltip=(f"{escape(rec.commune)} : {fmt.integer(rec.households)} ménage(s), "
                     f"{fmt.share(rec.share)} ; hors QPV {outside}")).add_to(m)
    m.get_root().html.add_child(folium.Element(_legend(
        "Communes de destination", {}, [("ménages relogés (cercles proportionnels)",
                                         "#0072B2")])))
    return m


def payload_bytes(m: folium.Map) -> int:
    """Size of the map's HTML (what the browser receives)."""
    return len(m.get_root().render().encode("utf-8"))
