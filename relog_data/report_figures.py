"""Figures fit to print on an A4 page of the meeting pack.

The app's plotly figures are drawn for a screen; printed at the width of an
A4 text block they shrink. `print_ready` sets every text to at least
MIN_FONT_PX at the width the report renders (9 pt on paper), lets plotly
make room for axis labels (automargin) and wraps long category names. The
destinations are drawn as a map on a projected plane (Lambert-93): commune
outlines when boundaries are loaded, else proportional circles, with the
communes' names and a scale bar, never raw degrees.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import plotly.graph_objects as go
import shapely
from pyproj import Transformer

from . import fmt
from .charts import FONT, _layout

# The report renders figures RENDER_WIDTH px wide into a 182 mm text block
# (A4 minus margins, about 516 pt): 1 px is about 0.74 pt, so 13 px is 9.6 pt.
RENDER_WIDTH = 700
MIN_FONT_PX = 13
WRAP_AT = 30  # characters per line of an axis category

_TO_L93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
_t = fmt.html_text


def wrap(label: str, width: int = WRAP_AT) -> str:
    """A long category name on several lines (plotly's <br>)."""
    text = str(label)
    if len(text) <= width or "<br>" in text:
        return text
    text = text.replace("(n = ", "(n\u00a0=\u00a0").replace("(n ≥ ", "(n\u00a0≥\u00a0")
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False,
                                     break_on_hyphens=False))


def _wrap_categories(fig: go.Figure) -> int:
    """Wraps the text categories of the y axis in place; returns the number of
    lines added over all the categories (to grow the figure by as much)."""
    categories: set[str] = set()
    for trace in fig.data:
        values = getattr(trace, "y", None)
        if values is None or not len(values) or not all(isinstance(v, str) for v in values):
            continue
        categories.update(values)
        trace.y = [wrap(v) for v in values]
    for axis in fig.select_yaxes():
        if axis.categoryarray is not None:
            axis.categoryarray = [wrap(v) if isinstance(v, str) else v
                                  for v in axis.categoryarray]
    return sum(wrap(c).count("<br>") for c in categories)


def _at_least(size, minimum: int = MIN_FONT_PX) -> int:
    return max(int(size or minimum), minimum)


def print_ready(fig: go.Figure) -> go.Figure:
    """A copy of `fig` whose texts read at least 9 pt once printed and whose
    labels are whole (automargin, wrapped categories)."""
    fig = go.Figure(fig)
    added = _wrap_categories(fig)
    fig.update_layout(
        font={"family": FONT, "size": MIN_FONT_PX, "color": "#111111"},
        paper_bgcolor="white", plot_bgcolor="white",
        title_font_size=_at_least(fig.layout.title.font.size, MIN_FONT_PX + 3),
        legend_font_size=MIN_FONT_PX)
    if fig.layout.uniformtext.minsize is not None:
        fig.update_layout(uniformtext_minsize=MIN_FONT_PX - 1)
    fig.update_xaxes(automargin=True, tickfont_size=MIN_FONT_PX,
                     title_font_size=MIN_FONT_PX)
    fig.update_yaxes(automargin=True, tickfont_size=MIN_FONT_PX,
                     title_font_size=MIN_FONT_PX)
    for annotation in fig.layout.annotations:
        annotation.font.size = _at_least(annotation.font.size)
    for trace in fig.data:  # texts written in bars or next to points
        if trace.type in ("scatter", "bar") and trace.textfont.size is not None:
            trace.textfont.size = _at_least(trace.textfont.size)
    if added and fig.layout.height:
        fig.update_layout(height=int(fig.layout.height + 16 * added))
    return fig


# -- the destinations map ------------------------------------------------------------------------
MAP_HEIGHT = 560
_PLOT_W = RENDER_WIDTH - 20  # margins l + r of the house layout
_PLOT_H = MAP_HEIGHT - 60


def _nice_length(metres: float) -> float:
    """The round length (1, 2 or 5 × 10^k m) at most `metres`."""
    if metres <= 0:
        return 1000.0
    power = 10 ** math.floor(math.log10(metres))
    for step in (5, 2, 1):
        if step * power <= metres:
            return step * power
    return power


def _km(metres: float) -> str:
    return f"{fmt.number(metres / 1000, 0 if metres >= 1000 else 1)} km"


