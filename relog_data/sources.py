"""Reading the files an import is made of: .xlsx workbooks, CSV files, folders
of CSV files and .zip archives of them, into raw sheets (header + rows, with the
row numbers a user sees in Excel: header = row 1).

Every unreadable file gives a RelogError with a French message; nothing here
writes anything. Excel 97-2003 (.xls) and OpenDocument (.ods) workbooks are
refused, also when renamed .xlsx: their readers cannot be bounded beforehand.

Reading is bounded before anything big is allocated: file sizes are checked
first; archives (a .zip, and an .xlsx, which is one) are decompressed in chunks
whose bytes are counted as they come, whatever sizes their headers declare;
and the cells of each sheet are located in its XML, as it streams by, before
the workbook reader (calamine, which would allocate the whole grid up to the
last cell, or abort the process) is called at all.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import struct
import zipfile
import zlib
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from html import unescape
from pathlib import Path, PurePosixPath
from typing import Iterator

from .errors import RelogError
from . import zip_subset
from .fmt import integer, number

# -- limits ------------------------------------------------------------------------------------
# Each limit is checked on what is really there (bytes decompressed, cells found
# in the XML), never on what a file declares. They accept, with a margin of 2 to
# 2.5, the benchmark's largest workbook (bench/generate.py, scale L: 150 000
# households, 39,5 Mo, 625 932 rows in 9 sheets, 394 Mo of XML once decompressed,
# 8 million cells): its longest sheet is "propositions" (212 141 rows x 11
# columns), its biggest "menages" (150 001 rows x 18 columns = 2,7 million cells,
# 129 Mo of XML).
MAX_UPLOAD_MB = 100  # per file; also Streamlit's server.maxUploadSize (.streamlit/config.toml)
MAX_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_ROWS = 500_000  # per sheet: row number of the last filled cell
MAX_COLUMNS = 60  # per sheet: the dictionary's widest table has 18 columns
MAX_SHEET_CELLS = 6_000_000  # per sheet: last row x last column (the grid calamine allocates)
MAX_WORKBOOK_CELLS = 20_000_000  # the same, summed over the sheets of a workbook
MAX_SHARED_STRINGS = 4_000_000  # distinct texts of a workbook (its sharedStrings.xml)
MAX_SHARED_TEXT_MB = 256  # shared texts, counted once per cell that shows them
MAX_PART_MB = 256  # one part of a workbook (a sheet's XML), decompressed
MAX_WORKBOOK_MB = 1024  # all the parts of a workbook, decompressed
MAX_ARCHIVE_MEMBERS = 1000  # entries of a .zip (or of an .xlsx, which is one)

_MB = 1024 * 1024
_MAX_CENTRAL_DIRECTORY = 4 * _MB  # a zip's table of contents: bounds what zipfile parses
_CHUNK = _MB  # decompressed bytes handled at a time
_MAX_TAG = _MB  # an XML tag longer than this is not from a spreadsheet program
_AHEAD = 3  # sheets read by calamine ahead of their turning into rows (memory)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NESTED_ARCHIVES = (".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz")
# Parts of an .xlsb (an .ods has a "mimetype" part): calamine guesses the format from
# the content and would read those when its .xlsx reader fails.
_OTHER_FORMAT_PARTS = ("workbook.bin", "workbook.bin.rels", "sharedstrings.bin", "styles.bin")


@dataclass
class Source:
    """One file given to the importer: its name and its bytes."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class RawSheet:
    file: str  # file the sheet comes from (archive member shown as "archive.zip/x.csv")
    sheet: str  # sheet name, or the CSV file name without extension
    header: list[str]
    rows: list[list] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)  # header is row 1


class FileProblem(RelogError):
    """A file that cannot be read at all, or with lines of a wrong shape."""

    def __init__(self, message: str, details: list[tuple[str, int, str]] | None = None):
        super().__init__(message)
        self.details = details or []  # (file, line, message)


def _too_big_message(name: str, size: int) -> str:
    return (f"Le fichier {name} pèse {number(size / _MB, 1)} Mo : relog lit au plus "
            f"{integer(MAX_UPLOAD_MB)} Mo par fichier. Découpez-le (une feuille ou un fichier "
            "CSV par table).")


