"""French formats for numbers, shares, amounts and dates.

Undefined values (None, NaN, NA) always print as "—", never as 0 or "nan".
Thousands are separated by a narrow no-break space, decimals by a comma.
"""

from __future__ import annotations

import html
import math
import re
from datetime import date, datetime

import pandas as pd

DASH = "—"
THIN = "\u202f"  # narrow no-break space (French thousands separator)
NBSP = "\u00a0"  # no-break space (before %, €)
DAY = "%d/%m/%Y"  # a date, « 31/03/2008 »


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value, decimals: int = 0) -> str:
    """1234.5 -> "1 234,5" (with `decimals` digits after the comma)."""
    if is_missing(value):
        return DASH
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", THIN).replace(".", ",")


def integer(value) -> str:
    return number(value, 0)


def share(value, decimals: int = 1) -> str:
    """0.748 -> "74,8 %"; undefined -> "—"."""
    if is_missing(value):
        return DASH
    return number(float(value) * 100, decimals) + NBSP + "%"


def ratio(numerator, denominator) -> str:
    """(845, 1129) -> "845 / 1 129"."""
    return f"{integer(numerator)} / {integer(denominator)}"


def share_with_n(numerator, denominator, decimals: int = 1) -> str:
    """(579, 703) -> "82,4 % (579 / 703)"; a zero denominator -> "— (0 / 0)"."""
    value = None if is_missing(denominator) or not denominator else numerator / denominator
    return f"{share(value, decimals)} ({ratio(numerator, denominator)})"


def p_value(value, decimals: int = 3) -> str:
    """A test's p-value: 0.0412 -> "p = 0,041"; below 0.001 -> "p < 0,001"
    (never "p = 0,000"); undefined -> "—"."""
    if is_missing(value):
        return DASH
    floor = 10 ** -decimals
    if float(value) < floor:
        return f"p < {number(floor, decimals)}"
    return f"p = {number(value, decimals)}"


def euros(value, decimals: int = 0) -> str:
    """421000 -> "421 000 €"."""
    if is_missing(value):
        return DASH
    return number(value, decimals) + NBSP + "€"


def signed_euros(value, decimals: int = 0) -> str:
    """35.9 -> "+36 €"; -12 -> "−12 €"."""
    if is_missing(value):
        return DASH
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "")
    return sign + euros(abs(value), decimals)


def day(value) -> str:
    """A date -> "30/06/2009"."""
    if is_missing(value):
        return DASH
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, (datetime, pd.Timestamp)):
        value = value.date()
    return value.strftime(DAY)


def days(values) -> list[str]:
    """`day` of each value of a column, at once when it holds dates (a page's
    10 000 dates cost 0,1 s one by one, #20)."""
    column = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(column):
        return [day(v) for v in column]
    return column.dt.strftime(DAY).fillna(DASH).tolist()


def html_text(value) -> str:
    """Data text made safe where HTML is rendered (Plotly labels, legends and
    hover text, map tooltips and popups): "<b>x</b>" shows as typed, not bold,
    and no data makes a link. Missing values give ""."""
    return html.escape("" if is_missing(value) else str(value))


# The characters that start Markdown in Streamlit: links and images, emphasis,
# code, headings, lists, quotes, tables, HTML, LaTeX ($), entities (&),
# Streamlit's :colour[...] and :icon: (:), and the "http:" or "www." of an
# automatic link. A backslash before any of them makes it read as itself. A
# hyphen makes a list or a rule only at the start of a line: it is escaped
# there only, so that "Vaulx-en-Velin" stays as it is in the Markdown text.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+.!|<>~$:&])")
_MD_LEADING_HYPHEN = re.compile(r"^(\s*)-")


def md_escape(value) -> str:
    """Data text made literal in Markdown (st.markdown, st.caption, titles,
    metric labels and values, widget labels): "[clic](javascript:...)" shows
    as typed, not as a link; line breaks become spaces so that data cannot
    start a heading or a list. Missing values give ""."""
    text = "" if is_missing(value) else str(value)
    text = " ".join(text.splitlines())
    return _MD_LEADING_HYPHEN.sub(r"\1\\-", _MD_SPECIAL.sub(r"\\\1", text))
