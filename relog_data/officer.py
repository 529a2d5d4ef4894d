"""The rehousing officer's daily tool (#18): the households list with each
household's next step, the search over everything a person would type, and
why no vacancy fits a household. Rules in sql/households_list.sql,
sql/household_search.sql and sql/no_match_reasons.sql; the next-step delays
are settings (table `settings`) an administrator may change, audited."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from . import audit
from .db import Database
from .errors import RelogError
from .indicators import Scope

# Next-step delays: settings key -> (French label, unit, default). Stored in the
# `settings` table under the same key; a missing or unreadable value falls back
# to its default.
THRESHOLDS: dict[str, tuple[str, str, int]] = {
    "demolition_days": ("Démolition proche : urgence quand elle est prévue dans moins de",
                        "jours", 90),
    "first_offer_days": ("Première proposition attendue après le diagnostic sous", "jours", 60),
    "answer_days": ("Relancer une proposition restée sans réponse après", "jours", 15),
    "new_offer_days": ("Nouvelle proposition attendue après un refus sous", "jours", 60),
    "commission_days": ("Saisir la commission partenariale après le 3e refus sous", "jours", 30),
    "move_days": ("Déménagement attendu après l'acceptation sous", "jours", 60),
    "temporary_months": ("Relogement définitif dû après un relogement provisoire sous",
                         "mois", 12),
    "followup_months": ("Suivi post-relogement dû après le relogement définitif sous",
                        "mois", 3),
}
SETTING_PREFIX = "next_step."  # settings key of a threshold: next_step.<name>
MAX_THRESHOLD = 3650


def thresholds(db: Database) -> dict[str, int]:
    """The next-step delays in force: the stored settings over the defaults."""
    stored = db.query("settings")
    values = dict(zip(stored["key"], stored["value"]))
    out = {}
    for name, (_, _, default) in THRESHOLDS.items():
        raw = values.get(SETTING_PREFIX + name)
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            value = default
        out[name] = value if 0 <= value <= MAX_THRESHOLD else default
    return out


def save_thresholds(db: Database, new: dict[str, int], login: str = "",
                    role: str = "admin") -> list[str]:
    """Store changed delays (administrators) and write one audit entry listing
    each change "old → new", in one transaction. Returns the French lines of
    the changes (empty: nothing changed, nothing written)."""
    if role != "admin":
        from .access import AccessDenied

        raise AccessDenied("Seul un administrateur modifie les délais des prochaines actions.")
    current = thresholds(db)
    changes = []
    for name, value in new.items():
        if name not in THRESHOLDS:
            raise RelogError(f"Réglage inconnu : {name}.")
        value = int(value)
        if not 0 <= value <= MAX_THRESHOLD:
            raise RelogError(f"Valeur hors limites pour « {THRESHOLDS[name][0]} » : {value} "
                             f"(de 0 à {MAX_THRESHOLD}).")
        if value != current[name]:
            changes.append((name, current[name], value))
    if not changes:
        return []
    lines = [f"{THRESHOLDS[n][0]} {old} → {value} {THRESHOLDS[n][1]}"
             for n, old, value in changes]
    with db.writer() as cur:
        for name, _, value in changes:
            cur.execute("INSERT OR REPLACE INTO settings VALUES ($k, $v)",
                        {"k": SETTING_PREFIX + name, "v": str(value)})
        audit.record(cur, "réglage", "Délais des prochaines actions : " + " ; ".join(lines),
                     login=login, role=role)
    return lines


def households_list(db: Database, scope: Scope) -> pd.DataFrame:
    """One row per household of the scope: state, building, operation, last
    event, offers, next step (step, reason, due_date, urgency), in the
    list's order: urgent first, then never contacted, then by due date."""
    frame = db.query("households_list", **scope.params(), **thresholds(db))
    return sort_by_next_step(frame)


def sort_by_next_step(frame: pd.DataFrame) -> pd.DataFrame:
    # among urgent households too, the never contacted come first
    return frame.sort_values(["urgency", "never_contacted", "due_date", "household_id"],
                             ascending=[True, False, True, True],
                             na_position="first").reset_index(drop=True)


_NON_WORD = re.compile(r"[^a-z0-9]+")
_SMALL = {"d", "l", "de", "du", "des", "le", "la", "les"}


def normalise(text) -> str:
    """What the search compares: no accents, lower case, punctuation as
    spaces (the same as the SQL of sql/household_search.sql)."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(_NON_WORD.sub(" ", plain).split())


def search_terms(text) -> list[str]:
    """The words every result must contain (small words such as « de », « l' »
    dropped unless nothing else is typed)."""
    words = normalise(text).split()
    kept = [w for w in words if w not in _SMALL]
    return kept or words


def search(db: Database, scope: Scope, text: str, named: bool = False) -> pd.DataFrame:
    """The households of the scope matching every word of `text` in their id,
    building (code, name, address), operation (code, name) or officer, and,
    when `named` (set by the access gateway from the viewer's role, never by
    the page), the holder's name and the address of their moves. Ranked: the
    exact id first, then a field or word starting with the text, then the
    rest; within a rank, the list's order (next step). Columns of
    households_list plus `match_rank`."""
    terms = search_terms(text)
    listed = households_list(db, scope)
    if not terms:
        return listed.assign(match_rank=2)
    found = db.query("household_search", **scope.params(), terms=terms,
                     phrase=" ".join(normalise(text).split()), named=bool(named))
    out = listed.merge(found, on="household_id", how="inner")
    return out.sort_values(["match_rank", "urgency", "never_contacted", "due_date",
                            "household_id"], ascending=[True, True, False, True, True],
                           na_position="first").reset_index(drop=True)


def no_match_reasons(db: Database, scope: Scope, household: str,
                     tolerance: float = 0.10) -> dict | None:
    """For a household still to rehouse: the vacancies that can be offered and
    how many each criterion of sql/matches.sql rules out (a vacancy may fail
    several). None for a household that is not to rehouse."""
    frame = db.query("no_match_reasons", **scope.params(), tolerance=tolerance,
                     household=household)
    if frame.empty:
        return None
    return {k: (None if pd.isna(v) else int(v) if k != "household_id" else v)
            for k, v in frame.iloc[0].items()}


NO_MATCH_CRITERIA = {
    "fail_typology": "la typologie",
    "fail_location": "la localisation",
    "fail_rent": "le loyer",
    "fail_availability": "la date de disponibilité (après la démolition)",
    "fail_adapted": "le besoin de logement adapté",
}
