"""Import of the rehousing tracking workbook: all or nothing.

1. read the files (sources.py) and match sheets and columns (parsing.py);
2. parse every cell, check required values, bounds, codes, duplicate keys and
   references, collecting *every* problem with its file, sheet, Excel row,
   column and value;
3. in one transaction: upsert the valid rows by the dictionary's keys (or
   replace the tables asked for), run the cross-table rules of
   `sql/checks.sql`, and commit only when there is no error at all — after a
   backup copy of the database. A dry run (the app's preview) always rolls back.
"""

from __future__ import annotations

import difflib
import functools
import getpass
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

from . import audit, changes as change_list, gc_pause, model
from .checks import run_checks_on_cursor
from .db import Database, owner_only, private_copy, scratch_copy
from .errors import RelogError
from .matching import name_key, value_key
from .parsing import expected_text, match_columns, match_table, parse_column
from .sources import FileProblem, RawSheet, Source, read_sources
from .store import typed_frame

ERROR = "erreur"
WARNING = "avertissement"
BACKUPS_KEPT = 10
IGNORED_SHEETS = {"lisezmoi", "listes", "readme"}

Progress = Callable[[float, str], None]


@dataclass
class Problem:
    severity: str
    file: str
    sheet: str
    row: int | None
    column: str | None  # French label, as the template's header row writes it
    value: str | None
    message: str
    letter: str | None = None  # Excel column letter in the file ("C"; "A + C" for a key)
    kind: str = ""  # short French label of the kind of problem ("Valeur hors liste")
    suggestion: str | None = None  # the nearest allowed value: shown, never applied


@dataclass
class ImportReport:
    files: list[dict] = field(default_factory=list)  # {name, sha256, size}
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, dict[str, int]] = field(default_factory=dict)
    committed: bool = False
    backup: str | None = None
    unreadable: bool = False  # a file could not be read at all
    # {(file, sheet): {French column label: Excel letter}}, for the problems' letters
    letters: dict = field(default_factory=dict, repr=False)
    # What the import changes (or changed), field by field: relog_data/changes.py
    # COLUMNS; None until computed (a file that could not be read).
    changes: pd.DataFrame | None = field(default=None, repr=False)
    no_change: bool = False  # nothing to write: no backup, no log, « aucun changement »
    import_id: int | None = None  # the import_log row of a committed import

    @property
    def errors(self) -> list[Problem]:
        """The blocking problems, sorted (see `sorted_problems`)."""
        return self.sorted_problems([p for p in self.problems if p.severity == ERROR])

    @property
    def warnings(self) -> list[Problem]:
        return self.sorted_problems([p for p in self.problems if p.severity == WARNING])

    def sorted_problems(self, problems: list[Problem] | None = None) -> list[Problem]:
        """Errors before warnings, then by file (in the order given), sheet (in
        the dictionary's order), Excel row and column."""
        files = {f.get("name") if isinstance(f, dict) else str(f): i
                 for i, f in enumerate(self.files)}
        sheets: dict[str, int] = {}  # sheet name -> rank, matched once per name
        return sorted(self.problems if problems is None else problems,
                      key=lambda p: _problem_order(p, files, sheets))

    def problems_frame(self) -> pd.DataFrame:
        """The problems as a table with French headers (for screens and CSV), sorted."""
        frame = pd.DataFrame(
            [(p.severity, p.kind, p.file, p.sheet, p.row, p.letter or "", p.column or "",
              p.value or "", p.suggestion or "", p.message)
             for p in self.sorted_problems()],
            columns=PROBLEM_COLUMNS,
        )
        frame["Ligne"] = frame["Ligne"].astype("Int64")
        return frame

    def groups(self, first: int = 5) -> list[dict]:
        """The problems grouped by severity and kind, errors first then by size:
        [{severity, kind, count, problems (the first `first`, sorted), frame
        (those rows as problems_frame does)}]."""
        grouped: dict[tuple[str, str], list[Problem]] = {}
        for p in self.sorted_problems():
            grouped.setdefault((p.severity, p.kind), []).append(p)
        out = []
        for (severity, kind), items in grouped.items():
            shown = ImportReport(files=self.files, problems=items[:first])
            out.append({"severity": severity, "kind": kind, "count": len(items),
                        "problems": items[:first], "frame": shown.problems_frame()})
        out.sort(key=lambda g: (g["severity"] != ERROR, -g["count"], g["kind"]))
        return out

    def summary_frame(self) -> pd.DataFrame:
        """Per sheet: new, changed (rows and fields), unchanged, deleted rows and
        rows of the database absent from the file (kept)."""
        return change_list.sheet_counts(self.changes, self.summary)

    @property
    def has_changes(self) -> bool:
        return change_list.has_changes(self.changes)


