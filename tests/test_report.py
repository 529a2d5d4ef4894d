"""The meeting pack: generated for the demo and read back."""

import re
import unicodedata
from datetime import date, datetime

import openpyxl
import pytest
from pypdf import PdfReader

from relog_data import access, fmt, indicators as ind, privacy
from relog_data.indicators import Scope
from relog_data.report import generate
from tests.conftest import build_db, small_records

AS_OF = date(2009, 6, 30)
REFERENCE = date(2009, 3, 31)


def text_of(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def packs(demo_db_path, tmp_path_factory):
    from relog_data.db import Database

    folder = tmp_path_factory.mktemp("report")
    out = {}
    with Database(demo_db_path) as db:
        for audience in ("elu", "partenaire"):
            pdf, annex = folder / f"{audience}.pdf", folder / f"{audience}.xlsx"
            pack = generate(db, Scope(as_of=AS_OF), REFERENCE, audience, pdf, annex)
            out[audience] = (pdf, annex, pack)
    return out


def normalise(text: str) -> str:
    """Ligatures (ﬀ) and French spaces as plain characters."""
    return unicodedata.normalize("NFKC", text)


def test_pdf_has_the_date_figures_and_sections(packs, demo_db):
    text = normalise(text_of(packs["partenaire"][0]))
    assert "Données au 30/06/2009" in text
    total = ind.kpis(demo_db, Scope(as_of=AS_OF)).query("is_total").iloc[0]
    before = ind.kpis(demo_db, Scope(as_of=REFERENCE)).query("is_total").iloc[0]
    assert normalise(fmt.integer(total["households_total"])) in text
    assert f"+{int(total['rehoused'] - before['rehoused'])}" in text
    assert normalise(fmt.share(total["progress_rate"])) in text
    for title in ("Chiffres clés au 30/06/2009", "Avancement par opération",
                  "Calendrier des phases et des démolitions", "Où les ménages ont-ils été relogés",
                  "Qualité du relogement", "Satisfaction des ménages relogés",
                  "Définitions des indicateurs", "Points d'attention"):
        assert title in text, title
    pages = PdfReader(packs["partenaire"][0]).pages
    assert f"Page 1 / {len(pages)}" in normalise(pages[0].extract_text())
    assert pages[0].mediabox.width == pytest.approx(595, abs=2)  # A4


def test_elu_pack_has_no_household_id_and_no_small_group(packs, demo_db):
    text = text_of(packs["elu"][0])
    ids = ind.household_states(demo_db)["household_id"]
    assert not [i for i in ids if i in text]
    tables = packs["elu"][2]["tables"]
    hidden = sum(int((frame == privacy.HIDDEN).to_numpy().sum()) for frame in tables.values())
    assert hidden > 0  # the demo has small groups: hidden, with one symbol
    assert flat(privacy.NOTE) in flat(text)
    assert "Ménages à 3 refus ou plus" not in tables
    partner = text_of(packs["partenaire"][0])
    assert any(i in partner for i in ids)  # the partners' pack does list households


def test_annex_opens_and_matches(packs, demo_db):
    book = openpyxl.load_workbook(packs["elu"][1])
    assert {"Chiffres clés", "Avancement par opération", "Communes de destination",
            "Qualité du relogement", "Satisfaction"} <= set(book.sheetnames)
    rows = list(book["Chiffres clés"].iter_rows(values_only=True))
    assert rows[0][0] == "Indicateur"
    figures = {r[0]: r[1] for r in rows[1:]}
    total = access.fetch(demo_db, access.Viewer("elu"), "indicators", "kpis",
                         Scope(as_of=AS_OF)).query("is_total").iloc[0]
    assert figures["Relogés"] == int(total["rehoused"])  # a number, no longer a text
    sheet = book["Communes de destination"]
    header = [c.value for c in sheet[1]]
    counts = [header.index(h) for h in ("Ménages", "En QPV", "Hors QPV", "QPV non renseigné")]
    values = [row[i] for row in sheet.iter_rows(min_row=2, values_only=True) for i in counts]
    small = [v for v in values if isinstance(v, (int, float)) and 0 < v < 5]
    assert not small and any(isinstance(v, int) for v in values)
    assert "Ménages à 3 refus ou plus" not in book.sheetnames


def test_build_is_one_function_per_section(demo_db, monkeypatch):
    """build() runs each section of SECTIONS once, in order, each returning its HTML."""
    from relog_data import report

    called = []

    def spy(section):
        def run(pack):
            called.append(section.__name__)
            return section(pack)
        return run

    monkeypatch.setattr(report, "SECTIONS", tuple(spy(s) for s in report.SECTIONS))
    monkeypatch.setattr(report, "_svg", lambda fig, width=None, height=None: "<svg></svg>")
    pack = report.build(demo_db, Scope(as_of=AS_OF), REFERENCE, "partenaire")
    assert called == ["_cover", "_key_figures", "_attention", "_progress", "_timeline",
                      "_destinations", "_quality", "_satisfaction", "_definitions",
                      "_households"]
    assert "Ménages à 3 refus ou plus" in pack["tables"]


def test_each_audience_is_read_as_its_role():
    from relog_data import report

    ops = Scope(("STE-SEVERINE", "BRON-TERRAILLON"), as_of=AS_OF)
    assert report.audience_viewer(Scope(as_of=AS_OF), "elu") == access.Viewer(
        "elu", None, login="rapport (elu)")
    for audience in ("partenaire", "charge"):
        viewer = report.audience_viewer(ops, audience)
        assert viewer.role == audience
        assert viewer.operations == ("BRON-TERRAILLON", "STE-SEVERINE")
    # officials: the whole programme's release, the scope selects in it
    assert report.audience_viewer(ops, "elu").operations is None
    with pytest.raises(report.RelogError, match="Public inconnu"):
        report.audience_viewer(ops, "presse")


def test_elu_pack_of_a_phase_is_refused_in_french(demo_db):
    from relog_data import report

    with pytest.raises(access.AccessDenied) as refused:
        report.build(demo_db, Scope(phases=(1,), as_of=AS_OF), None, "elu")
    assert re.search(r"[éèàç]|opération|phase", str(refused.value))


def test_report_without_a_browser_says_so_in_french(demo_db, tmp_path, monkeypatch):
    from relog_data import report
    from relog_data.errors import RelogError

    monkeypatch.setattr(report, "CHROMIUM_CANDIDATES", ())
    monkeypatch.setenv("RELOG_CHROMIUM", str(tmp_path / "absent"))
    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    with pytest.raises(RelogError, match="Chromium est introuvable"):
        report.write_pdf("<html></html>", tmp_path / "x.pdf")


# -- every name, whole; the annex as a working file ------------------------------------------------
def flat(text: str) -> str:
    """PDF text with every run of white space as one space (wrapped labels)."""
    return re.sub(r"\s+", " ", normalise(text))


def scope_names(db) -> tuple[set[str], list[tuple[str, str]]]:
    timeline = ind.timeline(db, Scope(as_of=AS_OF))
    buildings = timeline[timeline["level"] == "building"]
    return (set(timeline["operation_name"]),
            list(zip(buildings["operation_name"], buildings["name"])))


def test_pdf_names_every_operation_and_building(packs, demo_db):
    text = flat(text_of(packs["partenaire"][0]))
    operations, buildings = scope_names(demo_db)
    assert len(buildings) > 10
    for name in operations:
        assert flat(name) in text, name
    for operation, building in buildings:  # Gantt rows "opération · bâtiment"
        assert flat(f"{operation} · {building}") in text, building


def twin_records():
    """The small database with a building of the same name in two operations."""
    records = small_records()
    for row in records["buildings"]:
        if row["building_code"] in ("A1", "B1"):
            row["name"] = "Tour des Érables 1"
    return records


def test_buildings_of_the_same_name_in_two_operations(tmp_path):
    from relog_data.db import Database

    path = build_db(tmp_path / "twin.duckdb", twin_records())
    with Database(path, read_only=True) as db:
        pack = generate(db, Scope(as_of=AS_OF), REFERENCE, "partenaire", tmp_path / "r.pdf")
    text = flat(text_of(tmp_path / "r.pdf"))
    assert "Opération OPA · Tour des Érables 1" in text
    assert "Opération OPB · Tour des Érables 1" in text
    assert set(pack["tables"]["Calendrier"]["Niveau"]) == {"phase", "bâtiment"}


def test_one_operation_without_plan_nor_survey(tmp_path):
    """No plan: neither a plan line nor a plan column; no survey: no section."""
    from relog_data.db import Database

    records = small_records()
    records["operations"] = [dict(o, households_planned=None, start_date=None,
                                  planned_end_date=None)
                             for o in records["operations"] if o["operation_code"] == "OPA"]
    records["phases"] = [dict(p, households_planned=None) for p in records["phases"]
                         if p["operation_code"] == "OPA"]
    records["buildings"] = [b for b in records["buildings"] if b["operation_code"] == "OPA"]
    kept = {b["building_code"] for b in records["buildings"]}
    records["households"] = [h for h in records["households"] if h["building_code"] in kept]
    ids = {h["household_id"] for h in records["households"]}
    for table in ("offers", "moves", "followups"):
        records[table] = [r for r in records[table] if r["household_id"] in ids]
    records["survey_answers"] = []
    path = build_db(tmp_path / "solo.duckdb", records)
    with Database(path, read_only=True) as db:
        pack = generate(db, Scope(as_of=AS_OF), None, "partenaire", tmp_path / "r.pdf",
                        tmp_path / "r.xlsx")
    text = flat(text_of(tmp_path / "r.pdf"))
    assert "prévu (plan de relogement)" not in text and "Opération OPA · Bât. A1" in text
    assert "Satisfaction des ménages relogés" not in text
    assert "Prévu (cumul)" not in pack["tables"]["Courbe d'avancement"]
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert "Satisfaction" not in book.sheetnames


def test_annex_is_a_working_file(packs, demo_db):
    book = openpyxl.load_workbook(packs["partenaire"][1])
    assert book.sheetnames[0] == "Lisez-moi"
    readme = {}
    for first, second in book["Lisez-moi"].iter_rows(max_col=2, values_only=True):
        readme.setdefault(first, second)  # the heading block comes before the definitions
    assert readme["Date de situation"] == datetime(2009, 6, 30)
    assert book["Lisez-moi"]["B3"].number_format == "dd/mm/yyyy"
    assert readme["Séance précédente"] == datetime(2009, 3, 31)
    assert readme["Périmètre"] == "toutes les opérations · toutes les phases"
    assert readme["Public"] == privacy.AUDIENCES["partenaire"]
    definitions = [r for r in book["Lisez-moi"].iter_rows(values_only=True)]
    assert any(r[0] == "Taux d'avancement" for r in definitions), "definitions of the indicators"
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(c.font.b for c in sheet[1] if c.value is not None), sheet.title
        assert sheet.column_dimensions["A"].width > 8
    progress = book["Avancement par opération"]
    header = [c.value for c in progress[1]]
    assert header[:3] == ["Opération", "Prévus", "Concernés"]
    row = {h: c for h, c in zip(header, progress[2])}
    assert isinstance(row["Concernés"].value, int) and row["Concernés"].number_format == "#,##0"
    share = row["Avancement (%)"]
    assert isinstance(share.value, float) and share.number_format == "0.0 %"
    assert row["Avancement — numérateur"].value / row["Avancement — dénominateur"].value \
        == pytest.approx(share.value, abs=0.0005)
    calendar = book["Calendrier"]
    header = [c.value for c in calendar[1]]
    starts = [r[header.index("Début prévu")] for r in calendar.iter_rows(min_row=2)]
    assert starts and all(c.is_date and c.number_format == "dd/mm/yyyy"
                          for c in starts if c.value is not None)
    levels = {r[0] for r in calendar.iter_rows(min_row=2, values_only=True)}
    assert levels == {"phase", "bâtiment"}
    curve = book["Courbe d'avancement"]
    assert curve["A2"].is_date and isinstance(curve["B2"].value, (int, float))
    key = {r[0]: r[1] for r in book["Chiffres clés"].iter_rows(min_row=2, values_only=True)}
    assert 0 < key["Taux d'avancement (relogés + sortis)"] < 1
    satisfaction = book["Satisfaction"]
    header = [c.value for c in satisfaction[1]]
    assert "Vague 1 (%)" in header and "Vague 1 — n" in header
    assert isinstance(satisfaction.cell(2, header.index("Vague 1 — n") + 1).value, int)


def test_a_previous_meeting_after_the_situation_date_is_refused(demo_db, tmp_path):
    from relog_data import report
    from relog_data.errors import RelogError

    with pytest.raises(RelogError, match="séance précédente .* postérieure"):
        report.build(demo_db, Scope(as_of=REFERENCE), AS_OF, "elu")
    assert report.reference_problem(AS_OF, REFERENCE) is None
    assert report.reference_problem(AS_OF, AS_OF) is None


def test_destinations_are_a_projected_map_never_degrees():
    import pandas as pd
    import shapely

    from relog_data.report_figures import MIN_FONT_PX, destination_map

    aggregates = pd.DataFrame({
        "commune": ["Bron", "Vénissieux", "Lyon"], "insee_code": ["69029", "69259", "69123"],
        "households": [40, 12, 3], "centre_lat": [45.74, 45.70, 45.76],
        "centre_lon": [4.91, 4.88, 4.84]})
    circles = destination_map(aggregates, None, "t")
    x_range = circles.layout.xaxis.range
    assert x_range[0] > 700_000 and x_range[1] < 1_000_000  # Lambert-93 metres, not degrees
    assert not circles.layout.xaxis.visible and not circles.layout.yaxis.visible
    texts = [a.text for a in circles.layout.annotations]
    assert "Bron (40)" in texts and any(t.endswith(" km") for t in texts)  # names, scale bar
    assert min(a.font.size for a in circles.layout.annotations) >= MIN_FONT_PX - 1
    assert max(circles.data[0].marker.size) > min(circles.data[0].marker.size)  # proportional
    square = shapely.box(4.89, 45.72, 4.93, 45.76)
    outlines = pd.DataFrame({"code": ["69029"], "name": ["Bron"], "geometry": [square]})
    shaded = destination_map(aggregates, outlines, "t")
    assert any(t.fill == "toself" for t in shaded.data)  # the commune's outline
    assert "Bron (40)" in [a.text for a in shaded.layout.annotations]


def test_print_ready_figures_have_whole_labels_at_9_points(demo_db):
    from relog_data import charts
    from relog_data.report_figures import MIN_FONT_PX, RENDER_WIDTH, print_ready

    scope = Scope(as_of=AS_OF)
    names = {"VAULX-MDT": "Vaulx-en-Velin – Mas du Taureau / Pré de l'Herpe (une opération au "
                          "nom très long)"}
    fig = print_ready(charts.status_bars(ind.status_counts(demo_db, scope, "operation"), names,
                                         "30/06/2009"))
    # 13 px at 700 px across the 182 mm of an A4 text block: 9,6 pt
    assert MIN_FONT_PX * 182 / 25.4 * 72 / RENDER_WIDTH >= 9
    assert fig.layout.font.size >= MIN_FONT_PX and fig.layout.yaxis.tickfont.size >= MIN_FONT_PX
    assert fig.layout.yaxis.automargin and fig.layout.xaxis.automargin
    long = [y for y in fig.data[0].y if "Vaulx" in y][0]
    assert "<br>" in long and all(len(line) <= 32 for line in long.split("<br>"))


# -- many operations: the calendars that slipped most, every row in the annex ---------------------
def test_slipped_first_orders_operations_by_their_largest_slippage():
    import pandas as pd

    from relog_data.charts import slipped_first

    timeline = pd.DataFrame({
        "operation_name": ["A", "A", "B", "C", "C", "D", "E"],
        "slippage_months": [1.0, -2.0, None, 4.5, 0.0, 4.5, -1.0]})
    # C and D tie at 4,5 (C comes first in the timeline); B has no known slippage: last
    assert slipped_first(timeline) == ["C", "D", "A", "E", "B"]


def test_a_pack_of_many_operations_draws_the_most_slipped_and_annexes_all(demo_db, tmp_path,
                                                                          monkeypatch):
    from relog_data import charts

    timeline = ind.timeline(demo_db, Scope(as_of=AS_OF))
    slip = timeline.groupby("operation_name")["slippage_months"].max()
    count = len(slip)
    assert count >= 3
    monkeypatch.setattr(charts, "GANTT_OPERATIONS", 2)  # the demo's few operations as "many"
    pack = generate(demo_db, Scope(as_of=AS_OF), REFERENCE, "partenaire", tmp_path / "r.pdf",
                    tmp_path / "a.xlsx")
    text = flat(text_of(tmp_path / "r.pdf"))
    assert f"{count} opérations : voici le calendrier des 2 dont une phase ou un bâtiment a le " \
           "plus glissé" in text
    top = set(slip.sort_values(ascending=False).index[:2])
    assert slip[list(top)].min() > slip.drop(list(top)).max()  # no tie at the cut on the demo
    buildings = timeline[timeline["level"] == "building"]
    for operation, building in zip(buildings["operation_name"], buildings["name"]):
        # Gantt rows "opération · bâtiment": only for the two operations drawn
        assert (flat(f"{operation} · {building}") in text) == (operation in top), building
    assert len(pack["tables"]["Calendrier"]) == len(timeline)  # the annex keeps every row
