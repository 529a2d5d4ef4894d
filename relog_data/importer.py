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

import getpass
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

from . import audit, model
from .checks import run_checks_on_cursor
from .db import Database, owner_only, private_copy, scratch_copy
from .errors import RelogError
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
    column: str | None
    value: str | None
    message: str


@dataclass
class ImportReport:
    files: list[dict] = field(default_factory=list)  # {name, sha256, size}
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, dict[str, int]] = field(default_factory=dict)
    committed: bool = False
    backup: str | None = None
    unreadable: bool = False  # a file could not be read at all

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def problems_frame(self) -> pd.DataFrame:
        """The problems as a table with French headers (for screens and CSV)."""
        frame = pd.DataFrame(
            [(p.severity, p.file, p.sheet, p.row, p.column, p.value, p.message)
             for p in self.problems],
            columns=["Gravité", "Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Message"],
        )
        frame["Ligne"] = frame["Ligne"].astype("Int64")
        return frame

    def summary_frame(self) -> pd.DataFrame:
        rows = []
        for table in model.TABLES:
            if table.name in self.summary:
                s = self.summary[table.name]
                rows.append((table.sheet, s.get("inserted", 0), s.get("updated", 0),
                             s.get("unchanged", 0), s.get("deleted", 0)))
        return pd.DataFrame(rows, columns=["Feuille", "Nouvelles lignes", "Lignes modifiées",
                                           "Lignes inchangées", "Lignes supprimées"])


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
def _problem(report, severity, file, sheet, row, column, value, message):
    report.problems.append(Problem(severity, file, sheet, row, column,
                                   None if value is None else str(value), message))


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_sheets(sheets: list[RawSheet], report: ImportReport) -> dict[str, _Parsed]:
    grouped: dict[str, list[tuple[RawSheet, dict[str, int]]]] = {}
    for raw in sheets:
        table = match_table(raw.sheet)
        if table is None:
            if raw.sheet.replace(" ", "").replace("-", "").lower() not in IGNORED_SHEETS:
                _problem(report, WARNING, raw.file, raw.sheet, None, None, None,
                         f"Feuille « {raw.sheet} » inconnue : ignorée. Feuilles attendues : "
                         + ", ".join(t.sheet for t in model.TABLES) + ".")
            continue
        found, unknown, duplicated = match_columns(table, raw.header)
        for title in unknown:
            _problem(report, WARNING, raw.file, raw.sheet, 1, title, None,
                     f"Colonne « {title} » inconnue : ignorée.")
        for title in duplicated:
            _problem(report, ERROR, raw.file, raw.sheet, 1, title, None,
                     f"La colonne « {title} » apparaît deux fois.")
        missing = [c for c in table.columns if c.required and c.name not in found]
        for col in missing:
            _problem(report, ERROR, raw.file, raw.sheet, 1, col.french, None,
                     f"Colonne obligatoire absente : « {col.french} ».")
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
    files, sheets, rows, raw_cols = [], [], [], {name: [] for name in present}
    for raw, found in parts:
        n = len(raw.rows)
        files.extend([raw.file] * n)
        sheets.extend([raw.sheet] * n)
        rows.extend(raw.row_numbers)
        for name in present:
            index = found.get(name)
            raw_cols[name].extend(
                [r[index] if index is not None and index < len(r) else None for r in raw.rows]
            )
    n = len(rows)
    valid = np.ones(n, dtype=bool)
    records: dict[str, list] = {}

    def flag(mask, col, message_for):
        for i in np.flatnonzero(mask):
            valid[i] = False
            value = raw_cols[col.name][i]
            _problem(report, ERROR, files[i], sheets[i], rows[i], col.french,
                     None if value is None else _show(value), message_for(value))

    for col in table.columns:
        if col.name not in present:
            continue
        values, blank, bad = parse_column(col, raw_cols[col.name])
        records[col.name] = values
        if col.kind == "code":
            flag(bad, col, lambda v, c=col: f"Valeur « {_show(v)} » inconnue pour "
                 f"« {c.french} » : attendu {expected_text(c)}.")
        else:
            flag(bad, col, lambda v, c=col: f"« {_show(v)} » n'est pas {expected_text(c)}.")
        if col.required:
            flag(blank, col, lambda v, c=col: f"Valeur obligatoire manquante : « {c.french} ».")
        if col.minimum is not None or col.maximum is not None:
            numbers = np.array([np.nan if v is None else float(v) for v in values])
            with np.errstate(invalid="ignore"):
                low = numbers < col.minimum if col.minimum is not None else np.zeros(n, bool)
                high = numbers > col.maximum if col.maximum is not None else np.zeros(n, bool)
            flag(low, col, lambda v, c=col: f"« {c.french} » doit être au moins "
                 f"{_show(float(c.minimum))} (valeur : {_show(v)}).")
            flag(high, col, lambda v, c=col: f"« {c.french} » doit être au plus "
                 f"{_show(float(c.maximum))} (valeur : {_show(v)}).")

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
                     frame[end].iloc[i].strftime("%d/%m/%Y"), message)


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
                 f"Clé en double : déjà présente {where} de « {sheets[j] if j is not None else ''} ».")


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


