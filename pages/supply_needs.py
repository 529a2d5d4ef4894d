"""Offre et besoins: the rehousing plan's confrontation of needs and supply,
with matching suggestions (household level: for rehousing staff)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages import _common as ui
from relog_data import charts, fmt
from relog_data.supply import DEFAULT_TOLERANCE

scope = ui.current_scope()
as_of = ui.as_of_text()
ui.header("Offre et besoins")

needs = ui.call_module("supply", "needs", scope)
offer = ui.call_module("supply", "supply")
c1, c2 = st.columns(2)
c1.metric("Ménages encore à reloger", fmt.integer(len(needs)))
c1.caption("statuts 1 à 5 et relogés provisoires")
c2.metric("Logements mobilisables", fmt.integer(len(offer)))
c2.caption("logements vacants disponibles ou déjà proposés")
if needs.empty:
    st.info("Aucun ménage à reloger dans ce périmètre à cette date.")
    st.stop()

# -- coverage ------------------------------------------------------------------------------------
st.subheader("Couverture des besoins")
coverage = ui.call_module("supply", "coverage", scope)


def coverage_table(dimension: str, label: str) -> pd.DataFrame:
    part = coverage[coverage["dimension"] == dimension]
    part = part[(part["households"] > 0) | (part["vacancies"] > 0)]
    return pd.DataFrame({
        label: part["grp"],
        "Ménages": part["households"].astype(int),
        "Logements": part["vacancies"].astype(int),
        "Couverture": [f"{g} : {fmt.integer(v)} logement(s) pour {fmt.integer(h)} ménage(s)"
                       + (" — manque" if h > v else "")
                       for g, v, h in zip(part["grp"], part["vacancies"], part["households"])],
    })


typo = coverage_table("typology", "Typologie")
left, right = st.columns(2)
with left:
    fig = go.Figure()
    fig.add_bar(x=typo["Typologie"], y=typo["Ménages"], name="ménages à reloger",
                marker_color="#888888", text=typo["Ménages"], textposition="outside")
    fig.add_bar(x=typo["Typologie"], y=typo["Logements"], name="logements mobilisables",
                marker_color=["#D55E00" if h > v else "#0072B2"
                              for h, v in zip(typo["Ménages"], typo["Logements"])],
                text=typo["Logements"], textposition="outside")
    fig.update_layout(barmode="group")
    st.plotly_chart(charts.titled(fig, f"Besoins et offre par typologie au {as_of} "
                                        f"(n = {fmt.integer(len(needs))} ménages)", 380,
                                   legend_on_top=True),
                    width="stretch", config=ui.PLOTLY_CONFIG)
    st.caption("Barres orange : typologies où l'offre manque.")
with right:
    ui.table(typo, hide_index=True, width="stretch")
ui.table(coverage_table("location", "Souhait de localisation"), hide_index=True,
             width="stretch")

# -- needs and supply breakdowns ----------------------------------------------------------------


def count_charts(frame, columns: list[tuple[str, str]], colour: str, unit: str,
                 prefix: str) -> None:
    """One bar chart per column, side by side: the rows of `frame` per value."""
    for col, (column, label) in zip(st.columns(len(columns)), columns):
        counts = frame[column].astype("object").fillna("non renseigné").value_counts()
        col.plotly_chart(charts.horizontal_counts(list(counts.index), [int(v) for v in counts],
                                                  label, colour, unit=unit),
                         width="stretch", config=ui.PLOTLY_CONFIG,
                         key=f"{prefix}_{column}")


st.subheader("Besoins des ménages")
count_charts(needs, [("income_bracket", "Tranche de revenus"),
                     ("specific_need", "Besoin spécifique"),
                     ("location_wish", "Souhait de localisation")], "#888888", "ménages", "need")
st.subheader("Offre mobilisable")
count_charts(offer, [("quota", "Contingent de réservation"), ("financing", "Financement"),
                     ("landlord", "Bailleur")], "#0072B2", "logements", "offer")
flags = offer.assign(
    neuf=offer["new_or_recent"].map({True: "neuf ou récent", False: "ancien"}),
    qpv=offer["in_qpv"].map({True: "en QPV", False: "hors QPV"}))
count_charts(flags, [("commune", "Commune"), ("neuf", "Neuf ou récent"),
                     ("qpv", "Quartier prioritaire")], "#0072B2", "logements", "offer2")
if len(offer):
    monthly = (offer.dropna(subset=["available_date"])
               .assign(month=lambda f: pd.to_datetime(f["available_date"]).dt.to_period("M")
                       .dt.to_timestamp())
               .groupby(["month", "quota"]).size().rename("n").reset_index())
    fig = go.Figure()
    for i, quota in enumerate(sorted(monthly["quota"].unique())):
        part = monthly[monthly["quota"] == quota]
        fig.add_bar(x=part["month"], y=part["n"], name=quota,
                    marker_color=["#0072B2", "#E69F00", "#009E73", "#CC79A7"][i % 4])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickformat="%m/%Y")
    st.plotly_chart(charts.titled(fig, "Logements mobilisables par contingent et par mois de "
                                        f"disponibilité (n = {fmt.integer(len(offer))})", 380,
                                   legend_on_top=True),
                    width="stretch", config=ui.PLOTLY_CONFIG)

# -- affordability and capacity -------------------------------------------------------------------
st.subheader("Loyers abordables")
tolerance = st.slider("Tolérance sur le loyer actuel (%)", 0, 50,
                      int(DEFAULT_TOLERANCE * 100), step=5, key="supply_tolerance") / 100
afford = ui.call_module("supply", "affordability", scope, tolerance)
st.metric("Ménages ayant au moins un logement abordable",
          fmt.share(afford["affordable_share"]))
st.caption(f"{fmt.ratio(afford['with_affordable'], afford['with_rent'])} ménages dont le loyer "
           f"actuel est connu ; loyer du logement au plus égal au loyer actuel + "
           f"{fmt.number(tolerance * 100, 0)} %.")

st.subheader("Capacité d'attribution des bailleurs")
capacity = ui.call_module("supply", "capacity")
landlords = sorted(needs["origin_landlord"].dropna().unique())
current = dict(zip(capacity["landlord"], capacity["annual_allocations"]))
by_landlord = needs.groupby("origin_landlord").size()
ui.table(pd.DataFrame({
    "Bailleur": landlords,
    "Ménages à reloger": [fmt.integer(by_landlord.get(b, 0)) for b in landlords],
    "Attributions annuelles": [fmt.integer(current[b]) if b in current else "non saisi"
                               for b in landlords],
    "Besoins / capacité annuelle": [fmt.share_with_n(by_landlord.get(b, 0), current[b])
                                    if current.get(b) else "—" for b in landlords],
}), hide_index=True, width="stretch")
KEY_PENDING = "capacity_pending"  # the changes waiting for « Confirmer »
viewer = ui.current_viewer()
if viewer.can_edit_capacity:
    from relog_data.supply import capacity_change_text, capacity_changes, save_capacity

    with st.form("capacity_form"):
        st.caption("Nombre annuel d'attributions hors réservations, par bailleur (réservé aux "
                   "administrateurs ; chaque modification est inscrite au journal).")
        values = {b: st.number_input(fmt.md_escape(b), min_value=0, step=10,
                                     value=int(current.get(b, 0)), key=f"cap_{b}")
                  for b in landlords}
        if st.form_submit_button("Enregistrer les capacités"):
            st.session_state[KEY_PENDING] = capacity_changes(current, values)
    pending = st.session_state.get(KEY_PENDING)
    if pending == []:
        st.info("Aucune capacité modifiée : rien à enregistrer.")
        del st.session_state[KEY_PENDING]
    elif pending:
        st.warning("Vérifiez les modifications avant de les enregistrer :")
        ui.table(pd.DataFrame({
            "Bailleur": [c["landlord"] for c in pending],
            "Avant": ["non saisie" if c["old"] is None else fmt.integer(c["old"])
                      for c in pending],
            "Après": [fmt.integer(c["new"]) for c in pending],
        }), hide_index=True, width="stretch")
        confirm, cancel = st.columns(2)
        if confirm.button("Confirmer", type="primary", key="capacity_confirm"):
            with ui.database().write_access() as writable:
                done = save_capacity(writable, {c["landlord"]: c["new"] for c in pending},
                                     viewer)
            del st.session_state[KEY_PENDING]
            st.cache_data.clear()
            st.session_state["capacity_saved"] = [capacity_change_text(c) for c in done]
            st.rerun()
        if cancel.button("Annuler", key="capacity_cancel"):
            del st.session_state[KEY_PENDING]
            st.rerun()
    for text in st.session_state.pop("capacity_saved", []):
        st.success(f"Enregistré et inscrit au journal : {text}.")
else:
    st.caption("Seul un administrateur peut modifier la capacité d'attribution des bailleurs.")

# -- matching suggestions --------------------------------------------------------------------------
st.subheader("Rapprochements proposés")
# The full household x vacancy comparison grows with the product of the two;
# above this size only the selected household is matched (ask for a narrower scope).
MAX_PAIRS = 5_000_000
full = len(needs) * max(len(offer), 1) <= MAX_PAIRS
if full:
    pairs = ui.call_module("supply", "matches", scope, tolerance)
    per_household = pairs.groupby("household_id").size()
    per_vacancy = pairs.groupby("vacancy_id").size()
    with_match = needs["household_id"].isin(per_household.index).sum()
    st.markdown(f"**{fmt.ratio(with_match, len(needs))}** ménages ont au moins un logement "
                f"compatible ({fmt.share(with_match / len(needs))}).")
else:
    st.info(f"{fmt.integer(len(needs))} ménages et {fmt.integer(len(offer))} logements : le "
            "rapprochement complet est réservé à un périmètre plus étroit (choisissez une ou "
            "plusieurs opérations). Les logements compatibles du ménage choisi restent affichés.")
left, right = st.columns(2)
with left:
    ids = needs["household_id"].tolist()
    if len(ids) <= ui.PICK_LIMIT:
        household = st.selectbox("Ménage", ids, key="match_household", placeholder=ui.CHOOSE)
    else:  # 50 000 choices were half a megabyte sent on every visit (#20): type the id
        typed = st.text_input(f"Ménage : identifiant, parmi {fmt.integer(len(ids))} à reloger",
                              value=ids[0], key="match_household_id").strip()
        household = typed if typed in set(ids) else ids[0]
        if typed != household:
            st.warning(f"« {fmt.md_escape(typed)} » n'est pas un ménage à reloger de ce "
                       f"périmètre : voici {fmt.md_escape(household)}.")
    mine = ui.call_module("supply", "matches", scope, tolerance, household)
    need = needs.set_index("household_id").loc[household]
    st.caption(f"Recherche {fmt.md_escape(need['needed_typology'])}, souhait : "
               f"{fmt.md_escape(need['location_wish'] or 'non renseigné')}, loyer actuel "
               f"{fmt.euros(need['rent_before'])}, besoin : "
               f"{fmt.md_escape(need['specific_need'] or '—')}")
    ui.table(pd.DataFrame({
        "Rang": mine["rank"], "Logement": mine["vacancy_id"], "Bailleur": mine["landlord"],
        "Commune": mine["commune"], "Typologie": mine["typology"],
        "Loyer": [fmt.euros(v) for v in mine["rent"]],
        "Disponible le": [fmt.day(d) for d in mine["available_date"]],
        "Statut": mine["vacancy_status"]}), hide_index=True, width="stretch")
with right:
    if not full:
        st.stop()
    vacancies = offer.assign(n=offer["vacancy_id"].map(per_vacancy).fillna(0).astype(int))
    ui.table(pd.DataFrame({
        "Logement": vacancies["vacancy_id"], "Commune": vacancies["commune"],
        "Typologie": vacancies["typology"],
        "Ménages compatibles": [f"{fmt.integer(n)} ménage(s) compatible(s)"
                                for n in vacancies["n"]]}),
        hide_index=True, width="stretch", page_rows=ui.PAGE_ROWS, key="supply_vacancies")
export = pairs.rename(columns={"household_id": "ménage", "vacancy_id": "logement",
                               "landlord": "bailleur", "commune": "commune",
                               "typology": "typologie", "rent": "loyer", "quota": "contingent",
                               "available_date": "disponible le", "rank": "rang"})[
    ["ménage", "rang", "logement", "bailleur", "commune", "typologie", "loyer", "contingent",
     "disponible le"]]
ui.download_csv("Télécharger les rapprochements (CSV)", export, "relog-rapprochements.csv",
                "rapprochements (CSV)")
