"""Ménages: the officer's daily tool (#18). A search over everything a person
would type, the list with each household's next step (urgent first), and the
sheet of the household chosen in the list or named in the address
(?menage=ID). Rules and search in relog_data/officer.py and its SQL; names
only for rehousing staff (the gateway decides what a role searches and sees)."""

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import access, fmt, officer
from relog_data.errors import RelogError

try:  # the lists behind the figures of Synthèse and Avancement (#18 item 4)
    from relog_data.household_filters import FILTERS
except ImportError:  # not there yet: ?filtre= is then ignored with a message
    FILTERS = {}

PARAM_HOUSEHOLD = "menage"
PARAM_FILTER = "filtre"
MAX_ROWS = 1000  # a list longer than this is searched, not scrolled
OFFERS_OF_THE_LAW = 3

scope = ui.current_scope()
viewer = ui.current_viewer()
as_of = ui.as_of_text()
ui.header("Ménages")

households = ui.call_module("officer", "households_list", scope)
named = "holder_name" in households.columns  # removed by the gateway for pseudonymous roles


def days_text(value) -> str:
    return "jamais contacté" if fmt.is_missing(value) else f"{fmt.integer(value)} jours"


def plural(n: int, word: str) -> str:
    return f"{fmt.integer(n)} {word}{'s' if n > 1 else ''}"


# -- search and filters ---------------------------------------------------------------------------
what = ("identifiant, nom du titulaire, adresse, bâtiment, opération, chargé(e)" if named
        else "identifiant, adresse du bâtiment, bâtiment, opération, chargé(e)")
search = st.text_input("Rechercher un ménage", key="household_search", placeholder=what)
st.caption(f"Cherche dans : {what}. Majuscules, accents et ponctuation ignorés, mots partiels "
           "acceptés, tous les mots doivent être trouvés ; l'identifiant exact vient en premier.")
text = search.strip()
shown = ui.call_module("officer", "search", scope, text) if text else households

asked_filter = st.query_params.get(PARAM_FILTER)
if asked_filter:
    if asked_filter in FILTERS and ("household_filters", "members") in access.POLICY:
        members = ui.call_module("household_filters", "members", scope, asked_filter)
        shown = shown[shown["household_id"].isin(members["household_id"])]
        note, clear = st.columns([4, 1])
        note.info(f"Liste filtrée : **{fmt.md_escape(FILTERS[asked_filter])}** — "
                  f"{plural(len(members), 'ménage')}.", icon=":material/filter_alt:")
        if clear.button("Retirer le filtre"):
            del st.query_params[PARAM_FILTER]
            st.rerun()
    else:
        st.warning(f"Le filtre « {fmt.md_escape(asked_filter)} » de l'adresse n'est pas connu : la liste "
                   "complète est affichée.")

steps = households[["step", "step_order"]].drop_duplicates().sort_values("step_order")
left, middle, right = st.columns([3, 2, 1.4], vertical_alignment="bottom")
chosen_steps = left.multiselect("Prochaine action", steps["step"].tolist(), key="household_steps",
                                placeholder="Toutes les prochaines actions")
SORTS = {
    "Prochaine action (urgences d'abord)": None,
    "Échéance la plus proche": ["due_date", "household_id"],
    "Sans action depuis le plus longtemps": ["days_since_last_event", "household_id"],
    "Identifiant": ["household_id"],
}
sort = middle.selectbox("Trier par", list(SORTS), key="household_sort", placeholder=ui.CHOOSE)
late_only = right.checkbox("En retard seulement", key="household_late",
                           help="Échéance de la prochaine action dépassée à la date de situation.")
if chosen_steps:
    shown = shown[shown["step"].isin(chosen_steps)]
if late_only:
    shown = shown[shown["due_date"] < pd.Timestamp(scope.as_of)]
if SORTS[sort]:
    descending = SORTS[sort][0] == "days_since_last_event"
    shown = shown.sort_values(SORTS[sort], ascending=[not descending, True][:len(SORTS[sort])],
                              na_position="first")

# -- the list -------------------------------------------------------------------------------------
listed = shown.head(MAX_ROWS).reset_index(drop=True)
st.caption(f"{fmt.ratio(len(shown), len(households))} ménages"
           + (f" — les {fmt.integer(MAX_ROWS)} premiers sont affichés : précisez la recherche "
              "ou le périmètre" if len(shown) > MAX_ROWS else "")
           + " · cliquez sur une ligne pour ouvrir la fiche du ménage.")


def due_text(row) -> str:
    if fmt.is_missing(row["due_date"]):
        return ui.MISSING
    late = pd.Timestamp(row["due_date"]) < pd.Timestamp(scope.as_of)
    return fmt.day(row["due_date"]) + (" (en retard)" if late else "")


event = None
if listed.empty:
    if text:
        st.info(f"Aucun ménage ne correspond à « {fmt.md_escape(text)} » dans ce périmètre"
                + (" (la recherche par nom est réservée aux équipes de relogement)"
                   if not named else "") + ". Vérifiez l'orthographe ou élargissez le "
                "périmètre dans la barre latérale.", icon=":material/search_off:")
    else:
        st.info("Aucun ménage ne correspond à ces critères dans ce périmètre.",
                icon=":material/search_off:")
