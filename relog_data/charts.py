"""Plotly figures shared by the pages and (later) the printed report.

French labels and number formats, one colour per status everywhere
(codes.STATUS_COLOURS), a title that says what and at what date, n visible.

Plotly renders HTML tags in its texts (axis labels, legend names, hover and
bar texts, titles, annotations): every text that comes from the data goes
through fmt.html_text (`_t` below) here, once, so that a name typed as
'<a href="...">' shows as typed and is neither a link nor markup. Plotly
shows "&lt;" as "<": nothing is escaped twice.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from . import fmt
from .codes import HOUSEHOLD_STATUS, STATUS_COLOURS

FONT = "DejaVu Sans, Source Sans Pro, Arial, sans-serif"
_t = fmt.html_text  # data text -> text shown literally by Plotly

# Legibility on a projector (1 280 x 720) and on paper: every text at least
# MIN_FONT_PX and at a WCAG contrast of at least MIN_CONTRAST against the
# background. Streamlit's chart theme writes ticks, axis titles and legends in
# a faded grey (about 3,7:1) at 12 px: each is set explicitly here, since an
# explicit value wins over the theme's template.
BACKGROUND = "#FFFFFF"
TEXT = "#1F2933"  # the app's text colour (assets/style.css, .streamlit/config.toml)
SOFT_TEXT = "#3E4C59"  # secondary texts (annotations): still 10:1 on white
GRID = "#E4E7EB"  # lines, not text
MIN_FONT_PX = 14
FONT_PX = 15
TITLE_PX = 18
MIN_CONTRAST = 4.5
LIGHT_TEXT = "#FFFFFF"  # text written inside a dark bar


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of "#RRGGBB"."""
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str = BACKGROUND) -> float:
    """WCAG 2 contrast ratio between two "#RRGGBB" colours (1 to 21)."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_on(fill: str) -> str:
    """The text colour to write on `fill`: the app's dark text or white,
    whichever reads best, or black when neither reaches MIN_CONTRAST (mid
    greens, greys and oranges)."""
    best = max((TEXT, LIGHT_TEXT), key=lambda colour: contrast(colour, fill))
    return best if contrast(best, fill) >= MIN_CONTRAST else "#000000"


def _wrapped(label: str, width: int = 28) -> str:
    """Data text made safe for Plotly and cut into lines of about `width`
    characters (Plotly's <br>)."""
    lines = textwrap.wrap(str(label), width, break_long_words=False) or [""]
    return "<br>".join(_t(line) for line in lines)


def _legible(fig: go.Figure) -> None:
    """Every text of `fig` in TEXT (or SOFT_TEXT) on white, at MIN_FONT_PX or more."""
    text = {"family": FONT, "color": TEXT, "size": FONT_PX}
    fig.update_layout(
        font=text,
        paper_bgcolor=BACKGROUND,
        plot_bgcolor=BACKGROUND,
        legend={"font": text, "title": {"font": text}},
        hoverlabel={"bgcolor": BACKGROUND, "bordercolor": TEXT,
                    "font": {"family": FONT, "color": TEXT, "size": FONT_PX}},
    )
    for update in (fig.update_xaxes, fig.update_yaxes):
        update(tickfont=text, title_font=text, color=TEXT)
    for annotation in fig.layout.annotations:
        annotation.font.family = FONT
        annotation.font.color = annotation.font.color or SOFT_TEXT
        annotation.font.size = max(annotation.font.size or FONT_PX, MIN_FONT_PX)
    if fig.layout.uniformtext.minsize is not None:
        fig.update_layout(uniformtext_minsize=max(fig.layout.uniformtext.minsize, MIN_FONT_PX))
    for trace in fig.data:
        if trace.type in ("scatter", "bar") and trace.textfont.size is not None:
            trace.textfont.size = max(trace.textfont.size, MIN_FONT_PX)
        if trace.type == "heatmap":
            trace.update(colorbar={"tickfont": text, "title": {"font": text}})


def _layout(fig: go.Figure, title: str, height: int, legend_on_top: bool = False,
            title_width: int = 60) -> go.Figure:
    """Title (cut into lines of about `title_width` characters: Plotly clips a
    long one, and titles carry names from the data), legend, French number
    separators, margins; every text legible."""
    legend = {"orientation": "h", "x": 0, "title": None, "traceorder": "normal"}
    lines = _wrapped(title, title_width)
    extra = (TITLE_PX + 6) * lines.count("<br>")  # each more line of title
    if legend_on_top:  # between the title and the plot
        legend.update(yanchor="bottom", y=1.0)
        top = 90 + extra
    else:
        legend.update(yanchor="top", y=-0.12)
        top = 55 + extra
    fig.update_layout(
        title={"text": lines, "x": 0, "xanchor": "left", "y": 1 - 14 / (height + extra),
               "yanchor": "top", "font": {"size": TITLE_PX, "color": TEXT, "family": FONT}},
        separators=",\u202f",  # French: decimal comma, narrow no-break space
        height=height + extra,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        legend=legend,
    )
    _legible(fig)
    return fig


def status_bars(counts: pd.DataFrame, labels: dict[str, str], as_of: str,
                relative: bool = True) -> go.Figure:
    """Horizontal bars stacked to 100 % (or in households when `relative` is
    False): each status in each group, the count written in the bar and n on
    the axis label.

    `counts` has group_key, status, households (from indicators.status_counts);
    `labels` maps group_key to the name shown on the axis.
    """
    groups = list(dict.fromkeys(counts["group_key"]))
    # Suppressed counts (NA, for elected officials) are left out: the group's
    # size is then only known from below ("n ≥ …") and the bars show households,
    # not shares of an unknown total.
    masked = set(counts.loc[counts["households"].isna(), "group_key"])
    relative = relative and not masked
    sizes = counts.groupby("group_key")["households"].sum()
    axis = [f"{labels.get(g, g)} (n {'≥' if g in masked else '='} {fmt.integer(sizes[g])}"
            + (", cases masquées)" if g in masked else ")") for g in groups]
    # long names on a few lines, so that the bars and the legend keep the width
    axis = [_wrapped(a.replace("(n ", "(n\u00a0").replace(" = ", "\u00a0=\u00a0")
                     .replace(" ≥ ", "\u00a0≥\u00a0"), 24) if len(a) > 40 else _t(a)
            for a in axis]
    total = int(counts["households"].sum())
    fig = go.Figure()
    for status in HOUSEHOLD_STATUS.values:
        rows = counts[counts["status"] == status].set_index("group_key")["households"]
        values = [0 if pd.isna(rows.get(g, 0)) else int(rows.get(g, 0)) for g in groups]
        if not any(values):
            continue
        fig.add_bar(
            y=axis,
            x=[v / sizes[g] * 100 for v, g in zip(values, groups)] if relative else values,
            name=_t(status),
            orientation="h",
            marker_color=STATUS_COLOURS[status],
            text=[fmt.integer(v) if v else "" for v in values],
            customdata=values,
            textposition="inside",
            insidetextfont={"color": text_on(STATUS_COLOURS[status])},
            insidetextanchor="middle",
            textangle=0,
            hovertemplate="%{y}<br>" + _t(status)
            + " : %{customdata} ménages (%{x:.1f} %)<extra></extra>",
        )
    fig.update_layout(barmode="stack", uniformtext={"minsize": 10, "mode": "hide"})
    fig.update_yaxes(autorange="reversed", title=None)
    if relative:
        fig.update_xaxes(title=None, range=[0, 100.5], dtick=20, ticksuffix="\u00a0%",
                         gridcolor="#E4E7EB")
    else:
        fig.update_xaxes(title="ménages", gridcolor="#E4E7EB")
    title = (f"Ménages par statut et par opération au {as_of} "
             f"(n {'≥' if masked else '='} {fmt.integer(total)})")
    return _layout(fig, title, height=200 + 56 * max(1, len(groups)))


# The four situations an elected official sees (release.ELU_STATUSES), in the
# colours of the detailed statuses they gather: rehoused blue, temporary sky
# blue, exits purple, still to rehouse orange (the pending ones).
ELU_STATUS_COLOURS: dict[str, str] = {
    "relogé": STATUS_COLOURS["relogé"],
    "relogé provisoire": STATUS_COLOURS["relogé provisoire"],
    "sorti sans relogement": STATUS_COLOURS["départ autonome"],
    "à reloger": STATUS_COLOURS["proposition en cours"],
    "relogé ou sorti": STATUS_COLOURS["relogé"],  # when the release merges the two
}
HIDDEN_COLOUR = "#E4E7EB"  # the part of a bar whose statuses are hidden


def status_shares(counts: pd.DataFrame, totals: dict, labels: dict[str, str], as_of: str,
                  hidden: str = "s") -> go.Figure:
    """Horizontal bars in percentages of each group's households, the count on
    hover ("31 ménages sur 64"): the elected officials' view of statuses.

    `counts` has group_key, status, households (NA: hidden), and status_order
    when known; `totals` maps group_key to the group's households (NA: hidden).
    A hidden count is nowhere in the figure (no bar, no text, no hover data):
    the part of the bar it would fill is one grey segment, "statuts masqués",
    whose hover names the hidden statuses with `hidden` ("s"). Its width is the
    total less the published counts, which the reader can compute anyway. A
    group whose total is hidden, and not the sum of four published counts, has
    no bar: its axis label says "effectif masqué".
    """
    order = counts.sort_values("status_order", kind="stable") if "status_order" in counts \
        else counts
    statuses = list(dict.fromkeys(order["status"]))
    groups = list(dict.fromkeys(counts["group_key"]))
    cell = {(g, s): (None if fmt.is_missing(v) else int(v))
            for g, s, v in zip(counts["group_key"], counts["status"], counts["households"])}
    size: dict[str, int | None] = {}
    for g in groups:
        known = totals.get(g)
        parts = [cell.get((g, s)) for s in statuses if (g, s) in cell]
        if not fmt.is_missing(known):
            size[g] = int(known)
        elif parts and all(p is not None for p in parts):
            size[g] = sum(parts)
        else:
            size[g] = None
    # long names on a few lines: the bars keep most of the width on a projector and
    # the legend (which starts where the bars start) stays on one or two rows
    axis = [_wrapped(f"{labels.get(g, g)} ("
                     + (f"n\u00a0=\u00a0{fmt.integer(size[g])})" if size[g] is not None
                        else "effectif masqué)")) for g in groups]
    fig = go.Figure()
    for status in statuses:
        colour = ELU_STATUS_COLOURS.get(status) or STATUS_COLOURS.get(status, "#888888")
        x, text, hover = [], [], []
        for g in groups:
            n = cell.get((g, status), 0)  # a status absent from a group: nobody
            if n is None or not n or not size[g]:  # hidden, nobody, or no share to draw
                x.append(None)
                text.append("")
                hover.append("")
                continue
            share = n / size[g] * 100
            x.append(share)
            text.append(f"{fmt.number(share, 0)}\u00a0%" if share >= 5 else "")
            hover.append(f"{fmt.integer(n)} ménage{'s' if n > 1 else ''} sur "
                         f"{fmt.integer(size[g])} ({fmt.number(share, 1)}\u00a0%)")
        if not any(v for v in x if v is not None):
            continue
        fig.add_bar(
            y=axis, x=x, name=_t(status), orientation="h", marker_color=colour,
            text=text, customdata=hover, textposition="inside",
            insidetextfont={"color": text_on(colour)}, insidetextanchor="middle", textangle=0,
            hovertemplate="%{y}<br>" + _t(status) + " : %{customdata}<extra></extra>",
        )
    # the hidden statuses of each group, as one grey segment (never one per status)
    x, hover = [], []
    for g in groups:
        masked = [s for s in statuses if (g, s) in cell and cell[(g, s)] is None]
        if not masked or not size[g]:
            x.append(None)
            hover.append("")
            continue
        rest = size[g] - sum(cell[(g, s)] or 0 for s in statuses if (g, s) in cell)
        x.append(rest / size[g] * 100)
        hover.append("<br>".join(f"{_t(s)} : {hidden}" for s in masked))
    if any(v is not None for v in x):
        fig.add_bar(
            y=axis, x=x, name=f"statuts masqués ({hidden})", orientation="h",
            marker={"color": HIDDEN_COLOUR, "pattern": {"shape": "/", "fgcolor": "#9AA5B1"}},
            customdata=hover,
            hovertemplate="%{y}<br>%{customdata}<extra></extra>",
        )
    fig.update_layout(barmode="stack", uniformtext={"minsize": MIN_FONT_PX, "mode": "hide"})
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=None, range=[0, 100.5], dtick=20, ticksuffix="\u00a0%",
                     gridcolor=GRID)
    title = f"Situation des ménages au {as_of}, en % de chaque opération"
    fig = _layout(fig, title, height=210 + 64 * max(1, len(groups)))
    return fig.update_layout(margin_r=35)  # room for the "100 %" tick at the right


