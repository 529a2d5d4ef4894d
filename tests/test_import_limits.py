"""Uploads and imports are bounded before anything big is allocated (security
finding « A 5 KB workbook kills the server »).

Files that could crash or exhaust the server are read in a separate process
(`reader`): a native abort there is a failed test, not a dead pytest, and the
process's peak memory is measured.
"""

from __future__ import annotations

import json
import os
import select
import stat
import struct
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
import zlib
from datetime import datetime
from functools import lru_cache
from html import escape
from io import BytesIO
from pathlib import Path

import geopandas as gpd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from relog_data import audit, geo, model, sources
from relog_data.errors import RelogError
from relog_data.importer import import_sources
from relog_data.parsing import DATE_MAX, DATE_MIN, parse_column
from relog_data.sources import (MAX_BYTES, MAX_COLUMNS, MAX_ROWS, MAX_SHEET_CELLS,
                                MAX_UPLOAD_MB, FileProblem, Source, read_sources)
from tests.conftest import ROOT

PEAK_LIMIT_MB = 1536  # 1.5 GB
SQUARE = Polygon([(4.90, 45.73), (4.92, 45.73), (4.92, 45.75), (4.90, 45.75)])


# -- reading in a separate process ---------------------------------------------------------------
_WORKER = """
import json, resource, sys
from pathlib import Path
# a runaway allocation fails here rather than on the (shared) machine
resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
from relog_data.errors import RelogError
from relog_data.sources import Source, read_sources
for line in sys.stdin:
    path = Path(line.strip())
    try:
        sheets = read_sources([Source(path.name, path.read_bytes())])
        result = {"sheets": [[s.sheet, len(s.rows), s.row_numbers[:3]] for s in sheets]}
    except RelogError as exc:
        result = {"refused": str(exc)}
    sheets = None
    # VmHWM, not ru_maxrss: a child started by pytest inherits pytest's peak in ru_maxrss
    status = Path("/proc/self/status").read_text()
    result["peak_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps(result), flush=True)
"""


