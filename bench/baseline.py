"""The pandas baseline: the dictionary's programme indicators computed with
plain pandas on DataFrames read from the workbook, to compare with the DuckDB
queries (indicators.kpis, stored statuses, whole programme) on speed and on
values."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from relog_data import model

KEYS = ("households_total", "rehoused", "temporary", "exits", "still_in_building", "remaining",
        "progress_rate", "offsite_share", "outside_qpv_share", "new_or_recent_share",
        "offers_per_rehoused", "refusal_rate", "three_refusals", "rest_to_pay_before_median",
        "rest_to_pay_after_median", "rest_to_pay_median_change", "rest_to_pay_increase_share",
        "rent_compensation_count", "rent_compensation_eur")
EUR = {"T1": 1500.0, "T2": 1500.0, "T3": 4000.0, "T4": 4000.0, "T5": 5000.0, "T6": 5000.0}


def load(workbook: Path) -> dict[str, pd.DataFrame]:
    """The sheets the indicators need, with the database's column names."""
    frames = {}
    for table in model.TABLES:
        if table.name not in ("households", "offers", "moves"):
            continue
        frame = pd.read_excel(workbook, sheet_name=table.sheet, engine="calamine")
        frame = frame.rename(columns={c.french: c.name for c in table.columns})
        for col in table.columns:
            if col.kind == "bool" and col.name in frame:
                frame[col.name] = frame[col.name].map({"oui": True, "non": False})
            if col.kind == "date" and col.name in frame:
                frame[col.name] = pd.to_datetime(frame[col.name])
        frames[table.name] = frame
    return frames


def _share(mask: pd.Series) -> float | None:
    known = mask.dropna()
    return None if known.empty else float(known.astype(bool).mean())


def kpis(frames: dict[str, pd.DataFrame]) -> dict:
    h, o, m = frames["households"], frames["offers"], frames["moves"]
    status = h["status"]
    n = len(h)
    rehoused_ids = h.loc[status == "relogé", "household_id"]
    out = {"households_total": n,
           "rehoused": int((status == "relogé").sum()),
           "temporary": int((status == "relogé provisoire").sum()),
           "exits": int(status.isin(["départ autonome", "autre sortie"]).sum()),
           "still_in_building": int(status.isin(["à enquêter", "diagnostic réalisé",
                                                 "en recherche", "proposition en cours",
                                                 "accord"]).sum())}
    out["remaining"] = n - out["rehoused"] - out["exits"]
    out["progress_rate"] = (out["rehoused"] + out["exits"]) / n if n else None
    definitive = (m[m["nature"] == "définitif"].sort_values("move_date")
                  .drop_duplicates("household_id", keep="last"))
    d = definitive[definitive["household_id"].isin(rehoused_ids)]
    out["offsite_share"] = _share(~d["on_site"].astype("boolean"))
    out["outside_qpv_share"] = _share(~d["in_qpv"].astype("boolean"))
    out["new_or_recent_share"] = _share(d["new_or_recent"].astype("boolean"))
    offers_of = o.groupby("household_id").size()
    out["offers_per_rehoused"] = (float(offers_of.reindex(rehoused_ids, fill_value=0).mean())
                                  if len(rehoused_ids) else None)
    answered = o["response"].isin(["acceptée", "refusée"]).sum()
    refused = o["response"] == "refusée"
    out["refusal_rate"] = float(refused.sum() / answered) if answered else None
    out["three_refusals"] = int((o[refused].groupby("household_id").size() >= 3).sum())
    p = d.merge(h[["household_id", "rent_before", "allowance_before"]], on="household_id")
    p = p.dropna(subset=["rent_before", "allowance_before", "rent_after", "allowance_after"])
    # amounts in cents, as exact as the database's DECIMAL(10, 2)
    before = ((p["rent_before"] - p["allowance_before"]) * 100).round() / 100
    after = ((p["rent_after"] - p["allowance_after"]) * 100).round() / 100
    empty = p.empty
    out["rest_to_pay_before_median"] = None if empty else float(before.median())
    out["rest_to_pay_after_median"] = None if empty else float(after.median())
    out["rest_to_pay_median_change"] = None if empty else float((after - before).median())
    out["rest_to_pay_increase_share"] = None if empty else float((after > before).mean())
    comp = d[(d["housing_type"] == "social") & (d["new_or_recent"] == True)  # noqa: E712
             & (d["rent_under_apl_ceiling"] == True)]  # noqa: E712
    out["rent_compensation_count"] = len(comp)
    out["rent_compensation_eur"] = float(comp["typology"].map(EUR).fillna(0).sum())
    return out


def compare(duck: pd.DataFrame, pandas_values: dict) -> list[str]:
    """Keys whose values differ between DuckDB's total row and pandas."""
    row = duck[duck["is_total"]].iloc[0]
    bad = []
    for key in KEYS:
        a, b = row[key], pandas_values[key]
        a = None if pd.isna(a) else float(a)
        b = None if b is None or (isinstance(b, float) and math.isnan(b)) else float(b)
        if (a is None) != (b is None) or (a is not None and not math.isclose(a, b, rel_tol=1e-9,
                                                                            abs_tol=1e-6)):
            bad.append(f"{key}: duckdb {a} / pandas {b}")
    return bad
