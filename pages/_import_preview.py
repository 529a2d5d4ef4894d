"""The field-level preview of an import (issue #17), shown by the import page
before anything is written and after a successful import, below the counts
per sheet (ImportReport.summary_frame): the changed fields « ancien →
nouveau », the new rows and the rows of the database absent from the file.
Long lists are cut on screen; the downloadable workbook holds them all."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages import _common as ui
from relog_data import changes, fmt, model

SHOWN = 200  # rows of each list on screen; the workbook holds every row
PREPARED = 20_000  # beyond this many rows the workbook is made on demand only
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _capped(frame: pd.DataFrame, what: str) -> None:
    ui.table(frame.head(SHOWN), hide_index=True, width="stretch")
    if len(frame) > SHOWN:
        st.caption(f"Les {fmt.integer(SHOWN)} premières {what} sur {fmt.integer(len(frame))} "
                   "sont affichées : la liste complète est dans le classeur à télécharger.")


def _download(report, done: bool) -> None:
    """The full list as .xlsx, made once per report (kept on it across reruns);
    a long list only on demand."""
    data = getattr(report, "_changes_xlsx", None)
    if data is None and len(report.changes) > PREPARED:
        if not st.button("Préparer le classeur des changements (.xlsx)",
                         key=f"import_changes_xlsx_{'done' if done else 'preview'}",
                         icon=":material/table_view:"):
            return
    if data is None:
        data = changes.workbook_bytes(report.changes, report.summary)
        report._changes_xlsx = data
    ui.download("Télécharger le détail des changements (.xlsx)", data,
                "relog-changements-import.xlsx", XLSX,
                "détail des changements d'un import (.xlsx)")


def show_preview(report, done: bool = False) -> None:
    """What `report` changes (dry run: would change), sheet by sheet."""
    found = report.changes
    if found is None:
        return
    if getattr(report, "no_change", False) or not changes.has_changes(found):
        st.info("Aucun changement : le fichier correspond déjà à la base. Importer n'écrirait "
                "rien (ni copie de sauvegarde, ni ligne d'historique)."
                if not done else "Aucun changement : rien n'a été écrit.")
    verb = "" if done else "à l'import, "
    st.markdown("**Changements ligne à ligne**" + ("" if done else " (aperçu : rien n'est "
                                                   "encore écrit)"))
    # the counts per sheet are the report's summary table, shown just above
    _download(report, done)
    for table in model.TABLES:
        part = found[found["table"] == table.name]
        if part.empty:
            continue
        modified = part[part["kind"] == changes.CHANGED]
        new = part[part["kind"] == changes.NEW]
        gone = part[part["kind"] == changes.DELETED]
        absent = part[part["kind"] == changes.ABSENT]
        title = (f"Feuille « {table.sheet} » : {fmt.integer(modified['key'].nunique())} "
                 f"ligne(s) modifiée(s), {fmt.integer(len(new))} nouvelle(s)"
                 + (f", {fmt.integer(len(gone))} supprimée(s)" if len(gone) else "")
                 + (f", {fmt.integer(len(absent))} absente(s) du fichier" if len(absent) else ""))
        with st.expander(title, expanded=bool(len(modified)) and len(found) < 2000):
            if len(modified):
                st.markdown("Champs modifiés (ancien → nouveau) :")
                _capped(pd.DataFrame({
                    "Clé": modified["key"], "Colonne": modified["label"],
                    "Ancienne valeur": modified["old"], "Nouvelle valeur": modified["new"],
                }), "modifications")
            if len(new):
                st.markdown("Nouvelles lignes :")
                _capped(pd.DataFrame({"Clé": new["key"]}), "nouvelles lignes")
            if len(gone):
                st.warning(f"{fmt.integer(len(gone))} ligne(s) de la base absente(s) du fichier "
                           f"seront supprimées {verb}car la feuille est remplacée entièrement."
                           if not done else
                           f"{fmt.integer(len(gone))} ligne(s) supprimée(s) (feuille remplacée).")
                _capped(pd.DataFrame({"Clé": gone["key"]}), "lignes supprimées")
            if len(absent):
                st.markdown(f"Lignes de la base absentes du fichier : **conservées** (pour les "
                            f"supprimer, remplacez la feuille « {table.sheet} » dans les "
                            "options) :")
                _capped(pd.DataFrame({"Clé": absent["key"]}), "lignes absentes")
