"""Indicators of the data dictionary, computed in SQL (`sql/kpis.sql`,
`sql/satisfaction.sql`) for a scope of operations, phases and buildings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd

from . import fmt
from .db import SQL_DIR, Database
from .errors import RelogError
from .model import SURVEY_QUESTIONS

# The dictionary's indicator keys, in its order: the contract of `kpis`.
INDICATOR_KEYS: tuple[str, ...] = (
    "households_total",
    "rehoused",
    "temporary",
    "exits",
    "still_in_building",
    "remaining",
    "progress_rate",
    "offsite_share",
    "outside_qpv_share",
    "new_or_recent_share",
    "offers_per_rehoused",
    "refusal_rate",
    "three_refusals",
    "rest_to_pay_before_median",
    "rest_to_pay_after_median",
    "rest_to_pay_median_change",
    "rest_to_pay_increase_share",
    "rent_compensation_count",
    "rent_compensation_eur",
    "satisfied_share",
)

# ANRU flat rent-reduction compensation per typology group (€), configurable.
DEFAULT_COMPENSATION = {"eur_t12": 1500.0, "eur_t34": 4000.0, "eur_t56": 5000.0}

LEVELS = ("total", "operation", "phase", "building")


@dataclass(frozen=True)
class Scope:
    """What to look at (operations, phases, buildings, landlords of origin;
    empty means all) and when: `as_of`, the date D of the figures (None: the
    stored statuses, every event)."""

    operations: tuple[str, ...] = field(default_factory=tuple)
    phases: tuple[int, ...] = field(default_factory=tuple)
    buildings: tuple[str, ...] = field(default_factory=tuple)
    landlords: tuple[str, ...] = field(default_factory=tuple)
    as_of: date | None = None

    def params(self) -> dict:
        return {
            "operations": list(self.operations),
            "phases": [int(p) for p in self.phases],
            "buildings": list(self.buildings),
            "landlords": list(self.landlords),
            "as_of": self.as_of,
        }

    def at(self, when: date | None) -> "Scope":
        return replace(self, as_of=when)


def check_scope(db: Database, scope: Scope) -> None:
    """Refuse unknown operation, phase or building codes with a French message."""
    known = scope_options(db)
    ops = set(known.loc[known["kind"] == "operation", "code"])
    phases = set(known.loc[known["kind"] == "phase", "code"])
    buildings = set(known.loc[known["kind"] == "building", "code"])
    unknown_ops = [o for o in scope.operations if o not in ops]
    if unknown_ops:
        raise RelogError(
            "Opération inconnue : " + ", ".join(unknown_ops)
            + (". Opérations de la base : " + ", ".join(sorted(ops)) if ops else ".")
        )
    unknown_phases = [p for p in scope.phases if str(p) not in phases]
    if unknown_phases:
        raise RelogError("Phase inconnue : " + ", ".join(str(p) for p in unknown_phases))
    unknown_b = [b for b in scope.buildings if b not in buildings]
    if unknown_b:
        raise RelogError("Bâtiment inconnu : " + ", ".join(unknown_b))
    landlords = set(known.loc[known["kind"] == "landlord", "code"])
    unknown_l = [b for b in scope.landlords if b not in landlords]
    if unknown_l:
        raise RelogError("Bailleur inconnu : " + ", ".join(unknown_l))


def kpis(
    db: Database,
    scope: Scope = Scope(),
    level: str = "total",
    compensation: dict | None = None,
) -> pd.DataFrame:
    """One row per group of `level` plus a total row (`is_total`), with every
    indicator of `sql/kpis.sql` and the numerators / denominators of shares."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    amounts = {**DEFAULT_COMPENSATION, **(compensation or {})}
    # An empty scope still yields its total row (a global aggregate).
    return db.query("kpis", level=level, **scope.params(), **amounts)


def satisfaction(db: Database, scope: Scope = Scope()) -> pd.DataFrame:
    """Per question and wave: n_answers, n_empty, n_satisfied, satisfied_share."""
    return db.query("satisfaction", **scope.params())


