"""Who may see what: the viewer, the four roles and the one gateway through
which the app reads data.

Every result the app shows comes from `fetch(db, viewer, module, function,
...)`: it refuses what the viewer's role may not see, narrows every scope to
the viewer's operations, removes personal columns for pseudonymous roles and,
for elected officials, answers from the protected release (release.py) and
nothing else. A function that is not listed in POLICY cannot be reached at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from . import (changes, geo, household_filters, indicators, officer, privacy, release,
               supply, survey)
from .db import Database
from .errors import RelogError
from .indicators import Scope

ROLES = {
    "admin": "Administrateur",
    "charge": "Chargé de relogement",
    "partenaire": "Partenaire (groupe technique)",
    "elu": "Élu (agrégats seulement)",
}
ROLE_HELP = {
    "admin": "tout, plus l'import, les comptes et le journal d'audit",
    "charge": "les ménages de ses opérations, avec les noms",
    "partenaire": "les ménages sous pseudonyme, sans nom ni adresse plus fine que la commune",
    "elu": "des agrégats seulement, aux dates de publication ; aucun chiffre de moins de 5 "
           "ménages, ni lisible ni recalculable (« s » : secret statistique)",
}
# Report audiences (report.py) a role may produce.
REPORT_AUDIENCES = {
    "admin": ("elu", "partenaire", "charge"),
    "charge": ("elu", "partenaire", "charge"),
    "partenaire": ("elu", "partenaire"),
    "elu": ("elu",),
}
# Columns that identify a person or place them finer than the commune.
PERSONAL_COLUMNS = ("holder_name", "address", "latitude", "longitude")

# Kinds of result: "reference" (no household data), "aggregate" (counts and
# shares), "household" (one row per household: never for `elu`).
MODULES = {"indicators": indicators, "survey": survey, "geo": geo, "supply": supply,
           "release": release, "changes": changes, "officer": officer,
           "household_filters": household_filters}


class AccessDenied(RelogError):
    """The viewer's role may not see this."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a role, the operations they may see (None: all), and
    for elected officials the suppression threshold."""

    role: str
    operations: tuple[str, ...] | None = None
    login: str = ""
    threshold: int = privacy.THRESHOLD

    def __post_init__(self):
        if self.role not in ROLES:
            raise RelogError(f"Rôle inconnu « {self.role} » ({', '.join(ROLES)}).")
        if self.operations is not None:
            object.__setattr__(self, "operations", tuple(sorted(self.operations)))

    @property
    def label(self) -> str:
        return ROLES[self.role]

    @property
    def household_level(self) -> bool:
        return self.role != "elu"

    @property
    def named(self) -> bool:
        """Sees holders' names and addresses."""
        return self.role in ("admin", "charge")

    @property
    def can_import(self) -> bool:
        return self.role == "admin"

    @property
    def can_edit_capacity(self) -> bool:
        """Landlords' yearly allocation capacities are programme-wide settings:
        administrators only (a `charge` sees only some operations)."""
        return self.role == "admin"

    def hides(self, count) -> bool:
        """Whether this viewer must not see a count (or a change) of this size."""
        return self.role == "elu" and privacy.is_small(abs(count), self.threshold)

    def key(self) -> tuple:
        """What results depend on: part of every cache key."""
        return (self.role, self.operations, self.threshold)

    def restrict(self, scope: Scope) -> Scope:
        """The scope narrowed to the viewer's operations."""
        if self.operations is None:
            return scope
        if not scope.operations:
            allowed = self.operations
        else:
            allowed = tuple(o for o in scope.operations if o in self.operations)
        if not allowed:
            raise AccessDenied("Aucune des opérations demandées ne vous est ouverte.")
        return replace(scope, operations=allowed)


SYSTEM = Viewer("admin", login="système")


@dataclass(frozen=True)
class Rule:
    """kind: "reference" (no household data), "aggregate" (counts and shares:
    for elected officials, read from the release), "household" (one row per
    household: never for `elu`), "meeting" (the meeting archive: the function
    gets the viewer and checks it itself); counts: the columns that count households."""

    kind: str
    counts: tuple = ()


_SHARES = ("progress_rate", "offsite_share", "outside_qpv_share", "new_or_recent_share",
           "offers_per_rehoused", "refusal_rate", "rest_to_pay_increase_share")
_KPI_RULE = Rule("aggregate", counts=(
    "households_total", "rehoused", "temporary", "exits", "still_in_building", "remaining",
    "three_refusals", "rent_compensation_count", "households_planned",
    *(f"{s}_{p}" for s in _SHARES for p in ("num", "den"))))
