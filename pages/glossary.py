"""Définitions: a plain-language glossary first ("Lexique en clair",
relog_data.glossary, one anchor per term so that every page's tooltip leads
to it), then every indicator, generated from the annotations of the SQL files
that compute them (relog_data.indicators.definitions)."""

import streamlit as st

from relog_data import glossary
from relog_data.indicators import definitions

st.title("Définitions des indicateurs")

asked = st.query_params.get(glossary.PARAM)
if asked in glossary.TERMS:  # reached from a term's « Voir Définitions »
    st.info(f"**{glossary.TERMS[asked].term}** : {glossary.plain(asked)} "
            "Tous les termes sont expliqués ci-dessous.",
            icon=":material/menu_book:")

st.header("Lexique en clair", anchor="lexique")
st.markdown("Les mots du relogement expliqués en une phrase. Le calcul exact de chaque "
            "indicateur est donné plus bas, dans les définitions techniques.")
# One small heading per term, with its anchor (definitions#lexique-qpv); a
# page's « Voir Définitions » also names the term in the query string
# (?terme=qpv), shown first above, since the app rewrites the address.
st.html("<style>.st-key-lexique h3 { font-size: 1.15rem; padding: 0.7rem 0 0 0; }"
        ".st-key-lexique p { margin-bottom: 0.2rem; }</style>")
with st.container(key="lexique"):
    for key, term in sorted(glossary.TERMS.items(), key=lambda kv: kv[1].term.casefold()):
        st.subheader(term.term, anchor=glossary.anchor(key))
        st.markdown(term.plain)

st.header("Définitions techniques", anchor="definitions-techniques")
st.markdown(
    "Chaque indicateur est calculé une seule fois, en SQL, dans les fichiers du dossier "
    "`sql/` de relog ; le texte ci-dessous est extrait de ces mêmes fichiers, il ne peut "
    "donc pas s'écarter du calcul. Une part dont le dénominateur est nul n'est pas définie : "
    "elle s'affiche « — », jamais 0 %."
)

table = definitions()
concepts = table[table["kind"] == "concept"]
indicators = table[table["kind"] == "indicator"]

st.subheader("Notions communes")
for row in concepts.itertuples(index=False):
    st.markdown(f"**{row.label}** — {row.definition}")

st.subheader(f"Indicateurs ({len(indicators)})")
for row in indicators.itertuples(index=False):
    with st.container(border=True):
        st.markdown(f"**{row.label}** · `{row.key}` · unité : {row.unit}")
        st.markdown(row.definition)
        st.caption(f"Calcul : {row.source}")