@dataclass
class _Parsed:
    table: model.Table
    frame: pd.DataFrame  # typed, only the present columns
    present: list[str]  # database columns present in the file
    files: list[str]  # per row
    sheets: list[str]  # per row
    rows: list[int]  # per row: Excel row number
    valid: np.ndarray  # per row: no error on that row


# -- step 1-2: read and check the files ------------------------------------------------
PROBLEM_COLUMNS = ["Gravité", "Type", "Fichier", "Feuille", "Ligne", "Colonne (lettre)",
                   "Colonne", "Valeur", "Suggestion", "Message"]
SUGGESTION_CUTOFF = 0.75  # difflib ratio: "en recherch" -> "en recherche", not "parti"
# Kinds of problems raised where no kind is given, recognised by their message.
_KINDS_BY_MESSAGE = (("Changer ", "Rattachement non modifiable"),
                     ("Impossible de remplacer", "Remplacement impossible"),
                     ("Aucune feuille reconnue", "Aucune feuille reconnue"))
_BAD_KINDS = {"date": "Date non reconnue", "int": "Nombre entier non reconnu",
              "decimal": "Nombre non reconnu", "bool": "Oui / non non reconnu",
              "text": "Valeur non reconnue"}


def _problem(report, severity, file, sheet, row, column, value, message, *, kind=None,
             letter=None, suggestion=None):
    if letter is None and column:
        letter = _letter_of(report, file, sheet, column)
    if kind is None:
        kind = next((k for start, k in _KINDS_BY_MESSAGE if message.startswith(start)), None)
    if kind is None:
        kind = ("Fichier illisible" if report.unreadable else
                "Autre erreur" if severity == ERROR else "Autre avertissement")
    report.problems.append(Problem(severity, file, sheet, row, column,
                                   None if value is None else str(value), message,
                                   letter, kind, suggestion))


def _letter_of(report, file, sheet, column: str) -> str | None:
    """The Excel letter(s) of a column label in a file's sheet ("A + C" for a key)."""
    letters = report.letters.get((file, sheet))
    if not letters:
        return None
    parts = [letters.get(part) for part in column.split(" + ")]
    return None if None in parts else " + ".join(parts)


def _letter_index(letter: str | None) -> int:
    if not letter:
        return -1
    index = 0
    for ch in letter.split(" + ")[0]:
        index = index * 26 + ord(ch) - ord("A") + 1
    return index


_SHEET_ORDER = {t.sheet: i for i, t in enumerate(model.TABLES)}


def _problem_order(p: Problem, files: dict, sheets: dict) -> tuple:
    sheet = sheets.get(p.sheet)
    if sheet is None:
        table = match_table(p.sheet) if p.sheet else None
        sheet = sheets[p.sheet] = (-1 if not p.sheet else _SHEET_ORDER[table.sheet]
                                   if table is not None else len(_SHEET_ORDER))
    # a member of an archive ("lot.zip/menages.csv") comes where its archive was given
    file = -1 if not p.file else files.get(p.file, files.get(p.file.split("/")[0], len(files)))
    return (p.severity != ERROR, file, p.file, sheet, p.sheet, p.row or 0,
            _letter_index(p.letter), p.column or "")


def nearest(value, allowed, key=value_key) -> str | None:
    """The allowed value nearest to `value` (compared on their matching keys),
    or None when none is near enough. A suggestion, never an automatic fix."""
    return _nearest(str(value), tuple(allowed), key)


