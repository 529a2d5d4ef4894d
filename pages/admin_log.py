"""Comptes et journal: local accounts and the audit log (administrators)."""

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import access, accounts, audit, fmt, importer
from relog_data.access import ROLES

SHOWN = 1000  # changes of one import listed on the page (all of them in the CSV)

viewer = ui.current_viewer()
if viewer.role != "admin":
    st.error("Accès refusé : page réservée aux administrateurs.")
    st.stop()

st.title("Comptes et journal d'audit")
db = ui.database()

st.subheader("Comptes locaux")
users = accounts.list_users(db, viewer)
if users.empty:
    st.info("Aucun compte local (base de démonstration, ou connexion par fournisseur "
            "d'identité). Création : `python -m relog_data users add LOGIN --role admin`.")
else:
    ui.table(pd.DataFrame({
        "Identifiant": users["login"],
        "Nom": users["display_name"].fillna(""),
        "Rôle": users["role"].map(ROLES),
        "Opérations": [", ".join(o) if pd.api.types.is_list_like(o) else "toutes"
                       for o in users["operations"]],
        "Actif": ["oui" if a else "non" for a in users["active"]],
    }), hide_index=True, width="stretch")
st.caption("Les comptes se gèrent en ligne de commande (`python -m relog_data users add | "
           "disable | enable | set-role | password | list`) ; chaque changement est journalisé.")

st.subheader("Journal d'audit")
log = audit.entries(db, viewer)
st.markdown(f"{fmt.integer(len(log))} entrée(s), de la plus récente à la plus ancienne. "
            "Le journal ne se modifie pas : relog n'y fait qu'ajouter.")
shown = pd.DataFrame({
    "Date": [fmt.day(t) + t.strftime(" %H:%M:%S") for t in log["logged_at"]],
    "Qui": log["login"].fillna(""),
    "Rôle": log["role"].map(ROLES).fillna(""),
    "Action": log["action"].map(audit.ACTIONS).fillna(log["action"]),
    "Détail": log["detail"].fillna(""),
})
ui.table(shown, hide_index=True, width="stretch")
ui.download_csv("Télécharger le journal (CSV)", shown, "relog-journal-audit.csv",
                "journal d'audit (CSV)")

st.subheader("Imports et changements")
imports = importer.history_table(db)
if imports.empty:
    st.caption("Aucun import pour l'instant.")
else:
    ui.table(imports, hide_index=True, width="stretch")
    dates = dict(zip(imports["N°"], imports["Date"]))
    chosen = st.selectbox("Changements de l'import n°", imports["N°"].tolist(),
                          key="admin_import_id", placeholder=ui.CHOOSE,
                          format_func=lambda n: f"{n} — {dates[n]}")
    # the first SHOWN changes and their count from SQL: the first import at 150 000
    # households made 626 000 changes, copied out of the cache at every visit (#20)
    total = ui.call_module("changes", "import_change_count", int(chosen))
    made = ui.call_module("changes", "import_changes", int(chosen), first=SHOWN)
    st.markdown(f"{fmt.integer(total)} changement(s) enregistré(s) par cet import "
                "(une ligne par champ modifié, par ligne nouvelle ou supprimée).")

    def changes_listing(made: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({
            "Feuille": made["sheet"], "Clé": made["key"], "Changement": made["kind"],
            "Colonne": made["label"], "Ancienne valeur": made["old"],
            "Nouvelle valeur": made["new"]})

    ui.table(changes_listing(made), hide_index=True, width="stretch",
             empty="Aucun changement enregistré pour cet import (imports antérieurs au "
                   "schéma 6 : non détaillés).")
    if total > SHOWN:
        st.caption(f"Les {fmt.integer(SHOWN)} premiers changements sont affichés ; la liste "
                   "complète est dans le fichier à télécharger.")
    if total:
        def changes_csv(number: int = int(chosen), who=viewer) -> pd.DataFrame:
            # read when the link is followed, not kept per session (#20)
            return changes_listing(access.fetch(db, who, "changes", "import_changes", number))

        ui.download_csv("Télécharger les changements (CSV)", changes_csv,
                        f"relog-import-{chosen}-changements.csv",
                        f"changements de l'import n° {chosen} (CSV)",
                        identity=(int(chosen), total))