class Reader:
    """read_sources in a child process that reads one file per request."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.proc = None
        self.count = 0
        self.peak_mb = 0.0

    def _start(self):
        self.log = open(self.folder / "worker-stderr.txt", "w+")
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log)

    def read(self, name: str, data: bytes, timeout: float = 60) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self.count += 1
        path = self.folder / f"{self.count:04d}" / name
        path.parent.mkdir()
        path.write_bytes(data)
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        path.unlink()
        if not line:
            self.proc.kill()
            code = self.proc.wait()
            self.log.seek(0)
            error = self.log.read()[-3000:]
            self.proc = None
            pytest.fail(f"reading {name} killed the process (code {code}, timeout {timeout} s "
                        f"reached: {not ready}):\n{error}")
        result = json.loads(line)
        self.peak_mb = max(self.peak_mb, result["peak_mb"])
        return result

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        self.proc = None

    def fresh(self) -> "Reader":
        """A new process: its peak memory is that of the next reads only."""
        self.close()
        self.peak_mb = 0.0
        return self


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    worker = Reader(tmp_path_factory.mktemp("reads"))
    yield worker
    worker.close()


@pytest.fixture(scope="module")
def fuzz_reader(tmp_path_factory):
    """The process all the fuzzed files are read by, one after the other."""
    worker = Reader(tmp_path_factory.mktemp("fuzz"))
    yield worker
    worker.close()
    print(f"\npeak memory of the fuzzed reading process: {worker.peak_mb:.0f} MB "
          f"after {worker.count} files")


def refused(result: dict) -> str:
    assert "refused" in result, result
    return result["refused"]


# -- workbooks written by hand -------------------------------------------------------------------
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx(sheets: dict[str, str], shared: str | None = None, prefix: str = "",
         extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook: {sheet title: what goes inside <sheetData>}; its
    <dimension> always says A1 (it is never believed)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{_NS}"' if prefix else f'xmlns="{_NS}"'
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                   "</Types>")
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships"><Relationship Id="rId1" Type="{_REL}/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        entries = "".join(f'<sheet name="{escape(title)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                          for i, title in enumerate(sheets))
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{_NS}" '
                   f'xmlns:r="{_REL}"><sheets>{entries}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" '
                       f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships">{rels}</Relationships>')
        for i, body in enumerate(sheets.values()):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                       f'<?xml version="1.0"?><{p}worksheet {xmlns}><{p}dimension ref="A1"/>'
                       f"<{p}sheetData>{body}</{p}sheetData></{p}worksheet>")
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def letters(col: int) -> str:
    text = ""
    while col:
        col, rest = divmod(col - 1, 26)
        text = chr(65 + rest) + text
    return text


def cell(row: int, col: int, value, quote: str = '"', p: str = "") -> str:
    ref = f"r={quote}{letters(col)}{row}{quote}"
    if isinstance(value, str):
        return (f"<{p}c {ref} t={quote}inlineStr{quote}><{p}is><{p}t>{escape(value)}</{p}t>"
                f"</{p}is></{p}c>")
    return f"<{p}c {ref}><{p}v>{value}</{p}v></{p}c>"


HEADER = ["id_menage", "code_batiment", "nb_personnes", "statut"]


def header_row(p: str = "") -> str:
    """Row 1 with HEADER; `p` is an element prefix with its colon ("x:")."""
    return f'<{p}row r="1">' + "".join(cell(1, i + 1, t, p=p) for i, t in enumerate(HEADER)) \
        + f"</{p}row>"


# -- zips written by hand, whose headers may lie ---------------------------------------------------
@lru_cache(maxsize=None)
def deflated(unit: bytes, size: int) -> tuple[bytes, int]:
    """(raw deflate stream, crc32) of `unit` repeated up to `size` bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = unit * max(1, (1 << 20) // len(unit))
    parts, crc, left = [], 0, size
    while left > 0:
        piece = block[:left]
        parts.append(packer.compress(piece))
        crc = zlib.crc32(piece, crc)
        left -= len(piece)
    parts.append(packer.flush())
    return b"".join(parts), crc


def raw_zip(members: list[tuple[str, bytes, int, int]], declared: int | None = None,
            flags: int = 0) -> bytes:
    """A zip of (name, deflate stream, crc, real size); with `declared`, every
    header gives that uncompressed size instead of the real one."""
    out, central = BytesIO(), BytesIO()
    for name, stream, crc, size in members:
        encoded = name.encode()
        shown = size if declared is None else declared
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, 0, 0, crc, len(stream),
                              shown, len(encoded), 0) + encoded + stream)
        central.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, 8, 0, 0, crc,
                                  len(stream), shown, len(encoded), 0, 0, 0, 0, 0, offset)
                      + encoded)
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                          len(directory), start, 0))
    return out.getvalue()


def member(name: str, content: bytes) -> tuple[str, bytes, int, int]:
    stream, crc = deflated(content, len(content))
    return name, stream, crc, len(content)


def big_csv(name: str, size: int) -> tuple[str, bytes, int, int]:
    """A CSV of `size` bytes in lines of 100 000 characters (few rows, many bytes)."""
    line = b"H1;" + b"x" * 99_996 + b"\n"
    stream, crc = deflated(line, size)
    return name, stream, crc, size


# == 1. cells far away in a workbook ==============================================================
def test_cell_at_xfd1048576_is_refused_naming_file_sheet_and_cell(reader):
    data = xlsx({"ménages": header_row() + '<row r="2">' + cell(2, 1, "H1") + "</row>"
                 + '<row r="1048576">' + cell(1048576, 16384, 1) + "</row>"})
    assert len(data) < 5_000
    message = refused(reader.read("suivi.xlsx", data))
    assert "suivi.xlsx" in message and "« ménages »" in message
    assert "XFD1048576" in message
    assert "500\u202f000 lignes et 60 colonnes" in message