@functools.lru_cache(maxsize=4096)  # a typo repeated on many rows is looked up once
def _nearest(value: str, allowed: tuple, key) -> str | None:
    keys = {}
    for candidate in allowed:
        keys.setdefault(key(candidate), candidate)
    found = difflib.get_close_matches(key(value), list(keys), n=1, cutoff=SUGGESTION_CUTOFF)
    return keys[found[0]] if found else None


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the Excel letter of a 0-based column index."""
    letter = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letter = chr(ord("A") + rest) + letter
    return letter


def _parse_sheets(sheets: list[RawSheet], report: ImportReport) -> dict[str, _Parsed]:
    grouped: dict[str, list[tuple[RawSheet, dict[str, int]]]] = {}
    for raw in sheets:
        table = match_table(raw.sheet)
        if table is None:
            if raw.sheet.replace(" ", "").replace("-", "").lower() not in IGNORED_SHEETS:
                near = nearest(raw.sheet, [t.sheet for t in model.TABLES], key=name_key)
                _problem(report, WARNING, raw.file, raw.sheet, None, None, None,
                         f"Feuille « {raw.sheet} » inconnue : ignorée. Feuilles attendues : "
                         + ", ".join(t.sheet for t in model.TABLES) + ".",
                         kind="Feuille inconnue", suggestion=near)
            continue
        found, unknown, duplicated = match_columns(table, raw.header)
        report.letters[(raw.file, raw.sheet)] = {
            table.column(name).french: _column_letter(index) for name, index in found.items()}
        positions: dict[str, list[int]] = {}
        for index, title in enumerate(raw.header):
            positions.setdefault(title, []).append(index)
        missing = [c for c in table.columns if c.required and c.name not in found]
        guesses = {}  # unknown header -> the dictionary column it probably means
        for title in unknown:
            near = nearest(title, [c.french for c in table.columns if c.name not in found],
                           key=name_key)
            guesses[title] = near
            _problem(report, WARNING, raw.file, raw.sheet, 1, title, None,
                     f"Colonne « {title} » inconnue : ignorée."
                     + (f" Renommez-la « {near} » si c'est bien elle." if near else ""),
                     kind="Colonne inconnue", letter=_column_letter(positions[title][0]),
                     suggestion=near)
        for title in duplicated:
            _problem(report, ERROR, raw.file, raw.sheet, 1, title, None,
                     f"La colonne « {title} » apparaît deux fois : gardez-en une seule.",
                     kind="Colonne en double", letter=_column_letter(positions[title][-1]))
        free = _column_letter(len(raw.header))
        for col in missing:
            where = next((t for t, near in guesses.items() if near == col.french), None)
            hint = (f" La colonne « {where} » (colonne {_column_letter(positions[where][0])}) "
                    f"est peut-être celle-ci : renommez-la « {col.french} »." if where else "")
            template = _column_letter([c.name for c in table.columns].index(col.name))
            _problem(report, ERROR, raw.file, raw.sheet, 1, col.french, None,
                     f"Colonne obligatoire absente : « {col.french} ». Ajoutez-la à la ligne "
                     f"d'en-tête de la feuille « {raw.sheet} », par exemple en colonne {free} "
                     f"(la première libre ; colonne {template} dans le modèle, l'ordre des "
                     f"colonnes est libre), puis remplissez-la.{hint}",
                     kind="Colonne obligatoire absente", letter=free,
                     suggestion=col.french if where else None)
        if missing or duplicated:
            continue
        grouped.setdefault(table.name, []).append((raw, found))

    parsed = {}
    for table in model.TABLES:
        if table.name in grouped:
            parsed[table.name] = _parse_table(table, grouped[table.name], report)
    return parsed


def _parse_table(table: model.Table, parts, report: ImportReport) -> _Parsed:
    present = [c.name for c in table.columns if any(c.name in found for _, found in parts)]
    files, sheets, rows = [], [], []
    pieces: dict[str, list[np.ndarray]] = {name: [] for name in present}
    for raw, found in parts:
        n = len(raw.rows)
        files.extend([raw.file] * n)
        sheets.extend([raw.sheet] * n)
        rows.extend(raw.row_numbers)
        width = max(found.values(), default=-1) + 1
        # the usual case, every row as wide as the header: one 2-D array, its columns views
        grid = None
        if n and len(set(map(len, raw.rows))) == 1 and len(raw.rows[0]) >= width:
            grid = np.empty((n, len(raw.rows[0])), dtype=object)
            grid[:] = raw.rows
        for name in present:
            index = found.get(name)
            if index is None:
                pieces[name].append(np.full(n, None, dtype=object))
            elif grid is not None:
                pieces[name].append(grid[:, index])
            else:
                column = np.empty(n, dtype=object)
                column[:] = [r[index] if index < len(r) else None for r in raw.rows]
                pieces[name].append(column)
    raw_cols = {name: got[0] if len(got) == 1 else np.concatenate(got)
                for name, got in pieces.items()}
    n = len(rows)
    valid = np.ones(n, dtype=bool)
    records: dict[str, list] = {}

    def flag(mask, col, message_for, kind, notes=None, suggest=None, severity=ERROR):
        """A problem per row of the mask; a parser's note, when there is one, gives
        the row's own kind and message."""
        for i in np.flatnonzero(mask):
            if severity == ERROR:
                valid[i] = False
            value = raw_cols[col.name][i]
            note = notes[i] if notes is not None else None
            _problem(report, severity, files[i], sheets[i], rows[i], col.french,
                     None if value is None else _show(value),
                     note.message if note is not None else message_for(value),
                     kind=note.kind if note is not None else kind,
                     suggestion=suggest(value) if suggest is not None else None)

    for col in table.columns:
        if col.name not in present:
            continue
        values, blank, bad, notes = parse_column(col, raw_cols[col.name])
        records[col.name] = values
        if col.kind == "code":
            flag(bad, col, lambda v, c=col: f"Valeur « {_show(v)} » inconnue pour "
                 f"« {c.french} » : attendu {expected_text(c)}.", "Valeur hors liste",
                 suggest=lambda v, c=col: nearest(_show(v), c.codes.values))
        else:
            kind = ("Code INSEE non reconnu" if col.name == "insee_code"
                    else _BAD_KINDS[col.kind])
            flag(bad, col, lambda v, c=col: f"« {_show(v)} » n'est pas {expected_text(c)}.",
                 kind, notes=notes)
        if any(notes):  # cells read with an assumption (a date without a day): warnings
            approximate = np.fromiter((x is not None for x in notes), bool, n) & ~bad
            flag(approximate, col, None, None, notes=notes, severity=WARNING)
        if col.required:
            flag(blank, col, lambda v, c=col: f"Valeur obligatoire manquante : « {c.french} ».",
                 "Valeur obligatoire manquante")
        if col.minimum is not None or col.maximum is not None:
            numbers = np.array([np.nan if v is None else float(v) for v in values])
            with np.errstate(invalid="ignore"):
                low = numbers < col.minimum if col.minimum is not None else np.zeros(n, bool)
                high = numbers > col.maximum if col.maximum is not None else np.zeros(n, bool)
            flag(low, col, lambda v, c=col: f"« {c.french} » doit être au moins "
                 f"{_show(float(c.minimum))} (valeur : {_show(v)}).", "Valeur hors limites")
            flag(high, col, lambda v, c=col: f"« {c.french} » doit être au plus "
                 f"{_show(float(c.maximum))} (valeur : {_show(v)}).", "Valeur hors limites")

    full = {c.name: records.get(c.name, [None] * n) for c in table.columns}
    frame = typed_frame(table, pd.DataFrame(
        {name: pd.Series(values, dtype="object") for name, values in full.items()},
        index=range(n)))
    frame = frame[present].copy()

    _check_dates(table, frame, files, sheets, rows, valid, report)
    _check_duplicates(table, frame, files, sheets, rows, valid, report)
    return _Parsed(table, frame, present, files, sheets, rows, valid)


