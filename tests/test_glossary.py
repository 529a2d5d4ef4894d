"""The plain-language glossary (issue #16): every term explained in one
sentence, reachable from the pages that use it."""

import re
from pathlib import Path

import pytest

from relog_data import glossary

ROOT = Path(__file__).resolve().parent.parent

REQUIRED = ["hors_site", "qpv", "reste_a_charge", "decohabitation", "rythme", "rythme_nul",
            "reloge_provisoire", "sortie_sans_relogement", "avancement", "secret_statistique",
            "neuf_ou_recent", "compensation_anru", "taux_refus", "enquete_satisfaction",
            "vague"]


def test_the_required_terms_are_there():
    missing = [k for k in REQUIRED if k not in glossary.TERMS]
    assert not missing


@pytest.mark.parametrize("key", list(glossary.TERMS))
def test_every_term_is_one_plain_sentence(key):
    term = glossary.TERMS[key]
    assert term.term.strip() and term.plain.strip()
    assert term.plain[0].isupper() and term.plain.endswith("."), key
    assert len(term.plain) <= 420, key  # one sentence, not a paragraph
    assert "`" not in term.plain and "_" not in term.plain  # no code in plain French


def test_hors_site_in_the_words_of_the_issue():
    assert "ailleurs que dans le quartier d'origine" in glossary.plain("hors_site")


def test_the_protection_rule_is_stated():
    text = glossary.plain("secret_statistique")
    assert "« s »" in text and "1 à 4" in text and "au moins 5" in text


def test_anchors_are_unique_html_ids():
    anchors = [glossary.anchor(k) for k in glossary.TERMS]
    assert len(set(anchors)) == len(anchors)
    assert all(re.fullmatch(r"lexique-[a-z0-9-]+", a) for a in anchors)
    with pytest.raises(KeyError):
        glossary.anchor("inconnu")


def test_help_text_gives_the_sentence_and_the_way_to_definitions():
    md = glossary.help_text("qpv")
    assert glossary.plain("qpv")[1:] in md and md.startswith("**QPV** : quartier prioritaire")
    assert "[Voir Définitions](definitions?terme=qpv#lexique-qpv)" in md
    plain = glossary.help_text("qpv", markdown=False)
    assert glossary.plain("qpv")[1:] in plain and "Voir Définitions" in plain and "](" not in plain


def test_every_term_the_pages_use_exists():
    """The keys passed to help_text / plain / link / markdown_list in pages/."""
    used = set()
    for path in (ROOT / "pages").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"(?:help_text|plain|link)\(\s*[\"']([a-z_]+)[\"']", text))
        for group in re.findall(r"markdown_list\(\s*\[([^\]]*)\]", text):
            used |= set(re.findall(r"[\"']([a-z_]+)[\"']", group))
    assert used, "no page uses the glossary"
    assert not used - set(glossary.TERMS), used - set(glossary.TERMS)
