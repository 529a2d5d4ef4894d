"""The dictionary's matching rules for names and code values.

Sheet names, column headers and code values match ignoring case, accents,
punctuation, `_` vs space vs `-`, and the small words de, du, des, d', le, la,
les, l'. Code values are also compared without spaces, so that `T 3`,
`couple avec enfants` or `Relogé` find `T3`, `couple avec enfant(s)`, `relogé`.
"""

from __future__ import annotations

import re
import unicodedata

_SMALL_WORDS = {"de", "du", "des", "le", "la", "les"}
_ELIDED = re.compile(r"\b[dl]['’]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(text) -> str:
    """`Date d'enquête` -> `date enquete`; `DATE_ENQUETE` -> `date enquete`."""
    text = strip_accents(str(text)).lower().replace("’", "'")
    text = _ELIDED.sub(" ", text)
    words = [w for w in _NON_WORD.split(text) if w and w not in _SMALL_WORDS]
    return " ".join(words)


def value_key(text) -> str:
    """The key a code value is matched on: name_key without spaces."""
    return name_key(text).replace(" ", "")


def code_lookup(values) -> dict[str, str]:
    """{value_key(v): v} for a code list's values."""
    lookup = {}
    for value in values:
        key = value_key(value)
        if key in lookup and lookup[key] != value:
            raise ValueError(f"Ambiguous code values {lookup[key]!r} and {value!r}")
        lookup[key] = value
    return lookup