def kpi_summary(db: Database, scope: Scope = Scope(), compensation: dict | None = None) -> dict:
    """The indicators of the scope as a plain dict whose keys are exactly
    INDICATOR_KEYS; undefined values are None; shares are in [0, 1];
    `satisfied_share` is {question: {"<wave>": share}}."""
    total = kpis(db, scope, "total", compensation)
    row = total.loc[total["is_total"]].iloc[0]
    out: dict = {}
    for key in INDICATOR_KEYS:
        if key == "satisfied_share":
            continue
        out[key] = _plain(row[key])
    shares = satisfaction(db, scope)
    by_question: dict = {q: {} for q, _, _ in SURVEY_QUESTIONS}
    for rec in shares.itertuples(index=False):
        by_question.setdefault(rec.question, {})[str(int(rec.wave))] = _plain(rec.satisfied_share)
    out["satisfied_share"] = by_question
    return out


def _plain(value):
    """A JSON-friendly Python value: None for NULL/NaN, int for whole counts."""
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        value = value.item()
    return value


def operations_overview(db: Database, scope: Scope = Scope()) -> pd.DataFrame:
    """Per operation in scope: name, plan and the indicators of `kpis`."""
    plan = db.query("plan", operations=list(scope.operations), phases=list(scope.phases))
    per_op = kpis(db, scope, "operation")
    per_op = per_op.loc[~per_op["is_total"]].rename(columns={"group_key": "operation_code"})
    merged = plan.merge(per_op.drop(columns=["is_total"]), on="operation_code", how="left")
    count_cols = [
        "households_total",
        "rehoused",
        "temporary",
        "exits",
        "still_in_building",
        "remaining",
        "three_refusals",
        "rent_compensation_count",
        "progress_rate_num",
        "progress_rate_den",
    ]
    for col in count_cols:
        merged[col] = merged[col].fillna(0).astype("int64")
    return merged


# -- definitions (generated from the SQL annotations) -------------------------
_TAG = re.compile(r"^\s*--\s*@(\w+)\s*(.*)$")
_CONT = re.compile(r"^\s*--\s?(.*)$")


def definitions() -> pd.DataFrame:
    """Every `@indicator` and `@concept` block of the files in `sql/`: key,
    kind, label, unit, definition and the file where it is defined."""
    records = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        current: dict | None = None
        last_field = None
        for line in path.read_text(encoding="utf-8").splitlines():
            tag = _TAG.match(line)
            if tag:
                name, text = tag.group(1), tag.group(2).strip()
                if name in ("indicator", "concept"):
                    current = {"key": text, "kind": name, "source": f"sql/{path.name}"}
                    records.append(current)
                    last_field = None
                elif current is not None:
                    current[name] = text
                    last_field = name
                continue
            cont = _CONT.match(line)
            if cont and cont.group(1).strip() and current is not None and last_field:
                current[last_field] += " " + cont.group(1).strip()
                continue
            current, last_field = None, None
    frame = pd.DataFrame.from_records(
        records, columns=["key", "kind", "label", "unit", "definition", "source"]
    )
    # Concepts first, in the order of their files; indicators in dictionary order.
    order = {k: i for i, k in enumerate(INDICATOR_KEYS)}
    frame["order"] = [
        order.get(key, len(order)) if kind == "indicator" else i - len(frame)
        for i, (key, kind) in enumerate(zip(frame["key"], frame["kind"]))
    ]
    return frame.sort_values("order").drop(columns="order").reset_index(drop=True)


