"""Turning the raw cells of a sheet into typed values, following the matching
rules of the data dictionary. Each distinct raw value is parsed once
(`pandas.factorize`), so a million rows cost little more than their distinct
values."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from . import model
from .matching import code_lookup, name_key, value_key

MISSING = object()  # a cell parsed as empty
_BAD = object()  # a cell that does not parse

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
# Dates outside these years are typing errors (31/12/9999 would become the
# "data date" of every indicator), refused like any unreadable date.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)

TRUE_WORDS = {"oui", "o", "1", "vrai", "true", "yes", "y"}
FALSE_WORDS = {"non", "n", "0", "faux", "false", "no"}

KIND_LABELS = {
    "int": "un nombre entier",
    "decimal": "un nombre (par exemple 1 234,50)",
    "date": "une date de 1900 à 2100 (31/03/2008 ou 2008-03-31)",
    "bool": "oui ou non",
    "text": "un texte",
}


def is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return value is pd.NA or value is pd.NaT


def _text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _int(value):
    if isinstance(value, bool):
        return _BAD
    if isinstance(value, (int, np.integer)):
        return int(value) if abs(int(value)) < 10**15 else _BAD
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e15 else _BAD
    text = _SPACES.sub("", str(value))
    text = re.sub(r"[.,]0+$", "", text)
    # more than 15 digits is no count of people, dwellings or days
    return int(text) if re.fullmatch(r"[+-]?\d{1,15}", text) else _BAD


def _decimal(value):
    if isinstance(value, bool):
        return _BAD
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) if math.isfinite(float(value)) else _BAD
    text = _SPACES.sub("", str(value)).replace("€", "").replace("EUR", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return _BAD
    return float(text)


def _date(value):
    parsed = _any_date(value)
    if parsed is _BAD or not DATE_MIN <= parsed <= DATE_MAX:
        return _BAD
    return parsed


def _any_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return _BAD
    if isinstance(value, (int, float, np.integer, np.floating)):
        serial = float(value)
        # an Excel serial date (1 = 01/01/1900), within years 1901-2199
        if 367 <= serial < 109575 and float(serial).is_integer():
            return _EXCEL_EPOCH + timedelta(days=int(serial))
        return _BAD
    text = str(value).strip()
    for pattern, order in ((_ISO, (0, 1, 2)), (_FR, (2, 1, 0))):
        match = pattern.match(text)
        if match:
            parts = [int(g) for g in match.groups()]
            try:
                return date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return _BAD
    return _BAD


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    key = value_key(value)
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    return _BAD


def parser_for(column: model.Column):
    """A function raw cell -> parsed value or _BAD (blank cells never reach it)."""
    if column.kind == "code":
        lookup = code_lookup(column.codes.values)
        return lambda v: lookup.get(value_key(v), _BAD)
    if column.name == "insee_code":
        def insee(v):
            text = _text(v)
            if re.fullmatch(r"\d{4}", text):
                text = "0" + text  # a leading zero lost by Excel (01053 -> 1053)
            return text if re.fullmatch(r"\d[0-9AB]\d{3}", text) else _BAD
        return insee
    return {"text": _text, "int": _int, "decimal": _decimal, "date": _date,
            "bool": _bool}[column.kind]


def parse_column(column: model.Column, raw: list) -> tuple[list, np.ndarray, np.ndarray]:
    """(values, blank mask, bad mask) for one column of raw cells."""
    series = pd.Series(raw, dtype="object")
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parse = parser_for(column)
    parsed_uniques = []
    for value in uniques:
        if is_blank(value):
            parsed_uniques.append(MISSING)
            continue
        try:
            parsed_uniques.append(parse(value))
        except (ValueError, TypeError, OverflowError):
            parsed_uniques.append(_BAD)
    lookup = np.empty(len(parsed_uniques) + 1, dtype=object)
    lookup[:-1] = parsed_uniques
    lookup[-1] = MISSING  # factorize's -1 (NaN/None)
    values = lookup[codes]
    blank = np.fromiter((v is MISSING for v in values), bool, len(values))
    bad = np.fromiter((v is _BAD for v in values), bool, len(values))
    values = [None if (v is MISSING or v is _BAD) else v for v in values]
    return values, blank, bad


def expected_text(column: model.Column) -> str:
    if column.kind == "code":
        return "une des valeurs : " + ", ".join(f"« {v} »" for v in column.codes.values)
    if column.name == "insee_code":
        return "un code INSEE à 5 caractères (69256)"
    return KIND_LABELS[column.kind]


def match_columns(table: model.Table, header: list[str]):
    """{column name: index in the header} and the headers that match nothing."""
    by_key: dict[str, model.Column] = {}
    for col in table.columns:
        by_key[name_key(col.french)] = col
        by_key.setdefault(name_key(col.name), col)
    found: dict[str, int] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    for index, title in enumerate(header):
        if not title:
            continue
        col = by_key.get(name_key(title))
        if col is None:
            unknown.append(title)
        elif col.name in found:
            duplicated.append(title)
        else:
            found[col.name] = index
    return found, unknown, duplicated


def match_table(sheet_name: str) -> model.Table | None:
    key = name_key(sheet_name)
    for table in model.TABLES:
        if key in (name_key(table.sheet), name_key(table.name)):
            return table
    return None
