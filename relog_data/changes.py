"""What an import changes, field by field: the preview before anything is
written, and the history of what every import changed.

`compute` runs inside the import's transaction, before any write: per sheet,
one SQL query per kind compares the file's valid rows with the table by the
dictionary's key — new rows, changed fields (old → new), rows of the database
absent from the file (kept; deleted when the sheet is replaced). Only the
differences come back to Python, so a large workbook with few changes is
previewed quickly.

`store` writes the committed changes into `data_changes` (migration 006),
with the import's id: the history shown on each household's sheet
(`household_history`), on the administrators' page (`import_changes`) and by
`python -m relog_data history --household ID`.

Designed for the meeting archive, which must tell new events from
corrections of past data: every row keeps its table, its key (as shown and
as canonical parts, in the dictionary's key order) and, for every
household-related table (menages, propositions, relogements, suivis,
satisfaction, historique des statuts), the household's id. A new row is one
'nouvelle' row without values (they are in the table itself: its date —
offer, move, contact, survey, status — says whether it is a new event or a
late record of a past one); a corrected value is one 'modifiée' row per
field with the old and new values (canonical text: ISO dates, '.' decimals);
a row deleted by a replacing import is one 'supprimée' row. The purge
erases the old and new values of the names and addresses it erases (the rows
stay, to date the corrections).
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import xlsxwriter

from . import fmt, model
from .db import Database
from .spreadsheet import XLSX_OPTIONS

NEW = "nouvelle"
CHANGED = "modifiée"
DELETED = "supprimée"
ABSENT = "absente du fichier"
STORED_KINDS = (NEW, CHANGED, DELETED)
KIND_ORDER = {CHANGED: 0, NEW: 1, DELETED: 2, ABSENT: 3}

# The report's changes: one row per changed field, new row, deleted or absent row.
COLUMNS = ["table", "sheet", "key", "key_parts", "household_id", "field", "label",
           "old_raw", "new_raw", "old", "new", "kind"]

# French headers of the downloadable list.
FRENCH = {"sheet": "Feuille", "key": "Clé", "kind": "Changement", "label": "Colonne",
          "old": "Ancienne valeur", "new": "Nouvelle valeur"}

_FIELD = "\x1f"  # joins key parts between SQL and Python (never in a cell: control char)


def _household_related(table: model.Table) -> bool:
    return any(c.name == "household_id" for c in table.columns)


def _text(alias: str, col: model.Column) -> str:
    """SQL: a column's value as canonical text (ISO date, '.' decimal)."""
    ref = f"{alias}.{col.name}"
    if col.kind == "date":
        return f"CAST(CAST({ref} AS DATE) AS VARCHAR)"
    if col.kind == "decimal":
        return f"CAST(CAST({ref} AS DOUBLE) AS VARCHAR)"
    return f"CAST({ref} AS VARCHAR)"


def _key_sql(table: model.Table, alias: str) -> str:
    parts = [f"coalesce({_text(alias, table.column(k))}, '')" for k in table.key]
    return f" || chr(31) || ".join(parts) if len(parts) > 1 else parts[0]


def _household_sql(table: model.Table, alias: str) -> str:
    return f"{alias}.household_id" if _household_related(table) else "CAST(NULL AS VARCHAR)"


def compute(cur, items: dict[str, tuple[pd.DataFrame, list[str]]],
            replaced: set[str]) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """The changes the import of `items` ({table: (valid rows, columns present)})
    would make, before anything is written, and per table the counts
    {inserted, updated, unchanged, deleted, absent}. Tables in `replaced` lose
    the rows the file does not hold (even a replaced table absent from the
    files: all its rows)."""
    rows: list[pd.DataFrame] = []
    counts: dict[str, dict[str, int]] = {}
    for table in model.TABLES:
        if table.name not in items and table.name not in replaced:
            continue
        frame, present = items.get(table.name, (None, list(table.key)))
        if frame is None:  # a replaced sheet absent from the files: every row goes
            dtypes = {"int": "Int64", "date": "datetime64[s]"}
            frame = pd.DataFrame({k: pd.Series([], dtype=dtypes.get(table.column(k).kind,
                                                                     "object"))
                                  for k in table.key})
        cols = [c for c in present if c in frame.columns]
        cur.register("incoming_changes", frame[cols])
        try:
            found, count = _compare(cur, table, cols, table.name in replaced)
        finally:
            try:
                cur.unregister("incoming_changes")
            except Exception:  # the transaction failed: rolled back anyway
                pass
        counts[table.name] = {**count, "unchanged": len(frame) - count["inserted"]
                              - count["updated"]}
        if len(found):
            found.insert(0, "table", table.name)
            rows.append(found)
    raw = (pd.concat(rows, ignore_index=True) if rows else
           pd.DataFrame(columns=["table", "key_joined", "household_id", "field", "old_raw",
                                 "new_raw", "kind"]))
    return _frame(raw), counts


