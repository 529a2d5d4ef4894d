"""What an elected official may see: one protected release per database state.

Officials look at the programme at *publication dates* only (quarter ends and the
data date). Every count they can read — per operation and in total, at every
publication date: households, statuses, shares' numerators and denominators,
the cumulative curve, compensation amounts (a count of relogements in
disguise), destination communes, survey answers — is one cell of a single
suppression problem (`suppression.Problem`) with the relations a reader with a
calculator knows. `suppression.protect` hides what must be hidden; the pages,
the meeting pack and its annex all read the result through `access.fetch`,
so they show the same cells.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from . import data_state, fmt, geo, indicators, suppression, survey
from .db import Database
from .errors import RelogError
from .indicators import Scope

TOTAL = "*"  # the unit of the whole perimeter
SHARES = ("offsite_share", "outside_qpv_share", "new_or_recent_share",
          "rest_to_pay_increase_share")
# kpis columns -> the cell that holds them
MAIN = ("households_total", "rehoused", "temporary", "exits", "still_in_building",
        "remaining", "progress_rate_num", "three_refusals", "rent_compensation_count",
        "offers_per_rehoused_num", "refusal_rate_num", "refusal_rate_den")
# Per operation, officials see its progress only: the split between rehoused,
# temporary and exits, and the quality shares, are published for the whole
# perimeter (per operation they are mostly groups of fewer than 5 households).
PER_OPERATION = ("households_total", "progress_rate_num", "remaining")
GROUPS = ("rent_compensation_t12", "rent_compensation_t34", "rent_compensation_t56")
WEIGHTS = {"households_total": 30, "progress_rate_num": 30, "remaining": 30, "rehoused": 8}
# Counts that only grow with time (a reader knows it): households done,
# rehoused, gone.
CUMULATIVE = {("k", "progress_rate_num"), ("k", "rehoused"), ("k", "exits")}
COMMUNE_COLUMNS = ("households", "in_qpv", "outside_qpv", "qpv_unknown")
ANSWER_COLUMNS = ("n_answers", "n_empty", "n_satisfied")
WAVE_COLUMNS = ("respondents", "eligible", "out_of_scope_respondents")


# -- publication dates ---------------------------------------------------------------------
def publication_dates(db: Database) -> list[date]:
    """Quarter ends before the data date, from the first quarter end of the data,
    then the data date itself."""
    last = indicators.data_date(db)
    if last is None:
        return []
    first = db.query("release_first_date")["first_day"].iloc[0]
    start = pd.Timestamp(first if not pd.isna(first) else last)
    ends = pd.date_range(start, pd.Timestamp(last), freq="QE")
    out = [d.date() for d in ends if d.date() < last]
    return out + [last]


def snap(dates: list[date], when: date | None) -> date | None:
    """The latest publication date on or before `when` (the first when earlier,
    the last when None)."""
    if not dates:
        return when
    if when is None:
        return dates[-1]
    earlier = [d for d in dates if d <= when]
    return earlier[-1] if earlier else dates[0]


def pace_start(dates: list[date], as_of: date) -> date | None:
    """The publication date from which an official's pace is measured: the most
    recent one at least 6 months before `as_of`."""
    limit = (pd.Timestamp(as_of) - pd.DateOffset(months=6)).date()
    earlier = [d for d in dates if d <= limit]
    return earlier[-1] if earlier else None


# -- the release -----------------------------------------------------------------------------
@dataclass
class Release:
    dates: list[date]
    units: list[str]  # operation codes, then TOTAL
    values: dict  # key -> true value
    hidden: dict  # key -> bool
    frames: dict  # (date, kind) -> unsuppressed frame (all units)
    problem: suppression.Problem
    mask: np.ndarray
    detail: bool = True  # the whole perimeter's detail is published

    def shown(self, key):
        """The published value of a cell, or None when hidden (or unknown)."""
        if key not in self.values or self.hidden[key]:
            return None
        return self.values[key]


def build(db: Database, operations: tuple[str, ...] | None = None,
          threshold: int = suppression.THRESHOLD) -> Release:
    dates = publication_dates(db)
    base = Scope(operations=tuple(operations or ()))
    problem = suppression.Problem()
    frames: dict = {}
    every = list(indicators.scope_options(db).query("kind == 'operation'")["code"])
    codes = [c for c in every if operations is None or c in operations]
    units = [*codes, TOTAL]
    # The detail of the whole perimeter goes to officials who see every operation;
    # an official of a few operations sees their progress only (the detail of a
    # few operations is mostly groups of fewer than 5 households).
    detail = codes == every
    rates = (indicators.DEFAULT_COMPENSATION["eur_t12"],
             indicators.DEFAULT_COMPENSATION["eur_t34"],
             indicators.DEFAULT_COMPENSATION["eur_t56"])
    names = main_communes(geo.commune_aggregates(db, base.at(dates[-1])), threshold) \
        if dates else []
    for day in dates:
        _check_exit()
        scope = base.at(day)
        k = indicators.kpis(db, scope, "operation")
        k["unit"] = [TOTAL if t else g for g, t in zip(k["group_key"], k["is_total"])]
        k = k.set_index("unit").reindex(units)
        frames[(day, "kpis")] = k
        _main_cells(problem, day, units, k, rates, detail)
        if not detail:
            continue
        # destinations and survey answers: for the whole perimeter only
        communes = {TOTAL: geo.commune_aggregates(db, scope), "names": names}
        answers = {TOTAL: survey.shares(db, scope)}
        waves = {TOTAL: survey.waves(db, scope)}
        frames[(day, "communes")] = communes[TOTAL]
        frames[(day, "answers")] = answers[TOTAL]
        frames[(day, "waves")] = waves[TOTAL]
        _commune_cells(problem, day, [TOTAL], communes)
        _survey_cells(problem, day, [TOTAL], answers, waves)
    _series(problem, dates, units)
    forced = _amounts_to_hide(problem, dates, units, threshold) if detail else []
    # what officials read first: the latest date, headline figures first
    last = dates[-1] if dates else None
    rows = [[(last, u, "k", c) for c in PER_OPERATION] for u in units]
    prefer = [[k for row in rows for k in row]] + rows + sorted((k for k in problem.index if k[0] == last and k[2] == "k"),
                           key=lambda k: -problem.weights[problem.index[k]])
    mask = suppression.protect(problem, threshold, forced=forced, prefer=prefer,
                               check=_check_exit)
    values = dict(zip(problem.keys, problem.values))
    hidden = dict(zip(problem.keys, mask.tolist()))
    return Release(dates, units, values, hidden, frames, problem, mask, detail)


def _main_cells(p: suppression.Problem, day, units, k: pd.DataFrame, rates,
                detail: bool) -> None:
    for unit in units:
        row = k.loc[unit]
        scale = 10 if unit == TOTAL else 1

        def cell(name, value=None, internal=False):
            v = row[name] if value is None else value
            p.add((day, unit, "k", name), 0 if pd.isna(v) else int(v),
                  WEIGHTS.get(name, 1) * scale, internal)

        if unit != TOTAL or not detail:  # an operation: its progress only
            for name in PER_OPERATION:
                cell(name)
            key = lambda name: (day, unit, "k", name)  # noqa: E731
            p.relate(key("households_total"), [key("progress_rate_num"), key("remaining")])
            continue
        for name in MAIN:
            cell(name)
        rehoused = int(row["rehoused"])
        for s in SHARES:
            num, den = int(row[f"{s}_num"]), int(row[f"{s}_den"])
            cell(f"{s}_num", num)
            cell(f"{s}_den", den)
            cell(f"{s}_gap", den - num)
            cell(f"{s}_unknown", rehoused - den)
        groups = [int(row[g]) for g in GROUPS]
        for name, v in zip(GROUPS, groups):
            cell(name, v, internal=True)
        cell("rent_compensation_untyped", int(row["rent_compensation_count"]) - sum(groups),
             internal=True)
        p.add((day, unit, "k", "rent_compensation_eur"), float(row["rent_compensation_eur"]),
              5 * scale)
        key = lambda name: (day, unit, "k", name)  # noqa: E731
        p.relate(key("households_total"), [key(c) for c in
                                           ("rehoused", "temporary", "exits", "still_in_building")])
        p.relate(key("remaining"), [key("temporary"), key("still_in_building")])
        p.relate(key("progress_rate_num"), [key("rehoused"), key("exits")])
        for s in SHARES:
            p.relate(key(f"{s}_den"), [key(f"{s}_num"), key(f"{s}_gap")])
            p.relate(key("rehoused"), [key(f"{s}_den"), key(f"{s}_unknown")])
        p.relate(key("rent_compensation_count"),
                 [key(g) for g in (*GROUPS, "rent_compensation_untyped")])
        p.relate(key("rent_compensation_eur"), [key(g) for g in GROUPS], rates)
    _columns(p, day, units, "k", [""])


def _columns(p: suppression.Problem, day, units, block, rows) -> None:
    """Every cell of the total unit is the sum of the operations' cells."""
    ops = units[:-1]
    for key in list(p.index):
        if key[0] != day or key[1] != TOTAL or key[2] != block:
            continue
        parts = [(day, u, *key[2:]) for u in ops]
        if all(part in p.index for part in parts):
            p.relate(key, parts)


