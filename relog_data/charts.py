"""Plotly figures shared by the pages and (later) the printed report.

French labels and number formats, one colour per status everywhere
(codes.STATUS_COLOURS), a title that says what and at what date, n visible.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import fmt
from .codes import HOUSEHOLD_STATUS, STATUS_COLOURS

FONT = "DejaVu Sans, Source Sans Pro, Arial, sans-serif"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        separators=",\u202f",  # French: decimal comma, narrow no-break space
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "title": None,
                "traceorder": "normal"},
    )
    return fig


def status_bars(counts: pd.DataFrame, labels: dict[str, str], as_of: str) -> go.Figure:
    """Horizontal bars stacked to 100 %: the share of each status in each
    group, the count written in the bar and n on the axis label.

    `counts` has group_key, status, households (from indicators.status_counts);
    `labels` maps group_key to the name shown on the axis.
    """
    groups = list(dict.fromkeys(counts["group_key"]))
    sizes = counts.groupby("group_key")["households"].sum()
    axis = [f"{labels.get(g, g)} (n = {fmt.integer(sizes[g])})" for g in groups]
    total = int(counts["households"].sum())
    fig = go.Figure()
    for status in HOUSEHOLD_STATUS.values:
        rows = counts[counts["status"] == status].set_index("group_key")["households"]
        values = [int(rows.get(g, 0)) for g in groups]
        if not any(values):
            continue
        fig.add_bar(
            y=axis,
            x=[v / sizes[g] * 100 for v, g in zip(values, groups)],
            name=status,
            orientation="h",
            marker_color=STATUS_COLOURS[status],
            text=[fmt.integer(v) if v else "" for v in values],
            customdata=values,
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            hovertemplate="%{y}<br>" + status
            + " : %{customdata} ménages (%{x:.1f} %)<extra></extra>",
        )
    fig.update_layout(barmode="stack", uniformtext={"minsize": 10, "mode": "hide"})
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=None, range=[0, 100.5], dtick=20, ticksuffix="\u00a0%",
                     gridcolor="#E4E7EB")
    title = f"Ménages par statut et par opération au {as_of} (n = {fmt.integer(total)})"
    return _layout(fig, title, height=190 + 46 * max(1, len(groups)))
