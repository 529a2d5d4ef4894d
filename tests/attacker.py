"""An independent attacker of the elected officials' release (issue #16).

It reads what an `elu` viewer can read through `access.fetch`, writes down the
linear relations an official with a calculator knows between those cells
(row and column totals, numerators and denominators, operations adding up to
their total, curve increments, amounts = count x rate, ...), and computes with
linear programming (scipy.optimize.linprog, HiGHS) the interval of values of
every hidden cell, of every numerator/denominator gap and of every change of a
quantity between two dates, given everything published.

It shares nothing with the code under test except the gateway itself
(`access.fetch`) and the constants of the indicators (compensation rates): its
own model of the quantities, its own relations, its own LP. Every identity it
uses is checked on the unsuppressed data (the same functions read through
`access.SYSTEM`): a wrong identity fails loudly instead of making a weaker or
an impossible attacker.

Quantities are keyed (name, date, group, *sub): `group` is the sorted tuple of
the operations a figure covers (one operation, or all the operations of a
scope for a total row), `date` the date of the figures (None for a quantity
that does not depend on it), `sub` a commune, a status, a survey question and
wave, a typology group...
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from relog_data import access, indicators
from relog_data.indicators import Scope

THRESHOLD = 5

# -- the quantities ---------------------------------------------------------------------------
# kpis / operations_overview column -> quantity. Two columns naming the same quantity
# (progress_rate_den = households_total, offers_per_rehoused_den = rehoused,
# progress_rate_num = done) are unified here; the truth check proves it.
KPI_COLUMNS = {
    "households_total": "H",
    "rehoused": "R",
    "temporary": "T",
    "exits": "E",
    "still_in_building": "S",
    "remaining": "Rem",
    "three_refusals": "ref3",
    "rent_compensation_count": "CC",
    "progress_rate_num": "done",
    "progress_rate_den": "H",
    "offsite_share_num": "offsite",
    "offsite_share_den": "onsite_known",
    "outside_qpv_share_num": "outside_qpv",
    "outside_qpv_share_den": "qpv_known",
    "new_or_recent_share_num": "new",
    "new_or_recent_share_den": "new_known",
    "offers_per_rehoused_num": "offers",
    "offers_per_rehoused_den": "R",
    "refusal_rate_num": "refused",
    "refusal_rate_den": "answered",
    "rest_to_pay_increase_share_num": "rtp_up",
    "rest_to_pay_increase_share_den": "rtp_pop",
    "rent_compensation_eur": "comp_eur",
}
# share column -> (numerator quantity, denominator quantity)
KPI_SHARES = {
    "progress_rate": ("done", "H"),
    "offsite_share": ("offsite", "onsite_known"),
    "outside_qpv_share": ("outside_qpv", "qpv_known"),
    "new_or_recent_share": ("new", "new_known"),
    "offers_per_rehoused": ("offers", "R"),
    "refusal_rate": ("refused", "answered"),
    "rest_to_pay_increase_share": ("rtp_up", "rtp_pop"),
}
# Counts of offers, not of households (reported apart; the protection is about households).
OFFER_COUNTS = {"offers", "refused", "answered"}
AMOUNTS = {"comp_eur"}
# The attacker's rates: the indicators' defaults (the dashboard never passes others).
RATES = {"t12": indicators.DEFAULT_COMPENSATION["eur_t12"],
         "t34": indicators.DEFAULT_COMPENSATION["eur_t34"],
         "t56": indicators.DEFAULT_COMPENSATION["eur_t56"],
         "t0": 0.0}
# status_counts: status -> quantity (the elu release has four statuses; the
# unsuppressed table has nine).
STILL = ("à enquêter", "diagnostic réalisé", "en recherche", "proposition en cours", "accord")
EXIT = ("départ autonome", "autre sortie")
STATUS_TOTALS = {"relogé": "R", "relogé provisoire": "T", "sorti sans relogement": "E",
                 "à reloger": "S", "relogé ou sorti": "done"}
# Quantities that add up over operations (everything but ratios).
# survey.waves: eligibility depends on the scope's own last survey date, and a
# scope without an answer in a wave has no row for it: not additive.
NOT_ADDITIVE: set[str] = {"wave"}


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value):
    return None if _missing(value) else float(value)


@dataclass
class Cell:
    published: float | None = None  # what the official reads (None: hidden)
    truth: float | None = None
    seen_hidden: bool = False  # hidden somewhere
    where: set = field(default_factory=set)  # functions where it appears


@dataclass
class Target:
    """A linear expression the attacker tries to pin down: a hidden cell, a
    numerator/denominator gap, a change between two dates."""
    kind: str  # cell | gap | change
    label: str
    coefs: dict
    households: bool = True  # a count of households (not of offers)


class Knowledge:
    """Everything one official can read, and what they know about it."""

    def __init__(self, name: str):
        self.name = name
        self.cells: dict[tuple, Cell] = {}
        self.constraints: list[tuple[dict, str, float, str]] = []  # coefs, "==" | "<=", rhs, why
        self.releases: set = set()
        self.calls = 0
        self.denied: set = set()
        self.problems: list[str] = []  # a wrong identity, a published value that is not the truth
        self.merged: set = set()  # (date, group) whose commune table has an "others" row
        self.truth_off = False  # reading a release whose truth is not read
        self.tables: dict[tuple, set] = {}  # (table, date, group) -> subs present in the release
        self.truth_tables: dict[tuple, set] = {}
        self.notes: list[str] = []

    # -- cells --------------------------------------------------------------------------------
    def see(self, key: tuple, published, truth, where: str) -> None:
        cell = self.cells.setdefault(key, Cell())
        cell.where.add(where)
        pub, tru = _num(published), None if self.truth_off else _num(truth)
        if tru is not None:
            if cell.truth is not None and abs(cell.truth - tru) > 1e-6:
                self.problems.append(f"identité fausse : {key} vaut {cell.truth} et {tru} "
                                     f"(dans {sorted(cell.where)})")
            cell.truth = tru
        if pub is None:
            cell.seen_hidden = True
            return
        if tru is not None and abs(pub - tru) > 1e-6:
            self.problems.append(f"valeur publiée différente de la vraie : {key} {pub} ≠ {tru} "
                                 f"({where})")
        if cell.published is not None and abs(cell.published - pub) > 1e-6:
            self.problems.append(f"deux valeurs publiées pour {key} : {cell.published}, {pub}")
        cell.published = pub

    def var(self, key: tuple, truth=None) -> tuple:
        """A quantity that is never published as such (a typology group's count...)."""
        cell = self.cells.setdefault(key, Cell())
        if truth is not None and not self.truth_off and cell.truth is None:
            cell.truth = float(truth)
        return key

    def fact(self, coefs: dict, sense: str, rhs: float, why: str) -> None:
        coefs = {k: c for k, c in coefs.items() if c != 0}
        for k in coefs:
            self.cells.setdefault(k, Cell())
        self.constraints.append((coefs, sense, float(rhs), why))

    def value(self, key):
        cell = self.cells.get(key)
        return None if cell is None else cell.published

    def truth(self, key):
        cell = self.cells.get(key)
        return None if cell is None else cell.truth

    def check_truth(self) -> None:
        """Every relation must hold on the unsuppressed data."""
        for coefs, sense, rhs, why in self.constraints:
            values = [self.truth(k) for k in coefs]
            if any(v is None for v in values):
                continue
            lhs = sum(c * v for c, v in zip(coefs.values(), values))
            tol = 1e-6 * max(1.0, abs(rhs), *(abs(c * v) for c, v in zip(coefs.values(), values)))
            ok = abs(lhs - rhs) <= tol if sense == "==" else lhs <= rhs + tol
            if not ok:
                self.problems.append(f"relation fausse sur les vraies données : {why} "
                                     f"({lhs} {sense} {rhs}) {dict(zip(coefs, values))}")


# -- reading the releases -----------------------------------------------------------------------
class Reader:
    """Reads the functions served to `elu` as `viewer` and, at the same date and
    scope, as access.SYSTEM (the truth, cached across viewers)."""

    def __init__(self, db, viewer, know: Knowledge, all_ops: tuple, truth_cache: dict,
                 snapped: bool):
        self.db, self.viewer, self.k = db, viewer, know
        self.all_ops = all_ops
        self.truth_cache = truth_cache
        self.snapped = snapped
        opts = access.fetch(db, viewer, "indicators", "scope_options")
        self.names = {rec.label: rec.code
                      for rec in opts[opts["kind"] == "operation"].itertuples()}

    def _truth(self, module, function, scope, *args):
        key = (module, function, scope, args)
        if key not in self.truth_cache:
            self.truth_cache[key] = access.fetch(self.db, access.SYSTEM, module, function,
                                                 scope, *args)
        return self.truth_cache[key]

    def _both(self, module, function, scope, *args):
        """The release and, on the dates where the truth is read, the
        unsuppressed result (else the release again, its values not taken as
        truth: Knowledge.truth_off)."""
        self.k.calls += 1
        try:
            pub = access.fetch(self.db, self.viewer, module, function, scope, *args)
        except access.AccessDenied:
            self.k.denied.add(f"{module}.{function}")
            return None, None
        as_of = getattr(pub, "attrs", {}).get("as_of", scope.as_of) \
            if isinstance(pub, pd.DataFrame) else scope.as_of
        if as_of != scope.as_of:
            self.k.problems.append(f"{function} : date publiée {as_of} au lieu de {scope.as_of}")
        if self.k.truth_off:
            return pub, pub
        return pub, self._truth(module, function, scope, *args)

    def group(self, scope: Scope) -> tuple:
        ops = self.viewer.restrict(scope).operations or self.all_ops
        return tuple(sorted(ops))

    def read(self, scope: Scope, d: date, done6_ref, truth: bool = True) -> None:
        self.k.truth_off = not truth
        scope = self.viewer.restrict(scope.at(d))
        g = self.group(scope)
        self.k.releases.add((g, d))
        self._kpis(scope, d, g, "total")
        self._kpis(scope, d, g, "operation")
        self._overview(scope, d, g)
        self._status(scope, d)
        self._series(scope, d, g)
        self._projection(scope, d, g, done6_ref)
        self._attention(scope, d, g)
        self._contradictions(scope, d, g)
        self._communes(scope, d, g)
        self._survey(scope, d, g)

    # kpis, overview ------------------------------------------------------------------------
    def _kpi_row(self, row, trow, d, g, where):
        for col, q in KPI_COLUMNS.items():
            if col in row.index:
                key = (q, d, g)
                self.k.see(key, row[col], trow[col], where)
        for col, (num, den) in KPI_SHARES.items():
            share = _num(row.get(col))
            nk, dk = (num, d, g), (den, d, g)
            if share is not None and (self.k.value(nk) is None or self.k.value(dk) is None):
                # a share shown beside a hidden count: num = share x den
                self.k.fact({nk: 1.0, dk: -share}, "==", 0.0, f"{where}.{col} = {share}")
        self.k.tables.setdefault(("kpi", d, g), set())

    def _kpis(self, scope, d, g, level):
        pub, tru = self._both("indicators", "kpis", scope, level)
        if pub is None:
            return
        for row, trow in _aligned(pub, tru, "group_key"):
            rg = g if bool(row["is_total"]) or level == "total" else (row["group_key"],)
            self._kpi_row(row, trow, d, rg, f"kpis[{level}]")

    def _overview(self, scope, d, g):
        pub, tru = self._both("indicators", "operations_overview", scope)
        if pub is None:
            return
        tru = tru.set_index("operation_code")
        for _, row in pub.iterrows():
            self._kpi_row(row, tru.loc[row["operation_code"]], d, (row["operation_code"],),
                          "operations_overview")

    # status_counts -------------------------------------------------------------------------
    def _status(self, scope, d):
        pub, tru = self._both("indicators", "status_counts", scope, "operation")
        if pub is None:
            return
        truth = defaultdict(float)
        for rec in ([] if self.k.truth_off else tru.itertuples()):
            truth[(rec.group_key, rec.status)] += rec.households
            if rec.status in EXIT:
                truth[(rec.group_key, "sorti sans relogement")] += rec.households
            if rec.status in EXIT + ("relogé",):
                truth[(rec.group_key, "relogé ou sorti")] += rec.households
            if rec.status not in EXIT + ("relogé",):
                truth[(rec.group_key, "à reloger (restant)")] += rec.households
            if rec.status in STILL:
                truth[(rec.group_key, "à reloger")] += rec.households
        if "relogé provisoire" not in set(pub["status"]):
            for (op, st) in list(truth):
                if st == "à reloger (restant)":
                    truth[(op, "à reloger")] = truth[(op, st)]
        present = defaultdict(set)
        for rec in pub.itertuples():
            key = ("status", d, (rec.group_key,), rec.status)
            self.k.see(key, rec.households, truth.get((rec.group_key, rec.status), 0.0),
                       "status_counts")
            present[rec.group_key].add(rec.status)
        for op in (set() if self.k.truth_off else set(tru["group_key"])) | set(present):
            self.k.tables[("status", d, (op,))] = present[op]
            self.k.truth_tables[("status", d, (op,))] = {
                s for (o, s), v in truth.items() if o == op and v}
        for (op, status), v in truth.items():
            if status not in present[op]:
                self.k.var(("status", d, (op,), status), v)

    # progress series ------------------------------------------------------------------------
    def _series(self, scope, d, g):
        pub, tru = self._both("indicators", "progress_series", scope)
        if pub is None:
            return
        truth = dict(zip(pd.to_datetime(tru["day"]).dt.date, tru["done"]))
        for rec in pub.itertuples():
            day = pd.Timestamp(rec.day).date()
            if day not in truth:  # a published point the unsuppressed curve does not have
                truth[day] = access.fetch(self.db, access.SYSTEM, "indicators", "projection",
                                          scope.at(day)).query("is_total")["done"].iloc[0]
            self.k.see(("done", day, g), rec.done, truth[day], "progress_series")
        if not pub.empty and pd.Timestamp(pub["day"].iloc[-1]).date() != d:
            self.k.notes.append(f"progress_series {g} {d}: dernier point "
                                f"{pub['day'].iloc[-1]}")

    # projection ----------------------------------------------------------------------------
    def _projection(self, scope, d, g, done6_ref):
        pub, tru = self._both("indicators", "projection", scope)
        if pub is None:
            return
        ref = done6_ref(d)
        for row, trow in _aligned(pub, tru, "operation_code"):
            rg = g if bool(row["is_total"]) else (row["operation_code"],)
            self.k.see(("H", d, rg), row["households_total"], trow["households_total"],
                       "projection")
            self.k.see(("done", d, rg), row["done"], trow["done"], "projection")
            self.k.see(("Rem", d, rg), row["remaining"], trow["remaining"], "projection")
            key6 = ("done6", d, rg)
            published6 = _num(row["done_last_6_months"])
            pace = _num(row.get("pace_per_month"))
            if published6 is None and pace is not None:
                published6 = pace * 6  # the pace is the change over 6 months / 6
            truth6 = None
            if ref is not None:
                self.k.fact({key6: 1, ("done", d, rg): -1, ("done", ref, rg): 1}, "==", 0,
                            f"projection done6 = done({d}) - done({ref})")
                self.k.cells.setdefault(("done", ref, rg), Cell())
                if not self.k.truth_off:
                    tref = self._done_truth(scope, ref, rg)
                    truth6 = trow["done"] - tref
                    self.k.var(("done", ref, rg), tref)
            self.k.see(key6, published6, truth6, "projection")
            end = row.get("projected_end")
            if not _missing(end) and (published6 is None or _num(row["remaining"]) is None):
                # projected_end = D + ceil(Rem / (done6 / 6) * 30.4375) days
                days = (pd.Timestamp(end) - pd.Timestamp(d)).days
                rem = ("Rem", d, rg)
                self.k.fact({rem: 182.625, key6: -days}, "<=", 0, "projected_end (haut)")
                self.k.fact({rem: -182.625, key6: days - 1}, "<=", 0, "projected_end (bas)")

    def _done_truth(self, scope, when, rg):
        frame = self._truth("indicators", "projection", scope.at(when))
        if rg == self.group(scope):
            return float(frame.query("is_total")["done"].iloc[0])
        rows = frame[(~frame["is_total"]) & (frame["operation_code"] == rg[0])]
        return float(rows["done"].iloc[0]) if len(rows) else 0.0

    # attention points ----------------------------------------------------------------------
    def _attention(self, scope, d, g):
        pub, tru = self._both("indicators", "attention_points", scope)
        if pub is None:
            return
        names = self.names
        truth_counts = {(p["kind"], p["text"].split(" : ")[0]): p["count"] for p in tru}
        for p in pub:
            kind, text, count = p["kind"], p["text"], p.get("count")
            head = text.split(" : ")[0]
            tcount = truth_counts.get((kind, head))
            if kind == "3 refus ou plus":
                # officials' point counts every household with 3 refusals or more
                # (the kpi three_refusals, published beside it), not only those
                # still to rehouse as the staff's point does
                self.k.see(("ref3", d, g), count, self.k.truth(("ref3", d, g)),
                           "attention_points")
            elif kind == "suivi en retard":
                self.k.see(("followup_late", d, g), count, tcount, "attention_points")
            elif kind == "opération en retard":
                op = names.get(head)
                if op is None:
                    self.k.notes.append(f"point sans opération reconnue : {text}")
                    continue
                self.k.see(("Rem", d, (op,)), count, tcount, "attention_points")
            elif kind in ("bâtiment à risque", "bâtiment démoli encore habité"):
                op = next((c for label, c in sorted(names.items(), key=lambda x: -len(x[0]))
                           if f"({label})" in head), None)
                if op is None or _missing(count):
                    continue
                self.k.see(("bld_still", d, (op,), head), count, tcount, "attention_points")

    def _contradictions(self, scope, d, g):
        pub, tru = self._both("indicators", "data_contradictions", scope)
        if pub is None:
            return
        self.k.see(("contra", d, g), pub["households"].iloc[0], tru["households"].iloc[0],
                   "data_contradictions")

    # communes ------------------------------------------------------------------------------
    def _communes(self, scope, d, g):
        pub, tru = self._both("geo", "commune_aggregates", scope)
        if pub is None:
            return
        tru = tru.set_index("commune")
        names = set(pub["commune"])
        merged = [c for c in names if c not in tru.index or str(c).startswith("Autres")]
        present = set()
        for _, row in pub.iterrows():
            c = row["commune"]
            present.add(c)
            if c in merged:
                # a row grouping the communes not listed: its truth is their sum
                trow = tru.loc[[x for x in tru.index if x not in names]].sum(numeric_only=True)
                self.k.merged.add((d, g))
            else:
                trow = tru.loc[c]
            for col in ("households", "in_qpv", "outside_qpv", "qpv_unknown"):
                self.k.see(("commune", d, g, c, col), row[col], trow.get(col), "commune_aggregates")
            self.k.see(("R", d, g), row["rehoused"], tru["rehoused"].iloc[0] if len(tru) else 0,
                       "commune_aggregates")
            share = _num(row.get("share"))
            hk, rk = ("commune", d, g, c, "households"), ("R", d, g)
            if share is not None and (self.k.value(hk) is None or self.k.value(rk) is None):
                self.k.fact({hk: 1, rk: -share}, "==", 0, "commune share")
        self.k.tables[("commune", d, g)] = present
        self.k.truth_tables[("commune", d, g)] = present if (d, g) in self.k.merged \
            else set(tru.index)
        if (d, g) not in self.k.merged:
            for c in set(tru.index) - present:
                for col in ("households", "in_qpv", "outside_qpv", "qpv_unknown"):
                    self.k.var(("commune", d, g, c, col), tru.loc[c, col])

    # survey --------------------------------------------------------------------------------
    def _survey(self, scope, d, g):
        pub, tru = self._both("survey", "shares", scope)
        if pub is not None:
            tru = tru.set_index(["question", "wave"])
            present = set()
            for _, row in pub.iterrows():
                q, w = row["question"], int(row["wave"])
                present.add((q, w))
                trow = tru.loc[(q, w)]
                for col in ("n_answers", "n_empty", "n_satisfied"):
                    self.k.see(("survey", d, g, (q, w), col), row[col], trow[col], "survey.shares")
                share = _num(row.get("satisfied_share"))
                nk, dk = ("survey", d, g, (q, w), "n_satisfied"), ("survey", d, g, (q, w),
                                                                     "n_answers")
                if share is not None and (self.k.value(nk) is None or self.k.value(dk) is None):
                    self.k.fact({nk: 1, dk: -share}, "==", 0, "satisfied_share")
                lo, hi = _num(row.get("ci_low")), _num(row.get("ci_high"))
                if lo is not None and hi is not None and (self.k.value(nk) is None
                                                           or self.k.value(dk) is None):
                    self.k.notes.append(("wilson", d, g, (q, w), lo, hi))
            self.k.tables[("survey", d, g)] = present
            self.k.truth_tables[("survey", d, g)] = set(tru.index)
            for q, w in set(tru.index) - present:
                for col in ("n_answers", "n_empty", "n_satisfied"):
                    self.k.var(("survey", d, g, (q, int(w)), col), tru.loc[(q, w), col])
        pub, tru = self._both("survey", "waves", scope)
        if pub is not None:
            tru = tru.set_index("wave")
            present = set()
            for _, row in pub.iterrows():
                w = int(row["wave"])
                present.add(w)
                for col in ("respondents", "eligible", "out_of_scope_respondents"):
                    self.k.see(("wave", d, g, w, col), row[col], tru.loc[w, col], "survey.waves")
                rate = _num(row.get("response_rate"))
                nk, dk = ("wave", d, g, w, "respondents"), ("wave", d, g, w, "eligible")
                if rate is not None and (self.k.value(nk) is None or self.k.value(dk) is None):
                    self.k.fact({nk: 1, dk: -rate}, "==", 0, "response_rate")
            self.k.tables[("wave", d, g)] = present
            self.k.truth_tables[("wave", d, g)] = set(tru.index)
            for w in set(tru.index) - present:
                for col in ("respondents", "eligible", "out_of_scope_respondents"):
                    self.k.var(("wave", d, g, int(w), col), tru.loc[w, col])


# -- the relations ------------------------------------------------------------------------------
def relations(k: Knowledge) -> None:
    """The linear relations an official knows between the quantities seen."""
    keys = list(k.cells)
    by_dg = defaultdict(set)
    for key in keys:
        name, d, g = key[:3]
        by_dg[(d, g)].add(name)
    groups = {key[2] for key in keys}
    dates = sorted({key[1] for key in keys if key[1] is not None})
    kpi_dg = {(d, g) for (t, d, g) in k.tables if t == "kpi"}
    # "à reloger" is the households still in the building when "relogé
    # provisoire" is shown apart, else every household not yet done (remaining)
    STATUS_TOTALS["à reloger"] = "S" if any(
        key[0] == "status" and key[3] == "relogé provisoire" and _seen(k, key)
        for key in keys) else "Rem"

    def q(name, d, g, *sub):
        return (name, d, g, *sub)

    # Within a group and date: the kpi identities.
    for d, g in sorted(kpi_dg, key=str):
        H, R, T, E, S, Rem, done = (q(n, d, g) for n in ("H", "R", "T", "E", "S", "Rem", "done"))
        k.fact({H: 1, R: -1, T: -1, E: -1, S: -1}, "==", 0, f"H = R+T+E+S {d} {g}")
        k.fact({Rem: 1, T: -1, S: -1}, "==", 0, f"Rem = T+S {d} {g}")
        k.fact({done: 1, R: -1, E: -1}, "==", 0, f"done = R+E {d} {g}")
        for num, den in (("offsite", "onsite_known"), ("outside_qpv", "qpv_known"),
                         ("new", "new_known"), ("rtp_up", "rtp_pop"), ("refused", "answered")):
            k.fact({q(num, d, g): 1, q(den, d, g): -1}, "<=", 0, f"{num} <= {den}")
        for den in ("onsite_known", "qpv_known", "new_known", "rtp_pop", "CC"):
            k.fact({q(den, d, g): 1, R: -1}, "<=", 0, f"{den} <= R")
        k.fact({q("ref3", d, g): 1, H: -1}, "<=", 0, "ref3 <= H")
        k.fact({q("CC", d, g): 1, q("new", d, g): -1}, "<=", 0, "CC <= new")
        # amount = sum of count x rate over the typology groups; count = sum of the groups
        parts = {t: k.var(("comp_n", d, g, t)) for t in RATES}
        k.fact({q("CC", d, g): 1, **{p: -1 for p in parts.values()}}, "==", 0, "CC = Σ groupes")
        k.fact({q("comp_eur", d, g): 1, **{parts[t]: -RATES[t] for t in RATES if RATES[t]}},
               "==", 0, "montant = Σ nombre x taux")
    for key in keys:
        name, d, g = key[:3]
        if name == "refusing":
            k.fact({key: 1, q("ref3", d, g): -1}, "<=", 0, "refusing <= ref3")
            k.fact({key: 1, q("S", d, g): -1}, "<=", 0, "refusing <= S")
        elif name == "followup_late":
            k.fact({key: 1, q("R", d, g): -1}, "<=", 0, "followups <= R")
        elif name == "contra":
            k.fact({key: 1, q("S", d, g): -1}, "<=", 0, "contradictions <= S")
        elif name == "done6":
            k.fact({key: 1, q("done", d, g): -1}, "<=", 0, "done6 <= done")
        elif name == "status" and key[3] in STATUS_TOTALS:
            k.fact({key: 1, q(STATUS_TOTALS[key[3]], d, g): -1}, "==", 0,
                   f"status {key[3]} = {STATUS_TOTALS[key[3]]}")
    # buildings at risk of one operation: at most its households still inside
    blds = defaultdict(list)
    for key in keys:
        if key[0] == "bld_still":
            blds[(key[1], key[2])].append(key)
    for (d, g), ks in blds.items():
        k.fact({**{b: 1 for b in ks}, q("S", d, g): -1}, "<=", 0, "bâtiments <= S")
    # status_counts: a status absent from a complete table is 0; the nine
    # statuses of the unsuppressed table add up to the four of the kpis
    fine = any(key[0] == "status" and key[3] in STILL + EXIT
               and (k.cells[key].published is not None or k.cells[key].seen_hidden)
               for key in keys)
    # the statuses the release uses (absent from one table: 0 there)
    universe = tuple({key[3] for key in keys if key[0] == "status" and _seen(k, key)})
    for t, d, g in list(k.tables):
        if t != "status":
            continue
        for s in universe:
            if s not in k.tables[(t, d, g)]:
                key = ("status", d, g, s)
                k.see(key, 0, k.truth(key) if key in k.cells else 0, "status_counts (absent)")
        if fine:
            k.fact({q("E", d, g): 1, **{("status", d, g, s): -1 for s in EXIT}}, "==", 0,
                   "E = Σ sorties")
            k.fact({q("S", d, g): 1, **{("status", d, g, s): -1 for s in STILL}}, "==", 0,
                   "S = Σ statuts 1-5")
    # communes: rows add up to the rehoused; parts of a row; QPV counts tie to kpis
    for t, d, g in list(k.tables):
        if t != "commune":
            continue
        communes = k.truth_tables[(t, d, g)] | k.tables[(t, d, g)]
        if k.tables[(t, d, g)] != k.truth_tables[(t, d, g)]:
            k.notes.append(f"communes omises par la publication {d} {g}")
        rows = {c: {col: ("commune", d, g, c, col) for col in
                    ("households", "in_qpv", "outside_qpv", "qpv_unknown")} for c in communes}
        for c, r in rows.items():
            k.fact({r["households"]: 1, r["in_qpv"]: -1, r["outside_qpv"]: -1,
                    r["qpv_unknown"]: -1}, "==", 0, "commune = QPV + hors QPV + inconnu")
        k.fact({q("R", d, g): 1, **{r["households"]: -1 for r in rows.values()}}, "==", 0,
               "Σ communes = R")
        k.fact({q("outside_qpv", d, g): 1, **{r["outside_qpv"]: -1 for r in rows.values()}},
               "==", 0, "Σ hors QPV = outside_qpv_share_num")
        k.fact({q("qpv_known", d, g): 1, **{r["outside_qpv"]: -1 for r in rows.values()},
                **{r["in_qpv"]: -1 for r in rows.values()}}, "==", 0,
               "Σ (QPV + hors QPV) = outside_qpv_share_den")
    # survey: answers + empty = respondents + out of scope; satisfied <= answers
    for t, d, g in list(k.tables):
        if t == "survey":
            for (qq, w) in k.truth_tables[(t, d, g)] | k.tables[(t, d, g)]:
                base = ("survey", d, g, (qq, int(w)))
                rows_w = [("wave", d, g, int(w), "respondents"),
                          ("wave", d, g, int(w), "out_of_scope_respondents")]
                k.fact({base + ("n_answers",): 1, base + ("n_empty",): 1,
                        **{r: -1 for r in rows_w}}, "==", 0, "réponses + vides = répondants")
                k.fact({base + ("n_satisfied",): 1, base + ("n_answers",): -1}, "<=", 0,
                       "satisfaits <= réponses")
        if t == "wave":
            for w in k.truth_tables[(t, d, g)] | k.tables[(t, d, g)]:
                base = ("wave", d, g, int(w))
                k.fact({base + ("respondents",): 1, base + ("eligible",): -1}, "<=", 0,
                       "répondants <= éligibles")
                k.fact({base + ("eligible",): 1, q("R", d, g): -1}, "<=", 0, "éligibles <= R")
    # operations add up to their total, for every additive quantity
    keys = list(k.cells)
    for key in keys:
        name, d, g = key[:3]
        if len(g) < 2 or name in NOT_ADDITIVE:
            continue
        if name == "commune" and ((d, g) in k.merged or str(key[3]).startswith("Autres")):
            continue  # a grouped row: not the same communes in every scope
        parts = {}
        for op in g:
            part = (name, d, (op,), *key[3:])
            table = {"commune": "commune", "survey": "survey", "wave": "wave"}.get(name)
            if table == "commune" and (d, (op,)) in k.merged:
                parts = None  # the operation's table groups communes: no equation
                break
            if part not in k.cells and table and (table, d, (op,)) in k.tables:
                sub = key[3]
                if sub not in k.truth_tables[(table, d, (op,))] and \
                        sub not in k.tables[(table, d, (op,))]:
                    k.see(part, 0, 0, f"{table} (absent)")  # a complete table without it: 0
            parts[part] = -1
        if parts is not None:
            k.fact({key: 1, **parts}, "==", 0, f"Σ opérations = total ({name})")
    # over time: H constant (keyed without date); done and R never decrease
    for name in ("done", "R"):
        series = defaultdict(list)
        for key in k.cells:
            if key[0] == name and len(key) == 3 and key[1] is not None:
                series[key[2]].append(key[1])
        for g, ds in series.items():
            ds = sorted(set(ds))
            for a, b in zip(ds, ds[1:]):
                k.fact({(name, a, g): 1, (name, b, g): -1}, "<=", 0, f"{name} croissant")
    # a truth for the variables that are not cells, where it is known
    _complete_truth(k)
    k.check_truth()


def _complete_truth(k: Knowledge) -> None:
    """Truth of the typology groups' counts is unknown: left None (not checked)."""


def _aligned(pub: pd.DataFrame, tru: pd.DataFrame, key: str):
    """Rows of a release beside the true rows of the same group (an operation
    with no household at that date has no true row: all zeros)."""
    def ident(row):
        return (bool(row["is_total"]), None if bool(row["is_total"]) else row[key])
    truth = {ident(t): t for _, t in tru.iterrows()}
    for _, row in pub.iterrows():
        trow = truth.get(ident(row))
        if trow is None:
            trow = row.copy()
            for col in row.index:
                if col not in (key, "is_total") and pd.api.types.is_number(row[col]):
                    trow[col] = 0
        yield row, trow


# -- the audit ----------------------------------------------------------------------------------
@dataclass
class Finding:
    kind: str
    label: str
    low: float
    high: float
    truth: float | None
    households: bool


@dataclass
class Audit:
    name: str
    releases: int = 0
    cells: int = 0
    hidden: int = 0
    targets: int = 0
    lps: int = 0
    recovered: list = field(default_factory=list)  # Finding, hidden cell pinned (< 5 wide)
    narrow: list = field(default_factory=list)  # Finding, gap or change pinned (< 5 wide)
    small_published: list = field(default_factory=list)  # (label, value)
    small_offers: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    seconds: float = 0.0
    read_seconds: float = 0.0

    def failures(self) -> dict:
        """What the contract forbids, by kind: a count of 1 to 4 households (a
        hidden cell, a numerator/denominator gap, a change between two dates)
        that the attacker narrows to fewer than 5 values, or reads directly.
        A hidden cell of 0 or of 5 or more that is worked out reveals no small
        group: it is counted (`line`), not a failure. A finding whose truth was
        not read counts as a failure."""
        def sensitive(f):
            # a value pinned to one number is that number, truth read or not
            truth = f.truth if f.truth is not None else (f.low if f.low == f.high else None)
            return f.households and (truth is None or _small(truth))
        return {
            "recovered": [f for f in self.recovered if sensitive(f)],
            "gaps": [f for f in self.narrow if f.kind == "gap" and sensitive(f)],
            "changes": [f for f in self.narrow if f.kind == "change" and sensitive(f)],
            "published_1_4": self.small_published,
            "problems": self.problems,
        }

    def line(self) -> str:
        return (f"[attaquant] {self.name}: releases={self.releases} cells={self.cells} "
                f"hidden={self.hidden} targets={self.targets} LP={self.lps} "
                f"recovered_1_4={len(self.failures()['recovered'])} "
                f"worked_out_other={len(self.recovered) - len(self.failures()['recovered'])} "
                f"(1..4: {sum(1 for f in self.recovered if f.truth is not None and 0 < f.truth < 5)}) "
                f"gaps={sum(1 for f in self.narrow if f.kind == 'gap')} "
                f"gaps+={sum(1 for f in self.narrow if f.kind == 'gap+')} "
                f"changes={sum(1 for f in self.narrow if f.kind == 'change')} "
                f"published_1_4={len(self.small_published)} "
                f"problems={len(self.problems)} ({self.seconds:.1f} s, reading "
                f"{self.read_seconds:.1f} s)")


# Flows over a window (households done in the 6 months before a date): the
# difference of two such flows counts no group of households; the flows
# themselves are tied to the cumulative counts by the relations above.
FLOWS = {"done6"}


def _seen(k, key) -> bool:
    cell = k.cells[key]
    return cell.published is not None or cell.seen_hidden


def _small(v) -> bool:
    return v is not None and 0 < abs(round(v)) < THRESHOLD and abs(v - round(v)) < 1e-6


def _label(key) -> str:
    name, d, g, *sub = key
    return f"{name}{'/' + '/'.join(map(str, sub)) if sub else ''} @ {d} [{'+'.join(g)}]"


def audit(k: Knowledge, changes: bool = True) -> Audit:
    t0 = time.perf_counter()
    a = Audit(k.name, releases=len(k.releases))
    a.problems = list(k.problems)
    pub = {key: c.published for key, c in k.cells.items() if c.published is not None}
    hidden = [key for key, c in k.cells.items() if c.published is None]
    count_cells = [key for key in k.cells if not key[0].startswith("comp_")]
    a.cells = sum(1 for key in count_cells if key in pub or k.cells[key].seen_hidden)
    a.hidden = sum(1 for key in count_cells if key not in pub and k.cells[key].seen_hidden)

    # the constraints on hidden variables only (published ones substituted)
    index = {key: i for i, key in enumerate(hidden)}
    parent = list(range(len(hidden)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reduced = []
    for coefs, sense, rhs, why in k.constraints:
        rest = {key: c for key, c in coefs.items() if key not in pub}
        const = sum(c * pub[key] for key, c in coefs.items() if key in pub)
        if not rest:
            continue
        idx = [index[key] for key in rest]
        for i in idx[1:]:
            parent[find(i)] = find(idx[0])
        reduced.append((rest, sense, rhs - const))
    comps = defaultdict(list)
    for key in hidden:
        comps[find(index[key])].append(key)
    comp_cons = defaultdict(list)
    for rest, sense, rhs in reduced:
        comp_cons[find(index[next(iter(rest))])].append((rest, sense, rhs))
    matrices = {}

    def matrix(root):
        if root not in matrices:
            keys = comps[root]
            pos = {key: i for i, key in enumerate(keys)}
            parts = {"==": ([], [], [], []), "<=": ([], [], [], [])}
            for rest, sense, rhs in comp_cons[root]:
                rows, cols, vals, rhss = parts[sense]
                for key, c in rest.items():
                    rows.append(len(rhss))
                    cols.append(pos[key])
                    vals.append(c)
                rhss.append(rhs)
            built = {}
            for sense, (rows, cols, vals, rhss) in parts.items():
                built[sense] = (sparse.csr_matrix((vals, (rows, cols)),
                                                  shape=(len(rhss), len(keys))),
                                np.array(rhss)) if rhss else None
            matrices[root] = (pos, built["=="], built["<="])
        return matrices[root]

    from scipy import sparse
    from scipy.optimize import linprog

    big = 1e9  # "unbounded": no count or amount comes near it
    pools: dict = {}
    rng = np.random.default_rng(16)

    def lp(root, obj):
        pos, eq, ub = matrix(root)
        kw = dict(bounds=(0, big), method="highs")
        if eq is not None:
            kw.update(A_eq=eq[0], b_eq=eq[1])
        if ub is not None:
            kw.update(A_ub=ub[0], b_ub=ub[1])
        a.lps += 1
        res = linprog(obj, **kw)
        if res.status != 0:
            a.problems.append(f"programme linéaire sans solution ({res.message}) pour "
                              f"{list(pos)[:3]}")
            return None
        pools[root].append(res.x)
        return res

    def pool(root):
        """Feasible points of the component: two points whose values of an
        expression differ by 7 or more prove it is not pinned down, without
        solving for it."""
        if root not in pools:
            pools[root] = []
            n = len(matrix(root)[0])
            for obj in (np.ones(n), -np.ones(n), *(rng.choice((-1.0, 1.0), n)
                                                    for _ in range(4))):
                lp(root, obj)
        return np.array(pools[root])

    def extent(coefs: dict):
        """min and max of sum(coefs x vars) given everything published (or
        None when feasible points already show it spans 7 or more)."""
        const = sum(c * pub[key] for key, c in coefs.items() if key in pub)
        by_comp = defaultdict(dict)
        for key, c in coefs.items():
            if key not in pub:
                by_comp[find(index[key])][key] = c
        objs = {}
        span = 0.0
        for root, part in by_comp.items():
            pos = matrix(root)[0]
            obj = np.zeros(len(pos))
            for key, c in part.items():
                obj[pos[key]] = c
            objs[root] = obj
            values = pool(root) @ obj if len(pool(root)) else np.zeros(1)
            span += values.max() - values.min()
        if span >= THRESHOLD + 2:
            return None
        low = high = const
        for root, obj in objs.items():
            for sign in (1, -1):
                res = lp(root, sign * obj)
                value = (-math.inf if sign == 1 else math.inf) if res is None \
                    else sign * res.fun
                if abs(value) >= big * 0.99:
                    value = math.copysign(math.inf, value)
                if sign == 1:
                    low += value
                else:
                    high += value
        return low, high

    def judge(kind, label, coefs, truth, households, sink):
        a.targets += 1
        found = extent(coefs)
        if found is None:
            return
        low, high = found
        lo = math.ceil(low - 1e-6) if math.isfinite(low) else low
        hi = math.floor(high + 1e-6) if math.isfinite(high) else high
        if hi - lo < THRESHOLD:
            sink.append(Finding(kind, label, lo, hi, truth, households))

    def households(name):
        return name not in OFFER_COUNTS and name not in AMOUNTS and not name.startswith("comp_n")

    # 1. every hidden cell (not the attacker's own helper variables)
    for key in hidden:
        cell = k.cells[key]
        if not cell.seen_hidden:
            continue
        judge("cell", _label(key), {key: 1}, cell.truth, households(key[0]), a.recovered)
    # 2. published cells 1..4
    for key, v in pub.items():
        if key[0] in AMOUNTS:
            continue
        if _small(v):
            (a.small_published if households(key[0]) else a.small_offers).append((_label(key), v))
    # 3. numerator / denominator gaps
    # numerator/denominator gaps; the last four ("extended": rehoused whose move
    # lacks the information) are reported, not part of the contract
    gaps = [("done", "H"), ("offsite", "onsite_known"), ("outside_qpv", "qpv_known"),
            ("new", "new_known"), ("rtp_up", "rtp_pop"), ("onsite_known", "R"),
            ("qpv_known", "R"), ("new_known", "R"), ("rtp_pop", "R")]
    seen_gap = set()
    for key in k.cells:
        name, d, g = key[:3]
        for num, den in gaps:
            if name != num or len(key) != 3:
                continue
            dk = (den, d, g)
            if dk not in k.cells or (key, dk) in seen_gap or not (_seen(k, key) and _seen(k, dk)):
                continue
            seen_gap.add((key, dk))
            _gap(a, k, pub, judge, f"{den}-{num} @ {d} [{'+'.join(g)}]", {dk: 1, key: -1},
                 "gap+" if den == "R" else "gap")
        if name == "survey" and key[-1] == "n_satisfied":
            dk = key[:-1] + ("n_answers",)
            _gap(a, k, pub, judge, f"non satisfaits {key[3]} @ {d} [{'+'.join(g)}]",
                 {dk: 1, key: -1})
        if name == "wave" and key[-1] == "respondents":
            dk = key[:-1] + ("eligible",)
            _gap(a, k, pub, judge, f"non répondants vague {key[3]} @ {d} [{'+'.join(g)}]",
                 {dk: 1, key: -1})
    # 4. changes of a quantity between two dates
    if changes:
        series = defaultdict(list)
        for key, cell in k.cells.items():
            if key[1] is None or key[0].startswith("comp_") or key[0] in AMOUNTS \
                    or key[0] in FLOWS:
                continue
            if cell.published is None and not cell.seen_hidden:
                continue
            series[(key[0], key[2], *key[3:])].append(key)
        for (name, g, *sub), ks in series.items():
            ks.sort(key=lambda x: x[1])
            for i, k1 in enumerate(ks):
                for k2 in ks[i + 1:]:
                    v1, v2 = pub.get(k1), pub.get(k2)
                    label = f"Δ {name}{'/' + '/'.join(map(str, sub)) if sub else ''} " \
                            f"{k1[1]} → {k2[1]} [{'+'.join(g)}]"
                    if v1 is not None and v2 is not None:
                        if _small(v2 - v1) and households(name):
                            a.narrow.append(Finding("change", label, v2 - v1, v2 - v1,
                                                    v2 - v1, True))
                    elif v1 is None and v2 is None and find(index[k1]) == find(index[k2]):
                        t1, t2 = k.cells[k1].truth, k.cells[k2].truth
                        truth = None if t1 is None or t2 is None else t2 - t1
                        judge("change", label, {k2: 1, k1: -1}, truth, households(name),
                              a.narrow)
    a.seconds = time.perf_counter() - t0
    return a


def _gap(a, k, pub, judge, label, coefs, kind="gap"):
    (dk, _), (nk, _) = coefs.items()
    if dk in pub and nk in pub:
        if _small(pub[dk] - pub[nk]):
            a.narrow.append(Finding(kind, label, pub[dk] - pub[nk], pub[dk] - pub[nk],
                                    pub[dk] - pub[nk], True))
        return
    t1, t2 = k.cells[dk].truth, k.cells[nk].truth
    judge(kind, label, coefs, None if t1 is None or t2 is None else t1 - t2, True, a.narrow)


def wilson_leaks(k: Knowledge, limit: int = 5000) -> list:
    """Survey rows whose 95 % interval is published beside a hidden count: the
    sizes n (and successes) that give exactly that interval."""
    from relog_data.survey import Z95, wilson_interval

    leaks = []
    z2 = Z95 ** 2
    for note in k.notes:
        if not (isinstance(note, tuple) and note[0] == "wilson"):
            continue
        _, d, g, qw, lo, hi = note
        centre = (lo + hi) / 2
        fits = []
        for n in range(1, limit):
            p = centre * (1 + z2 / n) - z2 / (2 * n)
            for s in {math.floor(p * n), math.ceil(p * n)}:
                if 0 <= s <= n:
                    b = wilson_interval(s, n)
                    if b[0] is not None and abs(b[0] - lo) < 1e-9 and abs(b[1] - hi) < 1e-9:
                        fits.append((s, n))
        ns = {n for _, n in fits}
        if ns and max(ns) - min(ns) < THRESHOLD:
            leaks.append((d, g, qw, sorted(fits)))
    return leaks


# -- the whole attack ---------------------------------------------------------------------------
def quarter_ends(start: date, end: date) -> list[date]:
    out = []
    for y in range(start.year, end.year + 1):
        for m, dd in ((3, 31), (6, 30), (9, 30), (12, 31)):
            q = date(y, m, dd)
            if start <= q < end:
                out.append(q)
    return out


def own_publication_dates(db) -> list[date]:
    """The contract's dates, computed by the attacker (for the gateway before
    release.py): quarter ends before the data date from the first one on which
    any household is done, plus the data date."""
    end = indicators.data_date(db)
    if end is None:
        return []
    first = db.query_text("SELECT min(done_date) AS d FROM done_dates()")["d"].iloc[0]
    if _missing(first):
        return [end]
    first = pd.Timestamp(first).date()
    return [q for q in quarter_ends(first, end)] + [end]


def publication_dates(db) -> tuple[list[date], bool]:
    """The publication dates as the gateway gives them to any viewer, and
    whether the gateway serves them (the release is wired); else the
    attacker's own reading of the contract."""
    try:
        dates = access.fetch(db, access.Viewer("elu"), "release", "publication_dates")
    except access.AccessDenied:
        return own_publication_dates(db), False
    return [pd.Timestamp(x).date() for x in dates], True


def pace_reference(dates: list[date], wired: bool):
    """The date whose cumulative count the projection's 6-month change is
    measured from: D - 6 months in the SQL; for an official (contract), a
    publication date: the latest one at least 6 months before D."""
    def ref(d: date):
        limit = (pd.Timestamp(d) - pd.DateOffset(months=6)).date()
        if not wired:
            return limit
        earlier = [x for x in dates if x <= limit]
        return earlier[-1] if earlier else None
    return ref


def attack(db, viewer, scopes: list[Scope], dates: list[date], done6_ref, name: str,
           truth_cache: dict | None = None, changes: bool = True,
           truth_dates: list[date] | None = None) -> tuple[Audit, Knowledge]:
    """Read every release of `viewer` (scopes x dates), write down the relations,
    audit. The truth (access.SYSTEM) is read on `truth_dates` (default: all)."""
    t0 = time.perf_counter()
    k = Knowledge(name)
    opts = access.fetch(db, access.SYSTEM, "indicators", "scope_options")
    all_ops = tuple(opts.loc[opts["kind"] == "operation", "code"])
    reader = Reader(db, viewer, k, all_ops, {} if truth_cache is None else truth_cache,
                    snapped=True)
    for d in dates:
        for scope in scopes:
            try:
                reader.read(scope, d, done6_ref, truth_dates is None or d in truth_dates)
            except access.AccessDenied:
                k.denied.add(f"scope {scope}")
    t1 = time.perf_counter()
    k.truth_off = False
    relations(k)
    a = audit(k, changes=changes)
    a.read_seconds = t1 - t0
    a.seconds = time.perf_counter() - t0
    return a, k
