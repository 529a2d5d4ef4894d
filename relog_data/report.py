"""The meeting pack: a PDF report (A4, French, page numbers) and its Excel
annex, for a scope, an as-of date, a reference date and an audience.

Charts are the app's plotly figures turned into SVG by kaleido (with Debian's
Chromium, started once per process); the PDF is printed by the same headless
Chromium from an HTML page. The content follows the audience: an `elu` pack
has no household id nor household-level table, and small groups are
suppressed (privacy.py).
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
import threading
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from . import charts, fmt, geo, indicators, privacy, survey
from .db import Database
from .errors import RelogError
from .indicators import Scope

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


def _svg(fig: go.Figure, width: int = 900, height: int | None = None) -> str:
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
        fig.update_layout(paper_bgcolor="white", plot_bgcolor="white",
                          font={"family": "DejaVu Sans", "size": 12})
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
    return f'<div class="figure">{_svg(fig, height=height)}</div>'


def build(db: Database, scope: Scope, reference: date | None, audience: str) -> dict:
    """Everything the pack shows: HTML sections and the tables behind them."""
    if audience not in privacy.AUDIENCES:
        raise RelogError(f"Public inconnu « {audience} » (elu, partenaire ou charge).")
    if scope.as_of is None:
        scope = scope.at(indicators.data_date(db))
    ref_scope = scope.at(reference) if reference else None
    settings = indicators.settings(db)
    options = indicators.scope_options(db)
    op_names = dict(zip(options.loc[options["kind"] == "operation", "code"],
                        options.loc[options["kind"] == "operation", "label"]))
    as_of_text = fmt.day(scope.as_of)
    tables: dict[str, pd.DataFrame] = {}
    parts: list[str] = []

    # -- cover ---------------------------------------------------------------------------
    ops = ", ".join(op_names.get(o, o) for o in scope.operations) or "toutes les opérations"
    demo = settings.get("demo") == "oui"
    parts.append(
        '<div class="cover">'
        f"<h1>Rapport de séance</h1>"
        f'<div class="meta"><b>{html.escape(settings.get("programme_name", "Programme de relogement"))}</b><br>'
        f"Opérations : {html.escape(ops)}<br>"
        + (f"Phases : {', '.join(str(p) for p in scope.phases)}<br>" if scope.phases else "")
        + f"<b>Données au {as_of_text}</b>"
        + (f" — évolutions depuis le {fmt.day(reference)}" if reference else "") + "<br>"
        f"Public : {html.escape(privacy.AUDIENCES[audience])}<br>"
        f"Édité le {datetime.now().strftime('%d/%m/%Y à %H:%M')}</div>"
        + ('<div class="banner">Données fictives de démonstration</div>' if demo else "")
        + "</div>")

    # -- key figures -----------------------------------------------------------------------
    now = indicators.kpis(db, scope).query("is_total").iloc[0]
    before = indicators.kpis(db, ref_scope).query("is_total").iloc[0] if ref_scope else None
    keys = [("Ménages concernés", "households_total"), ("Relogés", "rehoused"),
            ("Relogés provisoirement", "temporary"), ("Sorties sans relogement", "exits"),
            ("Encore dans les bâtiments", "still_in_building"),
            ("Restant à reloger", "remaining")]
    key_rows = []
    for label, key in keys:
        value = int(now[key])
        shown = privacy.HIDDEN if audience == "elu" and privacy.is_small(value) \
            else fmt.integer(value)
        change = "—"
        if before is not None:
            delta = value - int(before[key])
            change = "stable" if delta == 0 else f"{'+' if delta > 0 else chr(0x2212)}" \
                                                 f"{fmt.integer(abs(delta))}"
            if audience == "elu" and privacy.is_small(abs(delta)):
                change = "moins de 5"
        key_rows.append({"Indicateur": label, f"Au {as_of_text}": shown,
                         (f"Depuis le {fmt.day(reference)}" if reference else "Évolution"): change})
    key_rows.append({"Indicateur": "Taux d'avancement (relogés + sortis)",
                     f"Au {as_of_text}": privacy.share_cell(now["progress_rate_num"],
                                                            now["progress_rate_den"], audience),
                     (f"Depuis le {fmt.day(reference)}" if reference else "Évolution"): "—"})
    tables["Chiffres clés"] = pd.DataFrame(key_rows)
    parts.append(f'<h2 class="section">Chiffres clés au {as_of_text}</h2>'
                 + _table(tables["Chiffres clés"]))

    # -- points of attention -------------------------------------------------------------------
    points = indicators.attention_points(db, scope)
    tables["Points d'attention"] = pd.DataFrame(
        [{"Type": p["kind"], "Détail": p["text"]} for p in points],
        columns=["Type", "Détail"])
    parts.append("<h3>Points d'attention</h3>" + (
        '<ul class="points">' + "".join(
            f"<li><b>{html.escape(p['kind'].capitalize())}</b> — {html.escape(p['text'])}</li>"
            for p in points) + "</ul>" if points else "<p>Aucun point d'attention.</p>"))

    # -- progress per operation ----------------------------------------------------------------------
    overview = indicators.operations_overview(db, scope)
    counts = indicators.status_counts(db, scope, "operation")
    progress = pd.DataFrame({"Opération": [op_names.get(c, c) for c in overview["operation_code"]]})
    cells = privacy.count_cells(
        overview, parts=["rehoused", "exits", "remaining"],
        others=["households_planned", "households_total", "temporary"], audience=audience)
    progress["Prévus"] = cells["households_planned"].values
    progress["Concernés"] = cells["households_total"].values
    progress["Relogés"] = cells["rehoused"].values
    progress["Provisoires"] = cells["temporary"].values
    progress["Sorties"] = cells["exits"].values
    progress["Restant"] = cells["remaining"].values
    progress["Avancement"] = [privacy.share_cell(n, d, audience) for n, d in
                              zip(overview["progress_rate_num"], overview["progress_rate_den"])]
    tables["Avancement par opération"] = progress
    fig = charts.status_bars(counts, op_names, as_of_text)
    tables["Statuts par opération"] = counts.assign(
        group_key=counts["group_key"].map(lambda c: op_names.get(c, c))).rename(
        columns={"group_key": "Opération", "status": "Statut", "households": "Ménages"})[
        ["Opération", "Statut", "Ménages"]]
    if audience == "elu":
        tables["Statuts par opération"]["Ménages"] = [
            privacy.HIDDEN if privacy.is_small(v) else v
            for v in tables["Statuts par opération"]["Ménages"]]
    series = indicators.progress_series(db, scope)
    projection = indicators.projection(db, scope)
    total = projection[projection["is_total"]].iloc[0]
    tables["Courbe d'avancement"] = series.rename(columns={
        "day": "Date", "done": "Relogés ou sortis (cumul)", "planned": "Prévu (cumul)"})
    # For elected officials the status chart is left out: the width of a bar
    # segment would show a group of 1 to 4 households.
    parts.append('<h2 class="section">Avancement par opération</h2>'
                 + ("" if audience == "elu" else _figure(fig))
                 + _table(progress)
                 + (f'<p class="note">{privacy.NOTE}</p>' if audience == "elu" else "")
                 + _figure(charts.progress_curve(
                     series, total, f"Ménages relogés ou sortis, réel et prévu, au {as_of_text}"))
                 + f'<p class="note">{html.escape(indicators.projection_sentence(total).capitalize())}.</p>')

    # -- timeline --------------------------------------------------------------------------------
    timeline = indicators.timeline(db, scope)
    if len(timeline):
        tables["Calendrier"] = timeline[["level", "operation_name", "name", "planned_start",
                                         "planned_end", "actual_start", "actual_end",
                                         "slippage_months"]].rename(columns={
            "level": "Niveau", "operation_name": "Opération", "name": "Phase ou bâtiment",
            "planned_start": "Début prévu", "planned_end": "Fin ou démolition prévue",
            "actual_start": "Début réel", "actual_end": "Fin ou démolition réelle",
            "slippage_months": "Glissement (mois)"})
        parts.append('<h2 class="section">Calendrier des phases et des démolitions</h2>'
                     + _figure(charts.gantt(timeline, scope.as_of,
                                            f"Prévu et réel, au {as_of_text}"))
                     + '<p class="note">Barres grises : prévu ; noires/bleues : réel. Losanges : '
                       "démolitions prévue (vide) et réelle (plein).</p>")

    # -- destinations ----------------------------------------------------------------------------
    aggregates = geo.commune_aggregates(db, scope)
    if audience == "elu":
        small = aggregates["households"] < privacy.THRESHOLD
        if small.any():
            other = aggregates[small]
            aggregates = pd.concat([aggregates[~small], pd.DataFrame([{
                "commune": f"autres communes ({len(other)})", "insee_code": None,
                "households": int(other["households"].sum()),
                "share": float(other["share"].sum()), "in_qpv": int(other["in_qpv"].sum()),
                "outside_qpv": int(other["outside_qpv"].sum()),
                "qpv_unknown": int(other["qpv_unknown"].sum()),
                "centre_lat": None, "centre_lon": None}])], ignore_index=True)
    dest = pd.DataFrame({"Commune": aggregates["commune"]})
    dcells = privacy.count_cells(aggregates, parts=["in_qpv", "outside_qpv", "qpv_unknown"],
                                 others=["households"], audience=audience)
    dest["Ménages"] = dcells["households"].values
    dest["Part"] = [fmt.share(s) for s in aggregates["share"]]
    dest["En QPV"] = dcells["in_qpv"].values
    dest["Hors QPV"] = dcells["outside_qpv"].values
    dest["QPV non renseigné"] = dcells["qpv_unknown"].values
    tables["Communes de destination"] = dest
    distances = geo.distance_summary(geo.destinations(db, scope))
    parts.append('<h2 class="section">Où les ménages ont-ils été relogés ?</h2>'
                 + _figure(charts.commune_bubbles(aggregates.dropna(subset=["centre_lat"]),
                                                  f"Communes de destination au {as_of_text} "
                                                  f"(n = {fmt.integer(aggregates['households'].sum())})"))
                 + _table(dest)
                 + (f'<p class="note">{privacy.NOTE}</p>' if audience == "elu" else "")
                 + (f'<p class="note">Distance médiane entre le bâtiment d\'origine et le '
                    f'logement : {fmt.number(distances["median"], 1)} km ; '
                    f'{fmt.share(distances["within_5"])} à 5 km ou moins '
                    f'(n = {fmt.integer(distances["n"])}, calcul en Lambert-93).</p>'
                    if distances["n"] else ""))

    # -- quality ---------------------------------------------------------------------------------
    per_op = indicators.kpis(db, scope, "operation")
    quality = {}
    for _, row in per_op.sort_values("is_total", ascending=False).iterrows():
        name = "Ensemble" if row["is_total"] else op_names.get(row["group_key"], row["group_key"])
        quality[name] = {
            "Relogés hors site": privacy.share_cell(row["offsite_share_num"],
                                                    row["offsite_share_den"], audience),
            "Relogés hors QPV": privacy.share_cell(row["outside_qpv_share_num"],
                                                   row["outside_qpv_share_den"], audience),
            "Neuf ou conventionné < 5 ans": privacy.share_cell(
                row["new_or_recent_share_num"], row["new_or_recent_share_den"], audience),
            "Reste à charge médian avant → après": (
                "— (effectif < 5)" if audience == "elu"
                and privacy.is_small(row["rest_to_pay_increase_share_den"]) else
                f"{fmt.euros(row['rest_to_pay_before_median'])} → "
                f"{fmt.euros(row['rest_to_pay_after_median'])}"),
            "Reste à charge en hausse": privacy.share_cell(
                row["rest_to_pay_increase_share_num"], row["rest_to_pay_increase_share_den"],
                audience),
            "Compensation ANRU": fmt.euros(row["rent_compensation_eur"]),
        }
    tables["Qualité du relogement"] = pd.DataFrame(quality).rename_axis("Indicateur")
    parts.append('<h2 class="section">Qualité du relogement</h2>'
                 + _table(tables["Qualité du relogement"], index=True)
                 + '<p class="note">Entre parenthèses : numérateur / dénominateur.</p>')

    # -- satisfaction ------------------------------------------------------------------------------
    shares = survey.shares(db, scope)
    if len(shares):
        waves = sorted(int(w) for w in shares["wave"].unique())
        comparison = survey.comparison_table(shares, waves[0], waves[-1]).drop(columns="question")
        tables["Satisfaction"] = comparison
        parts.append('<h2 class="section">Satisfaction des ménages relogés</h2>'
                     + _table(comparison)
                     + '<p class="note">Part de satisfaits [intervalle de confiance à 95 %, '
                       "Wilson] (n = répondants) ; écart testé par le test exact de Fisher. "
                       "Aucun groupe de moins de 5 répondants n'est montré.</p>")

    # -- definitions ---------------------------------------------------------------------------------
    defs = indicators.definitions()
    defs = defs[defs["key"].isin(list(indicators.INDICATOR_KEYS)
                                 + ["scope", "state_at_date", "definitive_move",
                                    "projected_end", "building_at_risk"])]
    parts.append('<h2 class="section">Définitions des indicateurs</h2>' + "".join(
        f"<p><b>{html.escape(r.label)}</b> — {html.escape(r.definition)}</p>"
        for r in defs.itertuples()))

    # -- household level, never for elu ---------------------------------------------------------------
    if privacy.household_level_allowed(audience):
        offers = indicators.offers_detail(db, scope)
        three = offers[offers["refused"] >= 3][["household_id", "building_code", "state",
                                                 "refused"]]
        tables["Ménages à 3 refus ou plus"] = three.rename(columns={
            "household_id": "Ménage", "building_code": "Bâtiment", "state": "Situation",
            "refused": "Refus"})
        parts.append("<h3>Ménages ayant refusé 3 propositions ou plus</h3>"
                     + _table(tables["Ménages à 3 refus ou plus"]))
    html_text = ("<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
                 f"<title>Rapport de séance {as_of_text}</title><style>{CSS}</style></head><body>"
                 + "".join(parts) + "</body></html>")
    return {"html": html_text, "tables": tables, "scope": scope}


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


def write_annex(tables: dict[str, pd.DataFrame], out: str | Path) -> Path:
    """The table behind each chart, one sheet each, French headers. Read by
    people only: text that a spreadsheet would run as a formula gets a leading
    apostrophe, and no text becomes a formula or a link (spreadsheet.py)."""
    from . import spreadsheet

    out = Path(out)
    with pd.ExcelWriter(out, engine="xlsxwriter",
                        engine_kwargs={"options": spreadsheet.XLSX_OPTIONS}) as writer:
        for name, frame in tables.items():
            sheet = name[:31]
            frame = spreadsheet.neutralise_frame(frame)
            frame.to_excel(writer, sheet_name=sheet, index=frame.index.name is not None)
            writer.sheets[sheet].set_column(0, len(frame.columns), 22)
    return out


def generate(db: Database, scope: Scope, reference: date | None, audience: str,
             pdf: str | Path, annex: str | Path | None = None) -> dict:
    pack = build(db, scope, reference, audience)
    write_pdf(pack["html"], pdf)
    if annex:
        write_annex(pack["tables"], annex)
    return pack