else:
    table = pd.DataFrame({
        "Ménage": listed["household_id"],
        **({"Titulaire": listed["holder_name"].fillna(ui.MISSING)} if named else {}),
        # what to do first, then where the household stands
        "Prochaine action": listed["step"],
        "Échéance": [due_text(r) for _, r in listed.iterrows()],
        "Sans action depuis": [days_text(v) for v in listed["days_since_last_event"]],
        "Situation": listed["state"],
        "Bâtiment": listed["building_name"],
        "Opération": listed["operation_name"],
        "Chargé(e)": listed["officer"].fillna(ui.MISSING),
    })
    # a new list (search, filter, sort) starts without a selection
    table_key = f"households_table_{hash(tuple(listed['household_id']))}"
    event = st.dataframe(table, hide_index=True, width="stretch", height=360, key=table_key,
                         on_select="rerun", selection_mode="single-row",
                         placeholder=ui.MISSING)
    # the list as shown (the gateway has already removed what this role may not see)
    ui.download_csv("Télécharger la liste (CSV)", table, "relog-menages.csv",
                    "liste des ménages (CSV)")

# -- which sheet ----------------------------------------------------------------------------------
clicked = list(event.selection.rows) if event is not None else []
if clicked:
    household = listed["household_id"].iloc[clicked[0]]
    if st.query_params.get(PARAM_HOUSEHOLD) != household:
        st.query_params[PARAM_HOUSEHOLD] = household  # the address opens this sheet again
    st.session_state["_household_clicked"] = household
else:
    if st.session_state.pop("_household_clicked", None) \
            and PARAM_HOUSEHOLD in st.query_params:
        del st.query_params[PARAM_HOUSEHOLD]  # the row was unselected: the sheet closes
    household = st.query_params.get(PARAM_HOUSEHOLD)

if not household:
    st.info("Choisissez un ménage dans la liste (cliquez sur sa ligne) pour ouvrir sa fiche.",
            icon=":material/touch_app:")
    st.stop()
found = households[households["household_id"] == household]
if found.empty:
    st.warning(f"Le ménage « {fmt.md_escape(household)} » n'est pas dans votre périmètre "
               "(opérations, phases, bailleurs choisis, ou opérations qui vous sont ouvertes).")
    st.stop()
row = found.iloc[0]

# -- the sheet ------------------------------------------------------------------------------------
st.divider()
title = f"Fiche {fmt.md_escape(household)}"
if named and not fmt.is_missing(row["holder_name"]):
    title += f" — {fmt.md_escape(row['holder_name'])}"
st.subheader(title, anchor="fiche")

due = row["due_date"]
late_days = (pd.Timestamp(scope.as_of) - pd.Timestamp(due)).days if not fmt.is_missing(due) else 0
due_line = ("" if fmt.is_missing(due) else
            f" — échéance **{fmt.day(due)}**"
            + (f", en retard de {plural(late_days, 'jour')}" if late_days > 0 else ""))
message = (f"**Prochaine action : {fmt.md_escape(row['step'])}**{due_line}  \n"
           f"Motif : {fmt.md_escape(row['reason'])}")
if row["step_key"] == "urgent":
    st.error(message, icon=":material/priority_high:")
elif row["step_key"] == "none":
    st.success(message, icon=":material/check_circle:")
elif late_days > 0:
    st.warning(message, icon=":material/schedule:")
else:
    st.info(message, icon=":material/event:")

cols = st.columns(4)
cols[0].metric("Situation", fmt.md_escape(row["state"]))
cols[1].metric("Bâtiment", fmt.md_escape(row["building_name"]))  # metric values are Markdown
cols[2].metric("Personnes", fmt.integer(row["persons"]))
cols[3].metric("Chargé(e)", ui.MISSING if fmt.is_missing(row["officer"])
               else fmt.md_escape(row["officer"]))

offers, refused = int(row["offers"]), int(row["refused"])
pending, accepted = int(row["pending"]), int(row["accepted"])
offer_parts = [f"{refused} refusée{'s' if refused > 1 else ''}"]
if pending:
    offer_parts.append(f"{pending} en attente de réponse")
if accepted:
    offer_parts.append(f"{accepted} acceptée{'s' if accepted > 1 else ''}")
offers_line = (f"{offers} proposition{'s' if offers > 1 else ''} sur {OFFERS_OF_THE_LAW}"
               if offers <= OFFERS_OF_THE_LAW else
               f"{offers} propositions (au-delà des {OFFERS_OF_THE_LAW} de la loi)")
offers_line += ", " + ", ".join(offer_parts) if offers else ""
if refused >= OFFERS_OF_THE_LAW:
    offers_line += " : seuil légal des trois propositions atteint"

if not fmt.is_missing(row["actual_demolition"]) and \
        pd.Timestamp(row["actual_demolition"]) <= pd.Timestamp(scope.as_of):
    demolition = f"bâtiment démoli le {fmt.day(row['actual_demolition'])}"