# Diverging scales: positive answers in blues, negative ones in oranges
# (colour-blind-safe), the stronger the colour the further from the centre.
_POSITIVE = ("#0072B2", "#56B4E9")  # strongest first
_NEGATIVE = ("#E69F00", "#D55E00")  # nearest the centre first


def diverging_answers(dist: pd.DataFrame, scale, satisfied: frozenset, title: str) -> go.Figure:
    """One horizontal bar per wave: the share of each answer among the non-empty
    ones, satisfied answers to the right of zero and the others to the left, in
    the scale's order; n and the number of empty answers in the axis label.

    `dist` has wave, answer (None = empty) and count for one question."""
    positives = [v for v in scale.values if v in satisfied]
    negatives = [v for v in scale.values if v not in satisfied]
    waves = sorted(int(w) for w in dist["wave"].unique())
    labels, totals = [], {}
    for wave in waves:
        rows = dist[dist["wave"] == wave]
        answered = int(rows.loc[rows["answer"].notna(), "count"].sum())
        empty = int(rows.loc[rows["answer"].isna(), "count"].sum())
        totals[wave] = answered
        labels.append(f"Vague {wave} (n = {fmt.integer(answered)}"
                      + (f", {fmt.integer(empty)} sans réponse)" if empty else ")"))
    fig = go.Figure()

    def share(wave, value):
        rows = dist[(dist["wave"] == wave) & (dist["answer"] == value)]
        count = int(rows["count"].sum())
        return (count / totals[wave] * 100 if totals[wave] else 0.0), count

    # nearest the centre drawn first on each side
    for i, value in enumerate(reversed(positives)):
        colour = _POSITIVE[::-1][i % 2] if len(positives) > 1 else _POSITIVE[0]
        values = [share(w, value) for w in waves]
        fig.add_bar(y=labels, x=[v[0] for v in values], name=_t(value), orientation="h",
                    marker_color=colour, legendrank=scale.values.index(value), customdata=[v[1] for v in values],
                    insidetextfont={"color": text_on(colour)},
                    text=[f"{fmt.number(v[0], 0)}\u00a0%" if v[0] >= 6 else "" for v in values],
                    textposition="inside", insidetextanchor="middle", textangle=0,
                    hovertemplate="%{y}<br>" + _t(value)
                    + " : %{customdata} (%{x:.0f} %)<extra></extra>")
    for i, value in enumerate(negatives):
        colour = _NEGATIVE[i % 2] if len(negatives) > 1 else _NEGATIVE[1]
        values = [share(w, value) for w in waves]
        fig.add_bar(y=labels, x=[-v[0] for v in values], name=_t(value), orientation="h",
                    marker_color=colour, legendrank=scale.values.index(value), customdata=[v[1] for v in values],
                    insidetextfont={"color": text_on(colour)},
                    text=[f"{fmt.number(v[0], 0)}\u00a0%" if v[0] >= 6 else "" for v in values],
                    textposition="inside", insidetextanchor="middle", textangle=0,
                    hovertemplate="%{y}<br>" + _t(value) + " : %{customdata}<extra></extra>")
    fig.update_layout(barmode="relative", uniformtext={"minsize": 10, "mode": "hide"})
    fig.update_xaxes(range=[-100, 100], tickvals=[-100, -50, 0, 50, 100],
                     ticktext=["100\u00a0%", "50\u00a0%", "0", "50\u00a0%", "100\u00a0%"],
                     zeroline=True, zerolinecolor="#1F2933", gridcolor="#E4E7EB")
    fig.update_yaxes(autorange="reversed", title=None)
    return _layout(fig, title, height=170 + 45 * len(waves), legend_on_top=True)