_DATE_ORDER = {
    # table: (start column, end column, message)
    "phases": [("planned_start", "planned_end", "La fin prévue précède le début prévu."),
               ("actual_start", "actual_end", "La fin réelle précède le début réel.")],
    "offers": [("offer_date", "response_date", "La réponse précède la proposition.")],
    "operations": [("start_date", "planned_end_date", "La fin prévue précède le début.")],
}


def _check_dates(table, frame, files, sheets, rows, valid, report):
    for start, end, message in _DATE_ORDER.get(table.name, []):
        if start not in frame or end not in frame:
            continue
        wrong = (frame[end] < frame[start]).fillna(False).to_numpy()
        col = table.column(end)
        for i in np.flatnonzero(wrong):
            valid[i] = False
            _problem(report, ERROR, files[i], sheets[i], rows[i], col.french,
                     frame[end].iloc[i].strftime("%d/%m/%Y"), message,
                     kind="Dates dans le désordre")


def _key_text(frame: pd.DataFrame, key: tuple[str, ...], i: int) -> str:
    parts = []
    for name in key:
        value = frame[name].iloc[i]
        parts.append(value.strftime("%d/%m/%Y") if isinstance(value, pd.Timestamp)
                     else _show(value))
    return " / ".join(parts)


def _check_duplicates(table, frame, files, sheets, rows, valid, report):
    key = list(table.key)
    dup = frame.duplicated(subset=key, keep="first").to_numpy()
    if not dup.any():
        return
    first_rows = {}
    for i in range(len(frame)):
        k = tuple(frame[c].iloc[i] for c in key)
        if not dup[i]:
            first_rows.setdefault(k, i)
            continue
        j = first_rows.get(k)
        valid[i] = False
        where = f"ligne {rows[j]}" if j is not None else "plus haut"
        _problem(report, ERROR, files[i], sheets[i], rows[i],
                 " + ".join(table.column(c).french for c in key), _key_text(frame, table.key, i),
                 f"Clé en double : déjà présente {where} de « {sheets[j] if j is not None else ''} ».",
                 kind="Clé en double")


# -- references -------------------------------------------------------------------------
def _existing_keys(cur, table: model.Table, columns: tuple[str, ...]) -> set[tuple]:
    cols = ", ".join(columns)
    rows = cur.execute(f"SELECT DISTINCT {cols} FROM {table.name}").fetchall()
    return {tuple(_norm_key(v) for v in r) for r in rows}