def test_cell_at_z1000000_is_refused_quickly_with_little_memory(reader):
    data = xlsx({"menages": header_row() + '<row r="1000000">' + cell(1000000, 26, 1)
                 + "</row>"})
    reader.fresh()
    small = xlsx({"menages": header_row() + '<row r="2">' + cell(2, 1, "H1") + "</row>"})
    baseline = reader.read("petit.xlsx", small)["peak_mb"]  # the worker's own imports
    started = time.perf_counter()
    message = refused(reader.read("z.xlsx", data))
    assert time.perf_counter() - started < 5
    assert "Z1000000" in message
    # calamine alone would allocate 1.24 GB for this cell
    assert reader.peak_mb - baseline < 100, (baseline, reader.peak_mb)


def test_too_many_columns_or_cells_are_refused(reader):
    wide = refused(reader.read("large.xlsx", xlsx({"menages": header_row()
                                                   + '<row r="7">' + cell(7, 61, 1) + "</row>"})))
    assert "BI7" in wide
    rows, cols = MAX_SHEET_CELLS // 40 + 1, 40  # each within its limit, not their product
    area = refused(reader.read("aire.xlsx", xlsx({"menages": header_row()
                                                  + f'<row r="{rows}">' + cell(rows, cols, 1)
                                                  + "</row>"})))
    assert "cellules par feuille" in area and "AN" in area


def test_cells_written_without_r_with_prefixes_or_quotes_are_located_too(reader):
    implicit = '<row r="3">' + "<c><v>1</v></c>" * 61 + "</row>"  # columns A..BI, no `r`
    assert "BI3" in refused(reader.read("a.xlsx", xlsx({"menages": header_row() + implicit})))
    rows = '<row r="499999"/><row><c><v>1</v></c></row><row><c><v>2</v></c></row>'
    assert "A500001" in refused(reader.read("b.xlsx", xlsx({"menages": header_row() + rows})))
    prefixed = header_row("x:") + '<x:row r="9">' + cell(9, 16384, 1, p="x:") + "</x:row>"
    assert "XFD9" in refused(reader.read("c.xlsx", xlsx({"menages": prefixed}, prefix="x")))
    quoted = "<row r='5'>" + cell(5, 78, 1, quote="'") + "</row>"
    assert "BZ5" in refused(reader.read("d.xlsx", xlsx({"menages": header_row() + quoted})))
    twice = '<row r="6"><c r="A6" r="XFD1048576"><v>1</v></c></row>'  # calamine keeps the last
    assert "XFD1048576" in refused(reader.read("g.xlsx", xlsx({"menages": header_row() + twice})))
    # the same ways of writing, within the limits, are read
    fine = header_row("x:") + '<x:row r="2">' + cell(2, 1, "H1", p="x:") + "</x:row>"
    assert reader.read("e.xlsx", xlsx({"menages": fine}, prefix="x"))["sheets"] == \
        [["menages", 1, [2]]]
    # an empty element far away (a formatted, empty cell) is no cell calamine reads
    styled = header_row() + '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    assert reader.read("f.xlsx", xlsx({"menages": styled}))["sheets"] == [["menages", 0, []]]


def test_any_part_the_workbook_names_as_a_sheet_is_checked(reader):
    """Here the sheet is the shared strings part, read as both by calamine."""
    base = zipfile.ZipFile(BytesIO(xlsx({"menages": header_row()})))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in base.infolist():
            data = base.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"worksheets/sheet1.xml", b"sharedStrings.xml")
            z.writestr(info, data)
        z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_NS}"><si><t>x</t></si></sst>'
                   '<sheetData><row r="1"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    message = refused(reader.read("double.xlsx", out.getvalue()))
    assert "XFD1048576" in message and "« menages »" in message


def test_leading_empty_rows_and_columns_keep_excel_row_numbers(writable_small_db, tmp_path):
    path = tmp_path / "decale.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("menages")
    sheet.write_row(3, 2, HEADER)  # header in C4
    sheet.write_row(4, 2, ["H10", "A1", 2, "à enquêter"])
    sheet.write_row(7, 2, ["H11", "A1", 0, "à enquêter"])  # Excel row 8
    book.close()
    report = import_sources(writable_small_db, [Source(path.name, path.read_bytes())])
    errors = [p for p in report.problems if p.severity == "erreur"]
    assert [(p.sheet, p.row, p.column, p.value) for p in errors] == \
        [("menages", 8, "nb_personnes", "0")]