def sources_from_paths(paths: list[str | Path]) -> list[Source]:
    """Files named on the command line; a folder stands for its CSV and xlsx files."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            members = sorted(p for p in path.iterdir()
                             if p.is_file() and p.suffix.lower() in (".csv", ".xlsx"))
            if not members:
                raise FileProblem(f"Le dossier {path} ne contient aucun fichier .csv ou .xlsx.")
            found.extend(members)
        elif path.is_file():
            found.append(path)
        else:
            raise FileProblem(f"Fichier introuvable : {path}")
    sources = []
    for path in found:
        size = path.stat().st_size
        if size > MAX_BYTES:  # the command line does not go through Streamlit's limit
            raise FileProblem(_too_big_message(path.name, size))
        sources.append(Source(path.name, path.read_bytes()))
    return sources


def read_sources(sources: list[Source]) -> list[RawSheet]:
    """All the sheets of all the files."""
    sheets: list[RawSheet] = []
    for source in sources:
        sheets.extend(_read_one(source.name, source.data))
    return sheets


def _read_one(name: str, data: bytes) -> list[RawSheet]:
    if len(data) > MAX_BYTES:
        raise FileProblem(_too_big_message(name, len(data)))
    if not data.strip():
        raise FileProblem(f"Le fichier {name} est vide.")
    suffix = Path(name).suffix.lower()
    if suffix == ".zip":
        return _read_zip(name, data)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(name, data)
    if suffix == ".xls":
        raise FileProblem(
            f"{name} est au format Excel 97-2003 (.xls) : enregistrez-le au format .xlsx."
        )
    if suffix in (".csv", ".txt"):
        return [_read_csv(name, data)]
    raise FileProblem(
        f"{name} : format non pris en charge (attendu : .xlsx, .csv, un dossier ou un .zip)."
    )


# -- zip archives, read in bounded chunks -------------------------------------------------------
def _central_directory(data: bytes) -> tuple[int, int]:
    """(bytes, entries) of a zip's table of contents, from its end record. The
    archive must be unambiguous, so that zipfile (which checks it here) and the
    Rust reader calamine uses see the same members: one end record, ending the
    file, right after its table of contents (no data prepended)."""
    window = max(0, len(data) - 22 - 65535)
    pos = data.rfind(b"PK\x05\x06", window)
    if pos < 0 or pos + 22 > len(data):
        raise zipfile.BadZipFile("no end of central directory")
    if data.count(b"PK\x05\x06", window) != 1:
        raise zipfile.BadZipFile("several end records")
    entries, size, offset, comment = struct.unpack_from("<10xHIIH", data, pos)
    if pos + 22 + comment != len(data):
        raise zipfile.BadZipFile("end record not at the end")
    end = pos  # where the table of contents must end
    locator = pos - 20
    if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        (record,) = struct.unpack_from("<Q", data, locator + 8)
        if record != locator - 56 or data[record:record + 4] != b"PK\x06\x06":
            raise zipfile.BadZipFile("zip64 end record misplaced")
        entries, size, offset = struct.unpack_from("<QQQ", data, record + 32)
        end = record
    if offset + size != end:
        raise zipfile.BadZipFile("data before the archive or table of contents misplaced")
    return size, entries


def open_zip(name: str, data: bytes, what: str = "L'archive") -> zipfile.ZipFile:
    """The table of contents of a zip, once its size and number of entries are
    known to be reasonable. zipfile.BadZipFile when it is no zip at all."""
    size, entries = _central_directory(data)
    too_many = (f"{what} {name} contient trop de fichiers (plus de "
                f"{integer(MAX_ARCHIVE_MEMBERS)}) : relog en lit au plus "
                f"{integer(MAX_ARCHIVE_MEMBERS)} par archive.")
    if entries > MAX_ARCHIVE_MEMBERS or size > _MAX_CENTRAL_DIRECTORY:
        raise FileProblem(too_many)
    archive = zipfile.ZipFile(io.BytesIO(data))
    if len(archive.infolist()) > MAX_ARCHIVE_MEMBERS:
        raise FileProblem(too_many)
    return archive


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int:
    pos = info.header_offset
    if pos < 0 or pos + 30 > len(data) or data[pos:pos + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    name_length, extra_length = struct.unpack_from("<HH", data, pos + 26)
    return pos + 30 + name_length + extra_length


def _inflate(compressed: memoryview) -> Iterator[bytes]:
    """A raw deflate stream, decompressed at most _CHUNK bytes at a time."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pos = 0
    while not inflater.eof:
        if inflater.unconsumed_tail:
            given = inflater.unconsumed_tail
        else:
            given = compressed[pos:pos + _CHUNK]
            pos += len(given)
        out = inflater.decompress(given, _CHUNK)
        if out:
            yield out
        elif not given:
            raise zlib.error("truncated deflate stream")