def _ranges(xs: list[float], ys: list[float], pad: float) -> tuple[list, list]:
    """x and y ranges holding every point, padded, at one metre per metre."""
    x0, x1, y0, y1 = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    per_px = max((x1 - x0) / _PLOT_W, (y1 - y0) / _PLOT_H)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return ([cx - per_px * _PLOT_W / 2, cx + per_px * _PLOT_W / 2],
            [cy - per_px * _PLOT_H / 2, cy + per_px * _PLOT_H / 2])


def _place_labels(points: list[tuple[float, float, float, str]], per_px: float,
                  bounds: tuple[float, float, float, float]
                  ) -> list[tuple[float, float, str, str] | None]:
    """Greedy placement of labels around their point (largest first), each
    label in the first of four positions that stays inside `bounds` (x0, y0,
    x1, y1) and overlaps no label nor circle already placed; None when none
    fits (the table under the map lists every commune).
    points: (x, y, radius in px, text)."""
    placed: list[tuple[float, float, float, float]] = []
    circles = [(x - r * per_px, y - r * per_px, x + r * per_px, y + r * per_px)
               for x, y, r, _ in points]

    def overlaps(box, others):
        if box[0] < bounds[0] or box[1] < bounds[1] or box[2] > bounds[2] \
                or box[3] > bounds[3]:
            return True
        return any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3]
                   for o in others)

    out = []
    for i, (x, y, r, text) in enumerate(points):
        w = (0.62 * MIN_FONT_PX * len(text) + 4) * per_px
        h = (MIN_FONT_PX + 4) * per_px
        gap = (r + 3) * per_px
        candidates = [  # box (x0, y0, x1, y1), anchor point, plotly anchors
            ((x - w / 2, y + gap, x + w / 2, y + gap + h), (x, y + gap), "center", "bottom"),
            ((x + gap, y - h / 2, x + gap + w, y + h / 2), (x + gap, y), "left", "middle"),
            ((x - w / 2, y - gap - h, x + w / 2, y - gap), (x, y - gap), "center", "top"),
            ((x - gap - w, y - h / 2, x - gap, y + h / 2), (x - gap, y), "right", "middle"),
        ]
        # first over no other circle; failing that, over circles but no label
        spot = next(((box, anchor) for others in (placed + [c for j, c in enumerate(circles)
                                                              if j != i], placed)
                     for box, *anchor in candidates if not overlaps(box, others)), None)
        if spot is None:
            out.append(None)
        else:
            placed.append(spot[0])
            (ax, ay), xanchor, yanchor = spot[1]
            out.append((ax, ay, xanchor, yanchor))
    return out


def _outline_traces(fig: go.Figure, outlines: pd.DataFrame, counts: dict[str, int],
                    top: int) -> None:
    """Commune outlines (projected), shaded by households relocated there."""
    for row in outlines.itertuples(index=False):
        n = counts.get(row.code, 0)
        shade = f"rgba(0,114,178,{0.15 + 0.6 * (n / top) ** 0.5:.2f})" if n else "white"
        geometry = row.geometry
        polygons = getattr(geometry, "geoms", [geometry])
        for polygon in polygons:
            if polygon.geom_type != "Polygon":
                continue
            lon, lat = zip(*polygon.exterior.coords)
            x, y = _TO_L93.transform(lon, lat)
            fig.add_scatter(x=list(x), y=list(y), mode="lines", fill="toself",
                            fillcolor=shade, line={"color": "#52606D", "width": 0.8},
                            hoverinfo="skip", showlegend=False)