def satisfaction_heatmap(shares: pd.DataFrame, labels: dict[str, str], title: str,
                         min_group: int) -> go.Figure:
    """Questions x waves: satisfied share, with n in each cell; cells under
    `min_group` answers are left blank ("effectif trop faible")."""
    questions = list(labels)
    waves = sorted(int(w) for w in shares["wave"].unique())
    z, text = [], []
    for q in questions:
        row_z, row_t = [], []
        for w in waves:
            cell = shares[(shares["question"] == q) & (shares["wave"] == w)]
            n = 0 if cell.empty else cell["n_answers"].iloc[0]
            n = min_group - 1 if pd.isna(n) else int(n)  # masked (elu): too few to show
            if n < min_group or pd.isna(cell["satisfied_share"].iloc[0]):
                row_z.append(None)
                row_t.append("effectif trop faible" if n else "—")
            else:
                value = float(cell["satisfied_share"].iloc[0])
                row_z.append(value * 100)
                row_t.append(f"{fmt.share(value, 0)}<br>n = {fmt.integer(n)}")
        z.append(row_z)
        text.append(row_t)
    fig = go.Figure(go.Heatmap(
        z=z, x=[f"Vague {w}" for w in waves], y=[_t(labels[q]) for q in questions],
        text=text, texttemplate="%{text}", zmin=0, zmax=100, colorscale="Blues",
        colorbar={"title": "% satisfaits", "ticksuffix": "\u00a0%"},
        hovertemplate="%{y} – %{x}<br>%{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=120 + 52 * len(questions))


def progress_curve(series: pd.DataFrame, projection: pd.Series | None, title: str) -> go.Figure:
    """Cumulative households rehoused or gone against the plan, with the
    projection at the pace of the last 6 months."""
    fig = go.Figure()
    planned = pd.to_numeric(series["planned"], errors="coerce")
    if planned.notna().any():  # the plan line only where a plan exists (NULL without)
        fig.add_scatter(x=series["day"], y=series["planned"], name="prévu (plan de relogement)",
                        mode="lines", line={"color": "#888888", "dash": "dash", "width": 2},
                        hovertemplate="%{x|%d/%m/%Y} : %{y:.0f} prévus<extra></extra>")
    fig.add_scatter(x=series["day"], y=series["done"], name="relogés + sortis (réel)",
                    mode="lines", line={"color": STATUS_COLOURS["relogé"], "width": 3},
                    hovertemplate="%{x|%d/%m/%Y} : %{y} ménages<extra></extra>")
    if projection is not None and not pd.isna(projection.get("projected_end")):
        last = series.iloc[-1]
        fig.add_scatter(x=[last["day"], projection["projected_end"]],
                        y=[last["done"], projection["households_total"]],
                        name="projection au rythme des 6 derniers mois", mode="lines",
                        line={"color": STATUS_COLOURS["relogé"], "dash": "dot", "width": 2},
                        hovertemplate="%{x|%d/%m/%Y} : %{y:.0f}<extra></extra>")
    if projection is not None:
        fig.add_hline(y=projection["households_total"], line={"color": "#52606D", "width": 1},
                      annotation_text=f"{fmt.integer(projection['households_total'])} ménages",
                      annotation_position="top left")
    top = max([float(v) for v in (series["done"].max(), planned.max(),
                                  None if projection is None else projection["households_total"])
               if not fmt.is_missing(v)] or [0.0])
    # Whole households on the y axis (never "0,5"), dates as month/year.
    fig.update_xaxes(type="date", tickformat="%m/%Y", gridcolor="#E4E7EB", nticks=8)
    fig.update_yaxes(title="ménages (cumul)", gridcolor="#E4E7EB", rangemode="tozero",
                     tickformat=",d", range=[0, max(top * 1.08, 4)],
                     **({"dtick": 1} if top < 8 else {}))
    return _layout(fig, title, height=420, legend_on_top=True)


def horizontal_counts(labels: list[str], values: list[int], title: str, colour: str,
                      unit: str = "ménages") -> go.Figure:
    """A simple horizontal bar chart with the count written at the end of each
    bar; a suppressed count (NA) has no bar and reads "—"."""
    values = [None if fmt.is_missing(v) else v for v in values]
    fig = go.Figure(go.Bar(
        y=[_t(label) for label in labels], x=values, orientation="h", marker_color=colour,
        text=[fmt.integer(v) for v in values], textposition="outside",
        hovertemplate="%{y} : %{x} " + _t(unit) + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    top = max([v for v in values if v is not None] or [1])
    fig.update_xaxes(title=unit, gridcolor="#E4E7EB", range=[0, top * 1.18 + 1])
    # drawn in half-width columns: a shorter title line
    fig = _layout(fig, title, height=140 + 34 * max(1, len(labels)), title_width=34)
    # the count after the longest bar may need more than the axis's spare 18 % (a
    # 6-digit count in a half-width column): it may run into a right margin sized for it
    fig.update_traces(cliponaxis=False)
    longest = max((len(fmt.integer(v)) for v in values if v is not None), default=1)
    return fig.update_layout(margin_r=10 + FONT_PX * 0.6 * longest)


# A Gantt chart of more operations than this is unreadable (and heavy: 2 800 rows
# at the benchmark's largest scale): one operation at a time on the Calendrier
# page, the ones that slipped most in the pack; tables keep every row.
GANTT_OPERATIONS = 8


def slipped_first(timeline: pd.DataFrame) -> list[str]:
    """The operations of a timeline (indicators.timeline), the one with the
    largest slippage of a phase or building first; those without any known
    slippage last, in their order."""
    slip = timeline.groupby("operation_name", sort=False)["slippage_months"].max()
    return list(slip.fillna(float("-inf")).sort_values(ascending=False, kind="stable").index)


def gantt(timeline: pd.DataFrame, as_of, title: str, name_operation: bool = True) -> go.Figure:
    """Phases as planned vs real bars side by side, building demolitions planned
    vs real as markers, first and last rehousing per building, a line at D.
    `name_operation=False`: rows without their operation's name (a chart of
    one operation that its title names)."""
    # Every row says its operation: two operations may have buildings of the
    # same name, and a row read alone (wrapped, printed) stays unambiguous.
    rows = [f"{_t(rec.operation_name)} · {_t(rec.name)}" if name_operation else _t(rec.name)
            for rec in timeline.itertuples(index=False)]
    # same operation and name for two buildings: the code tells them apart (never merged)
    seen = pd.Series(rows)
    rows = [f"{r} ({code})" if level == "building" and (seen == r).sum() > 1 else r
            for r, level, code in zip(rows, timeline["level"], timeline["building_code"])]
    labels = list(dict.fromkeys(rows))
    fig = go.Figure()
    phases = timeline[timeline["level"] == "phase"]
    phase_labels = [r for r, lvl in zip(rows, timeline["level"]) if lvl == "phase"]
    end_real = [e if not pd.isna(e) else as_of for e in phases["actual_end"]]

    def bar(starts, ends, labels_, name, colour, offset):
        starts = pd.to_datetime(pd.Series(list(starts)))
        ends = pd.to_datetime(pd.Series(list(ends)))
        durations = [(e - s).total_seconds() * 1000 if not (pd.isna(s) or pd.isna(e)) else None
                     for s, e in zip(starts, ends)]
        fig.add_bar(y=labels_, x=durations, base=[None if pd.isna(s) else s for s in starts],
                    orientation="h", name=name, marker_color=colour, offsetgroup=offset,
                    customdata=[fmt.day(e) for e in ends],
                    hovertemplate="%{y}<br>" + name + " : %{base|%d/%m/%Y} → "
                    "%{customdata}<extra></extra>")

    bar(phases["planned_start"], phases["planned_end"], phase_labels, "phase prévue", "#BBBBBB",
        "prévu")
    bar(phases["actual_start"], end_real, phase_labels, "phase réelle (en cours jusqu'à D)",
        STATUS_COLOURS["relogé"], "réel")
    buildings = timeline[timeline["level"] == "building"]
    b_labels = [r for r, lvl in zip(rows, timeline["level"]) if lvl == "building"]
    markers = [
        ("first_rehousing", "premier relogement", "triangle-right", "#009E73"),
        ("last_rehousing", "dernier relogement", "triangle-left", "#009E73"),
        ("planned_end", "démolition prévue", "diamond-open", "#882255"),
        ("actual_end", "démolition réelle", "diamond", "#882255"),
    ]
    for column, name, symbol, colour in markers:
        values = buildings[column]
        mask = values.notna().to_numpy()
        fig.add_scatter(x=values[mask], y=[lab for lab, m in zip(b_labels, mask) if m],
                        mode="markers", name=name,
                        marker={"symbol": symbol, "size": 11, "color": colour,
                                "line": {"width": 2, "color": colour}},
                        hovertemplate="%{y}<br>" + name + " : %{x|%d/%m/%Y}<extra></extra>")
    fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line={"color": "#D55E00", "width": 2},
                  annotation_text=f"D = {fmt.day(as_of)}", annotation_position="bottom right")
    fig.update_layout(barmode="group", bargap=0.35)
    fig.update_xaxes(type="date", tickformat="%Y", gridcolor="#E4E7EB")
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    return _layout(fig, title, height=160 + 30 * len(labels), legend_on_top=True)


def commune_bubbles(aggregates: pd.DataFrame, title: str) -> go.Figure:
    """Destination communes as proportional circles at their centre, labelled,
    on plain axes (no tiles): legible printed in black and white."""
    top = max(float(aggregates["households"].max()), 1.0) if len(aggregates) else 1.0
    fig = go.Figure(go.Scatter(
        x=aggregates["centre_lon"], y=aggregates["centre_lat"], mode="markers+text",
        marker={"size": [8 + 52 * (n / top) ** 0.5 for n in aggregates["households"]],
                "color": "rgba(0,114,178,0.45)", "line": {"color": "#1F2933", "width": 1}},
        text=[f"{_t(c)} ({fmt.integer(n)})" for c, n in zip(aggregates["commune"],
                                                       aggregates["households"])],
        textposition="top center", textfont={"size": 10},
        hovertemplate="%{text}<extra></extra>"))
    fig.update_xaxes(title="longitude", showgrid=True, gridcolor="#E4E7EB")
    # one degree of longitude is shorter than one of latitude at 45° N
    fig.update_yaxes(title="latitude", showgrid=True, gridcolor="#E4E7EB",
                     scaleanchor="x", scaleratio=1.42)
    return _layout(fig, title, height=520)


def titled(fig: go.Figure, title: str, height: int, legend_on_top: bool = False) -> go.Figure:
    """The house layout (fonts, French separators, title) for a figure made elsewhere."""
    return _layout(fig, title, height, legend_on_top)
