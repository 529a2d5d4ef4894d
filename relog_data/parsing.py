"""Turning the raw cells of a sheet into typed values, following the matching
rules of the data dictionary. Each distinct raw value is parsed once
(`pandas.factorize`), so a million rows cost little more than their distinct
values."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import model
from .matching import code_lookup, name_key, strip_accents, value_key

MISSING = object()  # a cell parsed as empty
_BAD = object()  # a cell that does not parse


@dataclass(frozen=True)
class Note:
    """What a parser says about one cell beyond its value: why it was refused
    (with a Refused) or what was assumed to read it (with an Approximate)."""

    kind: str  # short French label, e.g. "Date sans jour"
    message: str  # French sentence


@dataclass(frozen=True)
class Refused:
    """A cell that does not parse, with the reason a user can act on."""

    note: Note


@dataclass(frozen=True)
class Approximate:
    """A cell read with an assumption the user should check (a warning)."""

    value: object
    note: Note


class ParsedColumn(NamedTuple):
    values: list  # parsed values (None for blank or bad cells)
    blank: np.ndarray  # per row: empty cell
    bad: np.ndarray  # per row: a value that does not parse
    notes: list  # per row: a Note (why bad, or what was assumed) or None

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
# 16/03/2022, 16.03.2022, 16-03-2022, 16/03/22 (a time after it is ignored)
_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
# a month without a day: 03/2022, 3.2022, 2022-03
_FR_MONTH = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
# 16 mars 2022, 1er mars 2022, 16-mars-22, mars 2022 (accents already removed)
_WORDS = re.compile(r"^(?:(\d{1,2})(?:er)?[\s./-]*)?([a-z]+)\.?(?:[\s./-]*(\d{4}|\d{2}))?$")
_WEEKDAY = re.compile(r"^(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)[\s,.]+")
_MONTHS = {}
for _number, _words in enumerate((
        "janvier janv jan january", "fevrier fevr fev february feb", "mars mar march",
        "avril avr april apr", "mai may", "juin june jun", "juillet juil july jul",
        "aout aou august aug", "septembre sept sep september", "octobre oct october",
        "novembre nov november", "decembre dec december"), start=1):
    _MONTHS.update({word: _number for word in _words.split()})
MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
               "septembre", "octobre", "novembre", "décembre")
# Two-digit years: 00 to 69 are read 2000 to 2069 (the programmes' dates);
# 70 to 99 are refused as ambiguous (1985 or 2085?), with that explanation.
TWO_DIGIT_YEAR_LAST = 69
_EXCEL_EPOCH = date(1899, 12, 30)
# Dates outside these years are typing errors (31/12/9999 would become the
# "data date" of every indicator), refused like any unreadable date.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)

TRUE_WORDS = {"oui", "o", "1", "vrai", "true", "yes", "y"}
FALSE_WORDS = {"non", "n", "0", "faux", "false", "no"}

KIND_LABELS = {
    "int": "un nombre entier",
    "decimal": "un nombre (1 234,50 ; 1234.50 ; 1.234,50 ; 450 € ; 450 euros)",
    "date": "une date de 1900 à 2100 (31/03/2008, 31.03.2008, 31/03/08, 31 mars 2008, "
            "1er mars 2008 ou 2008-03-31)",
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


_CURRENCY = re.compile(r"^(?:€|eur)|(?:€|euros?|eur)$", re.IGNORECASE)


def _decimal(value):
    if isinstance(value, bool):
        return _BAD
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) if math.isfinite(float(value)) else _BAD
    text = _SPACES.sub("", str(value)).replace("'", "").replace("’", "").replace("−", "-")
    text = _CURRENCY.sub("", text)
    sign = ""
    if text[:1] in ("+", "-"):
        sign, text = text[0], text[1:]
    if "," in text and "." in text:  # 1.234,50 or 1,234.50: the last one is the decimal mark
        mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if mark == "," else ","
        whole, _, fraction = text.rpartition(mark)
        if not re.fullmatch(rf"\d{{1,3}}(?:\{thousands}\d{{3}})+", whole):
            return _BAD
        text = whole.replace(thousands, "") + "." + fraction
    elif text.count(",") > 1 or text.count(".") > 1:  # 1.234.567: thousands only
        mark = "," if "," in text else "."
        if not re.fullmatch(rf"\d{{1,3}}(?:\{mark}\d{{3}})+", text):
            return _BAD
        text = text.replace(mark, "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"(\d+(\.\d*)?|\.\d+)", text, re.ASCII):
        return _BAD
    return float(sign + text)


def _date(value):
    parsed = _any_date(value)
    if isinstance(parsed, (Refused, Approximate)) or parsed is _BAD:
        day = parsed.value if isinstance(parsed, Approximate) else None
        if day is not None and not DATE_MIN <= day <= DATE_MAX:
            return _out_of_range(value, day)
        return parsed
    if not DATE_MIN <= parsed <= DATE_MAX:
        return _out_of_range(value, parsed)
    return parsed


def _out_of_range(value, day: date) -> Refused:
    return Refused(Note("Date hors période", f"« {_text(value)} » : l'année {day.year} est hors "
                        f"de la période acceptée ({DATE_MIN.year} à {DATE_MAX.year})."))


def _year(text: str, raw: str):
    """A year as written: four digits as they are, two digits by the stated rule."""
    if len(text) == 4:
        return int(text)
    if int(text) <= TWO_DIGIT_YEAR_LAST:
        return 2000 + int(text)
    return Refused(Note(
        "Année à deux chiffres",
        f"« {raw} » : année à deux chiffres « {text} » ambiguë : écrivez 19{text} ou 20{text} "
        f"(de 00 à {TWO_DIGIT_YEAR_LAST}, une année à deux chiffres est lue "
        f"2000 à 20{TWO_DIGIT_YEAR_LAST} ; au-delà, écrivez-la en entier)."))


def _make_date(year, month: int, day: int, raw: str):
    if isinstance(year, Refused):
        return year
    try:
        return date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            message = f"« {raw} » : le {day} {MONTH_NAMES[month - 1]} {year} n'existe pas."
        else:
            message = f"« {raw} » : il n'y a pas de mois {month} (jour, puis mois, puis année)."
        return Refused(Note("Date impossible", message))


def _first_of_month(year, month: int, raw: str):
    made = _make_date(year, month, 1, raw)
    if not isinstance(made, date):
        return made
    return Approximate(made, Note("Date sans jour", f"« {raw} » : date sans jour : le 1er du "
                                  f"mois a été retenu ({made.strftime('%d/%m/%Y')})."))


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
    raw = _SPACES.sub(" ", str(value)).strip()
    match = _ISO.match(raw)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day, raw)
    match = _FR.match(raw)
    if match:
        day, month, year = match.groups()
        return _make_date(_year(year, raw), int(month), int(day), raw)
    match = _FR_MONTH.match(raw)
    if match:
        return _first_of_month(int(match.group(2)), int(match.group(1)), raw)
    match = _ISO_MONTH.match(raw)
    if match:
        return _first_of_month(int(match.group(1)), int(match.group(2)), raw)
    words = _WEEKDAY.sub("", strip_accents(raw).lower())
    match = _WORDS.match(words)
    if match is None or match.group(2) not in _MONTHS:
        return _BAD
    day, month, year = match.group(1), _MONTHS[match.group(2)], match.group(3)
    if year is None:
        return Refused(Note("Date sans année", f"« {raw} » : date sans année : écrivez par "
                            "exemple 16 mars 2022."))
    if day is None:
        if len(year) == 2:  # "mars 22": the 22nd of March, or March 2022?
            return Refused(Note("Année à deux chiffres", f"« {raw} » : jour ou année ? écrivez "
                                f"{match.group(2)} 20{year} (le mois), ou {year} "
                                f"{match.group(2)} suivi de l'année (le jour)."))
        return _first_of_month(int(year), month, raw)
    return _make_date(_year(year, raw), month, int(day), raw)


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


def parse_column(column: model.Column, raw: list) -> ParsedColumn:
    """(values, blank mask, bad mask, notes) for one column of raw cells. A note
    says why a bad cell was refused, or what was assumed to read a good one
    (a date without a day: a warning); most cells have none."""
    series = pd.Series(raw, dtype="object")
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parse = parser_for(column)
    parsed_uniques, unique_notes = [], []
    missing, refused = [], []  # per distinct value
    plain_text = parse is _text  # a text cell: itself, stripped (blank when nothing is left)
    for value in uniques:
        if plain_text and type(value) is str:
            text = value.strip()
            parsed_uniques.append(text or None)
            unique_notes.append(None)
            missing.append(not text)
            refused.append(False)
            continue
        note = None
        if is_blank(value):
            parsed = MISSING
        else:
            try:
                parsed = parse(value)
            except (ValueError, TypeError, OverflowError):
                parsed = _BAD
            if isinstance(parsed, Refused):
                parsed, note = _BAD, parsed.note
            elif isinstance(parsed, Approximate):
                parsed, note = parsed.value, parsed.note
        missing.append(parsed is MISSING)
        refused.append(parsed is _BAD)
        parsed_uniques.append(None if parsed is MISSING or parsed is _BAD else parsed)
        unique_notes.append(note)
    lookup = np.empty(len(parsed_uniques) + 1, dtype=object)
    lookup[:-1] = parsed_uniques
    lookup[-1] = None  # factorize's -1 (NaN/None)
    missing.append(True)
    refused.append(False)
    # per distinct value, then spread to the rows by their codes (no per-row Python)
    blank = np.array(missing, dtype=bool)[codes]
    bad = np.array(refused, dtype=bool)[codes]
    values = lookup[codes].tolist()
    if any(n is not None for n in unique_notes):
        note_lookup = np.empty(len(unique_notes) + 1, dtype=object)
        note_lookup[:-1] = unique_notes
        note_lookup[-1] = None
        notes = note_lookup[codes].tolist()
    else:
        notes = [None] * len(values)
    return ParsedColumn(values, blank, bad, notes)


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
