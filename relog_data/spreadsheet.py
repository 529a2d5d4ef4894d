"""Spreadsheet safety: data text that a spreadsheet would run as a formula.

A cell whose text starts with `=`, `+`, `-` or `@` (or a tab or a carriage
return before one of them) is read by Excel and LibreOffice as a formula when
a CSV file is opened, or when a text cell of a workbook is edited: a login
typed on the sign-in form or a building name could then open a link or call
another program (CSV injection, OWASP). Outputs read by people only (the CSV
downloads, the report annex) prefix such text with an apostrophe; numbers,
dates and booleans stay what they are. Every xlsxwriter workbook is opened
with XLSX_OPTIONS, so that no text is ever turned into a formula or a link.
"""

from __future__ import annotations

import pandas as pd

# The characters that make a spreadsheet read a text cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# xlsxwriter's Workbook options for every workbook relog writes: `write()` turns
# a text starting with "=" (or "{=...}") into a formula and a text starting with
# "http://", "mailto:"... into a hyperlink unless told otherwise; text that looks
# like a number stays text (strings_to_numbers is already False by default, set
# here so that it is not turned on by accident).
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}


def neutralise(value):
    """A text read as a formula by a spreadsheet gets a leading apostrophe
    ("=1+1" -> "'=1+1", "-3" -> "'-3"); anything else, numbers included, is
    returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _is_text(dtype) -> bool:
    if isinstance(dtype, pd.CategoricalDtype):
        return _is_text(dtype.categories.dtype)
    return dtype == object or isinstance(dtype, pd.StringDtype)


def _neutralised_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex) or not _is_text(index.dtype):
        return index
    return pd.Index([neutralise(v) for v in index], name=neutralise(index.name))


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells (object, string and categorical
    columns, text row and column labels) are neutralised; numeric, date and
    boolean columns are left as they are."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if isinstance(column.dtype, pd.CategoricalDtype) and _is_text(column.dtype):
            column = column.astype(object)
        if _is_text(column.dtype):
            out.isetitem(position, column.map(neutralise, na_action="ignore"))
    out.index = _neutralised_labels(out.index)
    out.columns = _neutralised_labels(out.columns)
    return out


def csv_text(frame: pd.DataFrame, decimal: str = ",") -> str:
    """The frame as relog's French CSV (";" separator, no index), neutralised."""
    return neutralise_frame(frame).to_csv(index=False, sep=";", decimal=decimal)


def csv_bytes(frame: pd.DataFrame, decimal: str = ",") -> bytes:
    """csv_text in UTF-8 with a byte order mark, which Excel needs to read the accents."""
    return csv_text(frame, decimal).encode("utf-8-sig")