def _compare(cur, table: model.Table, cols: list[str], replace: bool):
    name = table.name
    on = " AND ".join(f"t.{k} = i.{k}" for k in table.key)
    others = [c for c in cols if c not in table.key]
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM i.{c}" for c in others) or "false"
    # Identifiers come from the model (constants), never from the file.
    parts = [f"SELECT {_key_sql(table, 'i')} AS key_joined, {_household_sql(table, 'i')} AS "
             f"household_id, NULL AS field, NULL AS old_raw, NULL AS new_raw, '{NEW}' AS kind "
             f"FROM incoming_changes AS i WHERE NOT EXISTS (SELECT 1 FROM {name} AS t WHERE {on})",
             f"SELECT {_key_sql(table, 't')}, {_household_sql(table, 't')}, NULL, NULL, NULL, "
             f"'{DELETED if replace else ABSENT}' FROM {name} AS t WHERE NOT EXISTS "
             f"(SELECT 1 FROM incoming_changes AS i WHERE {on})"]
    if others:
        pairs = ", ".join(f"t.{c} AS o_{c}, i.{c} AS n_{c}" for c in others)
        keys = ", ".join(f"i.{k}" for k in table.key)
        household = ", i.household_id AS hh" if _household_related(table) and \
            "household_id" not in table.key else ""
        changed = (f"changed AS MATERIALIZED (SELECT {keys}{household}, {pairs} FROM "
                   f"incoming_changes AS i JOIN {name} AS t ON {on} WHERE {differs})")
        hh = ("c.hh" if household else "c.household_id" if _household_related(table)
              else "CAST(NULL AS VARCHAR)")
        for c in others:
            col = table.column(c)
            parts.append(
                f"SELECT {_key_sql(table, 'c')}, {hh}, '{c}', "
                f"{_text('c', model.Column('o_' + c, '', col.kind))}, "
                f"{_text('c', model.Column('n_' + c, '', col.kind))}, '{CHANGED}' "
                f"FROM changed AS c WHERE c.o_{c} IS DISTINCT FROM c.n_{c}")
        sql = f"WITH {changed} " + " UNION ALL ".join(parts)
    else:
        sql = " UNION ALL ".join(parts)
    found = cur.execute(sql).df()
    found.columns = ["key_joined", "household_id", "field", "old_raw", "new_raw", "kind"]
    changed_rows = found.loc[found["kind"] == CHANGED, "key_joined"].nunique()
    count = {"inserted": int((found["kind"] == NEW).sum()), "updated": int(changed_rows),
             "deleted": int((found["kind"] == DELETED).sum()),
             "absent": int((found["kind"] == ABSENT).sum())}
    return found, count