def _norm_key(value):
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def _key_values(frame: pd.DataFrame, columns) -> tuple[np.ndarray, list[tuple]]:
    """(codes, keys) of some columns: the distinct key tuples, normalised to
    compare with the database's (_norm_key; a missing value is None), and per
    row the position of its key among them. Each distinct value is normalised
    once: a big import names hundreds of thousands of rows, far fewer keys."""
    n = len(frame)
    per_column = []
    combined = None
    for name in columns:
        codes, uniques = pd.factorize(frame[name])  # missing values are not among uniques
        if pd.api.types.is_string_dtype(frame[name].dtype):  # text needs no conversion
            values = np.asarray(uniques, dtype=object).tolist()
        else:
            values = [_norm_key(v) for v in uniques]
        values.append(None)  # factorize's -1: a missing value
        codes = np.where(codes < 0, len(values) - 1, codes).astype(np.int64)
        per_column.append((codes, values))
        if combined is None:
            combined = codes
        else:  # renumbered at each column: the numbers stay below n * width
            combined, _ = pd.factorize(combined * len(values) + codes)
            combined = combined.astype(np.int64)
    if len(per_column) == 1:
        codes, values = per_column[0]
        return codes, [(v,) for v in values]
    codes, distinct = pd.factorize(combined)
    first = np.empty(len(distinct), dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)  # the first row of each key
    keys = [tuple(values[c[i]] for c, values in per_column) for i in first.tolist()]
    return codes, keys


def _check_references(parsed: dict[str, _Parsed], cur, replaced: set[str], report) -> None:
    """A reference must name a row of the file (valid or not) or of the database.
    Rows naming an invalid row of the file are set aside silently: that row's
    own error explains them. Each distinct key is looked up once."""
    cache: dict[tuple, tuple[np.ndarray, list[tuple]]] = {}
    database: dict[tuple, set[tuple]] = {}  # keys of the database's tables

    def keys_of(item: _Parsed, columns) -> tuple[np.ndarray, list[tuple]]:
        at = (item.table.name, tuple(columns))
        if at not in cache:  # the frames do not change here, only `valid`
            cache[at] = _key_values(item.frame, columns)
        return cache[at]

    for table in model.TABLES:
        item = parsed.get(table.name)
        if item is None:
            continue
        for ref in model.REFERENCES[table.name]:
            if not all(c in item.present for c in ref.columns):
                continue
            target = model.TABLES_BY_NAME[ref.table]
            if ref.table in replaced:
                db_keys = set()
            else:  # nothing is written during the check: each target is read once
                at = (ref.table, tuple(ref.target))
                if at not in database:
                    database[at] = _existing_keys(cur, target, ref.target)
                db_keys = database[at]
            file_valid, file_invalid = set(), set()
            other = parsed.get(ref.table)
            if other is not None and all(c in other.present for c in ref.target):
                codes, keys = keys_of(other, ref.target)
                ok = np.bincount(codes[other.valid], minlength=len(keys)) > 0
                ko = np.bincount(codes[~other.valid], minlength=len(keys)) > 0
                file_valid = {k for k, yes in zip(keys, ok.tolist()) if yes}
                file_invalid = {k for k, yes in zip(keys, ko.tolist()) if yes}
            codes, keys = keys_of(item, ref.columns)
            status = np.zeros(len(keys), dtype=np.int8)  # 1: set aside silently, 2: unknown
            for j, k in enumerate(keys):
                if any(v is None or v is pd.NA or v != v for v in k):
                    continue  # an empty reference (an optional one, or the phase of a building)
                if k in file_valid or (k in db_keys and k not in file_invalid):
                    continue
                status[j] = 1 if k in file_invalid else 2
            per_row = status[codes]
            item.valid[per_row > 0] = False
            for i in np.flatnonzero(per_row == 2).tolist():
                k = keys[codes[i]]
                shown = " / ".join(_show(v) for v in k)
                _problem(report, ERROR, item.files[i], item.sheets[i], item.rows[i],
                         " + ".join(item.table.column(c).french for c in ref.columns), shown,
                         f"Référence inconnue : « {shown} » n'existe ni dans le fichier ni dans "
                         f"la base (feuille « {target.sheet} »).", kind="Référence inconnue")
    # cascade: rows referring to rows set aside are set aside too
    changed = True
    while changed:
        changed = False
        for table in model.TABLES:
            item = parsed.get(table.name)
            if item is None:
                continue
            for ref in model.REFERENCES[table.name]:
                other = parsed.get(ref.table)
                if other is None or not all(c in item.present for c in ref.columns) or \
                        not all(c in other.present for c in ref.target):
                    continue
                other_codes, other_keys = keys_of(other, ref.target)
                bad = {other_keys[j] for j in np.unique(other_codes[~other.valid]).tolist()}
                if not bad:
                    continue
                codes, keys = keys_of(item, ref.columns)
                named = np.fromiter((k in bad for k in keys), dtype=bool, count=len(keys))
                hit = item.valid & named[codes]
                if hit.any():
                    item.valid[hit] = False
                    changed = True