elif fmt.is_missing(row["planned_demolition"]):
    demolition = "pas de date de démolition prévue"
else:
    left_days = int(row["days_to_demolition"])
    demolition = (f"prévue le {fmt.day(row['planned_demolition'])}, "
                  + (f"dans {plural(left_days, 'jour')}" if left_days >= 0
                     else f"dépassée de {plural(-left_days, 'jour')}"))
if fmt.is_missing(row["days_since_last_event"]):
    idle = "jamais contacté (aucun événement daté)"
else:
    idle = (f"{plural(int(row['days_since_last_event']), 'jour')} (dernier événement le "
            f"{fmt.day(row['last_event'])})")
st.markdown(f"- **Propositions (la loi en prévoit trois)** : {offers_line}\n"
            f"- **Démolition du bâtiment** : {demolition}\n"
            f"- **Sans action depuis** : {idle}\n"
            f"- **Opération** : {fmt.md_escape(row['operation_name'])}")

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

# compatible dwellings, or why none
if len(need):
    mine = ui.call_module("supply", "matches", scope, 0.10, household)
    st.markdown(f"**Logements compatibles** ({fmt.integer(len(mine))})")
    if len(mine):
        ui.table(pd.DataFrame({
            "Rang": mine["rank"], "Logement": mine["vacancy_id"], "Bailleur": mine["landlord"],
            "Commune": mine["commune"], "Typologie": mine["typology"],
            "Loyer": [fmt.euros(v) for v in mine["rent"]]}), hide_index=True, width="stretch")
    else:
        why = ui.call_module("officer", "no_match_reasons", scope, household)
        if why is None or not why["vacancies"]:
            st.warning("0 logement compatible : aucun logement vacant disponible ou proposé "
                       "n'est enregistré.", icon=":material/home_work:")
        else:
            parts = sorted(((why[k], label) for k, label in officer.NO_MATCH_CRITERIA.items()
                            if why[k]), reverse=True)
            reasons = [f"{fmt.integer(c)} {'écarté' if c == 1 else 'écartés'} par {label}"
                       if i == 0 else f"{fmt.integer(c)} par {label}"
                       for i, (c, label) in enumerate(parts)]
            vacant = why["vacancies"]
            st.warning(f"0 logement compatible : {fmt.integer(vacant)} "
                       f"{'logements vacants' if vacant > 1 else 'logement vacant'}"
                       f" (disponibles ou proposés), " + ", ".join(reasons) + ". Un logement peut "
                       "être écarté par plusieurs critères ; celui qui en écarte le plus est "
                       "le premier à discuter avec le ménage ou les bailleurs.",
                       icon=":material/home_work:")
else:
    st.caption("Ménage relogé ou sorti : pas de recherche de logement.")

st.markdown(f"**Reste à charge** (loyer + charges − APL, par mois) : avant "
            f"{fmt.euros(row['rest_to_pay_before'])}, après {fmt.euros(row['rest_to_pay_after'])}")

events = ui.call_module("supply", "household_events", household)
timeline, corrections = st.columns(2)
timeline.markdown("**Chronologie**")
ui.table(pd.DataFrame({
    "Date": [fmt.day(d) for d in events["day"]], "Événement": events["event"],
    "Détail": events["detail"].fillna("")}), hide_index=True, width="stretch",
    container=timeline, empty="Aucun événement daté : ménage jamais contacté.")
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

# -- next-step delays (administrators) ------------------------------------------------------------
if viewer.role == "admin":
    done = st.session_state.pop("_thresholds_saved", None)
    if done is not None:
        st.success("Délais enregistrés et inscrits au journal d'audit : " + " ; ".join(done)
                   if done else "Aucun délai modifié.")
    current = ui.call_module("officer", "thresholds")
    with st.expander("Délais des prochaines actions (administrateur)"):
        st.caption("Ces délais s'appliquent à tous les ménages et à tous les utilisateurs ; "
                   "chaque modification est inscrite au journal d'audit (ancienne → nouvelle "
                   "valeur). Les règles sont décrites sur la page Définitions.")
        with st.form("thresholds_form"):
            values = {name: st.number_input(f"{label} ({unit})", min_value=0,
                                             max_value=officer.MAX_THRESHOLD, step=1,
                                             value=int(current[name]), key=f"threshold_{name}")
                      for name, (label, unit, _) in officer.THRESHOLDS.items()}
            confirmed = st.checkbox("Je confirme la modification de ces délais",
                                    key="thresholds_confirm")
            if st.form_submit_button("Enregistrer les délais"):
                if not confirmed:
                    st.warning("Cochez la case de confirmation pour enregistrer.")
                else:
                    try:
                        with ui.database().write_access() as writable:
                            saved = officer.save_thresholds(writable, values,
                                                            login=viewer.login, role=viewer.role)
                    except RelogError as exc:
                        st.error(str(exc))
                    else:
                        st.session_state["_thresholds_saved"] = saved
                        st.rerun()