# -- context for the screens ----------------------------------------------------
def status_counts(db: Database, scope: Scope = Scope(), level: str = "operation") -> pd.DataFrame:
    """Households per group of `level` and status, statuses in process order."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    return db.query("status_counts", level=level, **scope.params())


def household_states(db: Database, scope: Scope = Scope()) -> pd.DataFrame:
    """Each household in scope: stored status and state at scope.as_of."""
    return db.query("household_states", **scope.params())


def scope_options(db: Database) -> pd.DataFrame:
    """What a scope can name: kind ('operation' | 'phase' | 'building' |
    'landlord'), code, label."""
    return db.query("scope_codes")


def data_date(db: Database):
    """The date the data describes (the demo date, or the latest event)."""
    value = db.query("data_date")["data_date"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value).date()


def reference_problem(as_of: date | None, reference: date | None) -> str | None:
    """The French message refusing a previous meeting ("séance précédente")
    later than the situation date, or None when the two dates are in order."""
    if as_of is None or reference is None or reference <= as_of:
        return None
    return (f"La date de la séance précédente ({fmt.day(reference)}) est postérieure à la "
            f"date de situation ({fmt.day(as_of)}) : choisissez une séance précédente "
            "antérieure ou égale à la date de situation.")


def settings(db: Database) -> dict[str, str]:
    frame = db.query("settings")
    return dict(zip(frame["key"], frame["value"]))


# -- steering ------------------------------------------------------------------------------
def progress_series(db: Database, scope: Scope) -> pd.DataFrame:
    """Month by month up to scope.as_of: households done (rehoused or gone) and planned."""
    return db.query("progress_series", **scope.params())


def projection(db: Database, scope: Scope, pace_from: date | None = None) -> pd.DataFrame:
    """Per operation and in total: pace of the last 6 months (or since `pace_from`),
    projected end, gap."""
    return db.query("projection", **scope.params(), pace_from=pace_from)


def buildings_at_risk(db: Database, scope: Scope) -> pd.DataFrame:
    return db.query("buildings_at_risk", **scope.params())


def building_pace(db: Database, scope: Scope) -> pd.DataFrame:
    """Per building: households, done, remaining at scope.as_of, departures of the
    last 6 months, pace per month, projected last departure (NaT at a nil pace),
    planned demolition, margin_days (demolition − last departure)."""
    return db.query("building_pace", **scope.params())


CONTRADICTIONS = {
    "demolished_inhabited": "Bâtiment démoli encore habité",
}


def data_contradictions(db: Database, scope: Scope) -> pd.DataFrame:
    """Contradictory data in scope at scope.as_of, one row per kind (every kind of
    CONTRADICTIONS, 0 when none): kind, label, buildings, households concerned."""
    risk = buildings_at_risk(db, scope)
    demolished = risk[risk["demolished"].astype(bool)]
    return pd.DataFrame({
        "kind": ["demolished_inhabited"],
        "label": [CONTRADICTIONS["demolished_inhabited"]],
        "buildings": [len(demolished)],
        "households": [int(demolished["still_inside"].sum())],
    })


def offers_detail(db: Database, scope: Scope) -> pd.DataFrame:
    """One row per household: offers made, refused, accepted, pending by scope.as_of."""
    return db.query("offers_detail", **scope.params())


def refusal_reasons(db: Database, scope: Scope) -> pd.DataFrame:
    return db.query("refusal_reasons", **scope.params())


def workload(db: Database, scope: Scope) -> pd.DataFrame:
    return db.query("workload", **scope.params())


def followups_overdue(db: Database, scope: Scope) -> pd.DataFrame:
    return db.query("followups_overdue", **scope.params())


def timeline(db: Database, scope: Scope) -> pd.DataFrame:
    return db.query("timeline", **scope.params())


def quality_breakdown(db: Database, scope: Scope, compensation: dict | None = None
                      ) -> pd.DataFrame:
    amounts = {**DEFAULT_COMPENSATION, **(compensation or {})}
    return db.query("quality_breakdown", **scope.params(), **amounts)


def attention_points(db: Database, scope: Scope) -> list[dict]:
    """What may block the works, derived from the data: buildings at risk,
    households with 3 or more refusals, operations behind plan, follow-ups overdue.
    Each point: kind, count, text (French) and filter: the `filtre` key of the
    households it counts (relog_data/household_filters.py, the Ménages page)."""
    from . import fmt

    points = building_points(buildings_at_risk(db, scope), counted=True)
    refusing = int(db.query("refusing_households", **scope.params())["households"].iloc[0])
    if refusing:
        points.append({"kind": "3 refus ou plus", "count": refusing,
                       "text": f"{fmt.integer(refusing)} ménage(s) encore à reloger ont "
                               "refusé 3 propositions ou plus (seuil légal).",
                       "filter": "refus3_a_reloger"})
    proj = projection(db, scope)
    options = scope_options(db)
    ops = options[options["kind"] == "operation"]
    names = dict(zip(ops["code"], ops["label"]))
    points += late_points(proj, names, "rythme nul sur les 6 derniers mois", with_filter=True)
    overdue = followups_overdue(db, scope)
    if len(overdue):
        points.append({"kind": "suivi en retard", "count": len(overdue),
                       "text": f"{fmt.integer(len(overdue))} ménage(s) relogé(s) depuis plus "
                               "de 3 mois sans aucun contact de suivi.",
                       "filter": "suivi_en_retard"})
    return points


def late_points(proj: pd.DataFrame, names: dict, stalled: str,
                with_filter: bool = False) -> list[dict]:
    """Attention points of operations behind plan, from `projection()`: no pace
    (`stalled` says since when) or an estimated end after the planned one. A row
    whose remaining or pace is not published (NA) gives no point. `with_filter`:
    each point names its households (household_filters "restant_rythme:<operation>")."""
    points = []
    for row in proj[~proj["is_total"]].itertuples():
        if pd.isna(row.remaining) or row.remaining <= 0 or pd.isna(row.planned_end):
            continue
        name = names.get(row.operation_code, row.operation_code)
        if pd.isna(row.projected_end):
            if pd.isna(row.done_last_6_months):
                continue  # the pace itself is not published
            text = f"{name} : {stalled}, {fmt.integer(row.remaining)} ménage(s) restant."
        elif row.gap_months > 0:
            text = (f"{name} : fin estimée {month_year(row.projected_end)}, "
                    f"{fmt.number(row.gap_months, 0)} mois après la fin prévue "
                    f"({fmt.day(row.planned_end)}).")
        else:
            continue
        point = {"kind": "opération en retard", "count": int(row.remaining), "text": text}
        if with_filter:
            point["filter"] = f"restant_rythme:{row.operation_code}"
        points.append(point)
    return points


def building_points(risk: pd.DataFrame, counted: bool) -> list[dict]:
    """Attention points of buildings to be demolished that still hold households;
    `counted`: with their number (not for elected officials: a building's count
    is not published to them); counted points name their households (`filter`,
    relog_data/household_filters.py)."""
    points = []
    for row in risk.itertuples():
        count = int(row.still_inside) if counted else None
        who = (f"{fmt.integer(row.still_inside)} ménage(s)" if counted else "des ménages")
        if row.demolished:  # contradictory data: shown, not hidden
            points.append({"kind": "bâtiment démoli encore habité", "count": count,
                           "text": f"{row.name} ({row.operation_name}) : bâtiment démoli "
                                   f"(le {fmt.day(row.actual_demolition)}), {who} encore "
                                   "rattaché(s) — données à corriger."})
            if counted:
                points[-1]["filter"] = f"batiment_demoli:{row.building_code}"
            continue
        when = "dépassée" if row.overdue else f"dans {row.days_left} jours"
        points.append({"kind": "bâtiment à risque", "count": count,
                       "text": f"{row.name} ({row.operation_name}) : démolition prévue le "
                               f"{fmt.day(row.planned_demolition)} ({when}), encore "
                               f"{who} dans le bâtiment."})
        if counted:
            points[-1]["filter"] = f"batiment_a_risque:{row.building_code}"
    return points


def projection_sentence(row) -> str:
    """The projection of one row of `projection()` in French, without final stop:
    "à ce rythme (13,3 ménage(s) par mois sur les 6 derniers mois), fin estimée
    en avril 2011, 3 mois après la fin prévue (31/12/2010)"."""
    from . import fmt

    if fmt.is_missing(row["remaining"]):  # a small count masked for elected officials
        return "fin estimée non affichée (effectif masqué)"
    if row["remaining"] <= 0:
        return "terminé : plus aucun ménage à reloger"
    if pd.isna(row["projected_end"]):
        return "rythme nul : aucun ménage relogé ni sorti sur les 6 derniers mois"
    text = (f"à ce rythme ({fmt.number(row['pace_per_month'], 1)} ménage(s) par mois sur les "
            f"6 derniers mois), fin estimée {month_year(row['projected_end'])}")
    if not pd.isna(row["gap_months"]):
        gap = row["gap_months"]
        text += (f", {fmt.number(abs(gap), 0)} mois {'après' if gap > 0 else 'avant'} la fin "
                 f"prévue ({fmt.day(row['planned_end'])})")
    return text


MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")


def month_year(value) -> str:
    day = pd.Timestamp(value)
    return f"en {MONTHS_FR[day.month - 1]} {day.year}"
