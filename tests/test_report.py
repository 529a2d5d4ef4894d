"""The meeting pack: generated for the demo and read back."""

import unicodedata
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader

from relog_data import fmt, indicators as ind, privacy
from relog_data.indicators import Scope
from relog_data.report import generate

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
            generate(db, Scope(as_of=AS_OF), REFERENCE, audience, pdf, annex)
            out[audience] = (pdf, annex)
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
    assert "< 5" in text
    partner = text_of(packs["partenaire"][0])
    assert any(i in partner for i in ids)  # the partners' pack does list households


def test_annex_opens_and_matches(packs, demo_db):
    book = openpyxl.load_workbook(packs["elu"][1])
    assert {"Chiffres clés", "Avancement par opération", "Communes de destination",
            "Qualité du relogement", "Satisfaction"} <= set(book.sheetnames)
    rows = list(book["Chiffres clés"].iter_rows(values_only=True))
    assert rows[0][0] == "Indicateur"
    figures = {r[0]: r[1] for r in rows[1:]}
    total = ind.kpis(demo_db, Scope(as_of=AS_OF)).query("is_total").iloc[0]
    assert figures["Relogés"] == fmt.integer(total["rehoused"])
    sheet = book["Communes de destination"]
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    small = [v for v in values if isinstance(v, (int, float)) and 0 < v < 5]
    assert not small
    assert "Ménages à 3 refus ou plus" not in book.sheetnames


def test_complementary_suppression():
    import pandas as pd

    frame = pd.DataFrame({"rehoused": [66, 30], "exits": [2, 10], "remaining": [0, 7],
                          "total": [68, 47]})
    cells = privacy.count_cells(frame, ["rehoused", "exits", "remaining"], ["total"], "elu")
    assert cells.loc[0].tolist() == ["s", "< 5", "0", "68"]
    assert cells.loc[1].tolist() == ["30", "10", "7", "47"]
    assert privacy.count_cells(frame, ["rehoused", "exits"], [], "charge").loc[0].tolist() == [
        "66", "2"]


def test_report_without_a_browser_says_so_in_french(demo_db, tmp_path, monkeypatch):
    from relog_data import report
    from relog_data.errors import RelogError

    monkeypatch.setattr(report, "CHROMIUM_CANDIDATES", ())
    monkeypatch.setenv("RELOG_CHROMIUM", str(tmp_path / "absent"))
    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    with pytest.raises(RelogError, match="Chromium est introuvable"):
        report.write_pdf("<html></html>", tmp_path / "x.pdf")