def destination_map(aggregates: pd.DataFrame, outlines: pd.DataFrame | None,
                    title: str) -> go.Figure:
    """Destination communes on a Lambert-93 plane: outlines shaded by
    households when communes are loaded (`outlines`: code, name, geometry in
    WGS84), else circles proportional to the households; names where they fit
    and a scale bar; no axes in degrees."""
    frame = aggregates.dropna(subset=["centre_lat", "centre_lon"]).copy()
    frame = frame.sort_values("households", ascending=False)
    fig = go.Figure()
    if frame.empty:
        fig.add_annotation(text="Aucune destination localisée.", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return _layout(fig, title, height=200)
    xs, ys = _TO_L93.transform(frame["centre_lon"].to_list(), frame["centre_lat"].to_list())
    frame["x"], frame["y"] = list(xs), list(ys)
    top = max(int(frame["households"].max()), 1)
    codes = set(frame["insee_code"].dropna())
    drawn = outlines is not None and len(outlines) and bool(codes & set(outlines["code"]))
    px, py = frame["x"].to_list(), frame["y"].to_list()
    if drawn:  # the destination communes whole on the map
        for geometry in outlines.loc[outlines["code"].isin(codes), "geometry"]:
            lon0, lat0, lon1, lat1 = geometry.bounds
            bx, by = _TO_L93.transform([lon0, lon1, lon0, lon1], [lat0, lat1, lat1, lat0])
            px, py = px + list(bx), py + list(by)
    span = max(max(px) - min(px), max(py) - min(py))
    xr, yr = _ranges(px, py, pad=max(3000, 0.12 * span))
    if drawn:
        box = shapely.box(*_wgs84_bounds(xr, yr))
        near = outlines[[box.intersects(g) for g in outlines["geometry"]]]
        _outline_traces(fig, near, dict(zip(frame["insee_code"], frame["households"])), top)
        radii = [3.0] * len(frame)
        fig.add_scatter(x=frame["x"], y=frame["y"], mode="markers", showlegend=False,
                        marker={"size": 6, "color": "#1F2933"}, hoverinfo="skip")
    else:
        radii = [4 + 20 * (n / top) ** 0.5 for n in frame["households"]]
        fig.add_scatter(x=frame["x"], y=frame["y"], mode="markers", showlegend=False,
                        marker={"size": [2 * r for r in radii], "sizemode": "diameter",
                                "color": "rgba(0,114,178,0.45)",
                                "line": {"color": "#1F2933", "width": 1}},
                        hoverinfo="skip")
    per_px = (xr[1] - xr[0]) / _PLOT_W
    texts = [f"{_t(c)} ({fmt.integer(n)})" for c, n in zip(frame["commune"], frame["households"])]
    spots = _place_labels(list(zip(frame["x"], frame["y"], radii, texts)), per_px,
                          (xr[0], yr[0], xr[1], yr[1]))
    for text, spot in zip(texts, spots):
        if spot is not None:
            x, y, xanchor, yanchor = spot
            fig.add_annotation(x=x, y=y, text=text, showarrow=False, xanchor=xanchor,
                               yanchor=yanchor, font={"size": MIN_FONT_PX, "color": "#111111"},
                               bgcolor="rgba(255,255,255,0.7)")
    _scale_bar(fig, xr, yr)
    fig.update_xaxes(range=xr, visible=False, fixedrange=True)
    fig.update_yaxes(range=yr, visible=False, fixedrange=True)
    fig = _layout(fig, title, height=MAP_HEIGHT)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 50, "b": 10})
    fig.layout.meta = {"unlabelled": sum(s is None for s in spots)}
    return fig


def _wgs84_bounds(xr: list[float], yr: list[float]) -> tuple[float, float, float, float]:
    back = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    lon, lat = back.transform([xr[0], xr[1]], [yr[0], yr[1]])
    return lon[0], lat[0], lon[1], lat[1]


def _scale_bar(fig: go.Figure, xr: list[float], yr: list[float]) -> None:
    """A bar of a round length, bottom left, with its length in km."""
    length = _nice_length((xr[1] - xr[0]) / 5)
    x0 = xr[0] + (xr[1] - xr[0]) * 0.03
    y0 = yr[0] + (yr[1] - yr[0]) * 0.05
    tick = (yr[1] - yr[0]) * 0.012
    fig.add_scatter(x=[x0, x0, x0, x0 + length, x0 + length, x0 + length],
                    y=[y0 + tick, y0 - tick, y0, y0, y0 - tick, y0 + tick], mode="lines",
                    line={"color": "#111111", "width": 2.5}, showlegend=False, hoverinfo="skip")
    fig.add_annotation(x=x0 + length / 2, y=y0 + tick, text=_km(length), showarrow=False,
                       yanchor="bottom", font={"size": MIN_FONT_PX, "color": "#111111"})
    fig.add_annotation(x=xr[1] - (xr[1] - xr[0]) * 0.02, y=y0, xanchor="right",
                       text="Lambert-93 · nord en haut", showarrow=False,
                       font={"size": MIN_FONT_PX, "color": "#52606D"})
