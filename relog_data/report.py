"""The meeting pack: a PDF report (A4, French, page numbers) and its Excel
annex, for a scope, an as-of date, a reference date and an audience.

Charts are the app's plotly figures turned into SVG by kaleido (with Debian's
Chromium, started once per process); the PDF is printed by the same headless
Chromium from an HTML page. The content follows the audience: every figure
is read through the data gateway (`access.fetch`) as a viewer standing for the
audience, so the pack, its annex and the app's pages show the same cells. An
`elu` pack is the elected officials' release: its dates are publication dates,
its hidden cells read privacy.HIDDEN, and it has no household id nor any
section built on a function the gateway refuses to officials.
"""

from __future__ import annotations

import html
import numbers
import os
import re
import shutil
import subprocess
import tempfile
import threading
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from . import access, charts, fmt, geo, indicators, privacy, report_figures, survey
from .access import Viewer
from .db import Database
from .errors import RelogError
from .indicators import Scope, reference_problem  # noqa: F401 (report.reference_problem)

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
_KALEIDO_LOCK = threading.Lock()
_KALEIDO_STARTED = False

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-center { content: "Page " counter(page) " / " counter(pages);
                         font: 9pt 'DejaVu Sans', sans-serif; color: #333; }
        @bottom-left { content: "relog · rapport de séance"; font: 8pt 'DejaVu Sans'; color: #555; } }
body { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 22pt; margin: 0 0 6mm 0; }
h2 { font-size: 14pt; border-bottom: 1.5pt solid #111; padding-bottom: 1mm; margin-top: 7mm;
     page-break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 2mm 0; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm 0; font-size: 8.5pt;
        page-break-inside: auto; }
th, td { border: 0.6pt solid #444; padding: 1.2mm 1.6mm; text-align: left; vertical-align: top; }
th { background: #e6e6e6; }
tr { page-break-inside: avoid; }
.cover { page-break-after: always; padding-top: 40mm; }
.cover .meta { font-size: 12pt; line-height: 1.6; }
.banner { border: 1.5pt solid #111; padding: 3mm; margin: 6mm 0; font-weight: bold; }
.figure { page-break-inside: avoid; margin: 2mm 0 4mm 0; }
.figure svg { width: 100%; height: auto; }
.note { font-size: 8pt; color: #333; }
.section { page-break-before: always; }
ul.points li { margin-bottom: 1.5mm; }
"""


def find_chromium() -> str:
    for candidate in (os.environ.get("RELOG_CHROMIUM"), *CHROMIUM_CANDIDATES,
                      shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    raise RelogError(
        "Impossible de produire le rapport PDF : le navigateur Chromium est introuvable sur "
        "cette machine (il sert à dessiner les graphiques et à imprimer le PDF). Installez-le "
        "(paquet Debian « chromium ») ou indiquez son chemin dans la variable RELOG_CHROMIUM.")


def _svg(fig: go.Figure, width: int = report_figures.RENDER_WIDTH,
         height: int | None = None) -> str:
    """The figure as SVG, through kaleido (one Chromium server per process)."""
    global _KALEIDO_STARTED
    import warnings

    import kaleido

    os.environ.setdefault("BROWSER_PATH", find_chromium())
    with _KALEIDO_LOCK:
        if not _KALEIDO_STARTED:
            try:
                kaleido.start_sync_server(silence_warnings=True)
            except Exception as exc:  # kaleido reports a missing or broken browser this way
                raise RelogError("Impossible de démarrer Chromium pour dessiner les graphiques "
                                 f"du rapport ({type(exc).__name__}).") from exc
            _KALEIDO_STARTED = True
        fig = go.Figure(fig)
        fig.update_layout(paper_bgcolor="white", plot_bgcolor="white")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # plotly's note on kaleido's options
            data = fig.to_image(format="svg", width=width,
                                height=height or fig.layout.height or 420)
    text = data.decode("utf-8")
    return text[text.index("<svg"):]


def _table(frame: pd.DataFrame, index: bool = False) -> str:
    frame = frame.copy()
    if index:
        frame = frame.reset_index()
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if fmt.is_missing(v) else str(v))}</td>"
                         for v in row) + "</tr>"
        for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _figure(fig: go.Figure, height: int | None = None) -> str:
    return f'<div class="figure">{_svg(report_figures.print_ready(fig), height=height)}</div>'


# The role whose view of the data each audience's pack shows.
AUDIENCE_ROLES = {"elu": "elu", "partenaire": "partenaire", "charge": "charge"}


def audience_viewer(scope: Scope, audience: str) -> Viewer:
    """The viewer a pack for `audience` is read as: the audience's role, on the
    operations of the scope (all of them when the scope names none, and always
    all of them for officials)."""
    if audience not in privacy.AUDIENCES:
        raise RelogError(f"Public inconnu « {audience} » (elu, partenaire ou charge).")
    # Officials' figures come from the release of the whole programme (the scope
    # then selects operations in it): an official's pack for one operation
    # shows the same cells as the whole programme's pack for that operation.
    operations = None if audience == "elu" else (scope.operations or None)
    return Viewer(AUDIENCE_ROLES[audience], operations, login=f"rapport ({audience})")


def publication_dates(db: Database, viewer: Viewer) -> list[date]:
    """The dates on which the elected officials' release is published."""
    return list(access.fetch(db, viewer, "release", "publication_dates"))


def snapped_dates(db: Database, viewer: Viewer, as_of: date, reference: date | None
                  ) -> tuple[date, date | None]:
    """(as_of, reference) moved back to publication dates; no reference when it
    falls in the same publication period as the situation date."""
    from .release import snap

    dates = publication_dates(db, viewer)
    if not dates:  # nothing published yet: the pack says so
        return as_of, None
    as_of = snap(dates, as_of)
    if reference is not None:
        reference = snap(dates, reference)
        if reference >= as_of:
            reference = None
    return as_of, reference


class _Pack:
    """What every section needs: the database, the viewer standing for the
    audience, scope, dates and names, and the tables gathered for the annex."""

    def __init__(self, db: Database, viewer: Viewer, scope: Scope, reference: date | None,
                 audience: str):
        self.db, self.viewer, self.scope = db, viewer, scope
        self.reference, self.audience = reference, audience
        self.ref_scope = scope.at(reference) if reference else None
        self.elu = audience == "elu"
        self.settings = self.fetch("indicators", "settings")
        options = self.fetch("indicators", "scope_options")
        ops = options[options["kind"] == "operation"]
        self.op_names = dict(zip(ops["code"], ops["label"]))
        self.as_of_text = fmt.day(scope.as_of)
        self.tables: dict[str, pd.DataFrame] = {}
        self.requested: tuple[date, date | None] | None = None  # elu: the dates asked for
        self.previous_meeting: int | None = None  # the archived meeting compared with

    def fetch(self, module: str, function: str, *args, **kwargs):
        """Every figure of the pack: what the audience's viewer gets from the gateway."""
        return access.fetch(self.db, self.viewer, module, function, *args, **kwargs)

    def op(self, code) -> str:
        return self.op_names.get(code, code)

    def count(self, value) -> str:
        """A count as the pack prints it; a count the release hides: privacy.HIDDEN."""
        if fmt.is_missing(value):
            return privacy.HIDDEN if self.elu else fmt.DASH
        return fmt.integer(value)

    def raw(self, value):
        """A count kept as a number (a table read back by the annex), or privacy.HIDDEN."""
        if fmt.is_missing(value):
            return privacy.HIDDEN if self.elu else None
        return int(value)

    def share(self, numerator, denominator) -> str:
        """"82,4 % (579 / 703)"; privacy.HIDDEN when either count is hidden."""
        if self.elu and (fmt.is_missing(numerator) or fmt.is_missing(denominator)):
            return privacy.HIDDEN
        return fmt.share_with_n(numerator, denominator)

    def change(self, now, before) -> str:
        """The change between two dates: shown exactly when both values are."""
        if fmt.is_missing(now) or fmt.is_missing(before):
            return privacy.HIDDEN if self.elu else fmt.DASH
        delta = int(now) - int(before)
        if delta == 0:
            return "stable"
        return f"{'+' if delta > 0 else chr(0x2212)}{fmt.integer(abs(delta))}"

    def note(self) -> str:
        return f'<p class="note">{html.escape(privacy.NOTE)}</p>' if self.elu else ""

    @property
    def scope_text(self) -> str:
        ops = ", ".join(self.op(o) for o in self.scope.operations) or "toutes les opérations"
        phases = (", ".join(f"phase {p}" for p in self.scope.phases) if self.scope.phases
                  else "toutes les phases")
        text = f"{ops} · {phases}"
        if self.scope.landlords:
            text += " · bailleur d'origine : " + ", ".join(self.scope.landlords)
        return text


def build(db: Database, scope: Scope, reference: date | None, audience: str,
          previous_meeting: int | None = None) -> dict:
    """Everything the pack shows: HTML sections and the tables behind them,
    every figure read through the gateway as the audience's viewer. With
    `previous_meeting` (a meeting of the archive), the key figures are compared
    with what that meeting showed, split into new events and corrections."""
    viewer = audience_viewer(scope, audience)
    if scope.as_of is None:  # the last dated event; today when nothing is dated yet
        scope = scope.at(access.fetch(db, viewer, "indicators", "data_date") or date.today())
    problem = reference_problem(scope.as_of, reference)
    if problem:
        raise RelogError(problem)
    requested = (scope.as_of, reference)
    sections = SECTIONS
    if audience == "elu":
        as_of, reference = snapped_dates(db, viewer, scope.as_of, reference)
        scope = scope.at(as_of)
        if not publication_dates(db, viewer):
            sections = (_cover, _nothing_published, _definitions)
    pack = _Pack(db, viewer, viewer.restrict(scope), reference, audience)
    pack.previous_meeting = previous_meeting
    if pack.elu:
        pack.requested = requested
    parts = [section(pack) for section in sections]
    html_text = ("<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
                 f"<title>Rapport de séance {pack.as_of_text}</title><style>{CSS}</style>"
                 "</head><body>" + "".join(parts) + "</body></html>")
    readme = {"Date de situation": pack.scope.as_of, "Séance précédente": reference,
              "Périmètre": pack.scope_text, "Public": privacy.AUDIENCES[audience],
              "Édité le": datetime.now().strftime("%d/%m/%Y à %H:%M")}
    if pack.elu:
        readme["Dates de publication"] = (
            "Les chiffres des élus sont publiés à dates fixes (fins de trimestre et date des "
            "données) : la date de situation et la séance précédente sont ramenées à la "
            f"dernière date de publication (demandées : {fmt.day(requested[0])}"
            + (f" et {fmt.day(requested[1])}" if requested[1] else "") + ").")
        readme["Cases masquées"] = privacy.NOTE
    return {"html": html_text, "tables": pack.tables, "scope": pack.scope, "readme": readme,
            "reference": reference, "viewer": viewer,
            "definitions": _shown_definitions(pack)}


def _cover(pack: _Pack) -> str:
    ops = ", ".join(pack.op(o) for o in pack.scope.operations) or "toutes les opérations"
    demo = pack.settings.get("demo") == "oui"
    reference = pack.reference
    name = pack.settings.get("programme_name", "Programme de relogement")
    snapped = ""
    if pack.requested is not None:
        asked_as_of, asked_reference = pack.requested
        if asked_as_of != pack.scope.as_of or (asked_reference or reference) != reference:
            snapped = (
                '<p class="note">Les chiffres destinés aux élus sont publiés à dates fixes (fins '
                "de trimestre et date des données) : demandés au "
                f"{fmt.day(asked_as_of)}"
                + (f" depuis le {fmt.day(asked_reference)}" if asked_reference else "")
                + ", ils sont donnés à la dernière date de publication"
                + ("" if reference or not asked_reference else
                   " ; la séance précédente tombe dans la même période de publication, "
                   "aucune évolution n'est donc montrée") + ".</p>")
    return (
        '<div class="cover">'
        f"<h1>Rapport de séance</h1>"
        f'<div class="meta"><b>{html.escape(name)}</b><br>'
        f"Opérations : {html.escape(ops)}<br>"
        + (f"Phases : {', '.join(str(p) for p in pack.scope.phases)}<br>"
           if pack.scope.phases else "")
        + f"<b>Données au {pack.as_of_text}</b>"
        + (f" — évolutions depuis le {fmt.day(reference)}" if reference else "") + "<br>"
        f"Public : {html.escape(privacy.AUDIENCES[pack.audience])}<br>"
        f"Édité le {datetime.now().strftime('%d/%m/%Y à %H:%M')}</div>"
        + snapped
        + ('<div class="banner">Données fictives de démonstration</div>' if demo else "")
        + "</div>")


def _nothing_published(pack: _Pack) -> str:
    """For elected officials before any publication date (no household done yet)."""
    return ('<h2 class="section">Chiffres clés</h2>'
            "<p>Aucun chiffre n'est encore publié pour les élus : les chiffres sont publiés à "
            "chaque fin de trimestre à partir du premier relogement ou de la première sortie, "
            "et la base n'en contient encore aucun.</p>")


KEY_FIGURES = [("Ménages concernés", "households_total"), ("Relogés", "rehoused"),
               ("Relogés provisoirement", "temporary"), ("Sorties sans relogement", "exits"),
               ("Encore dans les bâtiments", "still_in_building"),
               ("Restant à reloger", "remaining")]
PROGRESS_RATE = "Taux d'avancement (relogés + sortis)"


def _key_figures(pack: _Pack) -> str:
    reference = pack.reference
    now = pack.fetch("indicators", "kpis", pack.scope, "total").query("is_total").iloc[0]
    before = (pack.fetch("indicators", "kpis", pack.ref_scope, "total").query("is_total")
              .iloc[0] if pack.ref_scope else None)
    since = f"Depuis le {fmt.day(reference)}" if reference else "Évolution"
    at = f"Au {pack.as_of_text}"
    rows = []
    for label, key in KEY_FIGURES:
        change = fmt.DASH if before is None else pack.change(now[key], before[key])
        rows.append({"Indicateur": label, at: pack.count(now[key]), since: change})
    rows.append({"Indicateur": PROGRESS_RATE,
                 at: pack.share(now["progress_rate_num"], now["progress_rate_den"]),
                 since: fmt.DASH})
    pack.tables["Chiffres clés"] = pd.DataFrame(rows)
    return (f'<h2 class="section">Chiffres clés au {pack.as_of_text}</h2>'
            + _table(pack.tables["Chiffres clés"]) + pack.note() + _since_meeting(pack))


def _since_meeting(pack: _Pack) -> str:
    """« Depuis la dernière séance »: the key figures against what the previous
    meeting of the archive showed, new events and corrections apart."""
    if pack.previous_meeting is None:
        return ""
    meeting = pack.fetch("meetings", "get", pack.previous_meeting)
    split = pack.fetch("meetings", "since", meeting.meeting_id, pack.scope.as_of)
    shown = f"Présenté le {fmt.day(meeting.meeting_date)}"
    rows = [{"Indicateur": r["label"], shown: pack.count(r["frozen"]),
             f"Au {pack.as_of_text}": pack.count(r["now"]),
             # a change against 0: its sign; a missing one « s » (officials) or « — »
             "Évolution": pack.change(r["change"], 0),
             "dont événements nouveaux": pack.change(r["new"], 0),
             "dont corrections du passé": pack.change(r["corrections"], 0)}
            for _, r in split.iterrows()]
    pack.tables["Depuis la séance"] = pd.DataFrame(rows)
    return (f"<h3>Depuis la séance du {fmt.day(meeting.meeting_date)} "
            f"({html.escape(meeting.title)}, situation au {fmt.day(meeting.as_of)})</h3>"
            + _table(pack.tables["Depuis la séance"])
            + '<p class="note">Événements nouveaux : datés après la situation de la séance. '
              "Corrections du passé : données sur la période antérieure saisies ou modifiées "
              "depuis la séance (relogements enregistrés en retard, statuts corrigés). Les "
              "chiffres présentés sont ceux que la séance a figés.</p>")


def _attention(pack: _Pack) -> str:
    points = pack.fetch("indicators", "attention_points", pack.scope)
    pack.tables["Points d'attention"] = pd.DataFrame(
        [{"Type": p["kind"], "Détail": p["text"]} for p in points], columns=["Type", "Détail"])
    return "<h3>Points d'attention</h3>" + (
        '<ul class="points">' + "".join(
            f"<li><b>{html.escape(p['kind'].capitalize())}</b> — {html.escape(p['text'])}</li>"
            for p in points) + "</ul>" if points else "<p>Aucun point d'attention.</p>")


PROGRESS_COLUMNS = [("Prévus", "households_planned"), ("Concernés", "households_total"),
                    ("Relogés", "rehoused"), ("Provisoires", "temporary"),
                    ("Sorties", "exits"), ("Restant", "remaining")]
# Per operation, officials see its progress only (release.PER_OPERATION).
ELU_PROGRESS_COLUMNS = [("Prévus", "households_planned"), ("Concernés", "households_total"),
                        ("Relogés ou sortis", "progress_rate_num"), ("Restant", "remaining")]
CURVE_DONE, CURVE_PLANNED = "Relogés ou sortis (cumul)", "Prévu (cumul)"


def progress_columns(elu: bool) -> list[tuple[str, str]]:
    return ELU_PROGRESS_COLUMNS if elu else PROGRESS_COLUMNS


def _projection_sentence(pack: _Pack, total) -> str:
    if pack.elu and not fmt.is_missing(total["remaining"]) and total["remaining"] > 0 \
            and fmt.is_missing(total["pace_per_month"]):
        return ("fin estimée non affichée : l'évolution des six derniers mois porte sur trop "
                "peu de ménages pour être publiée")
    return indicators.projection_sentence(total)


def _progress(pack: _Pack) -> str:
    scope = pack.scope
    overview = pack.fetch("indicators", "operations_overview", scope)
    counts = pack.fetch("indicators", "status_counts", scope, "operation")
    progress = pd.DataFrame({"Opération": [pack.op(c) for c in overview["operation_code"]]})
    for title, key in progress_columns(pack.elu):
        progress[title] = [pack.count(v) for v in overview[key]]
    progress["Avancement"] = [pack.share(n, d) for n, d in
                              zip(overview["progress_rate_num"], overview["progress_rate_den"])]
    pack.tables["Avancement par opération"] = progress
    statuses = counts.assign(group_key=counts["group_key"].map(pack.op)).rename(
        columns={"group_key": "Opération", "status": "Statut", "households": "Ménages"})[
        ["Opération", "Statut", "Ménages"]]
    statuses["Ménages"] = [pack.raw(v) for v in statuses["Ménages"]]
    pack.tables["Statuts par opération"] = statuses
    # For elected officials: the published points (one per publication date).
    series = pack.fetch("indicators", "progress_series", scope)
    projection = pack.fetch("indicators", "projection", scope)
    total = projection[projection["is_total"]].iloc[0]
    curve = pd.DataFrame({"Date": series["day"],
                          CURVE_DONE: [pack.raw(v) for v in series["done"]],
                          CURVE_PLANNED: series["planned"]})
    if not pd.to_numeric(series["planned"], errors="coerce").fillna(0).gt(0).any():
        curve = curve.drop(columns=CURVE_PLANNED)  # no plan: no plan column
    pack.tables["Courbe d'avancement"] = curve
    # For elected officials the status chart is left out: the bars would draw
    # the cells the table hides.
    status_chart = "" if pack.elu else _figure(
        charts.status_bars(counts, pack.op_names, pack.as_of_text))
    per_quarter = (" (points publiés : fins de trimestre)" if pack.elu else "")
    # No total line nor projection drawn from a hidden count.
    drawn = total if not (fmt.is_missing(total["households_total"]) or (
        len(series) and fmt.is_missing(series["done"].iloc[-1]))) else None
    return ('<h2 class="section">Avancement par opération</h2>'
            + status_chart + _table(progress) + pack.note()
            + _figure(charts.progress_curve(
                series, drawn, "Ménages relogés ou sortis, réel"
                + (" et prévu" if CURVE_PLANNED in curve else "") + f", au {pack.as_of_text}"
                + per_quarter))
            + f'<p class="note">{html.escape(_projection_sentence(pack, total).capitalize())}.</p>')


LEVELS = {"phase": "phase", "building": "bâtiment", "operation": "opération"}


def _timeline(pack: _Pack) -> str:
    timeline = pack.fetch("indicators", "timeline", pack.scope)
    if not len(timeline):
        return ""
    table = timeline[["level", "operation_name", "name", "planned_start", "planned_end",
                      "actual_start", "actual_end", "slippage_months"]].rename(columns={
        "level": "Niveau", "operation_name": "Opération", "name": "Phase ou bâtiment",
        "planned_start": "Début prévu", "planned_end": "Fin ou démolition prévue",
        "actual_start": "Début réel", "actual_end": "Fin ou démolition réelle",
        "slippage_months": "Glissement (mois)"})
    table["Niveau"] = table["Niveau"].map(lambda v: LEVELS.get(v, v))
    pack.tables["Calendrier"] = table
    # One chart per operation: each fits on a page, its rows named
    # "opération · phase" or "opération · bâtiment".
    # The note under the charts is their legend: a plotly legend would sit
    # right of the long row names, in one narrow column.
    # Beyond charts.GANTT_OPERATIONS, the calendars that slipped most: a committee
    # reads a few pages, not one per operation (666 at the benchmark's largest
    # scale, half a second each to print); the annex keeps every row.
    groups = dict(list(timeline.groupby("operation_name", sort=False)))
    shown, intro = list(groups), ""
    if len(groups) > charts.GANTT_OPERATIONS:
        shown = charts.slipped_first(timeline)[:charts.GANTT_OPERATIONS]
        intro = (f'<p class="note">{fmt.integer(len(groups))} opérations : voici le calendrier '
                 f"des {fmt.integer(len(shown))} dont une phase ou un bâtiment a le plus glissé, "
                 "de la plus en retard à la moins en retard. Toutes les phases et tous les "
                 "bâtiments sont dans l'annexe Excel, feuille « Calendrier ».</p>")
    figures = "".join(
        _figure(charts.gantt(groups[name], pack.scope.as_of,
                             f"{name} : prévu et réel, au {pack.as_of_text}")
                .update_layout(showlegend=False, margin_t=40))
        for name in shown)
    return ('<h2 class="section">Calendrier des phases et des démolitions</h2>'
            + intro + figures
            + '<p class="note">Légende — barres grises : phase prévue ; barres bleues : phase '
              "réelle (en cours jusqu'à la date de situation D, ligne orange) ; triangles verts : "
              "premier (▶) et dernier (◀) relogement du bâtiment ; losanges : démolition prévue "
              "(vide) et réelle (plein).</p>")


DESTINATION_COLUMNS = [("Ménages", "households"), ("En QPV", "in_qpv"),
                       ("Hors QPV", "outside_qpv"), ("QPV non renseigné", "qpv_unknown")]


def _programme_only(pack: _Pack, title: str) -> str | None:
    """Officials' destinations and survey answers are published for the whole
    programme only (release.py): a pack for some operations says so instead."""
    chosen = set(pack.scope.operations)
    if pack.elu and chosen and chosen != set(pack.op_names):
        return (f'<h2 class="section">{html.escape(title)}</h2><p>Publié aux élus pour '
                "l'ensemble du programme seulement (secret statistique) : voir le rapport de "
                "toutes les opérations.</p>")
    return None


def _destinations(pack: _Pack) -> str:
    note = _programme_only(pack, "Où les ménages ont-ils été relogés ?")
    if note:
        return note
    aggregates = pack.fetch("geo", "commune_aggregates", pack.scope)
    dest = pd.DataFrame({"Commune": aggregates["commune"]})
    dest["Ménages"] = [pack.count(v) for v in aggregates["households"]]
    dest["Part"] = [privacy.HIDDEN if pack.elu and fmt.is_missing(n) else fmt.share(s)
                    for s, n in zip(aggregates["share"], aggregates["households"])]
    for title, key in DESTINATION_COLUMNS[1:]:
        dest[title] = [pack.count(v) for v in aggregates[key]]
    pack.tables["Communes de destination"] = dest
    outlines = pack.fetch("geo", "boundaries", "communes")
    hidden = aggregates["households"].isna().any()
    title = f"Communes de destination au {pack.as_of_text}" + (
        "" if hidden else f" (n = {fmt.integer(aggregates['households'].sum())})")
    fig = report_figures.destination_map(aggregates, outlines, title)
    unlabelled = (fig.layout.meta or {}).get("unlabelled", 0)
    # Distances are computed on each household's move: a household-level
    # result, never read for elected officials.
    distances = ({"n": 0} if pack.elu
                 else geo.distance_summary(pack.fetch("geo", "destinations", pack.scope)))
    return ('<h2 class="section">Où les ménages ont-ils été relogés ?</h2>'
            + (_figure(fig) if len(aggregates) else "<p>Aucun relogement définitif.</p>")
            + ('<p class="note">' + ("Communes teintées selon le nombre de ménages relogés"
                                     if len(outlines) else
                                     "Cercles proportionnels au nombre de ménages relogés")
               + " ; plan en Lambert-93."
               + (" Les communes dont l'effectif est masqué ne sont pas placées sur le plan."
                  if hidden else "")
               + (f" {fmt.integer(unlabelled)} nom(s) de commune non écrit(s) faute de "
                  "place : voir le tableau." if unlabelled else "") + "</p>")
            + _table(dest) + pack.note()
            + (f'<p class="note">Distance médiane entre le bâtiment d\'origine et le '
               f'logement : {fmt.number(distances["median"], 1)} km ; '
               f'{fmt.share(distances["within_5"])} à 5 km ou moins '
               f'(n = {fmt.integer(distances["n"])}, calcul en Lambert-93).</p>'
               if distances["n"] else ""))


QUALITY_SHARES = [("Relogés hors site", "offsite_share"),
                  ("Relogés hors QPV", "outside_qpv_share"),
                  ("Neuf ou conventionné < 5 ans", "new_or_recent_share")]
REST_TO_PAY = "Reste à charge médian avant → après"
REST_TO_PAY_UP = "Reste à charge en hausse"
COMPENSATION = "Compensation ANRU"


def _quality(pack: _Pack) -> str:
    # officials: the whole programme only (release.PER_OPERATION has no quality)
    per_op = pack.fetch("indicators", "kpis", pack.scope, "total" if pack.elu else "operation")
    quality = {}
    for _, row in per_op.sort_values("is_total", ascending=False).iterrows():
        name = "Ensemble" if row["is_total"] else pack.op(row["group_key"])
        cells = {label: pack.share(row[f"{key}_num"], row[f"{key}_den"])
                 for label, key in QUALITY_SHARES}
        hidden_rest = pack.elu and fmt.is_missing(row["rest_to_pay_increase_share_den"])
        cells[REST_TO_PAY] = (privacy.HIDDEN if hidden_rest else
                              f"{fmt.euros(row['rest_to_pay_before_median'])} → "
                              f"{fmt.euros(row['rest_to_pay_after_median'])}")
        cells[REST_TO_PAY_UP] = pack.share(row["rest_to_pay_increase_share_num"],
                                           row["rest_to_pay_increase_share_den"])
        # An amount is a count of households times a rate: hidden with that count.
        cells[COMPENSATION] = (privacy.HIDDEN if pack.elu
                               and fmt.is_missing(row["rent_compensation_eur"])
                               else fmt.euros(row["rent_compensation_eur"]))
        quality[name] = cells
    pack.tables["Qualité du relogement"] = pd.DataFrame(quality).rename_axis("Indicateur")
    return ('<h2 class="section">Qualité du relogement</h2>'
            + _table(pack.tables["Qualité du relogement"], index=True)
            + '<p class="note">Entre parenthèses : numérateur / dénominateur.</p>'
            + pack.note())


def _satisfaction(pack: _Pack) -> str:
    note = _programme_only(pack, "Satisfaction des ménages relogés")
    if note:
        return note
    shares = pack.fetch("survey", "shares", pack.scope)
    if not len(shares):
        return ""
    waves = sorted(int(w) for w in shares["wave"].unique())
    comparison = survey.comparison_table(shares, waves[0], waves[-1]).drop(columns="question")
    if pack.elu:  # one symbol for every hidden cell
        comparison = comparison.replace({"effectif masqué": privacy.HIDDEN})
    pack.tables["Satisfaction"] = comparison
    return ('<h2 class="section">Satisfaction des ménages relogés</h2>'
            + _table(comparison)
            + '<p class="note">Part de satisfaits [intervalle de confiance à 95 %, '
              "Wilson] (n = répondants)"
            + ("" if len(waves) == 1 else " ; écart testé par le test exact de Fisher")
            + ". Aucun groupe de moins de 5 répondants n'est montré.</p>" + pack.note())


def _shown_definitions(pack: _Pack) -> pd.DataFrame:
    defs = indicators.definitions()  # texts, no figure (the gateway would pass a database)
    return defs[defs["key"].isin(list(indicators.INDICATOR_KEYS)
                                 + ["scope", "state_at_date", "definitive_move",
                                    "projected_end", "building_at_risk"])]


PROTECTION_RULE = (
    "Les chiffres destinés aux élus sont publiés à dates fixes : chaque fin de trimestre et la "
    "date des données. Aucune case publiée ne compte de 1 à 4 ménages, et l'écart entre deux "
    "cases publiées (la même case à deux dates de publication, ou un total et ses parties) "
    "ne vaut jamais 1 à 4 non plus. Une case masquée (« s ») ne peut pas être retrouvée par "
    "calcul à partir des autres : compte tenu de tout ce qui est publié, elle peut encore "
    "prendre au moins 5 valeurs différentes (vérifié automatiquement).")


def _definitions(pack: _Pack) -> str:
    rule = (f"<p><b>Protection des petits effectifs</b> — {html.escape(PROTECTION_RULE)}</p>"
            if pack.elu else "")
    return '<h2 class="section">Définitions des indicateurs</h2>' + "".join(
        f"<p><b>{html.escape(r.label)}</b> — {html.escape(r.definition)}</p>"
        for r in _shown_definitions(pack).itertuples()) + rule + pack.note()


def _households(pack: _Pack) -> str:
    """Household-level tables: only for an audience whose role may see them
    (never elected officials: the gateway refuses them)."""
    if not access.allowed(pack.viewer, "indicators", "offers_detail"):
        return ""
    offers = pack.fetch("indicators", "offers_detail", pack.scope)
    three = offers[offers["refused"] >= 3][["household_id", "building_code", "state",
                                             "refused"]]
    pack.tables["Ménages à 3 refus ou plus"] = three.rename(columns={
        "household_id": "Ménage", "building_code": "Bâtiment", "state": "Situation",
        "refused": "Refus"})
    return ("<h3>Ménages ayant refusé 3 propositions ou plus</h3>"
            + _table(pack.tables["Ménages à 3 refus ou plus"]))


SECTIONS = (_cover, _key_figures, _attention, _progress, _timeline, _destinations, _quality,
            _satisfaction, _definitions, _households)


def write_pdf(html_text: str, out: str | Path) -> Path:
    """Print the HTML to an A4 PDF with headless Chromium."""
    out = Path(out).resolve()
    chromium = find_chromium()
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "rapport.html"
        page.write_text(html_text, encoding="utf-8")
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", f"--user-data-dir={folder}/profile",
                   "--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired as exc:
            raise RelogError("Chromium n'a pas produit le PDF en 2 minutes.") from exc
    if result.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise RelogError("Chromium n'a pas pu imprimer le rapport en PDF "
                         f"(code {result.returncode}).")
    return out


# -- the Excel annex -------------------------------------------------------------------------------
_NUM = r"[+\-]?\d{1,3}(?: \d{3})*(?:,\d+)?"
_SHARE_N = re.compile(rf"^(?P<v>{_NUM}) % \((?P<num>{_NUM}) / (?P<den>{_NUM})\)$")
_WILSON = re.compile(rf"^(?P<v>{_NUM}) % \[(?P<lo>{_NUM}) % – (?P<hi>{_NUM}) %\] "
                     rf"\(n = (?P<n>{_NUM})\)$")
_PATTERNS = {  # compiled pattern -> (column suffix, group, kind) of the columns it becomes
    _SHARE_N: ((" (%)", "v", "percent"), (" — numérateur", "num", "int"),
               (" — dénominateur", "den", "int")),
    _WILSON: ((" (%)", "v", "percent"), (" — IC 95 % bas", "lo", "percent"),
              (" — IC 95 % haut", "hi", "percent"), (" — n", "n", "int")),
}
_CELL = [  # a whole cell: pattern -> kind
    (re.compile(rf"^{_NUM}$"), "number"), (re.compile(rf"^{_NUM} %$"), "percent"),
    (re.compile(rf"^{_NUM} €$"), "euros"), (re.compile(rf"^{_NUM} points?$"), "points"),
]
_DAY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
# Names and codes: written as typed even when they look like a number ("12").
_TEXT_COLUMNS = {"Opération", "Commune", "Ménage", "Bâtiment", "Indicateur", "Question", "Type",
                 "Détail", "Phase ou bâtiment", "Statut", "Situation", "Niveau"}
_FORMATS = {"int": "#,##0", "decimal": "#,##0.0", "signed": "+#,##0;-#,##0;0",
            "percent": "0.0 %", "euros": '#,##0 "€"', "points": '+0 "points";-0 "points";0',
            "date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm"}


def _plain(text: str) -> str:
    return (text.replace("\u202f", " ").replace("\u00a0", " ").replace("\u2212", "-")
            .replace("\u2009", " ").strip())


def _french_number(text: str) -> float:
    return float(_plain(text).replace(" ", "").replace(",", "."))


def _cell(value) -> tuple[object, str | None]:
    """A table cell as the annex writes it: (value, format key); numbers and
    dates typed, text as text (None: an empty cell)."""
    if value is None or fmt.is_missing(value):
        return None, None
    if isinstance(value, bool):
        return ("oui" if value else "non"), None
    if isinstance(value, (pd.Timestamp, datetime)):
        return pd.Timestamp(value).to_pydatetime(), "date"
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), "date"
    if isinstance(value, numbers.Integral):
        return int(value), "int"
    if isinstance(value, numbers.Real):
        return float(value), "int" if float(value).is_integer() else "decimal"
    text = _plain(str(value))
    if text == "stable":
        return 0, "signed"
    day = _DAY.match(text)
    if day:
        return datetime(int(day[3]), int(day[2]), int(day[1])), "date"
    share = _SHARE_N.match(text) or _WILSON.match(text)
    if share:
        return round(_french_number(share["v"]) / 100, 6), "percent"
    for pattern, kind in _CELL:
        if pattern.match(text):
            number = _french_number(text.split(" %")[0].split(" €")[0].split(" point")[0])
            if kind == "number":
                signed = text[0] in "+-"
                kind = "signed" if signed else ("int" if number.is_integer() else "decimal")
            elif kind == "percent":
                number = round(number / 100, 6)
            return number, kind
    return str(value), None


def _expanded(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of "82,4 % (579 / 703)" or "45 % [36 % – 55 %] (n = 104)" cells
    split into one column per figure (the share, its numerator and
    denominator, or its interval and n); a cell that does not match (a
    hidden count) stays as it is in the first of them."""
    out = {}
    for column in frame.columns:
        values = list(frame[column])
        texts = [_plain(v) for v in values if isinstance(v, str)]
        for pattern, parts in _PATTERNS.items():
            # split only a column of such cells, or of such cells and hidden
            # ones (a lone share among counts is typed as a percentage by _cell)
            matched = sum(bool(pattern.match(t)) for t in texts)
            masked = sum(t in (privacy.HIDDEN, fmt.DASH) for t in texts)
            if texts and matched and (matched * 2 >= len(texts)
                                      or matched + masked == len(texts)):
                for i, (suffix, group, kind) in enumerate(parts):
                    cells = []
                    for v in values:
                        match = pattern.match(_plain(v)) if isinstance(v, str) else None
                        if match:
                            number = _french_number(match[group])
                            cells.append(f"{match[group]} %" if kind == "percent"
                                         else int(number))
                        else:
                            cells.append(v if i == 0 else None)
                    out[f"{column}{suffix}"] = cells
                break
        else:
            out[column] = values
    return pd.DataFrame(out, index=frame.index)


def _column_width(values) -> float:
    widths = [len(line) for v in values if v is not None for line in str(v).split("\n")]
    return min(max(widths or [8]) + 2, 60)


def _write_sheet(book, sheet, frame: pd.DataFrame, formats: dict) -> None:
    """One table: bold frozen header, typed cells, fitted widths."""
    from . import spreadsheet

    if frame.index.name is not None:
        frame = frame.reset_index()
    frame = _expanded(frame)
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, spreadsheet.neutralise(str(name)), formats["header"])
        shown = [str(name)]
        as_text = name in _TEXT_COLUMNS
        for row, value in enumerate(frame[name], start=1):
            cell, kind = (None, None) if fmt.is_missing(value) else \
                (str(value), None) if as_text else _cell(value)
            if cell is None:
                continue
            if isinstance(cell, datetime):
                sheet.write_datetime(row, col, cell, formats[kind])
                shown.append("00/00/0000")
            elif isinstance(cell, (int, float)):
                sheet.write_number(row, col, cell, formats[kind])
                shown.append(fmt.number(cell, 1) + "  ")
            else:
                sheet.write_string(row, col, spreadsheet.neutralise(cell), formats["text"])
                shown.append(cell)
        sheet.set_column(col, col, _column_width(shown))
    sheet.freeze_panes(1, 0)
    if len(frame.columns):
        sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)


def _write_readme(book, sheet, readme: dict, definitions: pd.DataFrame | None,
                  names: list[str], formats: dict) -> None:
    """The "Lisez-moi" sheet: date, scope, audience, sheets, definitions."""
    from . import spreadsheet

    sheet.write_string(0, 0, "Annexe du rapport de séance", formats["title"])
    row = 2
    for label, value in readme.items():
        sheet.write_string(row, 0, label, formats["header"])
        cell, kind = _cell(value)
        if isinstance(cell, datetime):
            sheet.write_datetime(row, 1, cell, formats[kind])
        else:
            sheet.write_string(row, 1, spreadsheet.neutralise("—" if cell is None else str(cell)),
                               formats["wrap"])
        row += 1
    row += 1
    sheet.write_string(row, 0, "Feuilles", formats["header"])
    sheet.write_string(row, 1, "Chaque feuille est le tableau derrière un graphique ou un "
                               f"tableau du rapport ; « {privacy.HIDDEN} » : case masquée.",
                       formats["wrap"])
    for name in names:
        row += 1
        sheet.write_string(row, 1, name)
    if definitions is not None and len(definitions):
        row += 2
        sheet.write_string(row, 0, "Indicateur", formats["header"])
        sheet.write_string(row, 1, "Définition", formats["header"])
        for r in definitions.itertuples():
            row += 1
            sheet.write_string(row, 0, spreadsheet.neutralise(str(r.label)), formats["wrap"])
            sheet.write_string(row, 1, spreadsheet.neutralise(str(r.definition)),
                               formats["wrap"])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 100)


def write_annex(tables: dict[str, pd.DataFrame], out: str | Path, readme: dict | None = None,
                definitions: pd.DataFrame | None = None) -> Path:
    """A working file: a "Lisez-moi" sheet (date, scope, audience, the
    definitions of the indicators shown), then the table behind each chart,
    one sheet each, French headers and values, numbers as numbers and dates as
    dates with French formats, a bold frozen header row and fitted columns.
    Read by people only: text that a spreadsheet would run as a formula gets a
    leading apostrophe, and no text becomes a formula or a link (spreadsheet.py)."""
    import xlsxwriter

    from . import spreadsheet

    out = Path(out)
    book = xlsxwriter.Workbook(str(out), spreadsheet.XLSX_OPTIONS)
    try:
        formats = {key: book.add_format({"num_format": code}) for key, code in _FORMATS.items()}
        formats["header"] = book.add_format({"bold": True, "bg_color": "#E6E6E6",
                                             "text_wrap": True, "valign": "top"})
        formats["text"] = book.add_format({})
        formats["wrap"] = book.add_format({"text_wrap": True, "valign": "top"})
        formats["title"] = book.add_format({"bold": True, "font_size": 14})
        names = [name[:31] for name in tables]
        _write_readme(book, book.add_worksheet("Lisez-moi"), readme or {}, definitions, names,
                      formats)
        for name, frame in tables.items():
            _write_sheet(book, book.add_worksheet(name[:31]), frame, formats)
    finally:
        book.close()
    return out


def generate(db: Database, scope: Scope, reference: date | None, audience: str,
             pdf: str | Path, annex: str | Path | None = None,
             previous_meeting: int | None = None) -> dict:
    pack = build(db, scope, reference, audience, previous_meeting)
    write_pdf(pack["html"], pdf)
    if annex:
        write_annex(pack["tables"], annex, pack["readme"], pack["definitions"])
    return pack