_REF = Rule("reference")
_HOUSEHOLDS = Rule("household")

POLICY: dict[tuple[str, str], Rule] = {
    ("indicators", "settings"): _REF,
    ("indicators", "data_date"): _REF,
    ("indicators", "scope_options"): _REF,
    ("indicators", "definitions"): _REF,
    ("indicators", "timeline"): _REF,
    ("indicators", "kpis"): _KPI_RULE,
    ("indicators", "operations_overview"): _KPI_RULE,
    ("indicators", "status_counts"): Rule("aggregate", counts=("households",)),
    ("indicators", "progress_series"): Rule("aggregate", counts=("done",)),
    ("indicators", "projection"): Rule(
        "aggregate", counts=("households_total", "done", "remaining", "done_last_6_months")),
    ("indicators", "buildings_at_risk"): Rule("aggregate", counts=("households", "still_inside")),
    ("indicators", "building_pace"): Rule(
        "aggregate", counts=("households", "done", "remaining", "done_last_6_months")),
    ("indicators", "refusal_reasons"): Rule("aggregate", counts=("refused",)),
    ("indicators", "quality_breakdown"): Rule("aggregate", counts=("households",)),
    ("indicators", "attention_points"): Rule("aggregate"),
    ("indicators", "data_contradictions"): Rule("aggregate", counts=("households",)),
    ("indicators", "workload"): _HOUSEHOLDS,  # per officer: a management view
    ("indicators", "offers_detail"): _HOUSEHOLDS,
    ("indicators", "followups_overdue"): _HOUSEHOLDS,
    ("indicators", "household_states"): _HOUSEHOLDS,
    ("survey", "shares"): Rule("aggregate", counts=("n_answers", "n_empty", "n_satisfied")),
    ("survey", "distribution"): Rule("aggregate", counts=("count",)),
    ("survey", "waves"): Rule(
        "aggregate", counts=("respondents", "eligible", "out_of_scope_respondents")),
    ("survey", "breakdown"): Rule("aggregate", counts=("n_answers", "n_satisfied")),
    ("geo", "boundaries"): _REF,
    ("release", "publication_dates"): _REF,
    ("geo", "commune_aggregates"): Rule(
        "aggregate", counts=("households", "in_qpv", "outside_qpv", "qpv_unknown")),
    ("geo", "destinations"): _HOUSEHOLDS,
    ("supply", "supply"): _REF,  # dwellings, not people
    ("supply", "capacity"): _REF,
    ("supply", "coverage"): Rule("aggregate", counts=("households",)),
    ("supply", "affordability"): Rule(
        "aggregate", counts=("households", "with_rent", "with_affordable")),
    ("supply", "needs"): _HOUSEHOLDS,
    ("supply", "matches"): _HOUSEHOLDS,
    ("supply", "households_list"): _HOUSEHOLDS,
    ("supply", "household_events"): _HOUSEHOLDS,
    # What imports changed (#17): one household's history (personal values masked
    # for pseudonymous roles), and one import's changes (administrators only).
    ("changes", "household_history"): _HOUSEHOLDS,
    ("changes", "import_changes"): _HOUSEHOLDS,
    ("changes", "import_change_count"): _HOUSEHOLDS,
    # The households behind a figure of Synthèse / Avancement (#18 item 4).
    ("household_filters", "members"): _HOUSEHOLDS,
    # The officer's tool (#18): the list with next steps, the search (names only for
    # named roles: `named` is set here from the viewer, see fetch), why no match.
    ("officer", "households_list"): _HOUSEHOLDS,
    ("officer", "search"): _HOUSEHOLDS,
    ("officer", "no_match_reasons"): _HOUSEHOLDS,
    ("officer", "thresholds"): _REF,
    # The meeting archive (#19): each function receives the viewer and opens only
    # the meetings the viewer may see (meetings.may_see); the households behind a
    # change never reach elected officials.
    **{("meetings", f): Rule("meeting") for f in (
        "visible", "listing", "get", "figures", "points", "file_bytes", "since",
        "reproduce", "archive")},
    ("meetings", "correction_changes"): _HOUSEHOLDS,
}

# One import's changes (the administrators' page): no other role reads them.
ADMIN_ONLY = {("changes", "import_changes"), ("changes", "import_change_count")}