OTHER_COMMUNES = "Autres communes"


def main_communes(frame: pd.DataFrame, threshold: int) -> list[str]:
    """The destination communes shown by name: those of at least `threshold`
    households at the data date; the others are added up in OTHER_COMMUNES."""
    big = frame[frame["households"] >= threshold]
    return sorted(big["commune"].dropna())


def _commune_cells(p: suppression.Problem, day, units, communes: dict) -> None:
    names = sorted(communes["names"])
    communes = {u: f for u, f in communes.items() if u != "names"}
    for unit in units:
        frame = _grouped(communes[unit], names)
        scale = 10 if unit == TOTAL else 1
        for name in [*names, OTHER_COMMUNES]:
            for col in COMMUNE_COLUMNS:
                v = frame.at[name, col] if name in frame.index else 0
                p.add((day, unit, "c", name, col), int(v), scale)
            key = lambda col: (day, unit, "c", name, col)  # noqa: E731
            p.relate(key("households"), [key(c) for c in COMMUNE_COLUMNS[1:]])
        # communes add up to the kpis cells (a rest cell holds any difference)
        k = lambda name: (day, unit, "k", name)  # noqa: E731
        ties = {"households": k("rehoused"), "outside_qpv": k("outside_qpv_share_num"),
                "in_qpv": k("outside_qpv_share_gap"), "qpv_unknown": k("outside_qpv_share_unknown")}
        for col, total in ties.items():
            parts = [(day, unit, "c", name, col) for name in [*names, OTHER_COMMUNES]]
            rest = p.values[p.index[total]] - sum(p.values[p.index[x]] for x in parts)
            if rest == 0:  # every rehoused household has its destination: a reader knows
                p.relate(total, parts)
                continue
            # households rehoused without a recorded move: a count no one sees
            p.add((day, unit, "c", "", col), rest, scale, internal=True)
            p.relate(total, [*parts, (day, unit, "c", "", col)])