def _frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The report's changes (COLUMNS) from the raw rows: French key text,
    column labels and French values."""
    if raw.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in COLUMNS})
    out = []
    for name, part in raw.groupby("table", sort=False):
        table = model.TABLES_BY_NAME[name]
        split = part["key_joined"].astype(str).str.split(_FIELD, regex=False)
        key_parts = split.tolist()
        shown = pd.Series([""] * len(part), index=part.index, dtype="object")
        for j, k in enumerate(table.key):
            values = split.str[j].fillna("").astype(str)
            if table.column(k).kind == "date":  # 2008-03-31 -> 31/03/2008, vectorised
                values = (values.str[8:10] + "/" + values.str[5:7] + "/"
                          + values.str[0:4]).where(values != "", "")
            shown = values if j == 0 else shown + " / " + values
        labels = {c.name: c.french for c in table.columns}
        kinds = {c.name: c for c in table.columns}
        frame = pd.DataFrame({
            "table": name, "sheet": table.sheet, "key": shown, "key_parts": key_parts,
            "household_id": part["household_id"].astype(object).where(
                part["household_id"].notna(), None),
            "field": part["field"].astype(object).where(part["field"].notna(), None),
            "label": part["field"].map(labels),
            "old_raw": part["old_raw"].astype(object).where(part["old_raw"].notna(), None),
            "new_raw": part["new_raw"].astype(object).where(part["new_raw"].notna(), None),
            "kind": part["kind"],
        }, index=part.index)
        changed = frame["kind"] == CHANGED
        frame["old"] = ""
        frame["new"] = ""
        if changed.any():
            frame.loc[changed, "old"] = [french_value(kinds[f], v) for f, v in
                                         zip(frame.loc[changed, "field"],
                                             frame.loc[changed, "old_raw"])]
            frame.loc[changed, "new"] = [french_value(kinds[f], v) for f, v in
                                         zip(frame.loc[changed, "field"],
                                             frame.loc[changed, "new_raw"])]
        out.append(frame)
    result = pd.concat(out, ignore_index=True)
    order = {t.name: i for i, t in enumerate(model.TABLES)}
    result["_t"] = result["table"].map(order)
    result["_k"] = result["kind"].map(KIND_ORDER)
    result = result.sort_values(["_t", "_k", "key", "field"], kind="stable",
                                na_position="first")
    return result.drop(columns=["_t", "_k"]).reset_index(drop=True)[COLUMNS]


def french_value(col: model.Column, text) -> str:
    """A canonical text value (ISO date, '.' decimal, true/false) as the
    French screens show it: 31/03/2008, 1 234,5, oui; empty: "—"."""
    if text is None or (isinstance(text, float) and text != text) or text is pd.NA:
        return fmt.DASH
    if col.kind == "date":
        return fmt.day(date.fromisoformat(str(text)[:10]))
    if col.kind == "bool":
        return {"true": "oui", "false": "non"}.get(str(text).lower(), str(text))
    if col.kind == "int":
        try:
            return fmt.integer(int(str(text)))
        except ValueError:
            return str(text)
    if col.kind == "decimal":
        try:
            value = float(text)
        except ValueError:
            return str(text)
        digits = str(text).split(".", 1)[1].rstrip("0") if "." in str(text) else ""
        if "e" in digits.lower():
            digits = "000000"
        return fmt.number(value, min(len(digits), 6))
    return str(text)


def has_changes(changes: pd.DataFrame | None) -> bool:
    return changes is not None and bool(changes["kind"].isin(STORED_KINDS).any())


# -- the history ----------------------------------------------------------------------------------
def store(cur, import_id: int, changes: pd.DataFrame) -> int:
    """Write the committed changes of import `import_id` into data_changes
    (inside the import's transaction). Returns the number of rows written."""
    kept = changes[changes["kind"].isin(STORED_KINDS)]
    if kept.empty:
        return 0
    frame = pd.DataFrame({
        "table_name": kept["table"].astype(str),
        "row_key": kept["key"].astype(str),
        "key_joined": [_FIELD.join("" if p is None else str(p) for p in parts)
                       for parts in kept["key_parts"]],
        "household_id": kept["household_id"].astype(object),
        "field": kept["field"].astype(object),
        "old_value": kept["old_raw"].astype(object),
        "new_value": kept["new_raw"].astype(object),
        "change_kind": kept["kind"].astype(str),
    })
    cur.register("changes_rows", frame)
    try:
        cur.execute(
            "INSERT INTO data_changes (import_id, table_name, row_key, key_parts, household_id, "
            "field, old_value, new_value, change_kind) "
            "SELECT $id, table_name, row_key, string_split(key_joined, chr(31)), "
            "CAST(household_id AS VARCHAR), CAST(field AS VARCHAR), CAST(old_value AS VARCHAR), "
            "CAST(new_value AS VARCHAR), change_kind FROM changes_rows", {"id": import_id})
    finally:
        cur.unregister("changes_rows")
    return len(frame)


HISTORY_COLUMNS = ["changed_at", "author", "import_id", "table", "sheet", "key", "field",
                   "label", "old", "new", "kind"]


def _history_frame(raw: pd.DataFrame) -> pd.DataFrame:
    if raw.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in HISTORY_COLUMNS})
    columns = {(t.name, c.name): c for t in model.TABLES for c in t.columns}
    sheets = {t.name: t.sheet for t in model.TABLES}

    def show(table, field, value):
        col = columns.get((table, field))
        if field is None or field != field:
            return ""
        return french_value(col, value) if col is not None else (
            fmt.DASH if value is None or value != value else str(value))

    fields = raw["field"].astype(object).where(raw["field"].notna(), None)
    return pd.DataFrame({
        "changed_at": raw["imported_at"],
        "author": raw["imported_by"].fillna("—"),
        "import_id": raw["import_id"],
        "table": raw["table_name"],
        "sheet": raw["table_name"].map(sheets).fillna(raw["table_name"]),
        "key": raw["row_key"],
        "field": fields,
        "label": [columns[(t, f)].french if (t, f) in columns else (f or "")
                  for t, f in zip(raw["table_name"], fields)],
        "old": [show(t, f, v) for t, f, v in zip(raw["table_name"], fields, raw["old_value"])],
        "new": [show(t, f, v) for t, f, v in zip(raw["table_name"], fields, raw["new_value"])],
        "kind": raw["change_kind"],
    })


def household_history(db: Database, household: str) -> pd.DataFrame:
    """Every change imports made to one household's rows, newest first: date,
    author, sheet, key, field (French label), old and new values (French)."""
    return _history_frame(db.query("household_history", household=household))


def import_changes(db: Database, import_id: int, first: int | None = None) -> pd.DataFrame:
    """Every change one import made (the administrators' page), or its `first`
    ones in the listing's order."""
    return _history_frame(db.query("import_changes", import_id=int(import_id),
                                   first=None if first is None else int(first)))