def allowed(viewer: Viewer, module: str, function: str) -> bool:
    rule = POLICY.get((module, function))
    return (rule is not None and (rule.kind != "household" or viewer.household_level)
            and ((module, function) not in ADMIN_ONLY or viewer.role == "admin"))


def fetch(db: Database, viewer: Viewer, module: str, function: str, *args, **kwargs):
    """relog_data.<module>.<function>(db, *args, **kwargs) as `viewer` may see it."""
    rule = POLICY.get((module, function))
    if rule is None:
        raise AccessDenied(f"Donnée non exposée : {module}.{function}.")
    if rule.kind == "household" and not viewer.household_level:
        raise AccessDenied("Ce profil ne voit que des agrégats : aucune donnée par ménage.")
    args = tuple(viewer.restrict(a) if isinstance(a, Scope) else a for a in args)
    kwargs = {k: viewer.restrict(v) if isinstance(v, Scope) else v for k, v in kwargs.items()}
    if (module, function) in (("supply", "household_events"), ("changes", "household_history")):
        _check_household(db, viewer, args[0] if args else kwargs.get("household"))
    if (module, function) == ("officer", "search"):
        # a pseudonymous role never searches names or move addresses, whatever is asked
        kwargs["named"] = viewer.named
        args = args[:2]
    if (module, function) == ("officer", "no_match_reasons"):
        _check_household(db, viewer, args[1] if len(args) > 1 else kwargs.get("household"))
    if module == "meetings":  # viewer-aware functions (lazy: meetings reads through here)
        from . import meetings

        return getattr(meetings, function)(db, viewer, *args, **kwargs)
    if (module, function) in ADMIN_ONLY and viewer.role != "admin":
        raise AccessDenied("Le détail des imports est réservé aux administrateurs.")
    if viewer.role == "elu" and rule.kind == "aggregate":
        # elected officials read the protected release, nothing else
        try:
            return release.serve(db, viewer.operations, viewer.threshold, module, function,
                                 args, kwargs)
        except release.NotReleased as exc:
            raise AccessDenied(str(exc)) from None
    result = getattr(MODULES[module], function)(db, *args, **kwargs)
    return _filter(viewer, (module, function), rule, result)


def _check_household(db: Database, viewer: Viewer, household: str) -> None:
    if viewer.operations is None:
        return
    ops = db.query("household_operation", household=household)
    if ops.empty or ops["operation_code"].iloc[0] not in viewer.operations:
        raise AccessDenied("Ce ménage n'appartient pas à vos opérations.")


def _filter(viewer: Viewer, name: tuple[str, str], rule: Rule, result):
    if name == ("indicators", "scope_options") and viewer.operations is not None:
        keep = (result["kind"] != "operation") | result["code"].isin(viewer.operations)
        return result[keep].reset_index(drop=True)
    if name[0] == "changes" and not viewer.named:
        # old and new values of a name, an address or coordinates stay hidden
        return changes.mask_personal(result, PERSONAL_COLUMNS)
    if isinstance(result, pd.DataFrame) and not viewer.named:
        result = result.drop(columns=[c for c in PERSONAL_COLUMNS if c in result.columns])
        if name == ("geo", "commune_aggregates"):
            # The mean position of a few households' new homes points at them.
            few = result["households"] < viewer.threshold
            result = result.assign(centre_lat=result["centre_lat"].mask(few),
                                   centre_lon=result["centre_lon"].mask(few))
    return result


def report_scope(viewer: Viewer, scope: Scope, audience: str) -> Scope:
    """The scope of a meeting pack `viewer` asks for `audience`, or AccessDenied."""
    if audience not in REPORT_AUDIENCES[viewer.role]:
        raise AccessDenied(f"Ce profil ne peut pas produire le rapport destiné au public "
                           f"« {audience} ».")
    return viewer.restrict(scope)


def demo_viewer(db: Database, role: str) -> tuple[Viewer, str]:
    """The viewer shown for `role` on the fictitious demo database, and who it
    stands for: the rehousing officer in charge of the most households sees
    that officer's operations."""
    if role != "charge":
        return Viewer(role, login=f"démo ({role})"), ROLES[role]
    top = db.query("officer_operations")
    if top.empty:
        return Viewer("charge", (), login="démo (charge)"), ROLES["charge"]
    officer = top["officer"].iloc[0]
    ops = tuple(top.loc[top["officer"] == officer, "operation_code"])
    return Viewer("charge", ops, login=f"démo ({officer})"), f"{ROLES['charge']} : {officer}"
