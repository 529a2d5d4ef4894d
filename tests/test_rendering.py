"""Rendered injection: names typed as HTML or Markdown show as typed, in the
Plotly charts (which render HTML tags) and in the pages' Markdown."""

from __future__ import annotations

import json
import re
from datetime import date

import plotly.graph_objects as go
import pytest

from relog_data import charts, fmt, geo, indicators, survey
from relog_data.codes import SATISFIED_ANSWERS
from relog_data.db import Database
from relog_data.indicators import Scope
from relog_data.model import SURVEY_QUESTIONS
from tests.conftest import build_db, small_records, start_app

LINK = '<a href="http://evil">x</a>'
BOLD = "<b>y</b>"
MD_LINK = "[lien](http://evil)"
MD_BOLD = "**x**"
AS_OF = date(2009, 6, 30)
MARKDOWN_SPECIALS = set("\\`*_{}[]()#+.!|<>~$:&")  # and "-" at the start of a line


# -- md_escape -----------------------------------------------------------------------------
def unescaped(text: str) -> str:
    """What a Markdown reader shows for backslash escapes (CommonMark)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def bare_specials(text: str) -> list[str]:
    """Markdown punctuation that is not backslash-escaped."""
    tokens = re.findall(r"\\.|.", text, flags=re.S)  # an escape pair, or one character
    bare = [t for t in tokens if len(t) == 1 and t in MARKDOWN_SPECIALS]
    return bare + (["-"] if text.lstrip().startswith("-") else [])


@pytest.mark.parametrize("text", [
    "[clic](javascript:alert(1))", "**gras**", "<img src=x onerror=alert(1)>", "$x$",
    "# titre", "- liste", "1. liste", "> citation", "`code`", "~~barré~~", "a | b",
    ":red[rouge]", "_souligné_", "\\[déjà échappé\\]", "&lt;b&gt;", "![image](http://x/y.png)",
    "Mas du Taureau / Pré de l'Herpe — bâtiment 12"])
def test_md_escape_makes_markdown_literal(text):
    out = fmt.md_escape(text)
    assert unescaped(out) == text  # read back, the text is the one typed
    assert not bare_specials(out)  # nothing left for Markdown to interpret


def test_md_escape_examples():
    assert fmt.md_escape("[clic](javascript:alert(1))") == r"\[clic\]\(javascript\:alert\(1\)\)"
    assert fmt.md_escape("**gras**") == r"\*\*gras\*\*"
    assert fmt.md_escape("<img src=x onerror=alert(1)>") == r"\<img src=x onerror=alert\(1\)\>"
    assert fmt.md_escape("$x$") == r"\$x\$"
    assert fmt.md_escape("Bâtiment A\n# titre") == r"Bâtiment A \# titre"  # no new block
    assert fmt.md_escape(None) == "" and fmt.md_escape(float("nan")) == ""
    assert fmt.md_escape("Vaulx-en-Velin") == "Vaulx-en-Velin"
    assert fmt.md_escape("- liste") == r"\- liste" and fmt.md_escape("---") == r"\---"
    assert fmt.md_escape("30/11/2009 www.x.fr") == r"30/11/2009 www\.x\.fr"


def test_html_text_escapes_tags_once():
    assert fmt.html_text(LINK) == "&lt;a href=&quot;http://evil&quot;&gt;x&lt;/a&gt;"
    assert fmt.html_text("Pré & Herpe") == "Pré &amp; Herpe"
    assert fmt.html_text(None) == "" and fmt.html_text(12) == "12"
    assert geo.escape is fmt.html_text  # the map's tooltips use the same function


# -- a database whose names are hostile ----------------------------------------------------
def hostile_records() -> dict[str, list[dict]]:
    records = small_records()
    records["operations"][0]["name"] = f"{LINK} {MD_LINK}"
    records["operations"][1]["name"] = f"{BOLD} {MD_BOLD}"
    for building, name in zip(records["buildings"], [f"{BOLD} {MD_LINK}", f"{MD_BOLD} {LINK}",
                                                     f"{MD_LINK} {BOLD}"]):
        building["name"] = name
        building["landlord"] = f"{LINK} {MD_BOLD}"
    records["buildings"][1]["planned_demolition"] = date(2009, 9, 30)  # at risk at D
    for household in records["households"]:
        household["officer"] = f"{BOLD} {MD_LINK}"
    for move in records["moves"]:
        move["commune"] = f"{LINK} {MD_BOLD}"
        move["landlord"] = f"{BOLD} {MD_BOLD}"
    return records


@pytest.fixture(scope="module")
def hostile_db_path(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("hostile") / "hostile.duckdb", hostile_records())


def figure_text(fig: go.Figure) -> str:
    # fig.to_json() writes "<" as \u003c: read it back to see the strings Plotly receives
    return json.dumps(json.loads(fig.to_json()), ensure_ascii=False)


def figures(db: Database) -> dict[str, go.Figure]:
    scope = Scope(as_of=AS_OF)
    options = indicators.scope_options(db)
    names = dict(zip(options["code"], options["label"]))
    total = indicators.projection(db, scope).query("is_total").iloc[0]
    breakdown = indicators.quality_breakdown(db, scope)
    landlords = breakdown[breakdown["dimension"] == "landlord"]
    aggregates = geo.commune_aggregates(db, scope).dropna(subset=["centre_lat"])
    shares = survey.shares(db, scope)
    dist = survey.distribution(db, scope)
    question, scale, _ = SURVEY_QUESTIONS[0]
    title = f"Titre {LINK} {BOLD}"
    return {
        "status_bars par opération": charts.status_bars(
            indicators.status_counts(db, scope, "operation"), names, "30/06/2009"),
        "status_bars par bâtiment": charts.status_bars(
            indicators.status_counts(db, scope, "building"), names, "30/06/2009"),
        "status_bars par chargé": charts.status_bars(
            indicators.workload(db, scope).rename(columns={"officer": "group_key"}), {},
            "30/06/2009", relative=False),
        "progress_curve": charts.progress_curve(indicators.progress_series(db, scope), total,
                                                title),
        "gantt": charts.gantt(indicators.timeline(db, scope), AS_OF, "Calendrier"),
        "horizontal_counts": charts.horizontal_counts(
            landlords["grp"].tolist(), landlords["households"].tolist(), "Bailleurs", "#0072B2"),
        "commune_bubbles": charts.commune_bubbles(aggregates, "Communes"),
        "diverging_answers": charts.diverging_answers(
            dist[dist["question"] == question], scale, SATISFIED_ANSWERS, title),
        "satisfaction_heatmap": charts.satisfaction_heatmap(
            shares, {q: f"{LINK} {w}" for q, _, w in SURVEY_QUESTIONS}, "Satisfaction", 1),
        "titled": charts.titled(go.Figure(go.Bar(x=[1], y=["a"])), title, 300),
    }


def test_no_chart_renders_html_from_the_data(hostile_db_path):
    with Database(hostile_db_path) as db:
        built = figures(db)
    for name, fig in built.items():
        text = figure_text(fig)
        assert "<a" not in text and "<b>" not in text and "</a>" not in text, name
        # the names are there, escaped once: Plotly shows "&lt;" as "<"
        assert "&lt;a href=&quot;http://evil&quot;&gt;x&lt;/a&gt;" in text \
            or "&lt;b&gt;y&lt;/b&gt;" in text, name
        assert "&amp;lt;" not in text, name


# -- pages: Markdown shows data literally ---------------------------------------------------
def markdown_bodies(at) -> list[str]:
    bodies = []
    for kind in ("markdown", "caption", "subheader", "title", "header", "info", "warning",
                 "success", "error"):
        bodies += [str(el.value) for el in at.get(kind)]
    bodies += [str(m.label) for m in at.metric] + [str(m.value) for m in at.metric]
    return bodies


def assert_literal(bodies: list[str]) -> None:
    for body in bodies:
        assert MD_LINK not in body and "](http" not in body, body
        assert MD_BOLD not in body, body


def test_pages_show_hostile_names_literally(hostile_db_path, monkeypatch):
    at = start_app(hostile_db_path, monkeypatch, date="2009-06-30")
    assert not at.exception, at.exception
    bodies = markdown_bodies(at)
    assert_literal(bodies)
    points = [b for b in bodies if b.startswith("- **")]
    assert any(fmt.md_escape(f"{MD_BOLD} {LINK}") in b for b in points), points  # building
    assert any(fmt.md_escape(f"{LINK} {MD_LINK}") in b for b in points), points  # operation
    for chart in at.get("plotly_chart"):
        spec = json.dumps(json.loads(chart.proto.spec), ensure_ascii=False)
        assert "<a" not in spec and "<b>" not in spec

    at.switch_page("pages/households.py")
    at.run()
    assert not at.exception, at.exception
    for household in ("H1", "H6", "H8"):  # one in each building
        at.query_params["menage"] = household  # the sheet opens on demand (#18)
        at.run()
        assert not at.exception, at.exception
        bodies = markdown_bodies(at)
        assert_literal(bodies)
        shown = {m.label: m.value for m in at.metric}
        assert unescaped(shown["Bâtiment"]) in {b["name"] for b in hostile_records()["buildings"]}
        assert MD_LINK in unescaped(shown["Bâtiment"]) or MD_BOLD in unescaped(shown["Bâtiment"])


def test_the_address_of_the_households_page_is_shown_literally(hostile_db_path, monkeypatch):
    """`?menage=`, `?filtre=` and the search box are typed by anyone: echoed in a
    message, they stay text (no link, no bold)."""
    at = start_app(hostile_db_path, monkeypatch, date="2009-06-30")
    at.switch_page("pages/households.py")
    at.query_params["menage"] = MD_LINK
    at.query_params["filtre"] = MD_BOLD
    at.run()
    assert not at.exception, at.exception
    bodies = markdown_bodies(at)
    assert_literal(bodies)
    assert any(fmt.md_escape(MD_LINK) in b for b in bodies), bodies  # « n'est pas dans … »
    assert any(fmt.md_escape(MD_BOLD) in b for b in bodies), bodies  # « filtre inconnu »
    at.text_input[0].input(MD_LINK).run()
    assert not at.exception, at.exception
    assert_literal(markdown_bodies(at))
