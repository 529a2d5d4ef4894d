"""Import des données: upload, check (dry run), commit, history, template and
export downloads. Administrators only (the router registers it for them
alone, and the page checks again): everything it does goes through
relog_data.importer / relog_data.export, and imports and downloads are
written in the audit log."""

import tempfile
from pathlib import Path

import streamlit as st

from pages import _common as ui
from pages._import_preview import show_preview
from pages._import_problems import show_problems
from relog_data import geo, importer, model, release
from relog_data.errors import RelogError
from relog_data.export import export_workbook, write_template
from relog_data.sources import Source

viewer = ui.current_viewer()
if not viewer.can_import:
    st.error("Accès refusé : l'import est réservé aux administrateurs.")
    st.stop()
st.title("Import des données")
st.markdown(
    "Déposez le classeur de suivi (.xlsx, une feuille par table), des fichiers CSV (un par "
    "table, nommés comme la feuille) ou une archive .zip de ces fichiers. Les fichiers "
    "partiels sont acceptés : les lignes absentes sont conservées, les lignes existantes sont "
    "mises à jour par leur clé. **Rien n'est écrit tant qu'il reste une erreur.**"
)


@st.cache_data(show_spinner=False)
def _template_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_template(Path(folder) / "modele.xlsx").read_bytes()


def _export_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return export_workbook(ui.database(), Path(folder) / "export.xlsx").read_bytes()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
col1, col2 = st.columns(2)
with col1:
    ui.download("Télécharger le modèle vide (.xlsx)", _template_bytes(), "relog-modele.xlsx",
                XLSX, "modèle vide (.xlsx)")
with col2:
    if st.button("Préparer l'export complet de la base", icon=":material/table_view:"):
        st.session_state["import_export_bytes"] = _export_bytes()
    if "import_export_bytes" in st.session_state:
        ui.download("Télécharger l'export (.xlsx)", st.session_state["import_export_bytes"],
                    f"relog-export-{ui.as_of_text().replace('/', '-')}.xlsx", XLSX,
                    "export complet de la base (.xlsx)")

if ui.is_demo():  # the demo never receives real data
    st.info("Base de démonstration : l'import y est fermé, pour que de vraies données ne se "
            "retrouvent jamais publiées sous le bandeau « données fictives ». Créez une vraie "
            "base vide avec `python -m relog_data init --db CHEMIN`, importez-y le classeur "
            "(`python -m relog_data import FICHIER --db CHEMIN`) puis lancez l'application sur "
            "elle (`RELOG_DB=CHEMIN make run`) : elle demandera une connexion.")
    st.stop()

uploads = st.file_uploader("Fichiers à importer", type=["xlsx", "csv", "zip"],
                           accept_multiple_files=True, key="import_files")
ui.upload_note(["xlsx", "csv", "zip"])
with st.expander("Options"):
    replace = st.multiselect(
        "Remplacer entièrement ces feuilles (les lignes absentes du fichier seront supprimées)",
        options=[t.sheet for t in model.TABLES], key="import_replace",
        placeholder="Aucune : les feuilles sont complétées")


def _run(dry_run: bool):
    sources = [Source(f.name, f.getvalue()) for f in uploads]
    bar = st.progress(0.0, text="Lecture des fichiers")
    try:
        with ui.database().write_access() as writable:
            report = importer.import_sources(
                writable, sources, replace=tuple(replace), dry_run=dry_run,
                user=viewer.login or "application relog",
                progress=lambda fraction, message: bar.progress(fraction, text=message))
    except RelogError as exc:
        bar.empty()
        st.error(str(exc))
        return None
    bar.empty()
    return report


def _show_report(report) -> None:
    if report.summary and not report.errors:  # with errors, nothing would be written
        ui.table(report.summary_frame(), hide_index=True, width="stretch")
    show_problems(report)  # blocking errors first, then warnings grouped by kind


done = st.session_state.pop("import_done", None)
if done is not None:
    st.success(f"Import réussi. Copie de la base avant import : {done.backup}")
    _show_report(done)
    show_preview(done, done=True)  # what it changed, field by field

if uploads:
    if st.button("Contrôler les fichiers", type="primary", icon=":material/fact_check:"):
        st.session_state["import_preview"] = _run(dry_run=True)
        st.session_state["import_preview_names"] = [(f.name, f.size) for f in uploads]
    preview = st.session_state.get("import_preview")
    same_files = st.session_state.get("import_preview_names") == [(f.name, f.size) for f in uploads]
    if preview is not None and same_files:
        if preview.errors:
            st.error("Import impossible : corrigez les erreurs ci-dessous puis déposez à nouveau "
                     "les fichiers. La base n'a pas été modifiée.")
        else:
            st.success("Contrôle réussi. Voici ce que l'import changerait :")
        _show_report(preview)
        if not preview.errors:
            show_preview(preview)  # field by field: ancien → nouveau
        if not preview.errors and st.button("Importer", type="primary",
                                            icon=":material/upload:"):
            report = _run(dry_run=False)
            if report is not None and report.committed:
                st.cache_data.clear()  # every page shows the new data
                release.prepare(ui.database())  # officials' figures, in the background
                for key in ("import_preview", "import_export_bytes", "import_files"):
                    st.session_state.pop(key, None)
                st.session_state["import_done"] = report
                st.rerun()
            elif report is not None and report.no_change:
                st.info("Aucun changement : le fichier correspond déjà à la base. Rien n'a été "
                        "écrit (ni copie de sauvegarde, ni ligne d'historique).")
            elif report is not None:
                st.error("Import refusé : la base n'a pas été modifiée.")
                _show_report(report)

st.subheader("Contours géographiques")
st.markdown("Communes, quartiers prioritaires (QPV) ou périmètre d'une opération : GeoJSON, "
            "GeoPackage ou Shapefile zippé, en Lambert-93 ou en WGS84. Les indicateurs « sur "
            "site » et « en QPV » laissés vides dans les données sont alors calculés d'après les "
            "coordonnées des relogements ; les valeurs saisies l'emportent toujours.")
geo_file = st.file_uploader("Fichier de contours", type=["geojson", "json", "gpkg", "zip"],
                            key="geo_file")
ui.upload_note(["geojson", "json", "gpkg", "zip"])
kinds = {"communes": "communes", "qpv": "quartiers prioritaires (QPV)",
         "perimetre": "périmètre d'une opération"}
kind = st.radio("Type de contours", list(kinds), format_func=kinds.get, horizontal=True,
                key="geo_kind")
operation = None
if kind == "perimetre":
    labels = ui.operation_labels()
    operation = st.selectbox("Opération", list(labels), format_func=labels.get, key="geo_op",
                             placeholder=ui.CHOOSE)
if geo_file is not None and st.button("Importer les contours", icon=":material/map:"):
    try:
        with ui.database().write_access() as writable:
            result = geo.import_boundaries(writable, geo_file.name, geo_file.getvalue(), kind,
                                           operation, actor=viewer.login or "application relog")
    except RelogError as exc:
        st.error(str(exc))
    else:
        st.cache_data.clear()
        release.prepare(ui.database())
        st.success(f"{result['boundaries']} contour(s) importé(s) ; indicateurs recalculés sur "
                   f"{result['moves']} relogement(s) localisé(s).")

st.subheader("Historique des imports")
history = importer.history_table(ui.database())
if history.empty:
    st.caption("Aucun import pour l'instant.")
else:
    ui.table(history, hide_index=True, width="stretch")