def _key_values(series: pd.Series) -> list:
    """Key values comparable with the database's (text needs no conversion)."""
    if pd.api.types.is_string_dtype(series.dtype):
        return series.tolist()
    return series.map(_norm_key).tolist()


def _unresolved(frame: pd.DataFrame, columns, file_valid: set, file_invalid: set,
                db_keys: set):
    """Row positions whose reference may be unresolved: for a one-column text
    reference, the rows found in the file or the database are skipped in one
    vectorised test (a big import names hundreds of thousands of them)."""
    if len(columns) == 1 and pd.api.types.is_string_dtype(frame[columns[0]].dtype):
        series = frame[columns[0]]
        valid = {k[0] for k in file_valid}
        known = {k[0] for k in db_keys} - {k[0] for k in file_invalid}
        done = series.isna() | series.isin(valid) | series.isin(known)
        return np.flatnonzero(~done.to_numpy())
    return range(len(frame))


def _check_references(parsed: dict[str, _Parsed], cur, replaced: set[str], report) -> None:
    """A reference must name a row of the file (valid or not) or of the database.
    Rows naming an invalid row of the file are set aside silently: that row's
    own error explains them."""
    for table in model.TABLES:
        item = parsed.get(table.name)
        if item is None:
            continue
        for ref in model.REFERENCES[table.name]:
            if not all(c in item.present for c in ref.columns):
                continue
            target = model.TABLES_BY_NAME[ref.table]
            db_keys = set() if ref.table in replaced else _existing_keys(cur, target, ref.target)
            file_valid, file_invalid = set(), set()
            other = parsed.get(ref.table)
            if other is not None and all(c in other.present for c in ref.target):
                keys = list(zip(*(_key_values(other.frame[c]) for c in ref.target)))
                for k, ok in zip(keys, other.valid):
                    (file_valid if ok else file_invalid).add(k)
            values = list(zip(*(_key_values(item.frame[c]) for c in ref.columns)))
            for i in _unresolved(item.frame, ref.columns, file_valid, file_invalid, db_keys):
                k = values[i]
                if any(v is None or v is pd.NA or v != v for v in k):
                    continue  # an empty reference (an optional one, or the phase of a building)
                if k in file_valid or (k in db_keys and k not in file_invalid):
                    continue
                item.valid[i] = False
                if k in file_invalid:
                    continue
                shown = " / ".join(_show(v) for v in k)
                _problem(report, ERROR, item.files[i], item.sheets[i], item.rows[i],
                         " + ".join(item.table.column(c).french for c in ref.columns), shown,
                         f"Référence inconnue : « {shown} » n'existe ni dans le fichier ni dans "
                         f"la base (feuille « {target.sheet} »).")
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
                bad = set(zip(*(other.frame.loc[~other.valid, c].map(_norm_key)
                                for c in ref.target)))
                if not bad:
                    continue
                keys = list(zip(*(item.frame[c].map(_norm_key) for c in ref.columns)))
                for i, k in enumerate(keys):
                    if item.valid[i] and k in bad:
                        item.valid[i] = False
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
        _problem(report, rec.severity, file, sheet, row, rec.column_name, rec.value,
                 rec.message)


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

    saved = None if dry_run else backup(db)
    try:
        with db.writer() as cur:
            step(0.5, "Contrôle des références")
            _check_references(parsed, cur, replaced, report)
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
            cur.execute(
                "INSERT INTO import_log (imported_at, imported_by, files, summary) "
                "VALUES ($at, $by, $files, $summary)",
                {"at": datetime.now(), "by": user or _current_user(),
                 "files": json.dumps(report.files, ensure_ascii=False),
                 "summary": json.dumps(report.summary, ensure_ascii=False)})
            audit.record(cur, "import", _audit_detail(report), login=user or audit.cli_login())
    except _Rollback:
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
        for table, s in report.summary.items() if s.get("inserted") or s.get("updated"))
    return f"{files} : {counts or 'aucun changement'}"


class _Rollback(Exception):
    """Leave the writer's transaction without writing anything."""


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