def test_shared_string_bombs_are_refused(reader):
    sheet = header_row() + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    announced = ('<?xml version="1.0"?><sst xmlns="' + _NS + '" uniqueCount="4000000000">'
                 "<si><t>H1</t></si></sst>")  # calamine would reserve 96 GB for it
    message = refused(reader.read("annonce.xlsx", xlsx({"menages": sheet}, shared=announced)))
    assert "4\u202f000\u202f000" in message and "textes" in message
    # one text of 30 000 characters, shown in 10 000 cells: 300 MB once copied into each
    long_text = ('<?xml version="1.0"?><sst xmlns="' + _NS + '" uniqueCount="1"><si><t>'
                 + "x" * 30_000 + "</t></si></sst>")
    for form in ('<c r="A{r}" t="s"><v>0</v></c>',  # as Excel writes it
                 '<c r="A{r}" t="s"><f>"x"</f><v>0</v></c>'):  # read tag by tag
        rows = "".join(f'<row r="{r}">' + form.format(r=r) + "</row>" for r in range(2, 10_002))
        message = refused(reader.read("copies.xlsx", xlsx({"menages": header_row() + rows},
                                                           shared=long_text)))
        assert "256 Mo de textes partagés" in message


def test_other_formats_renamed_xlsx_are_refused(reader):
    ods = raw_zip([member("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                   member("content.xml", b"<office:document-content/>")])
    assert "n'est pas un classeur .xlsx" in refused(reader.read("calc.xlsx", ods))
    xlsb = xlsx({"menages": header_row()}, extra={"xl/workbook.bin": b"\x00" * 10})
    assert "n'est pas un classeur .xlsx" in refused(reader.read("binaire.xlsx", xlsb))


def with_member(data: bytes, name: str, content: str) -> bytes:
    """The workbook `data` with the member `name` replaced by `content`."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info.filename, content if info.filename == name else source.read(info))
    return out.getvalue()


def misleading(sheets: dict[str, str]) -> bytes:
    """A workbook of two sheets whose relationships hold, in an XML comment
    (which calamine skips), the two targets swapped: relog's own reading of the
    workbook (sources._sheet_titles, a regular expression) takes the first
    sheet's part for the second one's and the reverse."""
    data = xlsx(sheets)
    real = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in (1, 2))
    swapped = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                      f'Target="worksheets/sheet{3 - i}.xml"/>' for i in (1, 2))
    return with_member(data, "xl/_rels/workbook.xml.rels",
                       '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
                       f'org/package/2006/relationships">{real}<!-- {swapped} --></Relationships>')


def test_sheets_read_while_the_next_is_checked_come_only_from_checked_parts(reader):
    """Calamine reads each sheet as soon as its part is checked; it is given a
    copy of the workbook holding only checked parts, so a workbook misleading
    relog about which part is which sheet cannot get an unchecked part read."""
    a = header_row() + '<row r="2">' + cell(2, 1, "A2") + "</row>"
    b = header_row() + '<row r="2">' + cell(2, 1, "B2") + "</row>"
    data = misleading({"menages": a, "suivis": b})
    check = sources._WorkbookCheck("trompeur.xlsx", data)
    positions = check.sheet_positions()
    assert check.keys[positions["menages"]] == "xl/worksheets/sheet2.xml"  # relog is misled
    # calamine is not: each sheet has its own rows, as when everything is checked first
    result = reader.read("trompeur.xlsx", data)
    assert result["sheets"] == [["menages", 1, [2]], ["suivis", 1, [2]]]
    read = {s.sheet: s.rows for s in read_sources([Source("trompeur.xlsx", data)])}
    assert read == {"menages": [["A2", "", "", ""]], "suivis": [["B2", "", "", ""]]}

    # the first sheet is a cell at XFD1048576 (calamine would allocate 17 billion cells),
    # which relog takes for the second sheet: it is refused before calamine reads it
    bomb = header_row() + '<row r="1048576">' + cell(1048576, 16384, 1) + "</row>"
    reader.fresh()
    small = xlsx({"menages": header_row() + '<row r="2">' + cell(2, 1, "H1") + "</row>"})
    baseline = reader.read("petit.xlsx", small)["peak_mb"]
    message = refused(reader.read("trompeur.xlsx", misleading({"menages": bomb, "suivis": b})))
    assert "XFD1048576" in message and "« suivis »" in message  # named as relog reads it
    assert reader.peak_mb - baseline < 100, (baseline, reader.peak_mb)


def test_an_ordinary_workbook_is_read_while_it_is_checked(monkeypatch, tmp_path):
    """The checked-ahead reading is the one used (no fallback), and gives the
    same sheets as checking everything first."""
    path = tmp_path / "suivi.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for title, count in (("menages", 300), ("Points d'attention", 0), ("suivis", 120)):
        sheet = book.add_worksheet(title)
        sheet.write_row(0, 0, HEADER)
        for r in range(1, count + 1):
            sheet.write_row(r, 0, [f"H{r}", "A1", r % 7, "à enquêter"])
    book.close()
    source = Source(path.name, path.read_bytes())
    copies, fallbacks = [], []
    subset = sources.zip_subset.subset
    monkeypatch.setattr(sources.zip_subset, "subset",
                        lambda data, infos: copies.append(len(infos)) or subset(data, infos))
    rest = sources._WorkbookCheck.rest
    monkeypatch.setattr(sources._WorkbookCheck, "rest",
                        lambda self: fallbacks.append(1) or rest(self))
    ahead = [(s.sheet, s.header, s.rows, s.row_numbers) for s in read_sources([source])]
    assert copies and not fallbacks
    monkeypatch.setattr(sources, "_read_checked_ahead", lambda check: None)
    first = [(s.sheet, s.header, s.rows, s.row_numbers) for s in read_sources([source])]
    assert ahead == first
    # (a title with an apostrophe inside double quotes once sent it to the fallback)
    assert [(sheet, len(rows)) for sheet, _, rows, _ in ahead] == [
        ("menages", 300), ("Points d'attention", 0), ("suivis", 120)]


# == 2. archives that lie about their sizes =======================================================
def test_zip_under_declaring_its_sizes_is_refused_with_the_limit(reader):
    data = raw_zip([big_csv("menages.csv", 150 * 1024 * 1024)], declared=1_000)
    assert len(data) < 2 * 1024 * 1024
    reader.fresh()
    started = time.perf_counter()
    message = refused(reader.read("lot.zip", data))
    assert time.perf_counter() - started < 10
    assert f"lot.zip/menages.csv dépasse {MAX_UPLOAD_MB} Mo une fois décompressé" in message
    assert reader.peak_mb < 600  # zipfile.read would decompress all 150 MB in one go

    two = raw_zip([big_csv("a.csv", 60 * 1024 * 1024), big_csv("b.csv", 60 * 1024 * 1024)],
                  declared=10)
    message = refused(reader.read("deux.zip", two))
    assert f"Le contenu de l'archive deux.zip dépasse {MAX_UPLOAD_MB} Mo" in message


def test_zip_members_nesting_and_encryption_are_limited(reader):
    many = raw_zip([member(f"f{i}.csv", b"a;b\n1;2\n") for i in range(1001)])
    assert "trop de fichiers (plus de 1\u202f000)" in refused(reader.read("many.zip", many))
    inner = raw_zip([member("menages.csv", b"id_menage;statut\nH1;relog\xc3\xa9\n")])
    nested = raw_zip([member("menages.csv", b"id_menage;statut\nH1;x\n"),
                      member("encore.zip", inner)])
    assert "archives imbriquées" in refused(reader.read("poupee.zip", nested))
    locked = raw_zip([member("menages.csv", b"id_menage;statut\nH1;x\n")], flags=1)
    assert "mot de passe" in refused(reader.read("secret.zip", locked))


def test_workbook_part_under_declaring_its_size_is_refused(reader):
    """An .xlsx is a zip too: a sheet of 300 MB of spaces, said to weigh 100 bytes."""
    base = zipfile.ZipFile(BytesIO(xlsx({"menages": header_row()})))
    parts = [member(i.filename, base.read(i)) for i in base.infolist()
             if not i.filename.startswith("xl/worksheets/")]
    start = b'<worksheet xmlns="' + _NS.encode() + b'"><sheetData>'  # then spaces
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream, crc, size = [packer.compress(start)], zlib.crc32(start), len(start)
    spaces = b" " * (1024 * 1024)
    for _ in range(300):
        stream.append(packer.compress(spaces))
        crc, size = zlib.crc32(spaces, crc), size + len(spaces)
    stream.append(packer.flush())
    data = raw_zip(parts + [("xl/worksheets/sheet1.xml", b"".join(stream), crc, size)],
                   declared=100)
    assert len(data) < 1024 * 1024
    message = refused(reader.read("gonfle.xlsx", data))
    assert "sa partie « xl/worksheets/sheet1.xml » dépasse 256 Mo" in message


# == 3. boundary archives =========================================================================
def geojson() -> bytes:
    frame = gpd.GeoDataFrame({"code": ["QP1"]}, geometry=[SQUARE], crs="EPSG:4326")
    return frame.to_json().encode()


def test_geo_zip_bomb_is_refused_and_writes_at_most_the_limit(writable_small_db, monkeypatch):
    on_disk, modes = [], []

    class Watched(tempfile.TemporaryDirectory):
        def cleanup(self):
            files = [f for f in Path(self.name).rglob("*") if f.is_file()]
            on_disk.append(sum(f.stat().st_size for f in files))
            modes.append(stat.S_IMODE(os.stat(self.name).st_mode))
            modes.extend(stat.S_IMODE(f.stat().st_mode) for f in files)
            super().cleanup()

    monkeypatch.setattr(geo.tempfile, "TemporaryDirectory", Watched)
    monkeypatch.setattr(geo, "GEO_MAX_EXTRACTED_MB", 2)
    stream, crc = deflated(b"\x00", 64 * 1024 * 1024)
    bomb = raw_zip([member("qpv.prj", b"GEOGCS[]"), ("qpv.shp", stream, crc, 64 * 1024 * 1024)],
                   declared=100)
    with pytest.raises(RelogError, match="dépasse 2 Mo une fois décompressé"):
        geo.import_boundaries(writable_small_db, "qpv.zip", bomb, "qpv")
    assert on_disk and on_disk[0] <= 2 * 1024 * 1024
    assert modes and all(mode & 0o077 == 0 for mode in modes)  # owner only
    assert not (Path(writable_small_db.path).parent / "backups").exists()  # nothing replaced


def test_geo_zip_with_paths_outside_its_folder_is_refused(writable_small_db, tmp_path):
    for name in ("../../evade.shp", "/tmp/evade.shp", "C:\\evade.shp", "a/../../evade.shp"):
        data = raw_zip([member(name, b"x")])
        with pytest.raises(RelogError, match="chemin dangereux"):
            geo.read_boundaries("qpv.zip", data, "qpv")
    assert not list(Path(tempfile.gettempdir()).glob("evade.shp"))


def test_geo_import_takes_a_backup_and_writes_an_audit_entry(writable_small_db):
    db = writable_small_db
    folder = Path(db.path).parent / "backups"
    result = geo.import_boundaries(db, "qpv.geojson", geojson(), "qpv", actor="alice")
    saved = Path(result["backup"])
    assert saved.exists() and saved.parent == folder
    log = db.query_text("SELECT login, action, detail FROM audit_log ORDER BY logged_at")
    assert log.iloc[-1].tolist() == ["alice", "import", "contours qpv : 1 objet depuis qpv.geojson"]
    # refused (unknown operation): no backup left, no entry
    with pytest.raises(RelogError, match="Opération inconnue"):
        geo.import_boundaries(db, "p.geojson", geojson(), "perimetre", "NOPE", actor="alice")
    assert list(folder.iterdir()) == [saved]
    assert len(db.query_text("SELECT * FROM audit_log")) == len(log)
    # from the command line, the system user
    geo.import_boundaries(db, "q.geojson", geojson(), "qpv")
    last = db.query_text("SELECT login FROM audit_log ORDER BY logged_at").iloc[-1, 0]
    assert last == audit.cli_login()


# == 4. dates outside 1900-2100 ===================================================================
def test_dates_outside_1900_2100_are_refused_with_where_they_are(writable_small_db, tmp_path):
    text = ("id_menage;code_batiment;nb_personnes;statut;date_enquete\n"
            "H10;A1;2;à enquêter;31/12/9999\n"
            "H11;A1;2;à enquêter;31/12/1899\n"
            "H12;A1;2;à enquêter;01/01/1900\n"
            "H13;A1;2;à enquêter;2100-12-31\n")
    report = import_sources(writable_small_db, [Source("menages.csv", text.encode())])
    errors = [(p.file, p.sheet, p.row, p.column, p.value) for p in report.problems
              if p.severity == "erreur"]
    assert errors == [("menages.csv", "menages", 2, "date_enquete", "31/12/9999"),
                      ("menages.csv", "menages", 3, "date_enquete", "31/12/1899")]
    assert "1900 à 2100" in report.problems[0].message and not report.committed
    # a real date cell of a workbook, and an Excel serial number
    path = tmp_path / "dates.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("menages")
    sheet.write_row(0, 0, HEADER + ["date_enquete"])
    sheet.write_row(1, 0, ["H10", "A1", 2, "à enquêter"])
    sheet.write_datetime(1, 4, datetime(9999, 12, 31),
                         book.add_format({"num_format": "dd/mm/yyyy"}))
    sheet.write_row(2, 0, ["H11", "A1", 2, "à enquêter", 80_000])  # year 2119
    book.close()
    report = import_sources(writable_small_db, [Source(path.name, path.read_bytes())])
    assert sorted((p.row, p.column) for p in report.problems if p.severity == "erreur") == \
        [(2, "date_enquete"), (3, "date_enquete")]


def test_date_bounds_in_parsing():
    column = model.TABLES_BY_NAME["households"].column("diagnosis_date")
    values, _, bad, _ = parse_column(column, ["01/01/1900", "31/12/2100", "2101-01-01",
                                           "1899-12-31", 2, 73_415, 73_416])
    assert values[:2] == [DATE_MIN, DATE_MAX] and values[5] == DATE_MAX
    assert bad.tolist() == [False, False, True, True, True, False, True]


# == 5. upload size ===============================================================================
def test_upload_limit_is_streamlit_s_and_bigger_files_are_refused(writable_small_db):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    big = Source("gros.csv", b"a" * (MAX_BYTES + 1))
    with pytest.raises(FileProblem, match=f"au plus {MAX_UPLOAD_MB} Mo par fichier"):
        read_sources([big])
    report = import_sources(writable_small_db, [big])
    assert report.unreadable and f"{MAX_UPLOAD_MB} Mo" in report.problems[0].message
    with pytest.raises(RelogError, match=f"au plus {MAX_UPLOAD_MB} Mo"):
        geo.read_boundaries("gros.geojson", big.data, "qpv")


def test_csv_beyond_the_column_and_row_limits_is_refused():
    wide = ";".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n"
    with pytest.raises(FileProblem, match="61 colonnes"):
        read_sources([Source("large.csv", wide.encode())])
    long = b"id_menage;statut\n" + b"H;x\n" * MAX_ROWS
    with pytest.raises(FileProblem, match="plus de 500\u202f000 lignes"):
        read_sources([Source("long.csv", long)])


# == 6. fuzzing: random cells and archives never crash the reader nor exceed 1.5 GB ===============
_positions = st.tuples(  # anywhere, with the limits and the last cell XFD1048576 often
    st.one_of(st.integers(1, 1_000), st.integers(1, 1_048_576),
              st.sampled_from([MAX_ROWS, MAX_ROWS + 1, MAX_SHEET_CELLS // MAX_COLUMNS,
                               MAX_SHEET_CELLS // MAX_COLUMNS + 1, 1_000_000, 1_048_576])),
    st.one_of(st.integers(1, 20), st.integers(1, 16_384),
              st.sampled_from([MAX_COLUMNS, MAX_COLUMNS + 1, 12, 26, 16_384])))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cells=st.lists(_positions, min_size=1, max_size=4),
       form=st.sampled_from(["plain", "quoted", "prefixed", "implicit", "shared", "twice"]))
@example(cells=[(MAX_SHEET_CELLS // MAX_COLUMNS, MAX_COLUMNS)], form="plain")  # the largest grid
@example(cells=[(MAX_ROWS, 12)], form="shared")
@example(cells=[(1_048_576, 16_384)], form="implicit")
def test_fuzz_sheet_dimensions(fuzz_reader, cells, form):
    reader = fuzz_reader
    p = "x:" if form == "prefixed" else ""
    quote = "'" if form == "quoted" else '"'
    where = {(1, c + 1) for c in range(len(HEADER))}
    rows = [header_row(p)]
    for r, c in cells:
        if form == "implicit":  # a cell with `r`, then one without: at the next column
            rows.append(f'<row r="{r}">{cell(r, c, 1)}<c><v>2</v></c></row>')
            where |= {(r, c), (r, c + 1)}
        elif form == "twice":  # the `r` calamine uses is the last one
            rows.append(f'<row r="{r}"><c r="A1" r="{letters(c)}{r}"><v>1</v></c></row>')
            where.add((r, c))
        elif form == "shared":
            rows.append(f'<row r="{r}"><c r="{letters(c)}{r}" t="s"><v>0</v></c></row>')
            where.add((r, c))
        else:
            rows.append(f"<{p}row r={quote}{r}{quote}>{cell(r, c, 1, quote, p)}</{p}row>")
            where.add((r, c))
    shared = f'<sst xmlns="{_NS}" uniqueCount="1"><si><t>H1</t></si></sst>'
    data = xlsx({"menages": "".join(rows)}, prefix=p.rstrip(":"),
                shared=shared if form == "shared" else None)
    result = reader.read("fuzz.xlsx", data)
    assert reader.peak_mb < PEAK_LIMIT_MB
    last_row = max(r for r, _ in where)
    last_col = max(c for _, c in where)
    too_big = (last_row > MAX_ROWS or last_col > MAX_COLUMNS
               or last_row * last_col > MAX_SHEET_CELLS)
    assert ("refused" in result) == too_big, (where, result)
    if too_big:
        assert "relog lit au plus" in result["refused"]


_SIZES = [1_000, 25 * 1024 * 1024, 60 * 1024 * 1024, 120 * 1024 * 1024]


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sizes=st.lists(st.sampled_from(_SIZES), min_size=1, max_size=3),
       padding=st.sampled_from([0, 5, 998, 1_100]), lie=st.booleans(),
       nested=st.booleans(), far_cell=st.booleans())
def test_fuzz_archives(fuzz_reader, sizes, padding, lie, nested, far_cell):
    reader = fuzz_reader
    members = [big_csv(f"a{i}.csv", size) for i, size in enumerate(sizes)]
    members += [member(f"z{i}.txt", b"-") for i in range(padding)]
    if nested:
        members.append(member("y.zip", raw_zip([member("menages.csv", b"id_menage\nH1\n")])))
    if far_cell:
        members.append(member("b.xlsx", xlsx({"menages": header_row() + '<row r="1048576">'
                                               + cell(1048576, 16384, 1) + "</row>"})))
    data = raw_zip(members, declared=100 if lie else None)
    result = reader.read("lot.zip", data)
    assert reader.peak_mb < PEAK_LIMIT_MB
    message = result.get("refused", "")
    total, expected = 0, None
    for size in sizes:  # read in name order: a0.csv, a1.csv... then b.xlsx
        total += size
        if total > MAX_BYTES:
            expected = "par fichier" if total == size else "Le contenu de l'archive"
            break
    if len(members) > 1000:
        assert "trop de fichiers" in message
    elif nested:
        assert "archives imbriquées" in message
    elif expected:
        assert expected in message and f"{MAX_UPLOAD_MB} Mo" in message
    elif far_cell:
        assert "XFD1048576" in message
    else:  # each CSV: lines of 100 000 bytes, the first one its header
        assert [s[:2] for s in result["sheets"]] == [[f"a{i}", -(-size // 100_000) - 1]
                                                     for i, size in enumerate(sizes)]
