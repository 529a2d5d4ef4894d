"""The one-sentence headline (relog_data.wording), with expectations computed by
hand; and the legibility of the charts' texts (contrast, size) on a projector."""

from datetime import date

import pandas as pd
import pytest

from relog_data import wording

NA = pd.NA
NBSP = "\u00a0"


def kpis(**values):
    row = {"households_total": 490, "progress_rate_num": 312, "progress_rate_den": 490,
           "progress_rate": 312 / 490, "remaining": 178}
    row.update(values)
    return pd.Series(row)


def projection(**values):
    row = {"remaining": 178, "pace_per_month": 11.0, "projected_end": pd.Timestamp("2011-04-10"),
           "planned_end": pd.Timestamp("2010-12-31"), "gap_months": 3.3}
    row.update(values)
    return pd.Series(row)


def test_the_full_sentence():
    # 312 / 490 = 63,67 % -> 64 %; 3,3 months -> 3
    assert wording.headline(kpis(), projection()) == (
        f"64{NBSP}% des ménages relogés ou partis ; 178 restent à reloger ; "
        "fin estimée en avril 2011, 3 mois après la date prévue.")


def test_the_demo_figures():
    # demo at 30/06/2009: 845 / 1 129 = 74,8 % -> 75 %; 284 remain; gap 3,3 months
    row = kpis(households_total=1129, progress_rate_num=845, progress_rate_den=1129,
               progress_rate=845 / 1129, remaining=284)
    assert wording.headline(row, projection(remaining=284)) == (
        f"75{NBSP}% des ménages relogés ou partis ; 284 restent à reloger ; "
        "fin estimée en avril 2011, 3 mois après la date prévue.")


def test_dicts_work_as_well_as_series():
    assert wording.headline(dict(kpis()), dict(projection())) \
        == wording.headline(kpis(), projection())


def test_early_and_late_and_on_time():
    assert wording.headline(kpis(), projection(gap_months=-2.6)).endswith(
        "fin estimée en avril 2011, 3 mois avant la date prévue.")
    assert wording.headline(kpis(), projection(gap_months=0.4)).endswith(
        "fin estimée en avril 2011, à la date prévue.")
    # no planned end: the estimate alone
    assert wording.headline(kpis(), projection(gap_months=None, planned_end=None)).endswith(
        "178 restent à reloger ; fin estimée en avril 2011.")


def test_hidden_values_leave_their_clause_out():
    # hidden share parts: no percentage, never "0 %" nor "—"
    assert wording.headline(kpis(progress_rate_num=NA, progress_rate=float("nan")),
                            projection()) == (
        "178 restent à reloger ; fin estimée en avril 2011, 3 mois après la date prévue.")
    # hidden remaining (and so no projection for it): the share alone
    assert wording.headline(kpis(remaining=NA), projection(
        remaining=NA, pace_per_month=float("nan"), projected_end=pd.NaT,
        gap_months=float("nan"))) == f"64{NBSP}% des ménages relogés ou partis."
    # hidden pace (the change over 6 months is hidden): no end clause, no "rythme nul"
    assert wording.headline(kpis(), projection(pace_per_month=float("nan"),
                                               projected_end=pd.NaT,
                                               gap_months=float("nan"))) == (
        f"64{NBSP}% des ménages relogés ou partis ; 178 restent à reloger.")
    # everything hidden: nothing to say
    assert wording.headline(kpis(households_total=NA, progress_rate_num=NA,
                                 progress_rate_den=NA, progress_rate=float("nan"),
                                 remaining=NA), None) == ""
    for text in (wording.headline(kpis(progress_rate_num=NA), projection()),
                 wording.headline(kpis(remaining=NA), None)):
        assert "—" not in text and "nan" not in text.lower() and " 0 " not in text


def test_nobody_left():
    # Séverine: 68 / 68 done; no projection to make
    row = kpis(households_total=68, progress_rate_num=68, progress_rate_den=68,
               progress_rate=1.0, remaining=0)
    done = projection(remaining=0, pace_per_month=0.0, projected_end=pd.NaT,
                      gap_months=float("nan"))
    assert wording.headline(row, done) == (
        f"100{NBSP}% des ménages relogés ou partis ; plus aucun ménage à reloger.")


