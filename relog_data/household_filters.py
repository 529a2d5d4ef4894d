"""The households behind each figure of Synthèse and Avancement (#18 item 4).

A figure on those pages links to the Ménages page with `?filtre=KEY` (or
`?filtre=KEY:CODE` for one building or one operation); `members(db, scope,
key)` lists exactly the households the figure counts, from the same SQL
definitions (sql/household_filters.sql reads the macros of sql/macros.sql that
the figures' own queries count). Reached through relog_data.access.fetch
("household_filters", "members"): household level, never for elected officials.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from .db import Database
from .indicators import Scope

PARAM = "filtre"  # the query-string name on the Ménages page
TEMPORARY_MONTHS = 12  # « relogé provisoire depuis plus de N mois » (officer's setting first)
IDLE_DAYS = 90  # « sans action depuis plus de N jours »

class _Filters(dict):
    """key -> French label; a key naming one building or operation ("KEY:CODE")
    is `in` it too, and FILTERS["KEY:CODE"] is its label ("… — CODE"), so that a
    page may pass the `filtre` value of its address as it is."""

    def __contains__(self, key) -> bool:
        base, _, code = str(key).partition(":")
        return dict.__contains__(self, base) and (not code or base in _WITH_CODE)

    def __missing__(self, key):
        if key not in self:
            raise KeyError(key)
        return label(key)


# key -> French label (the Ménages page's heading for the filtered list)
FILTERS: dict[str, str] = _Filters({
    "concernes": "Ménages concernés",
    "reloges": "Ménages relogés",
    "provisoires": "Ménages relogés provisoirement",
    "sorties": "Sorties sans relogement",
    "restant": "Ménages restant à reloger",
    "dans_batiment": "Ménages encore dans les bâtiments",
    "restant_rythme": "Ménages ni relogés ni sortis (fin estimée)",
    "batiment_a_risque": "Ménages encore dans un bâtiment à risque",
    "batiment_demoli": "Ménages rattachés à un bâtiment démoli (données à corriger)",
    "refus3": "Ménages ayant refusé 3 propositions ou plus",
    "refus3_a_reloger": "Ménages encore à reloger ayant refusé 3 propositions ou plus",
    "suivi_en_retard": "Suivi post-relogement en retard",
    "provisoire_ancien": "Relogés provisoires dont le relogement définitif est dû",
    "sans_action": f"Ménages sans action depuis plus de {IDLE_DAYS} jours",
})
# Keys that may name one building (":CODE") or one operation.
BY_BUILDING = ("batiment_a_risque", "batiment_demoli")
BY_OPERATION = tuple(k for k in FILTERS if k not in BY_BUILDING)
_WITH_CODE = BY_BUILDING + BY_OPERATION


class UnknownFilter(ValueError):
    """A `filtre` value that names no list."""


def key_of(base: str, code: str | None = None) -> str:
    """The `filtre` value: "batiment_a_risque" or "batiment_a_risque:B-12"."""
    if not dict.__contains__(FILTERS, base):
        raise UnknownFilter(base)
    return f"{base}:{code}" if code else base


def parse(key: str) -> tuple[str, str | None]:
    """("batiment_a_risque", "B-12") from "batiment_a_risque:B-12"; UnknownFilter
    (a French message) for anything else."""
    base, _, code = str(key or "").partition(":")
    if not dict.__contains__(FILTERS, base):
        raise UnknownFilter(f"Filtre inconnu « {key} ».")
    return base, (code or None)


def label(key: str, names: dict[str, str] | None = None) -> str:
    """The French heading of a `filtre` value: "Ménages encore dans un bâtiment à
    risque — Tour A" (`names`: code -> name of buildings and operations)."""
    base, code = parse(key)
    if not code:
        return dict.__getitem__(FILTERS, base)
    return f"{dict.__getitem__(FILTERS, base)} — {(names or {}).get(code, code)}"


def narrowed(scope: Scope, key: str) -> Scope | None:
    """The scope of `key`: narrowed to its building or operation; None when that
    operation is outside the scope (then the list is empty)."""
    base, code = parse(key)
    if not code:
        return scope
    if base in BY_BUILDING:
        if scope.buildings and code not in scope.buildings:
            return None
        return replace(scope, buildings=(code,))
    if scope.operations and code not in scope.operations:
        return None
    return replace(scope, operations=(code,))


def members(db: Database, scope: Scope, key: str) -> pd.DataFrame:
    """The households a figure counts, at scope.as_of: one row per household
    (column household_id), sorted. `key` is a FILTERS key, optionally
    ":CODE" (a building for BY_BUILDING keys, else an operation)."""
    base, _ = parse(key)
    where = narrowed(scope, key)
    if where is None:
        return pd.DataFrame({"household_id": pd.Series([], dtype=object)})
    return db.query("household_filters", **where.params(), key=base,
                    temporary_months=temporary_months(db), idle_days=IDLE_DAYS)


def temporary_months(db: Database) -> int:
    """The delay after which a temporary move calls for the definitive one: the
    next-step setting (relog_data/officer.py) when there is one."""
    try:
        from . import officer

        return int(officer.thresholds(db)["temporary_months"])
    except Exception:  # noqa: BLE001 - the setting is optional: the default then
        return TEMPORARY_MONTHS


def counts(db: Database, scope: Scope) -> dict[str, int]:
    """The number of households of every list of FILTERS (for the figures that are
    counted from these lists: provisoire_ancien, sans_action)."""
    return {key: len(members(db, scope, key)) for key in FILTERS}