def _grouped(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Commune rows: the named communes, the others added up."""
    key = frame["commune"].where(frame["commune"].isin(names), OTHER_COMMUNES)
    return frame.assign(commune=key).groupby("commune")[list(COMMUNE_COLUMNS)].sum()


def _survey_cells(p: suppression.Problem, day, units, answers: dict, waves: dict) -> None:
    rows = sorted({(q, int(w)) for f in answers.values() for q, w in zip(f["question"], f["wave"])})
    wave_rows = sorted({int(w) for f in waves.values() for w in f["wave"]})
    for unit in units:
        scale = 10 if unit == TOTAL else 1
        a = answers[unit].assign(wave=lambda f: f["wave"].astype(int)).set_index(["question", "wave"])
        for q, w in rows:
            for col in ANSWER_COLUMNS:
                v = a.at[(q, w), col] if (q, w) in a.index else 0
                p.add((day, unit, "s", (q, w), col), int(v), scale)
            key = lambda col: (day, unit, "s", (q, w), col)  # noqa: E731
            p.add(key("gap"), p.values[p.index[key("n_answers")]]
                  - p.values[p.index[key("n_satisfied")]], scale)
            p.relate(key("n_answers"), [key("n_satisfied"), key("gap")])
        wv = waves[unit].assign(wave=lambda f: f["wave"].astype(int)).set_index("wave")
        for w in wave_rows:
            for col in WAVE_COLUMNS:
                v = wv.at[w, col] if w in wv.index else 0
                p.add((day, unit, "w", w, col), int(v), scale)
            key = lambda col: (day, unit, "w", w, col)  # noqa: E731
            p.add(key("gap"), p.values[p.index[key("eligible")]]
                  - p.values[p.index[key("respondents")]], scale)
            p.relate(key("eligible"), [key("respondents"), key("gap")])
            # the eligible households are rehoused households: their count is at
            # most the rehoused count (the difference: rehoused since the wave)
            since = p.values[p.index[(day, unit, "k", "rehoused")]] \
                - p.values[p.index[key("eligible")]]
            if since >= 0:
                p.add(key("rehoused_since"), since, scale)
                p.relate((day, unit, "k", "rehoused"), [key("eligible"), key("rehoused_since")])
        # every question of a wave is answered or left empty by each respondent
        for q, w in rows:
            if w not in wave_rows:
                continue
            answered = [(day, unit, "s", (q, w), "n_answers"), (day, unit, "s", (q, w), "n_empty"),
                        (day, unit, "w", w, "out_of_scope_respondents")]
            total = (day, unit, "w", w, "respondents")
            value = sum(p.values[p.index[k]] * c for k, c in zip(answered, (1, 1, -1)))
            if value == p.values[p.index[total]]:
                p.relate(total, answered, (1, 1, -1))


def _series(p: suppression.Problem, dates, units) -> None:
    shapes = sorted({key[1:] for key in p.index}, key=repr)
    for shape in shapes:
        keys = [(day, *shape) for day in dates]
        p.add_series(keys, monotone=shape[1:] in CUMULATIVE)


def _amounts_to_hide(p: suppression.Problem, dates, units, threshold) -> list[int]:
    """A compensation amount is shown only when none of the typology groups it is
    made of is small, nor any group's change since another date where it is shown."""
    forced = []
    for unit in [TOTAL]:
        shown: list[list[float]] = []
        for day in reversed(dates):
            groups = [p.values[p.index[(day, unit, "k", g)]]
                      for g in (*GROUPS, "rent_compensation_untyped")]
            ok = not any(suppression.small(g, threshold) for g in groups) and not any(
                suppression.small(a - b, threshold)
                for other in shown for a, b in zip(groups, other))
            if ok:
                shown.append(groups)
            else:
                forced.append(p.index[(day, unit, "k", "rent_compensation_eur")])
    return forced


# -- cache -------------------------------------------------------------------------------------
_LOCK = threading.Lock()
_CACHE: OrderedDict = OrderedDict()
_LOG = logging.getLogger("relog")


_BUILDING: dict = {}


def release_for(db: Database, operations: tuple[str, ...] | None,
                threshold: int = suppression.THRESHOLD) -> Release:
    """The release of this database state, built once (concurrent requests for
    the same one wait for it) and kept for the last few states."""
    key = (data_state.token(db), operations, threshold)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        building = _BUILDING.setdefault(key, threading.Lock())
    with building:
        with _LOCK:
            if key in _CACHE:
                return _CACHE[key]
        built = build(db, operations, threshold)
        with _LOCK:
            _CACHE[key] = built
            _BUILDING.pop(key, None)
            while len(_CACHE) > 6:
                _CACHE.popitem(last=False)
    return built


PREPARING = "relog-release"  # the name of the thread release.prepare starts


class Stopped(RelogError):
    """The process is exiting: a release prepared in the background is given up."""


_EXITING = threading.Event()
# Before Python waits for its threads at exit (as concurrent.futures does): a
# background build stops at its next step instead of holding the exit. (A daemon
# thread would be killed inside DuckDB's or HiGHS's C++ code: the process aborts.)
getattr(threading, "_register_atexit", lambda f: None)(_EXITING.set)


def _check_exit() -> None:
    if _EXITING.is_set() and threading.current_thread().name == PREPARING:
        raise Stopped("arrêt du processus")


def prepare(db: Database, operations: tuple[str, ...] | None = None) -> threading.Thread:
    """Build the release of the current data in a background thread, so that
    the first official after a start or an import does not wait for it (a
    minute or more at 150 000 households; concurrent requests wait for this
    build instead of starting another). The thread is not a daemon: at exit
    it stops at its next step (_check_exit) and is waited for."""

    def work() -> None:
        try:
            release_for(db, operations)
        except Exception:  # an empty or unreadable database, or the exit: built on first use
            _LOG.info("relog : publication des élus non préparée", exc_info=True)

    thread = threading.Thread(target=work, name=PREPARING)
    thread.start()
    return thread


class NotReleased(RelogError):
    """Not part of what elected officials may see."""


# -- what an official's request returns ---------------------------------------------------------
ELU_STATUSES = (("relogé ou sorti", "progress_rate_num"), ("à reloger", "remaining"))


def serve(db: Database, operations: tuple[str, ...] | None, threshold: int, module: str,
          function: str, args: tuple, kwargs: dict):
    """The result of relog_data.<module>.<function>(db, *args, **kwargs) as an
    elected official sees it: built from the release only."""
    handler = _HANDLERS.get((module, function))
    if handler is None:
        raise NotReleased("Ce détail n'est pas publié pour les élus.")
    rel = release_for(db, operations, threshold)
    scope = next((a for a in (*args, *kwargs.values()) if isinstance(a, Scope)), Scope())
    if scope.phases or scope.buildings or scope.landlords:
        raise NotReleased("Les élus voient des opérations entières : pas de filtre par phase, "
                          "bâtiment ou bailleur.")
    if not rel.dates:
        raise NotReleased("Aucune date de publication : la base ne contient encore aucun "
                          "relogement.")
    day = snap(rel.dates, scope.as_of)
    ops = [u for u in rel.units[:-1] if not scope.operations or u in scope.operations]
    rest = [a for a in args if not isinstance(a, Scope)]
    result = handler(db, rel, scope.at(day), day, ops, *rest)
    if isinstance(result, pd.DataFrame):
        result.attrs["as_of"] = day
    return result


def _unit_value(rel: Release, day, ops: list[str], column: str):
    """A column for a set of operations: the total's cell when they are all of
    them, an operation's cell, or the sum of published cells (None when one is
    hidden: the sum would reveal it)."""
    if len(ops) == len(rel.units) - 1:
        return rel.shown((day, TOTAL, "k", column))
    values = [rel.shown((day, op, "k", column)) for op in ops]
    if any(v is None for v in values):
        return None
    return sum(values)


def _whole(rel: Release, ops: list[str]) -> bool:
    """The request covers the whole perimeter, whose detail is published."""
    return rel.detail and len(ops) == len(rel.units) - 1


def _ratio(num, den):
    if num is None or den is None or den == 0:
        return None
    return num / den


def _kpi_row(rel: Release, day, ops: list[str], row: pd.Series, whole: bool) -> dict:
    out = {c: None for c in row.index if c not in ("group_key", "is_total")}
    for c in PER_OPERATION:
        out[c] = _unit_value(rel, day, ops, c)
    out["progress_rate_den"] = out["households_total"]
    out["progress_rate"] = _ratio(out["progress_rate_num"], out["households_total"])
    if not whole:
        return out
    get = lambda c: rel.shown((day, TOTAL, "k", c))  # noqa: E731
    for c in MAIN:
        out[c] = get(c)
    for s in SHARES:
        out[f"{s}_num"], out[f"{s}_den"] = get(f"{s}_num"), get(f"{s}_den")
        out[s] = _ratio(out[f"{s}_num"], out[f"{s}_den"])
    out["offers_per_rehoused_den"] = out["rehoused"]
    out["offers_per_rehoused"] = _ratio(out["offers_per_rehoused_num"], out["rehoused"])
    out["refusal_rate"] = _ratio(out["refusal_rate_num"], out["refusal_rate_den"])
    if out["rest_to_pay_increase_share_den"] is not None:
        for c in ("rest_to_pay_before_median", "rest_to_pay_after_median",
                  "rest_to_pay_median_change"):
            out[c] = row[c]
    out["rent_compensation_eur"] = get("rent_compensation_eur")
    return out


def _kpis(db, rel, scope, day, ops, level="total", compensation=None):
    if level not in ("total", "operation"):
        raise NotReleased("Les élus voient les chiffres par opération et pour l'ensemble, "
                          "pas par phase ni par bâtiment.")
    base = rel.frames[(day, "kpis")]
    columns = [c for c in base.columns]
    records = []
    if level == "operation":
        for op in ops:
            rec = _kpi_row(rel, day, [op], base.loc[op], False)
            records.append({"group_key": op, "is_total": False, **rec})
    total = _kpi_row(rel, day, ops, base.loc[TOTAL], _whole(rel, ops))
    records.append({"group_key": None, "is_total": True, **total})
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["is_total"] = frame["is_total"].astype(bool)
    for c in columns:
        if c not in ("group_key", "is_total"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Float64")
    return frame.drop(columns=[c for c in GROUPS if c in frame.columns])


def _overview(db, rel, scope, day, ops):
    full = indicators.operations_overview(db, Scope(operations=tuple(ops), as_of=day))
    k = _kpis(db, rel, scope, day, ops, "operation")
    k = k[~k["is_total"]].rename(columns={"group_key": "operation_code"}).drop(columns="is_total")
    keep = [c for c in full.columns if c not in k.columns or c == "operation_code"]
    return full[keep].merge(k, on="operation_code", how="left")


def _status_counts(db, rel, scope, day, ops, level="operation"):
    if level != "operation":
        raise NotReleased("Les élus voient l'avancement par opération seulement.")
    records = []
    for op in ops:
        for order, (status, column) in enumerate(ELU_STATUSES, start=1):
            records.append({"group_key": op, "status": status, "status_order": order,
                            "households": rel.shown((day, op, "k", column))})
    frame = pd.DataFrame.from_records(
        records, columns=["group_key", "status", "status_order", "households"])
    frame["households"] = pd.to_numeric(frame["households"], errors="coerce").astype("Float64")
    return frame


def _progress_series(db, rel, scope, day, ops):
    full = indicators.progress_series(db, scope)
    planned = dict(zip(pd.to_datetime(full["day"]).dt.date, full["planned"]))
    days = [d for d in rel.dates if d <= day]
    frame = pd.DataFrame({
        "day": pd.to_datetime(days),
        "done": pd.array([_unit_value(rel, d, ops, "progress_rate_num") for d in days],
                         dtype="Float64"),
        "planned": [planned.get(d, float("nan")) for d in days],
    })
    return frame


def _projection(db, rel, scope, day, ops):
    start = pace_start(rel.dates, day)
    full = indicators.projection(db, scope, pace_from=start)
    records = []
    for _, row in full.iterrows():
        group = ops if row["is_total"] else [row["operation_code"]]
        rec = row.to_dict()
        total = _unit_value(rel, day, group, "households_total")
        done = _unit_value(rel, day, group, "progress_rate_num")
        before = _unit_value(rel, start, group, "progress_rate_num") if start else None
        rec["households_total"], rec["done"] = total, done
        rec["remaining"] = _unit_value(rel, day, group, "remaining")
        change = None if done is None or before is None else done - before
        if change is None or change != row["done_last_6_months"]:
            rec.update(done_last_6_months=None, pace_per_month=None, projected_end=None,
                       gap_months=None)
        records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=full.columns)
    for c in ("households_total", "done", "remaining", "done_last_6_months"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Float64")
    for c in ("pace_per_month", "gap_months"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce")
    frame["projected_end"] = pd.to_datetime(frame["projected_end"])
    frame.attrs["pace_from"] = start
    return frame


def _attention_points(db, rel, scope, day, ops):
    points = indicators.building_points(indicators.buildings_at_risk(db, scope), counted=False)
    if _whole(rel, ops):
        refusing = rel.shown((day, TOTAL, "k", "three_refusals"))
        if refusing:
            points.append({"kind": "3 refus ou plus", "count": int(refusing),
                           "text": f"{fmt.integer(refusing)} ménage(s) ont refusé 3 "
                                   "propositions ou plus (seuil légal)."})
    proj = _projection(db, rel, scope, day, ops)
    options = indicators.scope_options(db)
    ops_frame = options[options["kind"] == "operation"]
    names = dict(zip(ops_frame["code"], ops_frame["label"]))
    points += indicators.late_points(
        proj, names, f"aucun ménage relogé ni parti depuis le {fmt.day(proj.attrs['pace_from'])}"
        if proj.attrs["pace_from"] else "aucun ménage relogé ni parti")
    return points


def _contradictions(db, rel, scope, day, ops):
    frame = indicators.data_contradictions(db, scope)
    frame["households"] = pd.array([None] * len(frame), dtype="Float64")
    return frame


def _programme_only(rel, ops, what: str) -> None:
    if not rel.detail:
        raise NotReleased(f"{what} sont publiés aux élus qui suivent l'ensemble du "
                          "programme ; votre compte couvre une partie des opérations.")
    if not _whole(rel, ops):
        raise NotReleased(f"{what} sont publiés aux élus pour l'ensemble du programme "
                          "seulement : retirez le filtre d'opération.")


def _communes(db, rel, scope, day, ops):
    _programme_only(rel, ops, "Les lieux de relogement")
    full = rel.frames[(day, "communes")]
    insee = dict(zip(full["commune"], full["insee_code"]))
    centres = full.set_index("commune")[["centre_lat", "centre_lon"]]
    rehoused = rel.shown((day, TOTAL, "k", "rehoused"))
    records = []
    names = sorted({k[3] for k in rel.values if k[0] == day and k[2] == "c" and k[3]})
    for name in names:
        rec = {"commune": name, "insee_code": insee.get(name)}
        for c in COMMUNE_COLUMNS:
            rec[c] = rel.shown((day, TOTAL, "c", name, c))
        rec["share"] = _ratio(rec["households"], rehoused)
        rec["rehoused"] = rehoused
        known = rec["households"] is not None and name in centres.index
        rec["centre_lat"] = centres.at[name, "centre_lat"] if known else None
        rec["centre_lon"] = centres.at[name, "centre_lon"] if known else None
        if name == OTHER_COMMUNES or rel.values[(day, TOTAL, "c", name, "households")] > 0:
            records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=list(full.columns))
    for c in (*COMMUNE_COLUMNS, "rehoused"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Float64")
    for c in ("share", "centre_lat", "centre_lon"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce")
    order = frame["commune"].eq(OTHER_COMMUNES)
    return frame.assign(_o=order).sort_values(["_o", "households"], ascending=[True, False],
                                              na_position="last").drop(columns="_o") \
        .reset_index(drop=True)


def _survey_shares(db, rel, scope, day, ops):
    _programme_only(rel, ops, "Les résultats d'enquête")
    full = rel.frames[(day, "answers")].copy()
    for i, row in full.iterrows():
        key = (row["question"], int(row["wave"]))
        for c in ANSWER_COLUMNS:
            full.at[i, c] = rel.shown((day, TOTAL, "s", key, c))
    for c in ANSWER_COLUMNS:
        full[c] = pd.to_numeric(full[c], errors="coerce").astype("Float64")
    hidden = full["n_answers"].isna() | full["n_satisfied"].isna()
    for c in ("satisfied_share", "ci_low", "ci_high"):
        full[c] = full[c].astype("float64").mask(hidden)
    return full


def _survey_waves(db, rel, scope, day, ops):
    _programme_only(rel, ops, "Les résultats d'enquête")
    full = rel.frames[(day, "waves")].copy()
    for i, row in full.iterrows():
        for c in WAVE_COLUMNS:
            full.at[i, c] = rel.shown((day, TOTAL, "w", int(row["wave"]), c))
    for c in WAVE_COLUMNS:
        full[c] = pd.to_numeric(full[c], errors="coerce").astype("Float64")
    full["response_rate"] = full["response_rate"].astype("float64").mask(
        full["respondents"].isna() | full["eligible"].isna())
    full["median_months_since_move"] = full["median_months_since_move"].astype(
        "float64").mask(full["respondents"].isna())
    return full


_HANDLERS = {
    ("indicators", "kpis"): _kpis,
    ("indicators", "operations_overview"): _overview,
    ("indicators", "status_counts"): _status_counts,
    ("indicators", "progress_series"): _progress_series,
    ("indicators", "projection"): _projection,
    ("indicators", "attention_points"): _attention_points,
    ("indicators", "data_contradictions"): _contradictions,
    ("geo", "commune_aggregates"): _communes,
    ("survey", "shares"): _survey_shares,
    ("survey", "waves"): _survey_waves,
}