def test_zero_denominator_and_empty_scope():
    assert wording.headline(kpis(households_total=0, progress_rate_num=0,
                                 progress_rate_den=0, progress_rate=float("nan"),
                                 remaining=0), None) == "Aucun ménage dans ce périmètre."
    # a zero denominator alone (total unknown): no share clause, no division
    assert wording.headline(kpis(households_total=None, progress_rate_num=0,
                                 progress_rate_den=0, progress_rate=None), None) \
        == "178 restent à reloger."


def test_no_projection_and_nil_pace():
    assert wording.headline(kpis(), None) == (
        f"64{NBSP}% des ménages relogés ou partis ; 178 restent à reloger.")
    nil = projection(pace_per_month=0.0, projected_end=pd.NaT, gap_months=float("nan"))
    assert wording.headline(kpis(), nil) == (
        f"64{NBSP}% des ménages relogés ou partis ; 178 restent à reloger ; aucun ménage "
        "relogé ni parti ces 6 derniers mois : fin impossible à estimer.")


def test_one_household_left_and_rounding_at_the_ends():
    # 489 / 490 = 99,8 %: never "100 %" while one remains
    assert wording.headline(kpis(progress_rate_num=489, remaining=1), None) == (
        f"Plus de 99{NBSP}% des ménages relogés ou partis ; 1 reste à reloger.")
    # 1 / 490 = 0,2 %: never "0 %" once someone is done
    assert wording.headline(kpis(progress_rate_num=1, remaining=489), None).startswith(
        f"Moins de 1{NBSP}% des ménages")
    # thousands in French
    assert "1\u202f234 restent" in wording.headline(kpis(remaining=1234), None)


def test_month_year():
    assert wording.month_year(date(2011, 4, 10)) == "avril 2011"
    assert wording.month_year(pd.Timestamp("2012-08-01")) == "août 2012"
    assert wording.month_year("2010-12-31") == "décembre 2010"


@pytest.mark.parametrize("num,den,expected", [
    (845, 1129, f"75{NBSP}%"), (0, 10, f"0{NBSP}%"), (10, 10, f"100{NBSP}%"),
    (5, 0, None), (NA, 10, None), (5, None, None), (1, 3, f"33{NBSP}%"), (2, 3, f"67{NBSP}%"),
])
def test_percent(num, den, expected):
    assert wording.percent(num, den) == expected


# -- charts legible on a projector: contrast >= 4,5:1, text >= 14 px ---------------------------
def _sample_figures():
    import plotly.graph_objects as go

    from relog_data import charts

    counts = pd.DataFrame({
        "group_key": ["A", "A", "A", "A", "B", "B"],
        "status": ["relogé", "relogé provisoire", "sorti sans relogement", "à reloger",
                   "relogé", "à reloger"],
        "status_order": [1, 2, 3, 4, 1, 4],
        "households": pd.array([40, NA, NA, 12, 30, 20], dtype="Int64"),
    })
    series = pd.DataFrame({"day": pd.to_datetime(["2009-03-31", "2009-06-30"]),
                           "done": [10, 20], "planned": [12, 24]})
    projected = pd.Series({"projected_end": pd.Timestamp("2010-06-30"),
                           "households_total": 60})
    return {
        "status_shares": charts.status_shares(counts, {"A": 60, "B": 50},
                                              {"A": "Opération A"}, "30/06/2009"),
        "status_bars": charts.status_bars(counts.fillna(0), {}, "30/06/2009"),
        "progress_curve": charts.progress_curve(series, projected, "Cumul"),
        "titled": charts.titled(go.Figure(go.Bar(x=[1], y=["a"])), "Titre", 300),
    }


def test_the_house_colours_meet_4_5_to_1():
    from relog_data import charts

    # WCAG's own examples: black on white 21:1, #777 on white 4,48:1 (fails)
    assert charts.contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert charts.contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    # Streamlit's faded chart text, the "about 3,7:1"
    assert charts.contrast("#808495") == pytest.approx(3.7, abs=0.05)
    for colour in (charts.TEXT, charts.SOFT_TEXT):
        assert charts.contrast(colour, charts.BACKGROUND) >= charts.MIN_CONTRAST
    # text written inside a bar, on every status colour
    from relog_data.codes import STATUS_COLOURS

    for fill in {**STATUS_COLOURS, **charts.ELU_STATUS_COLOURS}.values():
        assert charts.contrast(charts.text_on(fill), fill) >= charts.MIN_CONTRAST, fill