def import_change_count(db: Database, import_id: int) -> int:
    """How many changes one import made."""
    return int(db.query("import_change_count", import_id=int(import_id))["changes"].iloc[0])


def mask_personal(frame: pd.DataFrame, personal: tuple[str, ...]) -> pd.DataFrame:
    """Old and new values of personal columns replaced by « masqué » (for the
    pseudonymous roles)."""
    if frame.empty:
        return frame
    hidden = frame["field"].isin(personal)
    out = frame.copy()
    for col in ("old", "new"):
        out[col] = out[col].where(~hidden, "masqué")
    return out


# -- showing the preview ---------------------------------------------------------------------
def sheet_counts(changes: pd.DataFrame | None, summary: dict) -> pd.DataFrame:
    """Per sheet: new, changed (rows and fields), unchanged, deleted, absent rows."""
    rows = []
    for table in model.TABLES:
        if table.name not in summary:
            continue
        s = summary[table.name]
        part = (changes[changes["table"] == table.name] if changes is not None
                else pd.DataFrame(columns=COLUMNS))
        rows.append({
            "Feuille": table.sheet,
            "Nouvelles": int(s.get("inserted", 0)),
            "Modifiées": int(s.get("updated", 0)),
            "Champs modifiés": int((part["kind"] == CHANGED).sum()),
            "Inchangées": int(s.get("unchanged", 0)),
            "Supprimées": int(s.get("deleted", 0)),
            "Absentes (conservées)": int((part["kind"] == ABSENT).sum()),
        })
    return pd.DataFrame(rows, columns=["Feuille", "Nouvelles", "Modifiées",
                                       "Champs modifiés", "Inchangées",
                                       "Supprimées", "Absentes (conservées)"])


def french_list(changes: pd.DataFrame) -> pd.DataFrame:
    """The changes with French headers (screens and download)."""
    frame = changes if changes is not None else pd.DataFrame(columns=COLUMNS)
    return pd.DataFrame({
        "Feuille": frame["sheet"], "Clé": frame["key"], "Changement": frame["kind"],
        "Colonne": frame["label"].fillna(""), "Ancienne valeur": frame["old"].fillna(""),
        "Nouvelle valeur": frame["new"].fillna(""),
    }).reset_index(drop=True)


def workbook_bytes(changes: pd.DataFrame, summary: dict) -> bytes:
    """The preview as an .xlsx: a summary sheet and the full list. Every cell
    is written as text or number, never as a formula (XLSX_OPTIONS and
    write_string)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**XLSX_OPTIONS, "in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DCE6F0", "border": 1})
    for title, frame in (("Résumé", sheet_counts(changes, summary)),
                         ("Changements", french_list(changes))):
        sheet = book.add_worksheet(title)
        for j, name in enumerate(frame.columns):
            sheet.write_string(0, j, str(name), bold)
            sheet.set_column(j, j, max(12, min(40, len(str(name)) + 4)))
        for i, values in enumerate(frame.itertuples(index=False), start=1):
            for j, value in enumerate(values):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(i, j, value)
                elif value is not None and value == value and value != "":
                    sheet.write_string(i, j, str(value))
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def preview_lines(changes: pd.DataFrame | None, summary: dict, first: int = 5) -> list[str]:
    """The preview for the command line: per sheet the counts, then the first
    changed fields, new and deleted or absent rows."""
    lines = []
    counts = sheet_counts(changes, summary)
    for rec in counts.itertuples(index=False):
        table = next(t for t in model.TABLES if t.sheet == rec[0])
        lines.append(
            f"Feuille {table.sheet} : {fmt.integer(rec[1])} nouvelle(s), {fmt.integer(rec[2])} "
            f"modifiée(s) ({fmt.integer(rec[3])} champ(s)), {fmt.integer(rec[4])} inchangée(s), "
            f"{fmt.integer(rec[5])} supprimée(s), {fmt.integer(rec[6])} absente(s) du fichier "
            "(conservées).")
        if changes is None:
            continue
        part = changes[changes["table"] == table.name]
        for kind, intro in ((CHANGED, "modifié"), (NEW, "nouvelle ligne"),
                            (DELETED, "supprimée"), (ABSENT, "absente du fichier")):
            rows = part[part["kind"] == kind]
            for rec2 in rows.head(first).itertuples(index=False):
                if kind == CHANGED:
                    lines.append(f"  {rec2.key} · {rec2.label} : {rec2.old} → {rec2.new}")
                else:
                    lines.append(f"  {rec2.key} : {intro}")
            if len(rows) > first:
                lines.append(f"  … et {fmt.integer(len(rows) - first)} autre(s) "
                             f"({intro}).")
    return lines
