"""The import's problems on the Import page: the blocking errors first (all of
them, in one table sorted by file, sheet, Excel row and column), then the
warnings grouped by kind, each kind in an expander with its count and its
first rows. The full list is downloadable as CSV."""

from __future__ import annotations

import streamlit as st

from pages import _common as ui
from relog_data import fmt
from relog_data.importer import WARNING, ImportReport

FIRST_ROWS = 20  # rows shown per kind of warning (the CSV has them all)


def _plural(n: int, word: str) -> str:
    return f"{fmt.integer(n)} {word}{'s' if n > 1 else ''}"


# On screen, what to fix comes first: where, the value, the suggestion, the message.
SCREEN_ORDER = ["Feuille", "Ligne", "Colonne (lettre)", "Colonne", "Valeur", "Suggestion",
                "Message", "Type", "Fichier"]


def _screen(frame, single_file: bool):
    columns = [c for c in SCREEN_ORDER if c in frame.columns
               and not (single_file and c == "Fichier")]
    return frame[columns]


def show_problems(report: ImportReport) -> None:
    problems = report.problems_frame()
    if not len(problems):
        return
    errors, warnings = report.errors, report.warnings
    single = problems["Fichier"].nunique() <= 1
    st.markdown(f"**{_plural(len(errors), 'erreur')} bloquante{'s' if len(errors) > 1 else ''}, "
                f"{_plural(len(warnings), 'avertissement')}**")
    if errors:
        st.markdown("##### Erreurs à corriger avant l'import")
        st.caption("Triées par fichier, feuille, ligne et colonne Excel. La suggestion est la "
                   "valeur permise la plus proche : vérifiez-la, elle n'est jamais appliquée "
                   "d'office.")
        frame = ImportReport(files=report.files, problems=errors).problems_frame()
        ui.table(_screen(frame, single), hide_index=True, width="stretch")
    groups = [g for g in report.groups(first=FIRST_ROWS) if g["severity"] == WARNING]
    if groups:
        st.markdown("##### Avertissements (l'import reste possible)")
        for group in groups:
            count = group["count"]
            with st.expander(f"{group['kind']} — {_plural(count, 'ligne')}"):
                ui.table(_screen(group["frame"].drop(columns=["Type"]), single),
                         hide_index=True, width="stretch")
                if count > FIRST_ROWS:
                    st.caption(f"Les {fmt.integer(FIRST_ROWS)} premières lignes sur "
                               f"{fmt.integer(count)} : la liste complète est dans le CSV.")
    ui.download_csv("Télécharger la liste complète (CSV)", problems, "relog-controle-import.csv",
                    "liste des contrôles d'import (CSV)")