@pytest.mark.parametrize("name", ["status_shares", "status_bars", "progress_curve", "titled"])
def test_every_chart_text_is_dark_and_large_enough(name):
    from relog_data import charts

    fig = _sample_figures()[name]
    layout = fig.layout
    background = layout.paper_bgcolor
    assert background == layout.plot_bgcolor == charts.BACKGROUND
    fonts = {"font": layout.font, "title": layout.title.font, "legend": layout.legend.font,
             "hover": layout.hoverlabel.font}
    for axis in ("xaxis", "yaxis"):
        fonts[f"{axis} ticks"] = layout[axis].tickfont
        fonts[f"{axis} title"] = layout[axis].title.font
    for i, annotation in enumerate(layout.annotations):
        fonts[f"annotation {i}"] = annotation.font
    for where, font in fonts.items():
        # set explicitly: Streamlit's theme would otherwise draw them faded, at 12 px
        assert font.color and font.size, where
        back = layout.hoverlabel.bgcolor if where == "hover" else background
        assert charts.contrast(font.color, back) >= charts.MIN_CONTRAST, where
        assert font.size >= charts.MIN_FONT_PX, where
    if layout.uniformtext.minsize is not None:
        assert layout.uniformtext.minsize >= charts.MIN_FONT_PX
    for trace in fig.data:
        if trace.type == "bar" and trace.text is not None and any(trace.text):
            fill = trace.marker.color
            assert charts.contrast(trace.insidetextfont.color, fill) >= charts.MIN_CONTRAST


def test_a_hidden_count_is_nowhere_in_the_status_shares():
    import json
    import re

    fig = _sample_figures()["status_shares"]
    by_name = {trace.name: trace for trace in fig.data}
    axis = list(by_name["relogé"].y)
    a = axis.index("Opération A (n\u00a0=\u00a060)")
    # published: 40 of 60 and 12 of 60, in shares, counts on hover
    assert by_name["relogé"].x[a] == pytest.approx(40 / 60 * 100)
    assert by_name["relogé"].customdata[a] == f"40 ménages sur 60 (66,7{NBSP}%)"
    assert by_name["à reloger"].customdata[a].startswith("12 ménages sur 60")
    # hidden (relogé provisoire, sorti sans relogement in A): no bar, no text, no hover data
    for status in ("relogé provisoire", "sorti sans relogement"):
        assert status not in by_name  # published nowhere: no trace at all
    grey = by_name["statuts masqués (s)"]
    assert grey.x[a] == pytest.approx(8 / 60 * 100)  # 60 - 40 - 12: computable from the rest
    assert grey.customdata[a] == "relogé provisoire : s<br>sorti sans relogement : s"
    # B: nothing hidden, no grey part; statuses absent from B have no bar there
    b = axis.index("B (n\u00a0=\u00a050)")
    assert grey.x[b] is None
    assert by_name["relogé"].customdata[b] == f"30 ménages sur 50 (60,0{NBSP}%)"
    # the figure's data hold no count but the published ones
    data = json.dumps(fig.to_dict()["data"], ensure_ascii=False)
    numbers = {int(n) for n in re.findall(r"(\d+) ménages? sur", data)}
    assert numbers == {40, 12, 30, 20}


def test_status_shares_without_a_total():
    from relog_data import charts

    counts = pd.DataFrame({"group_key": ["A", "A", "C", "C"],
                           "status": ["relogé", "à reloger", "relogé", "à reloger"],
                           "households": pd.array([NA, 10, 7, 8], dtype="Int64")})
    fig = charts.status_shares(counts, {"A": NA, "C": None}, {}, "30/06/2009")
    labels = list(fig.data[0].y)
    # A: total hidden and a part hidden: no share can be drawn
    assert "A (effectif masqué)" in labels
    # C: no total given, but every part is published: n = 15
    assert "C (n\u00a0=\u00a015)" in labels
    for trace in fig.data:
        assert trace.x[labels.index("A (effectif masqué)")] is None


def test_status_shares_shows_names_literally():
    import json

    from relog_data import charts

    counts = pd.DataFrame({"group_key": ["A"], "status": ["relogé"],
                           "households": pd.array([12], dtype="Int64")})
    name = 'Cité <a href="http://evil">x</a> et <b>y</b>, une opération au nom très long'
    fig = charts.status_shares(counts, {"A": 12}, {"A": name}, "30/06/2009")
    text = json.dumps(fig.to_dict(), ensure_ascii=False)
    assert "<a" not in text and "<b>" not in text and "&amp;lt;" not in text
    assert "&lt;b&gt;y&lt;/b&gt;" in text
    assert "<br>" in fig.data[0].y[0]  # a long name on several lines
