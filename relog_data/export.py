"""The workbook format, written: the full export of a database and the empty
template (with drop-down lists and a "Lisez-moi" sheet). Both use the French
sheet and column names of the data dictionary, so that an export can be
imported again as it is."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from . import codes, model
from .db import Database
from .parsing import expected_text
from .spreadsheet import XLSX_OPTIONS

MAX_ROWS = 1_048_575  # Excel's last row, minus the header

_INTRO = (
    "Classeur de suivi du relogement (relog) — une feuille par table du dictionnaire de "
    "données. Les en-têtes sont en français ; une ligne par enregistrement ; laissez vide "
    "ce qui n'est pas connu. Dates : 31/03/2008 (ou 31 mars 2008, 31.03.2008, 31/03/08) ; "
    "montants en euros par mois : 1 234,50 ; "
    "oui / non pour les cases à cocher. Les colonnes marquées obligatoires doivent être "
    "remplies. Les listes déroulantes donnent les valeurs permises."
)


def _formats(book):
    return {
        "header": book.add_format({"bold": True, "bg_color": "#DCE6F0", "border": 1,
                                   "text_wrap": True, "valign": "top"}),
        "required": book.add_format({"bold": True, "bg_color": "#F6D7A7", "border": 1,
                                     "text_wrap": True, "valign": "top"}),
        "date": book.add_format({"num_format": "dd/mm/yyyy"}),
        "decimal": book.add_format({"num_format": "# ##0.00"}),
        "int": book.add_format({"num_format": "0"}),
        "text": book.add_format({"num_format": "@"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
    }


def _column_format(fmt, col: model.Column):
    return {"date": fmt["date"], "decimal": fmt["decimal"], "int": fmt["int"],
            "text": fmt["text"]}.get(col.kind)


def _write_headers(sheet, table: model.Table, fmt) -> None:
    for j, col in enumerate(table.columns):
        sheet.write(0, j, col.french, fmt["required"] if col.required else fmt["header"])
        sheet.set_column(j, j, max(12, min(32, len(col.french) + 4)), _column_format(fmt, col))
    sheet.freeze_panes(1, 0)


def _lists_sheet(book, fmt) -> dict[str, str]:
    """A hidden sheet holding every code list; returns {list name: range}."""
    sheet = book.add_worksheet("Listes")
    ranges = {}
    lists = list(codes.ALL_CODE_LISTS) + [codes.CodeList("booleen", ("oui", "non"))]
    for j, code_list in enumerate(lists):
        sheet.write(0, j, codes.LIST_TITLES[code_list.name], fmt["header"])
        sheet.set_column(j, j, max(14, len(codes.LIST_TITLES[code_list.name]) + 2))
        for i, value in enumerate(code_list.values, start=1):
            sheet.write_string(i, j, value)
        letter = xl_col_to_name(j)
        ranges[code_list.name] = f"=Listes!${letter}$2:${letter}${len(code_list.values) + 1}"
    sheet.hide()
    return ranges


def write_template(out: str | Path) -> Path:
    """An empty workbook: header rows, drop-down lists on every code and yes/no
    column, date and number formats, and a "Lisez-moi" sheet."""
    out = Path(out)
    book = xlsxwriter.Workbook(str(out), XLSX_OPTIONS)
    fmt = _formats(book)
    readme = book.add_worksheet("Lisez-moi")
    sheets = {t.name: book.add_worksheet(t.sheet) for t in model.TABLES}
    ranges = _lists_sheet(book, fmt)

    readme.set_column(0, 0, 22)
    readme.set_column(1, 1, 30)
    readme.set_column(2, 2, 14)
    readme.set_column(3, 3, 70)
    readme.write(0, 0, "relog — classeur de suivi du relogement", fmt["title"])
    readme.merge_range(1, 0, 1, 3, _INTRO, fmt["wrap"])
    readme.set_row(1, 75)
    row = 3
    for table in model.TABLES:
        readme.write(row, 0, "Feuille", fmt["header"])
        readme.write(row, 1, "Colonne", fmt["header"])
        readme.write(row, 2, "Obligatoire", fmt["header"])
        readme.write(row, 3, "Contenu attendu", fmt["header"])
        row += 1
        for col in table.columns:
            readme.write(row, 0, table.sheet)
            readme.write(row, 1, col.french)
            readme.write(row, 2, "oui" if col.required else "")
            text = expected_text(col)
            if col.description:
                text = f"{col.description} — {text}"
            if col.name in table.key:
                text += " (clé : unique" + (" avec " + ", ".join(
                    table.column(k).french for k in table.key if k != col.name)
                    if len(table.key) > 1 else "") + ")"
            readme.write(row, 3, text, fmt["wrap"])
            row += 1
        row += 1

    for table in model.TABLES:
        sheet = sheets[table.name]
        _write_headers(sheet, table, fmt)
        for j, col in enumerate(table.columns):
            source = None
            if col.kind == "code":
                source = ranges[col.codes.name]
            elif col.kind == "bool":
                source = ranges["booleen"]
            if source:
                sheet.data_validation(1, j, 5000, j, {
                    "validate": "list", "source": source,
                    "error_title": "Valeur non prévue",
                    "error_message": f"Choisissez une valeur de la liste pour « {col.french} ».",
                })
            elif col.kind == "date":
                sheet.data_validation(1, j, 5000, j, {
                    "validate": "date", "criteria": ">", "minimum": pd.Timestamp("1900-01-01"),
                    "error_message": "Saisissez une date (31/03/2008).",
                })
    book.close()
    return out


def table_frame(db: Database, table: model.Table) -> pd.DataFrame:
    cols = ", ".join(table.columns[i].name for i in range(len(table.columns)))
    order = ", ".join(table.key)
    # identifiers come from the model (constants), never from user input
    return db.query_text(f"SELECT {cols} FROM {table.name} ORDER BY {order}")


def export_workbook(db: Database, out: str | Path) -> Path:
    """The whole database as a workbook in the import format."""
    return write_workbook({t.name: table_frame(db, t) for t in model.TABLES}, out)


def write_workbook(frames: dict[str, pd.DataFrame], out: str | Path) -> Path:
    """Tables (database column names) as a workbook in the import format.

    Text is written as it is, never prefixed with an apostrophe as in the CSV
    downloads (spreadsheet.neutralise): this workbook is imported again, and a
    prefixed "'=x" would come back as "'=x". Text cells are written with
    write_string and the workbook with strings_to_formulas off: "=x" stays the
    literal text "=x" in its cell, never a formula."""
    out = Path(out)
    book = xlsxwriter.Workbook(str(out), {**XLSX_OPTIONS, "constant_memory": True})
    fmt = _formats(book)
    for table in model.TABLES:
        if table.name not in frames:
            continue
        frame = frames[table.name]
        if len(frame) > MAX_ROWS:
            book.close()
            out.unlink(missing_ok=True)
            from .errors import RelogError

            raise RelogError(
                f"La table {table.sheet} compte {len(frame)} lignes : plus qu'une feuille Excel "
                "ne peut en contenir. Exportez par opération."
            )
        sheet = book.add_worksheet(table.sheet)
        _write_headers(sheet, table, fmt)
        columns = [frame[c.name].tolist() for c in table.columns]
        for i in range(len(frame)):
            for j, col in enumerate(table.columns):
                value = columns[j][i]
                if value is None or value is pd.NA or value is pd.NaT or (
                        isinstance(value, float) and value != value):
                    continue
                if col.kind == "date":
                    sheet.write_datetime(i + 1, j, pd.Timestamp(value).to_pydatetime(),
                                         fmt["date"])
                elif col.kind == "bool":
                    sheet.write_string(i + 1, j, "oui" if value else "non")
                elif col.kind in ("int", "decimal"):
                    sheet.write_number(i + 1, j, float(value))
                else:
                    sheet.write_string(i + 1, j, str(value))
    book.close()
    return out
