"""Synthetic programmes at three scales, written as workbooks in the import
format.

The demo programme (relog_data/demo.py, 1 129 households in five operations)
is built again with other seeds and other codes as many times as needed, then
cut to the exact number of households: operations, buildings, offers, moves,
vacancies, follow-ups and survey answers grow in proportion.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from relog_data import demo, export

SCALES = {"S": 650, "M": 15_000, "L": 150_000}

# Columns holding a code that must differ between copies, by table.
_RENAMED = {
    "operations": ["operation_code"],
    "phases": ["operation_code"],
    "buildings": ["building_code", "operation_code"],
    "households": ["household_id", "building_code", "origin_household_id"],
    "offers": ["household_id", "vacancy_id"],
    "moves": ["household_id"],
    "vacancies": ["vacancy_id"],
    "followups": ["household_id"],
    "survey_answers": ["household_id"],
}


def _copy(index: int) -> dict[str, pd.DataFrame]:
    frames = demo.build_frames(seed=demo.SEED + index)
    if index == 0:
        return frames
    suffix = f"-{index:03d}"
    for table, columns in _RENAMED.items():
        frame = frames[table]
        for col in columns:
            if col in frame.columns:
                frame[col] = frame[col].where(frame[col].isna(), frame[col].astype("string")
                                              + suffix)
        if table == "operations":
            frame["name"] = frame["name"] + f" ({index + 1})"
    return frames


def programme(households: int) -> dict[str, pd.DataFrame]:
    """Every table of a programme with exactly `households` households."""
    per_copy = len(demo.build_frames()["households"])
    copies = [_copy(i) for i in range(math.ceil(households / per_copy))]
    # The last copy keeps the same share of each operation's households (and
    # of its vacancies), so that every scale has all the kinds of operation.
    last = copies[-1]
    fraction = (households - per_copy * (len(copies) - 1)) / per_copy
    with_op = last["households"].merge(last["buildings"][["building_code", "operation_code"]],
                                       on="building_code")
    rank = with_op.groupby("operation_code").cumcount()
    size = with_op.groupby("operation_code")["household_id"].transform("size")
    keep = rank < (size * fraction).round()
    missing = households - per_copy * (len(copies) - 1) - int(keep.sum())
    if missing > 0:  # rounding: take the next households in order
        keep[keep[~keep].index[:missing]] = True
    elif missing < 0:
        keep[keep[keep].index[missing:]] = False
    last["households"] = last["households"][keep.to_numpy()]
    frames = {t: pd.concat([c[t] for c in copies], ignore_index=True) for t in copies[0]}
    kept = frames["households"]
    ids = set(kept["household_id"])
    frames["households"] = kept.assign(origin_household_id=kept["origin_household_id"].where(
        kept["origin_household_id"].isin(ids)))
    for table in ("offers", "moves", "followups", "survey_answers"):
        frames[table] = frames[table][frames[table]["household_id"].isin(ids)]
    buildings = set(frames["households"]["building_code"])
    frames["buildings"] = frames["buildings"][frames["buildings"]["building_code"].isin(buildings)]
    ops = set(frames["buildings"]["operation_code"])
    for table in ("operations", "phases"):
        frames[table] = frames[table][frames[table]["operation_code"].isin(ops)]
    vacancies = frames["vacancies"]
    used = set(frames["offers"]["vacancy_id"].dropna())
    share = min(1.0, households / (per_copy * len(copies)))
    spare = vacancies[~vacancies["vacancy_id"].isin(used)]
    frames["vacancies"] = pd.concat([vacancies[vacancies["vacancy_id"].isin(used)],
                                     spare.iloc[:round(len(spare) * share)]])
    return {t: f.reset_index(drop=True) for t, f in frames.items()}


def write(scale: str, folder: Path) -> tuple[Path, dict[str, int]]:
    """bench/data/<scale>.xlsx (made once) and its row counts."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = programme(SCALES[scale])
    out = folder / f"programme-{scale}.xlsx"
    if not out.exists():
        export.write_workbook(frames, out)
    return out, {t: len(f) for t, f in frames.items()}


# Sheets and the column changed in 1 % of their rows for the preview benchmark.
CHANGED_COLUMNS = {"households": "persons", "offers": "rent", "moves": "surface_m2",
                   "followups": "contact_type"}


def write_changed(scale: str, folder: Path, db_path: Path, share: float = 0.01
                  ) -> tuple[Path, int]:
    """bench/data/<scale>-changed.xlsx: the database at `db_path` exported with
    `share` of the rows of the household sheets changed (one field each), for
    the import preview; returns it and the number of rows changed."""
    from relog_data import model
    from relog_data.db import Database

    out = folder / f"programme-{scale}-changed.xlsx"
    with Database(db_path, read_only=True) as db:
        frames = {t.name: export.table_frame(db, t) for t in model.TABLES}
    changed = 0
    for table, column in CHANGED_COLUMNS.items():
        frame = frames[table]
        rows = frame.index[:: max(1, round(1 / share))]
        if column == "persons":
            frame.loc[rows, column] = frame.loc[rows, column] + 1
        elif column == "contact_type":
            frame[column] = frame[column].astype(object)
            frame.loc[rows, column] = frame.loc[rows, column].map(
                lambda v: "visite à domicile" if v != "visite à domicile" else "téléphone")
        else:
            frame.loc[rows, column] = frame.loc[rows, column].fillna(0).astype(float) + 1
        changed += len(rows)
    out.unlink(missing_ok=True)
    export.write_workbook(frames, out)
    return out, changed
