"""Plain-French sentences generated from the indicators, for readers who want
the situation in one line (elected officials first, everyone else too).

Pure functions: no Streamlit, no SQL. They take rows already read through the
access gateway (dicts or pandas Series) and cope with what such rows may hold:
hidden counts (NA for elected officials), zero denominators, no projection.
A clause whose figures are hidden is left out, never written with 0 or "—".
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from . import fmt

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def _get(row, key):
    """row[key], or None when the row (dict, Series or None) has no such value."""
    if row is None:
        return None
    try:
        value = row[key]
    except (KeyError, IndexError, TypeError):
        return None
    return None if fmt.is_missing(value) else value


def month_year(value) -> str:
    """A date -> "avril 2011"."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, (datetime, pd.Timestamp)):
        value = value.date()
    return f"{MONTHS[value.month - 1]} {value.year}"


def percent(numerator, denominator) -> str | None:
    """(845, 1129) -> "75 %"; never "100 %" while some remain, never "0 %" once
    someone is counted; None when undefined (hidden part, zero denominator)."""
    if fmt.is_missing(numerator) or fmt.is_missing(denominator) or not denominator:
        return None
    rate = float(numerator) / float(denominator)
    rounded = round(rate * 100)
    if rounded >= 100 and rate < 1:
        return f"plus de 99{fmt.NBSP}%"
    if rounded <= 0 and rate > 0:
        return f"moins de 1{fmt.NBSP}%"
    return f"{fmt.integer(rounded)}{fmt.NBSP}%"


def _share_clause(kpis) -> str | None:
    num, den = _get(kpis, "progress_rate_num"), _get(kpis, "progress_rate_den")
    if den is None:
        den = _get(kpis, "households_total")
    text = percent(num, den)
    if text is None:  # a published rate without its parts (never hides a part)
        rate = _get(kpis, "progress_rate")
        if rate is None or num is not None or den is not None:
            return None
        text = percent(rate, 1)
    return f"{text} des ménages relogés ou partis"


def _remaining_clause(remaining) -> str | None:
    if remaining is None:
        return None
    n = int(remaining)
    if n <= 0:
        return "plus aucun ménage à reloger"
    return f"{fmt.integer(n)} {'reste' if n == 1 else 'restent'} à reloger"


def _end_clause(projection) -> str | None:
    """"fin estimée en avril 2011, 3 mois après la date prévue"; "personne n'a
    été relogé ni n'est parti depuis 6 mois" when the pace is nil; None when the
    projection is missing or hidden."""
    end = _get(projection, "projected_end")
    if end is None:
        pace = _get(projection, "pace_per_month")
        if pace is not None and float(pace) == 0:
            return ("aucun ménage relogé ni parti ces 6 derniers mois : "
                    "fin impossible à estimer")
        return None
    text = f"fin estimée en {month_year(end)}"
    gap = _get(projection, "gap_months")
    if gap is not None:
        months = round(abs(float(gap)))
        if months == 0:
            text += ", à la date prévue"
        else:
            side = "après" if gap > 0 else "avant"
            text += f", {fmt.integer(months)} mois {side} la date prévue"
    return text


def headline(kpis, projection=None) -> str:
    """One sentence on the scope: "75 % des ménages relogés ou partis ; 284
    restent à reloger ; fin estimée en avril 2011, 3 mois après la date
    prévue." `kpis`: the total row of indicators.kpis; `projection`: the total
    row of indicators.projection (or None). Clauses whose figures are hidden
    or undefined are left out; "" when nothing can be said."""
    total = _get(kpis, "households_total")
    if total is not None and int(total) == 0:
        return "Aucun ménage dans ce périmètre."
    remaining = _get(kpis, "remaining")
    if remaining is None:
        remaining = _get(projection, "remaining")
    clauses = [_share_clause(kpis), _remaining_clause(remaining)]
    if remaining is None or int(remaining) > 0:  # nothing to project once all are done
        clauses.append(_end_clause(projection))
    clauses = [c for c in clauses if c]
    if not clauses:
        return ""
    text = " ; ".join(clauses)
    return text[0].upper() + text[1:] + "."