# -- step 3: the database -----------------------------------------------------------------
def _upsert(cur, item: _Parsed, summary: dict, report: ImportReport) -> None:
    table = item.table
    frame = item.frame.loc[item.valid]
    key = list(table.key)
    others = [c for c in item.present if c not in key]
    cur.register("incoming_rows", frame)
    try:
        on = " AND ".join(f"t.{k} = i.{k}" for k in key)
        differs = " OR ".join(f"t.{c} IS DISTINCT FROM i.{c}" for c in others) or "false"
        counts = cur.execute(
            f"SELECT count(*) FILTER (WHERE t.{key[0]} IS NULL) AS inserted, "
            f"count(*) FILTER (WHERE t.{key[0]} IS NOT NULL AND ({differs})) AS updated, "
            f"count(*) FILTER (WHERE t.{key[0]} IS NOT NULL AND NOT ({differs})) AS unchanged "
            f"FROM incoming_rows AS i LEFT JOIN {table.name} AS t ON {on}"
        ).fetchall()[0]
        summary.update(inserted=counts[0], updated=counts[1], unchanged=counts[2])
        if counts[1]:
            _refuse_indexed_changes(cur, item, on, report)
            # Setting an indexed column, even to its own value, makes DuckDB
            # rewrite the row, which a referenced row does not survive.
            fixed = _INDEXED_MOVES.get(table.name, ())
            sets = ", ".join(f"{c} = i.{c}" for c in others if c not in fixed)
            where = " AND ".join(f"{table.name}.{k} = i.{k}" for k in key)
            cur.execute(
                f"UPDATE {table.name} SET {sets} FROM incoming_rows AS i "
                f"WHERE {where} AND ({differs.replace('t.', table.name + '.')})"
            )
        if counts[0]:
            cols = ", ".join(item.present)
            cur.execute(
                f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM incoming_rows AS i "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table.name} AS t WHERE {on})"
            )
    finally:
        _unregister(cur, "incoming_rows")


def _unregister(cur, name: str) -> None:
    try:
        cur.unregister(name)
    except duckdb.Error:
        pass  # the transaction failed: it is being rolled back anyway


# Columns DuckDB cannot change on a row other tables refer to (it rewrites the row).
_INDEXED_MOVES = {"buildings": ("operation_code", "phase_number"),
                  "households": ("building_code",)}


def _refuse_indexed_changes(cur, item: _Parsed, on: str, report: ImportReport) -> None:
    columns = [c for c in _INDEXED_MOVES.get(item.table.name, ()) if c in item.present]
    if not columns:
        return
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM i.{c}" for c in columns)
    key = item.table.key[0]
    rows = cur.execute(
        f"SELECT i.{key} FROM incoming_rows AS i JOIN {item.table.name} AS t ON {on} "
        f"WHERE {changed}").fetchall()
    if not rows:
        return
    label = {"buildings": "l'opération ou la phase du bâtiment",
             "households": "le bâtiment d'origine du ménage"}[item.table.name]
    keys = {r[0] for r in rows}
    for i in np.flatnonzero(item.valid):
        if item.frame[key].iloc[i] in keys:
            _problem(report, ERROR, item.files[i], item.sheets[i], item.rows[i],
                     item.table.column(columns[0]).french, item.frame[key].iloc[i],
                     f"Changer {label} n'est pas possible par un import ordinaire. Importez "
                     f"avec --replace {item.table.sheet} (et les feuilles qui en dépendent).")
    raise _Refused()


class _Refused(Exception):
    pass


def _replace(cur, parsed: dict[str, _Parsed], replaced: list[str], report) -> dict[str, int]:
    """Delete the rows of the replaced tables that the file does not hold, children
    before parents."""
    deleted = {}
    names = [t.name for t in reversed(model.TABLES) if t.name in replaced]
    for name in names:
        table = model.TABLES_BY_NAME[name]
        item = parsed.get(name)
        key = list(table.key)
        if item is None:
            keep = pd.DataFrame({k: pd.Series([], dtype="object") for k in key})
        else:
            keep = item.frame.loc[item.valid, key]
        cur.register("kept_keys", keep)
        try:
            on = " AND ".join(f"t.{k} = k.{k}" for k in key)
            n = cur.execute(f"SELECT count(*) FROM {name} AS t WHERE NOT EXISTS "
                            f"(SELECT 1 FROM kept_keys AS k WHERE {on})").fetchall()[0][0]
            cur.execute(f"DELETE FROM {name} AS t WHERE NOT EXISTS "
                        f"(SELECT 1 FROM kept_keys AS k WHERE {on})")
            deleted[name] = n
        except duckdb.ConstraintException:
            _problem(report, ERROR, "", table.sheet, None, None, None,
                     f"Impossible de remplacer la feuille « {table.sheet} » : des lignes "
                     "d'autres feuilles font référence à des lignes absentes du fichier. "
                     "Remplacez aussi ces feuilles, ou gardez ces lignes dans le fichier.")
            raise _Refused()
        finally:
            _unregister(cur, "kept_keys")
    return deleted


