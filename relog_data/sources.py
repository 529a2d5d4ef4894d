"""Reading the files an import is made of: .xlsx workbooks, CSV files, folders
of CSV files and .zip archives of them, into raw sheets (header + rows, with the
row numbers a user sees in Excel: header = row 1).

Every unreadable file gives a RelogError with a French message; nothing here
writes anything.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RelogError

MAX_BYTES = 200 * 1024 * 1024  # 200 Mo per file (and per archive, uncompressed)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
        if size > MAX_BYTES:
            raise FileProblem(
                f"Le fichier {path.name} pèse {size / 1024 / 1024:.0f} Mo : au-delà de 200 Mo, "
                "découpez-le (une feuille ou un fichier CSV par table)."
            )
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
        raise FileProblem(f"Le fichier {name} dépasse 200 Mo : découpez-le.")
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


def _read_zip(name: str, data: bytes) -> list[RawSheet]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FileProblem(f"{name} n'est pas une archive .zip lisible.") from exc
    members = [
        info for info in archive.infolist()
        if not info.is_dir() and not Path(info.filename).name.startswith((".", "~$"))
        and "__MACOSX" not in info.filename
        and Path(info.filename).suffix.lower() in (".csv", ".xlsx")
    ]
    if not members:
        raise FileProblem(f"L'archive {name} ne contient aucun fichier .csv ou .xlsx.")
    if sum(info.file_size for info in members) > MAX_BYTES:
        raise FileProblem(f"Le contenu de l'archive {name} dépasse 200 Mo : découpez-la.")
    sheets = []
    for info in sorted(members, key=lambda i: i.filename):
        member_name = f"{name}/{Path(info.filename).name}"
        try:
            member_data = archive.read(info)
        except (RuntimeError, zipfile.BadZipFile) as exc:  # encrypted or corrupt member
            raise FileProblem(
                f"{member_name} ne peut pas être extrait (archive chiffrée ou abîmée)."
            ) from exc
        sheets.extend(_read_one(member_name, member_data))
    return sheets


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
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for sheet_name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(sheet_name)
            rows = sheet.to_python(skip_empty_area=False)
            raw = _sheet_from_rows(name, sheet_name, rows, first_row_number=1)
            if raw is not None:
                sheets.append(raw)
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


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_from_rows(file: str, sheet: str, rows: list[list], first_row_number: int):
    """The header is the first non-empty row; fully empty rows are skipped."""
    header_index = next(
        (i for i, row in enumerate(rows) if any(not _is_empty(v) for v in row)), None
    )
    if header_index is None:
        return None
    header = [("" if _is_empty(v) else str(v).strip()) for v in rows[header_index]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    out = RawSheet(file=file, sheet=sheet, header=header)
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 1):
        if not any(not _is_empty(v) for v in row):
            continue
        values = list(row[:width]) + [None] * (width - len(row))
        out.rows.append(values)
        out.row_numbers.append(first_row_number + offset)
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
    first = next((line for line in text.splitlines() if line.strip()), "")
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
                out = RawSheet(file=name, sheet=sheet_name, header=header)
                width = len(fields)
                continue
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
