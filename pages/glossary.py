"""Définitions: every indicator, generated from the annotations of the SQL
files that compute them (relog_data.indicators.definitions)."""

import streamlit as st

from relog_data.indicators import definitions

st.title("Définitions des indicateurs")
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