def _map_checks(checks: pd.DataFrame, parsed: dict[str, _Parsed], report) -> None:
    """Problems found by sql/checks.sql, attached to the file rows they concern."""
    if checks.empty:
        return
    by_sheet = {}
    for item in parsed.values():
        index = {}
        for i in range(len(item.frame)):
            index.setdefault(_key_text(item.frame, item.table.key, i), i)
        by_sheet[item.table.sheet] = (item, index)
    for rec in checks.itertuples(index=False):
        item, index = by_sheet.get(rec.sheet, (None, {}))
        i = index.get(rec.row_key) if item is not None else None
        if i is not None:
            file, sheet, row = item.files[i], item.sheets[i], item.rows[i]
        else:
            file, sheet, row = "(base existante)", rec.sheet, None
        rule = str(getattr(rec, "rule", "") or "")
        _problem(report, rec.severity, file, sheet, row, rec.column_name, rec.value,
                 rec.message, kind=rule[:1].upper() + rule[1:] or None)


def backup(db: Database) -> Path:
    """Copy the database, as it is before the import, into backups/ beside it
    (the last BACKUPS_KEPT copies are kept)."""
    db.checkpoint()  # everything committed so far is in the main file
    folder = db.path.parent / "backups"
    with owner_only():  # backups hold personal data: owner-only folder and files
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{db.path.stem}-{stamp}{db.path.suffix}"
    private_copy(db.path, target)
    backups = sorted(folder.glob(f"{db.path.stem}-*{db.path.suffix}"))
    for old in backups[:-BACKUPS_KEPT]:
        old.unlink()
    return target


