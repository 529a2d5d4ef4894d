"""Typed DataFrames for the tables of the model, and bulk loading into DuckDB
(through DuckDB's pandas/Arrow scan: no row-by-row inserts)."""

from __future__ import annotations

import pandas as pd

from .model import TABLES, Table

_DTYPES = {
    "text": "string",
    "code": "string",
    "int": "Int64",
    "decimal": "Float64",
    "bool": "boolean",
}


def typed_frame(table: Table, records: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """A DataFrame with exactly the table's columns, in order, typed for
    loading (missing values as <NA>, dates as datetime64)."""
    if isinstance(records, pd.DataFrame):
        frame = records.reindex(columns=[c.name for c in table.columns])
    else:
        frame = pd.DataFrame.from_records(records, columns=[c.name for c in table.columns])
    for col in table.columns:
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(frame[col.name]).astype("datetime64[s]")
        else:
            frame[col.name] = frame[col.name].astype(_DTYPES[col.kind])
    return frame


def insert_frames(cur, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Insert each frame into its table, parents before children. Column
    names come from the model (constants), never from user input."""
    counts = {}
    for table in TABLES:
        frame = frames.get(table.name)
        if frame is None or frame.empty:
            continue
        cols = ", ".join(c.name for c in table.columns if c.name in frame.columns)
        cur.register("incoming_frame", frame)
        try:
            cur.execute(
                f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM incoming_frame"
            )
        finally:
            cur.unregister("incoming_frame")
        counts[table.name] = len(frame)
    return counts