def member_chunks(archive_name: str, data: bytes, info: zipfile.ZipInfo, limit: int,
                  too_big: str) -> Iterator[bytes]:
    """The decompressed bytes of one member, in chunks, counted as they come:
    FileProblem(too_big) as soon as they pass `limit`, whatever its headers
    declare. The compressed data ends where the table of contents says (as for
    the Rust reader calamine uses); the checksum is verified at the end."""
    label = f"{archive_name}/{info.filename}"
    if info.flag_bits & 0x1:
        raise FileProblem(f"{label} ne peut pas être extrait : l'archive est protégée par un "
                          "mot de passe. Enregistrez-la sans mot de passe.")
    try:
        start = _data_start(data, info)
    except zipfile.BadZipFile as exc:
        raise FileProblem(f"{label} ne peut pas être extrait : l'archive est abîmée.") from exc
    compressed = memoryview(data)[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        pieces = (bytes(compressed[i:i + _CHUNK]) for i in range(0, len(compressed), _CHUNK))
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        pieces = _inflate(compressed)
    else:
        raise FileProblem(f"{label} est compressé d'une manière que relog ne lit pas (méthode "
                          f"{info.compress_type}) : recréez l'archive au format .zip ordinaire.")
    total = crc = 0
    try:
        for piece in pieces:
            total += len(piece)
            if total > limit:
                raise FileProblem(too_big)
            crc = zlib.crc32(piece, crc)
            yield piece
    except zlib.error as exc:
        raise FileProblem(f"{label} ne peut pas être extrait : l'archive est abîmée.") from exc
    if crc != info.CRC:
        raise FileProblem(f"{label} ne peut pas être extrait : l'archive est abîmée (somme de "
                          "contrôle fausse).")


def _hidden(filename: str) -> bool:
    return Path(filename).name.startswith((".", "~$")) or "__MACOSX" in filename


def _read_zip(name: str, data: bytes) -> list[RawSheet]:
    try:
        archive = open_zip(name, data)
    except zipfile.BadZipFile as exc:
        raise FileProblem(f"{name} n'est pas une archive .zip lisible.") from exc
    files = [info for info in archive.infolist()
             if not info.is_dir() and not _hidden(info.filename)]
    nested = [info for info in files
              if info.filename.lower().endswith(_NESTED_ARCHIVES)]
    if nested:
        raise FileProblem(
            f"L'archive {name} contient elle-même une archive ({Path(nested[0].filename).name}) : "
            "relog ne lit pas les archives imbriquées. Décompressez-la et importez ses fichiers "
            "directement.")
    members = [info for info in files if Path(info.filename).suffix.lower() in (".csv", ".xlsx")]
    if not members:
        raise FileProblem(f"L'archive {name} ne contient aucun fichier .csv ou .xlsx.")
    sheets = []
    total = 0
    for info in sorted(members, key=lambda i: i.filename):
        member_name = f"{name}/{Path(info.filename).name}"
        if total == 0:
            too_big = (f"{member_name} dépasse {integer(MAX_UPLOAD_MB)} Mo une fois "
                       f"décompressé : relog lit au plus {integer(MAX_UPLOAD_MB)} Mo par "
                       "fichier. Découpez-le.")
        else:
            too_big = (f"Le contenu de l'archive {name} dépasse {integer(MAX_UPLOAD_MB)} Mo une "
                       "fois décompressé : découpez-la en plusieurs archives.")
        member_data = b"".join(member_chunks(name, data, info, MAX_BYTES - total, too_big))
        total += len(member_data)
        sheets.extend(_read_one(member_name, member_data))
    return sheets


# -- where the cells of a workbook are, from its XML --------------------------------------------
_NAME = rb"[^\s<>/=\"']+"
_ATTRS = rb"(?:\s+" + _NAME + rb"\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*"
_COMPLETE_TAG = re.compile(rb"<[^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*>")
# What Excel, LibreOffice, openpyxl and xlsxwriter write: <c r="B2" s="3" t="s">, with
# `r` first and only attributes known not to be `r` after it (calamine takes the last
# `r` of a tag: <c r="A1" r="XFD1048576"> is read tag by tag, by _scan_tags).
_PLAIN_ATTRS = rb'(?: (?:s|t|cm|vm|ph)="[^"<>]*")*'
_PLAIN_ROW = re.compile(rb'<c r="[A-Za-z]{0,4}(\d{0,8})"' + _PLAIN_ATTRS + rb">")
_PLAIN_COLUMN = re.compile(rb'<c r="([A-Za-z]{0,4})\d{0,8}"' + _PLAIN_ATTRS + rb">")
_PLAIN_LETTERS = re.compile(rb'<c r="([A-Za-z]{0,4})')
_PLAIN_EMPTY = re.compile(rb'<c r="[A-Za-z]{0,4}\d{0,8}"' + _PLAIN_ATTRS + rb"/>")
_PLAIN_SHARED = re.compile(rb'<c r="[A-Za-z]{0,4}\d{0,8}"(?: (?:s|cm|vm|ph)="[^"<>]*")* t="s"'
                           rb'(?: (?:s|cm|vm|ph)="[^"<>]*")*><v>(\d{0,12})</v>')
_OTHER_C = re.compile(rb'<c(?! r=")')
_PREFIXED_C = re.compile(rb"<[^\s<>]*:c[\s/>]")
# Anything else, tag by tag.
_TOKEN = re.compile(rb"<(/?)(?:" + _NAME + rb":)?(c|row|v)(" + _ATTRS + rb")\s*(/?)>([^<&]*)")
_LOOSE_TOKEN = re.compile(rb"</?(?:" + _NAME + rb":)?(?:c|row|v)[\s/>]")
_TOKEN_NO_V = re.compile(rb"<(/?)(?:" + _NAME + rb":)?(c|row)(" + _ATTRS + rb")\s*(/?)>()")
_LOOSE_TOKEN_NO_V = re.compile(rb"</?(?:" + _NAME + rb":)?(?:c|row)[\s/>]")
_ATTR_R = re.compile(rb"(?<![^\s\"'])r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ATTR_T = re.compile(rb"(?<![^\s\"'])t\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REF = re.compile(rb"([A-Za-z]+)(\d+)")
_SI = re.compile(rb"<(/?)((?:" + _NAME + rb":)?si)" + _ATTRS + rb"\s*(/?)>")
_UNIQUE_COUNT = re.compile(rb"uniqueCount\s*=\s*[\"'][\s+]*(\d+)")
_WS = b" \t\r\n\x0b\x0c/>"


class _Malformed(Exception):
    """XML no spreadsheet program writes (a reason to refuse, not to guess)."""


def _column_number(letters: bytes) -> int:
    n = 0
    for char in letters.upper():
        n = n * 26 + char - 64
    return n


def _column_letters(n: int) -> str:
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _bodies(chunks: Iterator[bytes], start: bytes | None,
            cut_before: bytes = b"<") -> Iterator[tuple[int, bytes]]:
    """(offset, text) pieces of an XML stream, from the first occurrence of
    `start` on (calamine reads no cell before <sheetData>). A piece never cuts
    a tag: it ends before the last `cut_before` of its chunk (b"<c": a cell
    and its value stay together), or before the last "<" when that is far."""
    tail = b""
    offset = 0  # stream offset of `tail`'s first byte
    started = start is None
    for chunk in chunks:
        buf = tail + chunk if tail else chunk
        if not started:
            found = buf.find(start)
            if found < 0:
                keep = len(start) - 1
                offset += len(buf) - keep
                tail = buf[-keep:]
                continue
            started = True
            offset += found
            buf = buf[found:]
        cut = buf.rfind(cut_before)
        if cut < 0 or len(buf) - cut > _MAX_TAG:
            cut = buf.rfind(b"<")
        if cut < 0:
            body, tail = buf, b""
        elif len(buf) - cut > _MAX_TAG:
            if not _COMPLETE_TAG.match(buf, cut):
                raise _Malformed("balise de plus de 1 Mo")
            body, tail = buf, b""  # a long text after the last tag
        else:
            body, tail = buf[:cut], buf[cut:]
        yield offset, body
        offset += len(body)
    if started and tail:
        yield offset, tail


@dataclass
class _Extent:
    """The cells of one worksheet part: last row and column of the cells that
    may hold something (a cell element that is not empty: <c .../> holds
    nothing), how many cell elements, how many bytes of shared texts they copy."""

    max_row: int = 0
    max_row_ref: str = ""
    max_col: int = 0
    max_col_ref: str = ""
    elements: int = 0
    shared_bytes: int = 0

    def add(self, row: int, col: int) -> None:
        if row > self.max_row:
            self.max_row, self.max_row_ref = row, f"{_column_letters(col)}{row}"
        if col > self.max_col:
            self.max_col, self.max_col_ref = col, f"{_column_letters(col)}{row}"

    def over(self) -> bool:
        return (self.max_row > MAX_ROWS or self.max_col > MAX_COLUMNS
                or self.max_row * self.max_col > MAX_SHEET_CELLS
                or self.elements > MAX_SHEET_CELLS
                or self.shared_bytes > MAX_SHARED_TEXT_MB * _MB)


class _SharedTexts:
    """Upper bounds of the length of each shared text, by index."""

    def __init__(self, lengths: list[int], nested: bool):
        self.lengths = lengths
        self.longest = max(lengths, default=0)
        if nested:  # indexes may be shifted: bound each by the longest from there on
            longest = 0
            for i in range(len(lengths) - 1, -1, -1):
                longest = max(longest, lengths[i])
                lengths[i] = longest

    def bytes_for(self, index: int) -> int:
        return self.lengths[index] if 0 <= index < len(self.lengths) else 0


def _scan_plain(bodies, shared: _SharedTexts | None, extent: _Extent) -> bool:
    """The fast reading, for the XML spreadsheet programs write; False as soon
    as a cell is written some other way (then _scan_tags reads the part)."""
    for _, body in bodies:
        tagged = body.count(b'<c r="')
        if tagged != body.count(b"<c"):
            for match in _OTHER_C.finditer(body):
                following = body[match.end():match.end() + 1]
                if not following or following in _WS:
                    return False  # a cell element that is not <c r="..."
        if b":c" in body and _PREFIXED_C.search(body):
            return False
        rows = _PLAIN_ROW.findall(body)  # empty elements (<c r="B7" s="3"/>) hold nothing
        empty = len(_PLAIN_EMPTY.findall(body)) if b"/>" in body else 0
        if len(rows) + empty != tagged:
            return False
        if rows:
            extent.elements += len(rows)
            top_row = max((int(d) for d in set(rows) if d), default=0)
            # With no empty element, every '<c r="' of the piece starts one of `rows`
            # (as many, and a match holds no '<'): their letters, read without the
            # attributes, are the same (a faster pattern).
            columns = {c for c in set((_PLAIN_LETTERS if not empty else _PLAIN_COLUMN)
                                      .findall(body)) if c}
            top_col = max((_column_number(c) for c in columns), default=0)
            extent.max_row = max(extent.max_row, top_row)
            extent.max_col = max(extent.max_col, top_col)
            if extent.over():  # name the cell beyond the limits (it is in this piece)
                if top_row > MAX_ROWS:
                    letters = re.search(rb'<c r="([A-Za-z]{0,4})0*' + str(top_row).encode()
                                        + b'"' + _PLAIN_ATTRS + b">", body).group(1)
                    extent.max_row_ref = f"{letters.decode().upper()}{top_row}"
                if top_col > MAX_COLUMNS:
                    letters = next(c for c in columns if _column_number(c) == top_col)
                    digits = re.search(rb'<c r="' + letters + rb'(\d{0,8})"' + _PLAIN_ATTRS
                                       + b">", body).group(1)
                    extent.max_col_ref = f"{letters.decode().upper()}{int(digits or 0)}"
        if shared is not None:
            typed = body.count(b' t="s"')
            if typed:
                indexes = _PLAIN_SHARED.findall(body)
                if len(indexes) != typed:
                    return False
                for index, n in Counter(indexes).items():
                    if index:
                        extent.shared_bytes += n * shared.bytes_for(int(index))
        if extent.over():
            return True
    return True


def _attrs(pattern: re.Pattern, attrs: bytes) -> list[bytes]:
    """Every value of an attribute (a tag may repeat one: calamine keeps the last)."""
    return [a if b is None else b for a, b in
            ((m.group(1), m.group(2)) for m in pattern.finditer(attrs))]


def _scan_tags(bodies, shared: _SharedTexts | None, extent: _Extent) -> None:
    """Tag by tag, as calamine reads them: a cell without `r` is at the column
    after the previous cell, in the row after the previous </row>."""
    token_pattern, loose_pattern = (_TOKEN, _LOOSE_TOKEN) if shared is not None \
        else (_TOKEN_NO_V, _LOOSE_TOKEN_NO_V)  # <v> only matters for shared texts
    row, col = 1, 1
    cell_type = None  # the `t` of the cell being read
    for _, body in bodies:
        tokens = list(token_pattern.finditer(body))
        if len(tokens) != len(loose_pattern.findall(body)):
            raise _Malformed("balise de cellule ou de ligne inattendue")
        for token in tokens:
            closing, tag, attrs, empty, text = token.groups()
            if tag == b"c":
                if closing:
                    cell_type = None
                    continue
                at_row = row
                if b"r" in attrs:
                    refs = [_REF.fullmatch(ref) for ref in _attrs(_ATTR_R, attrs)]
                    if None in refs:
                        raise _Malformed("référence de cellule illisible")
                    if refs:
                        col = max(_column_number(m.group(1)) if len(m.group(1)) <= 7 else 10**9
                                  for m in refs)
                        at_row = max(_number(m.group(2)) for m in refs)
                if not empty:
                    extent.elements += 1
                    if at_row > extent.max_row or col > extent.max_col:
                        extent.add(at_row, col)
                    if shared is not None:
                        cell_type = b"s" if b"s" in _attrs(_ATTR_T, attrs) else None
                col += 1
            elif tag == b"row":
                if closing:
                    row, col = row + 1, 1
                    continue
                refs = _attrs(_ATTR_R, attrs)
                if refs:
                    numbers = [re.fullmatch(rb"[A-Za-z]*(\d+)", ref) for ref in refs]
                    if None in numbers:
                        raise _Malformed("numéro de ligne illisible")
                    row = max(_number(number.group(1)) for number in numbers)
                if empty:
                    row, col = row + 1, 1
            elif not closing and not empty and cell_type == b"s":
                # calamine reads the index from the raw text, and 0 from what it cannot read
                if token.end() == len(body):  # the text may go on in the next piece
                    extent.shared_bytes += shared.longest
                elif text:
                    number = re.fullmatch(rb"\s*\+?0*(\d{1,18})\s*", text)
                    candidates = {0, int(number.group(1))} if number else {0}
                    extent.shared_bytes += max(shared.bytes_for(i) for i in candidates)
        if extent.over():
            return


def _number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 9 else 10**9


def _scan_shared_strings(chunks) -> tuple[list[int], bool, int]:
    """Raw length of each <si> (an upper bound of its text), whether some are
    nested, and the largest uniqueCount declared (calamine reserves that much)."""
    lengths: list[int] = []
    starts: list[int] = []
    open_by_name: dict[bytes, list[int]] = {}
    nested = False
    declared = 0
    end = 0
    for offset, body in _bodies(chunks, None):
        for match in _UNIQUE_COUNT.finditer(body):
            declared = max(declared, int(match.group(1)) if len(match.group(1)) < 19 else 10**19)
        for match in _SI.finditer(body):
            closing, name, empty = match.groups()
            at = offset + match.start()
            if closing:
                for index in open_by_name.pop(name, []):
                    lengths[index] = at - starts[index]
                continue
            if any(open_by_name.values()):
                nested = True
            lengths.append(0)
            starts.append(at)
            if not empty:
                open_by_name.setdefault(name, []).append(len(lengths) - 1)
            if len(lengths) > MAX_SHARED_STRINGS:
                return lengths, nested, len(lengths)
        end = offset + len(body)
    for indexes in open_by_name.values():
        for index in indexes:
            lengths[index] = end - starts[index]
    return lengths, nested, declared


def _part_key(filename: str) -> str:
    """A part's name as calamine looks it up: '/' separators, lower case."""
    return filename.replace("\\", "/").lower()


def _attribute(name: str, tag: str) -> str | None:
    """The value of an attribute of an XML tag, in double or single quotes
    (the other quote may be inside: name="Points d'attention")."""
    found = re.search(r"\s" + name + r"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", tag)
    return None if found is None else (found.group(1) if found.group(1) is not None
                                       else found.group(2))


def _sheet_titles(name: str, data: bytes, archive: zipfile.ZipFile) -> dict[str, str]:
    """{part key: sheet title} from the workbook and its relationships: for
    messages, and to check a sheet's part just before calamine reads it. Not
    trusted: calamine is only given the parts checked (_read_checked_ahead), a
    wrong guess here costs time, never safety."""
    small = 16 * _MB

    def text_of(info):
        return b"".join(member_chunks(name, data, info, small, "")).decode("utf-8", "replace")

    titles: dict[str, str] = {}
    try:
        infos = {_part_key(i.filename): i for i in archive.infolist()}
        for key, info in infos.items():
            if not key.endswith("workbook.xml"):
                continue
            folder = str(PurePosixPath(key).parent)
            rels_key = f"{folder}/_rels/{PurePosixPath(key).name}.rels".lstrip("./")
            targets = {}
            if rels_key in infos:
                for tag in re.findall(r"<[^<>]*Relationship\s[^<>]*>", text_of(infos[rels_key])):
                    rid = _attribute(r"Id", tag)
                    target = _attribute(r"Target", tag)
                    if rid is not None and target is not None:
                        targets[rid] = unescape(target)
            for tag in re.findall(r"<(?:[^\s<>:]+:)?sheet\s[^<>]*>", text_of(info)):
                title = _attribute(r"name", tag)
                rid = _attribute(r"[^\s=]*:id", tag)
                if title is None or rid not in targets:
                    continue
                target = targets[rid]
                path = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
                parts: list[str] = []
                for part in path.split("/"):
                    if part == "..":
                        parts = parts[:-1]
                    elif part not in ("", "."):
                        parts.append(part)
                titles[_part_key("/".join(parts))] = unescape(title)
    except (FileProblem, zipfile.BadZipFile, ValueError):
        pass
    return titles


class _WorkbookCheck:
    """The limits of a workbook, checked before calamine reads anything of it
    (see the top of this module): its format and shared texts when it is
    created, then each part (`part`, any order; every part may be a sheet),
    the workbook-wide limits summed as the parts come."""

    def __init__(self, name: str, data: bytes):
        self.name, self.data = name, data
        try:
            self.archive = open_zip(name, data, "Le classeur")
        except zipfile.BadZipFile as exc:
            raise self.unreadable("BadZipFile") from exc
        self.infos = [info for info in self.archive.infolist() if not info.is_dir()]
        self.keys = [_part_key(info.filename) for info in self.infos]
        if "mimetype" in self.keys or any(key.endswith(_OTHER_FORMAT_PARTS)
                                          for key in self.keys):
            raise FileProblem(
                f"{name} n'est pas un classeur .xlsx (un classeur .ods ou .xlsb renommé ?) : "
                "ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format .xlsx.")
        self.titles = _sheet_titles(name, data, self.archive)
        self.used = 0  # decompressed bytes of the parts read so far
        self.measured = 0  # bytes of the part being read, counted by its last pass
        self.cells = 0
        self.shared_bytes = 0
        self.checked: set[int] = set()  # positions (in self.infos) of the checked parts
        self.shared = None
        self.counted: dict[int, int] = {}  # bytes of the parts already read, by position
        self._shared_strings()

    def unreadable(self, kind: str) -> FileProblem:
        return FileProblem(
            f"Le classeur {self.name} est illisible ({kind}) : est-ce bien un fichier .xlsx "
            "enregistré par Excel ou LibreOffice ?")

    def chunks(self, info):
        name = self.name
        left = MAX_WORKBOOK_MB * _MB - self.used
        if left >= MAX_PART_MB * _MB:
            limit, message = MAX_PART_MB * _MB, (
                f"Le classeur {name} est anormal : sa partie « {info.filename} » dépasse "
                f"{integer(MAX_PART_MB)} Mo une fois décompressée. Enregistrez-le à nouveau "
                "depuis Excel ou LibreOffice, ou découpez-le.")
        else:
            limit, message = left, (
                f"Le classeur {name} dépasse {integer(MAX_WORKBOOK_MB)} Mo une fois "
                "décompressé : découpez-le en plusieurs fichiers.")
        self.measured = 0
        for piece in member_chunks(name, self.data, info, limit, message):
            self.measured += len(piece)
            yield piece

    def _shared_strings(self) -> None:
        name = self.name
        for position, (info, key) in enumerate(zip(self.infos, self.keys)):
            if not key.endswith("sharedstrings.xml"):
                continue
            try:
                lengths, nested, declared = _scan_shared_strings(self.chunks(info))
            except _Malformed as exc:
                raise self.unreadable("XML inattendu") from exc
            if max(len(lengths), declared) > MAX_SHARED_STRINGS:
                raise FileProblem(
                    f"Le classeur {name} annonce ou contient plus de "
                    f"{integer(MAX_SHARED_STRINGS)} textes différents : relog en lit au plus "
                    f"{integer(MAX_SHARED_STRINGS)}. Enregistrez-le à nouveau depuis Excel ou "
                    "LibreOffice, ou découpez-le.")
            shared = self.shared
            if shared is not None:  # several candidates: bound each index by the longer
                width = max(len(lengths), len(shared.lengths))
                lengths = [max(a, b) for a, b in zip(lengths + [0] * (width - len(lengths)),
                                                     shared.lengths
                                                     + [0] * (width - len(shared.lengths)))]
            self.shared = _SharedTexts(lengths, nested)
            self.used += self.measured
            self.counted[position] = self.measured

    def part(self, position: int) -> None:
        """Check one part (once): FileProblem when it, or the workbook so far,
        goes beyond a limit."""
        if position in self.checked:
            return
        name, info, key = self.name, self.infos[position], self.keys[position]
        self.used -= self.counted.pop(position, 0)  # read again
        where = (f"Le classeur {name}, feuille « {self.titles[key]} »" if key in self.titles
                 else f"Le classeur {name}, partie « {info.filename} »")
        extent = _Extent()
        try:
            if not _scan_plain(_bodies(self.chunks(info), b"sheetData", b"<c"), self.shared,
                               extent):
                extent = _Extent()
                _scan_tags(_bodies(self.chunks(info), b"sheetData", b"<c"), self.shared, extent)
        except _Malformed as exc:
            raise FileProblem(
                f"{where} : XML inattendu ({exc}) ; est-ce bien un fichier .xlsx enregistré par "
                "Excel ou LibreOffice ?") from exc
        self.used += self.measured
        _refuse_extent(name, where, extent)
        self.cells += extent.max_row * extent.max_col
        self.shared_bytes += extent.shared_bytes
        if self.cells > MAX_WORKBOOK_CELLS:
            raise FileProblem(
                f"Le classeur {name} compte plus de {integer(MAX_WORKBOOK_CELLS)} cellules : "
                f"relog en lit au plus {integer(MAX_WORKBOOK_CELLS)} par classeur. Découpez-le "
                "en plusieurs fichiers.")
        if self.shared_bytes > MAX_SHARED_TEXT_MB * _MB:
            raise FileProblem(
                f"{where} : ses cellules reprennent plus de {integer(MAX_SHARED_TEXT_MB)} Mo de "
                "textes partagés, la limite de relog. Enregistrez le classeur à nouveau depuis "
                "Excel ou LibreOffice, ou découpez-le.")
        self.checked.add(position)

    def rest(self) -> None:
        """Check every part not checked yet, in the archive's order."""
        for position in range(len(self.infos)):
            self.part(position)

    def sheet_positions(self) -> dict[str, int] | None:
        """{sheet title: position of its part}, as the workbook and its
        relationships say; None when a title or a part comes twice."""
        positions = {key: position for position, key in enumerate(self.keys)}
        if len(positions) != len(self.keys) or len(set(self.titles.values())) != len(self.titles):
            return None
        if any(key not in positions for key in self.titles):
            return None
        return {title: positions[key] for key, title in self.titles.items()}


def _refuse_extent(name: str, where: str, extent: _Extent) -> None:
    limits = (f"relog lit au plus {integer(MAX_ROWS)} lignes et {integer(MAX_COLUMNS)} colonnes "
              "par feuille. Supprimez les lignes et colonnes inutiles (ou découpez la feuille).")
    if extent.max_row > MAX_ROWS:
        raise FileProblem(f"{where} : une cellule est remplie en {extent.max_row_ref} ; {limits}")
    if extent.max_col > MAX_COLUMNS:
        raise FileProblem(f"{where} : une cellule est remplie en {extent.max_col_ref} ; {limits}")
    if extent.elements > MAX_SHEET_CELLS:
        raise FileProblem(
            f"{where} : plus de {integer(MAX_SHEET_CELLS)} cellules ; relog lit au plus "
            f"{integer(MAX_SHEET_CELLS)} cellules par feuille. Découpez la feuille.")
    if extent.max_row * extent.max_col > MAX_SHEET_CELLS:
        raise FileProblem(
            f"{where} : les cellules remplies vont jusqu'à la ligne {integer(extent.max_row)} et "
            f"la colonne {_column_letters(extent.max_col)}, soit plus de "
            f"{integer(MAX_SHEET_CELLS)} cellules : relog lit au plus "
            f"{integer(MAX_SHEET_CELLS)} cellules par feuille. Supprimez les lignes et colonnes "
            "inutiles ou découpez la feuille.")


def _read_xlsx(name: str, data: bytes) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    if data.startswith(_OLE_MAGIC):
        raise FileProblem(
            f"Le classeur {name} est protégé par un mot de passe (chiffré) ou enregistré dans "
            "un ancien format : ouvrez-le dans Excel, retirez le mot de passe et enregistrez-le "
            "au format .xlsx."
        )
    if not data.startswith(b"PK"):
        raise FileProblem(
            f"{name} n'est pas un vrai classeur Excel .xlsx (son contenu n'est pas celui d'un "
            "classeur ; un fichier CSV renommé en .xlsx, par exemple)."
        )
    check = _WorkbookCheck(name, data)
    try:
        sheets = _read_checked_ahead(check)
        if sheets is None:  # everything checked first, then read
            check.rest()
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheets = _read_sheets(name, workbook.sheet_names, workbook.get_sheet_by_name)
        return sheets
    except FileProblem:
        raise
    except Exception as exc:  # calamine raises several error types for broken files
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise FileProblem(f"Le classeur {name} est protégé par un mot de passe.") from exc
        raise FileProblem(
            f"Le classeur {name} est illisible ({type(exc).__name__}) : est-ce bien un fichier "
            ".xlsx enregistré par Excel ou LibreOffice ?"
        ) from exc


class _Unsure(Exception):
    """The checked-ahead reading cannot go on: read the usual way."""


def _read_checked_ahead(check: _WorkbookCheck) -> list[RawSheet] | None:
    """The sheets, each read by calamine as soon as its part is checked, while
    this thread checks the next one (calamine reads mostly without the GIL: the
    two go on at once). Calamine is given a copy of the workbook that holds
    only checked parts, so it cannot read an unchecked one, whichever part it
    takes for a sheet. None when the copy cannot be made, a sheet's part is
    not known, or calamine fails on the copy: then every part is checked
    before the workbook is read (the same sheets, or calamine's own error)."""
    from python_calamine import CalamineWorkbook

    positions = check.sheet_positions()
    if positions is None:
        return None
    sheet_parts = set(positions.values())
    for position in range(len(check.infos)):  # the workbook, its texts, styles, ...
        if position not in sheet_parts:
            check.part(position)
    copies = {"parts": frozenset(), "book": None, "read": set()}

    def book_with(position: int):
        """A workbook holding the parts that are not sheets and the sheets
        checked and not read yet (one copy serves the sheets checked before it
        was made)."""
        if position not in copies["parts"]:
            parts = frozenset(p for p in frozenset(check.checked)
                              if p not in sheet_parts or p not in copies["read"])
            data = zip_subset.subset(check.data, [check.infos[p] for p in sorted(parts)])
            if data is None:
                raise _Unsure()
            copies["book"] = CalamineWorkbook.from_filelike(io.BytesIO(data))
            copies["parts"] = parts
        copies["read"].add(position)
        return copies["book"]

    try:
        names = book_with(-1).sheet_names  # the workbook without any sheet part
        if any(sheet_name not in positions for sheet_name in names):
            return None

        def get(sheet_name: str):
            check.part(positions[sheet_name])  # FileProblem: refused, nothing read
            return lambda: book_with(positions[sheet_name]).get_sheet_by_name(sheet_name)

        return _read_sheets(check.name, names, get, check_first=True)
    except (FileProblem, _Malformed):
        raise
    except Exception:  # calamine's errors, _Unsure
        return None


def _read_sheets(name: str, names: list[str], get, check_first: bool = False) -> list[RawSheet]:
    """Calamine reads the next sheets (in Rust, mostly without the GIL) while
    this thread turns the previous ones into Python rows. With `check_first`,
    get(sheet) checks the sheet's part in this thread and returns what reads
    it: the parts are checked ahead of calamine, up to _AHEAD sheets read and
    not yet turned into rows. Every sheet read is bounded: checked before."""
    sheets = []
    waiting = deque()  # (sheet name, future of calamine's sheet), in order
    most = _AHEAD if check_first else 1

    def turn_into_rows(sheet_name: str, future) -> None:
        sheet = future.result()
        # Only the cells from the first filled row and column to the last:
        # their Excel row numbers start at the first filled row.
        start = sheet.start
        rows = sheet.to_python(skip_empty_area=True)
        del sheet
        raw = _sheet_from_rows(name, sheet_name, rows,
                               first_row_number=(start[0] + 1) if start else 1)
        del rows
        if raw is not None:
            sheets.append(raw)

    with ThreadPoolExecutor(max_workers=1) as ahead:
        for sheet_name in names:
            task = get(sheet_name) if check_first else partial(get, sheet_name)
            waiting.append((sheet_name, ahead.submit(task)))
            while waiting and (len(waiting) > most or waiting[0][1].done()):
                turn_into_rows(*waiting.popleft())
        while waiting:
            turn_into_rows(*waiting.popleft())
    return sheets

def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _filled(row) -> bool:
    """Some value of the row is not empty (_is_empty), tested in one pass."""
    for value in row:
        if value is None:
            continue
        if isinstance(value, str) and (not value or value.isspace()):
            continue  # not value.strip()
        return True
    return False


def _sheet_from_rows(file: str, sheet: str, rows: list[list], first_row_number: int):
    """The header is the first non-empty row; fully empty rows are skipped."""
    header_index = next((i for i, row in enumerate(rows) if _filled(row)), None)
    if header_index is None:
        return None
    header = [("" if _is_empty(v) else str(v).strip()) for v in rows[header_index]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    out = RawSheet(file=file, sheet=sheet, header=header)
    kept, numbers = out.rows, out.row_numbers
    for offset in range(header_index + 1, len(rows)):
        row = rows[offset]
        if not _filled(row):
            continue
        size = len(row)
        if size == width and type(row) is list:
            values = row  # calamine gives each row its own list
        elif size >= width:
            values = list(row[:width])
        else:
            values = list(row) + [None] * (width - size)
        kept.append(values)
        numbers.append(first_row_number + offset)
    return out


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _delimiter(text: str) -> str:
    # the first non-empty line, looked for in the first megabyte only (splitting
    # a whole file into lines would cost far more memory than the file)
    first = next((line for line in text[:_MB].splitlines() if line.strip()), "")
    semicolons, commas, tabs = first.count(";"), first.count(","), first.count("\t")
    if tabs > semicolons and tabs > commas:
        return "\t"
    return ";" if semicolons >= commas and semicolons > 0 else ","


def _read_csv(name: str, data: bytes) -> RawSheet:
    text = _decode(name, data)
    if "\x00" in text:
        raise FileProblem(f"{name} n'est pas un fichier texte CSV (contenu binaire).")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    sheet_name = Path(name).stem
    header: list[str] | None = None
    out: RawSheet | None = None
    bad: list[tuple[str, int, str]] = []
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if header is None:
                header = [f.strip() for f in fields]
                while header and header[-1] == "":
                    header.pop()
                if len(header) > MAX_COLUMNS:
                    raise FileProblem(
                        f"{name} : {integer(len(header))} colonnes ; relog lit au plus "
                        f"{integer(MAX_COLUMNS)} colonnes par fichier. Supprimez les colonnes "
                        "inutiles.")
                out = RawSheet(file=name, sheet=sheet_name, header=header)
                width = len(fields)
                continue
            if line > MAX_ROWS:
                raise FileProblem(
                    f"{name} : plus de {integer(MAX_ROWS)} lignes ; relog lit au plus "
                    f"{integer(MAX_ROWS)} lignes par fichier. Découpez-le.")
            if len(fields) > width and not any(f.strip() for f in fields[width:]):
                fields = fields[:width]  # trailing empty fields: harmless
            if len(fields) != width:
                bad.append((name, line, f"{len(fields)} champs au lieu de {width}"))
                continue
            out.rows.append(fields[: len(header)])
            out.row_numbers.append(line)
    except csv.Error as exc:
        raise FileProblem(f"{name} : CSV illisible à la ligne {reader.line_num} ({exc}).") from exc
    if out is None:
        raise FileProblem(f"Le fichier {name} est vide.")
    if bad:
        lines = ", ".join(str(line) for _, line, _ in bad[:10])
        more = f" (et {len(bad) - 10} autres)" if len(bad) > 10 else ""
        raise FileProblem(
            f"{name} : le nombre de champs varie d'une ligne à l'autre (lignes {lines}{more}). "
            "Vérifiez le séparateur (; ou ,) et les guillemets autour des textes qui en "
            "contiennent.",
            bad,
        )
    return out
