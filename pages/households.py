"""Ménages: a searchable list and each household's sheet (rehousing staff
with names; partners under pseudonyms only)."""

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import fmt

scope = ui.current_scope()
as_of = ui.as_of_text()
ui.header("Ménages")

households = ui.call_module("supply", "households_list", scope)
search = st.text_input("Rechercher (identifiant, bâtiment, chargé, situation)",
                       key="household_search")
MAX_ROWS = 1000  # a list longer than this is searched, not scrolled
shown = households
if search:
    text = search.lower()
    haystack = households["household_id"].str.cat(
        households[["building_name", "officer", "state"]].fillna("").astype(str), sep=" ")
    shown = households[haystack.str.lower().str.contains(text, regex=False).to_numpy()]
listed = shown.head(MAX_ROWS)
st.caption(f"{fmt.ratio(len(shown), len(households))} ménages"
           + (f" — les {fmt.integer(MAX_ROWS)} premiers sont affichés : précisez la recherche "
              "ou le périmètre" if len(shown) > MAX_ROWS else ""))
named = "holder_name" in shown.columns  # removed by the data layer for pseudonymous roles
ui.table(pd.DataFrame({
    "Ménage": listed["household_id"],
    **({"Titulaire": listed["holder_name"].fillna("—")} if named else {}),
    "Bâtiment": listed["building_name"],
    "Situation": listed["state"], "Chargé(e)": listed["officer"].fillna("—"),
    "Dernier événement": [fmt.day(d) for d in listed["last_event"]],
    "Sans action depuis (jours)": listed["days_since_last_event"].astype("Int64"),
}), hide_index=True, width="stretch", height=320)

if shown.empty:
    st.stop()
household = st.selectbox("Fiche du ménage", listed["household_id"].tolist(), key="household_id",
                         placeholder=ui.CHOOSE)
row = households.set_index("household_id").loc[household]
st.subheader(f"Fiche {fmt.md_escape(household)}")
days = row["days_since_last_event"]
cols = st.columns(4)
cols[0].metric("Situation", fmt.md_escape(row["state"]))
cols[1].metric("Bâtiment", fmt.md_escape(row["building_name"]))  # metric values are Markdown
cols[2].metric("Personnes", fmt.integer(row["persons"]))
cols[3].metric("Dernier événement", fmt.day(row["last_event"]))
if not pd.isna(days) and row["state_order"] <= 7:  # still to rehouse, or temporary
    st.markdown(f"**Sans action depuis {fmt.integer(days)} jours** (au {as_of}).")

needs = ui.call_module("supply", "needs", scope)
need = needs[needs["household_id"] == household]
if len(need):
    n = need.iloc[0]
    st.markdown(
        f"Composition : {fmt.md_escape(n['composition'] or '—')} · revenus : "
        f"{fmt.md_escape(n['income_bracket'] or '—')} · recherche "
        f"{fmt.md_escape(n['needed_typology'])} · souhait : "
        f"{fmt.md_escape(n['location_wish'] or 'non renseigné')} · besoin spécifique : "
        f"{fmt.md_escape(n['specific_need'] or '—')} · loyer actuel "
        f"{fmt.euros(n['rent_before'])}")

events = ui.call_module("supply", "household_events", household)
timeline, corrections = st.columns(2)
timeline.markdown("**Chronologie**")
ui.table(pd.DataFrame({
    "Date": [fmt.day(d) for d in events["day"]], "Événement": events["event"],
    "Détail": events["detail"].fillna("")}), hide_index=True, width="stretch",
    container=timeline)
# What imports changed in this household's data (#17): corrections, not events.
history = ui.call_module("changes", "household_history", household)
corrections.markdown("**Historique des modifications**")
ui.table(pd.DataFrame({
    "Date": [pd.Timestamp(t).strftime("%d/%m/%Y %H:%M") for t in history["changed_at"]],
    "Par": history["author"], "Feuille": history["sheet"], "Clé": history["key"],
    "Colonne": [label or kind for label, kind in zip(history["label"], history["kind"])],
    "Ancienne valeur": history["old"], "Nouvelle valeur": history["new"],
}), hide_index=True, width="stretch", container=corrections,
    empty="Aucune modification enregistrée par un import.")

st.markdown(f"**Reste à charge** (loyer + charges − APL, par mois) : avant "
            f"{fmt.euros(row['rest_to_pay_before'])}, après {fmt.euros(row['rest_to_pay_after'])}")
mine = ui.call_module("supply", "matches", scope, 0.10, household)
st.markdown(f"**Logements compatibles** ({fmt.integer(len(mine))})")
if len(mine):
    ui.table(pd.DataFrame({
        "Rang": mine["rank"], "Logement": mine["vacancy_id"], "Bailleur": mine["landlord"],
        "Commune": mine["commune"], "Typologie": mine["typology"],
        "Loyer": [fmt.euros(v) for v in mine["rent"]]}), hide_index=True, width="stretch")