def import_sources(
    db: Database,
    sources: list[Source],
    replace: tuple[str, ...] = (),
    dry_run: bool = False,
    user: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the files into the database, all or nothing. Returns the report;
    `report.committed` tells whether anything was written."""
    with gc_pause.paused():  # millions of cells held, no cycle among them
        return _import_sources(db, sources, replace, dry_run, user, progress)


def _import_sources(db: Database, sources: list[Source], replace: tuple[str, ...],
                    dry_run: bool, user: str | None, progress: Progress | None) -> ImportReport:
    db.refuse_demo()  # before anything is read or written, dry runs included
    if dry_run and db.read_only:  # a dry run needs no writable file: a private copy
        with scratch_copy(db.path) as scratch:
            return import_sources(scratch, sources, replace=replace, dry_run=True, user=user,
                                  progress=progress)
    step = progress or (lambda fraction, message: None)
    report = ImportReport(files=[{"name": s.name, "sha256": s.sha256, "size": len(s.data)}
                                 for s in sources])
    replaced = set()
    for name in replace:
        table = match_table(name)
        if table is None:
            raise RelogError(f"--replace : feuille inconnue « {name} ».")
        replaced.add(table.name)

    step(0.05, "Lecture des fichiers")
    try:
        sheets = read_sources(sources)
    except FileProblem as exc:
        report.unreadable = True
        if exc.details:
            for file, line, message in exc.details:
                _problem(report, ERROR, file, Path(file).stem, line, None, None, message)
        else:
            _problem(report, ERROR, "", "", None, None, None, str(exc))
        return report
    step(0.25, "Contrôle des valeurs")
    parsed = _parse_sheets(sheets, report)
    if not parsed and not report.errors:
        _problem(report, ERROR, "", "", None, None, None,
                 "Aucune feuille reconnue : les feuilles (ou fichiers CSV) doivent porter le nom "
                 "d'une table du dictionnaire (" + ", ".join(t.sheet for t in model.TABLES) + ").")
        return report

    login = user or audit.cli_login()
    problems_before = list(report.problems)
    valid_before = {name: item.valid.copy() for name, item in parsed.items()}

    def compare(cur) -> dict:
        """The changes, field by field, before any write (report.changes)."""
        items = {name: (item.frame.loc[item.valid], item.present)
                 for name, item in parsed.items()}
        report.changes, counts = change_list.compute(cur, items, replaced)
        return counts

    had_errors = bool(report.errors)
    known = None  # the changes found by the first pass, when the file has no error
    if not dry_run and not had_errors:
        # First what would change, by queries only, rolled back: the backup is
        # taken only when something changes, before the writing transaction. Rows
        # identical to the database's need no reference check: their references
        # were checked when they were written.
        try:
            with db.writer() as cur:
                step(0.5, "Comparaison avec la base")
                counts = compare(cur)
                if report.has_changes:
                    raise _Rollback()
                for name, count in counts.items():  # nothing to write
                    report.summary[name] = {"inserted": 0, "updated": 0,
                                            "unchanged": count["unchanged"], "deleted": 0}
                step(0.8, "Contrôle de cohérence")
                try:
                    _map_checks(run_checks_on_cursor(cur), parsed, report)
                except _Refused:
                    pass
                if report.errors:
                    raise _Rollback()
                audit.record(cur, "import", _audit_detail(report), login=login)
        except _Rollback:
            had_errors = bool(report.errors)
            known = None if had_errors else report.changes
            report.problems[:] = problems_before  # the writing pass finds them again
            report.summary.clear()
            report.changes = None
            for name, item in parsed.items():
                item.valid[:] = valid_before[name]
        else:
            report.no_change = True
            step(1.0, "Terminé")
            return report

    saved = None if dry_run or had_errors else backup(db)
    try:
        with db.writer() as cur:
            step(0.5, "Contrôle des références")
            _check_references(parsed, cur, replaced, report)
            step(0.55, "Comparaison avec la base")
            if known is not None and not report.errors:
                report.changes = known  # same rows, same database: the first pass's
            else:
                compare(cur)
            try:
                step(0.6, "Écriture (transaction)")
                deleted = _replace(cur, parsed, sorted(replaced), report) if replaced else {}
                for table in model.TABLES:
                    item = parsed.get(table.name)
                    if item is None and table.name not in deleted:
                        continue
                    summary = report.summary.setdefault(
                        table.name, {"inserted": 0, "updated": 0, "unchanged": 0, "deleted": 0})
                    summary["deleted"] = deleted.get(table.name, 0)
                    if item is not None and item.valid.any():
                        _upsert(cur, item, summary, report)
                if "moves" in parsed:
                    from .geo import refresh_computed

                    refresh_computed(cur)  # flags computed from the boundaries loaded
                step(0.8, "Contrôle de cohérence")
                _map_checks(run_checks_on_cursor(cur), parsed, report)
            except _Refused:
                pass
            if report.errors or dry_run:
                raise _Rollback()
            if not report.has_changes:  # the database changed between the two passes
                report.no_change = True
                raise _Quiet()
            report.import_id = cur.execute(
                "INSERT INTO import_log (imported_at, imported_by, files, summary) "
                "VALUES ($at, $by, $files, $summary) RETURNING import_id",
                {"at": datetime.now(), "by": user or _current_user(),
                 "files": json.dumps(report.files, ensure_ascii=False),
                 "summary": json.dumps(report.summary, ensure_ascii=False)}).fetchall()[0][0]
            step(0.9, "Historique des modifications")
            change_list.store(cur, report.import_id, report.changes)
            audit.record(cur, "import", _audit_detail(report), login=login)
    except (_Rollback, _Quiet):
        if saved is not None:
            saved.unlink()
        step(1.0, "Terminé")
        return report
    except BaseException:
        if saved is not None:
            saved.unlink()
        raise
    report.committed = True
    report.backup = str(saved)
    step(1.0, "Terminé")
    return report


def _audit_detail(report: ImportReport) -> str:
    files = ", ".join(str(f.get("name", f)) if isinstance(f, dict) else str(f) for f in report.files)
    counts = ", ".join(
        f"{table} +{s.get('inserted', 0)}/~{s.get('updated', 0)}"
        + (f"/-{s['deleted']}" if s.get("deleted") else "")
        for table, s in report.summary.items()
        if s.get("inserted") or s.get("updated") or s.get("deleted"))
    return f"{files} : {counts or 'aucun changement'}"


class _Rollback(Exception):
    """Leave the writer's transaction without writing anything."""


class _Quiet(Exception):
    """Nothing to change after all: leave the transaction, commit nothing."""


def _current_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return None


def import_history(db: Database) -> pd.DataFrame:
    return db.query("import_history")


def history_table(db: Database) -> pd.DataFrame:
    """The import history for screens: date, author, files and what changed."""
    log = import_history(db)
    rows = []
    sheets = {t.name: t.sheet for t in model.TABLES}
    for rec in log.itertuples(index=False):
        files = json.loads(rec.files)
        summary = json.loads(rec.summary)
        changes = []
        for table, counts in summary.items():
            parts = [f"{counts.get(k, 0)} {label}" for k, label in
                     (("inserted", "nouv."), ("updated", "modif."), ("deleted", "suppr."))
                     if counts.get(k)]
            changes.append(f"{sheets.get(table, table)} : " + (", ".join(parts) or "inchangée"))
        rows.append({
            "N°": rec.import_id,
            "Date": pd.Timestamp(rec.imported_at).strftime("%d/%m/%Y %H:%M"),
            "Par": rec.imported_by or "—",
            "Fichiers": ", ".join(f["name"] for f in files),
            "Changements": " · ".join(changes),
            "SHA-256": ", ".join(f["sha256"][:12] + "…" for f in files),
        })
    return pd.DataFrame(rows, columns=["N°", "Date", "Par", "Fichiers", "Changements", "SHA-256"])
