"""Every page with streamlit.testing.v1.AppTest, asserting the figures shown."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from relog_data import fmt, indicators as ind
from relog_data.db import Database
from tests.conftest import ROOT, download_links, real_copy, start_app

APP = str(ROOT / "app.py")


@pytest.fixture()
def app(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch)
    assert not at.exception, at.exception
    return at


def metrics(at):
    return {m.label: m.value for m in at.metric}


def html_text(at):
    return " ".join(str(el.proto) for el in at.get("html"))


def test_synthese_shows_the_programme_figures(app, demo_db_path):
    with Database(demo_db_path) as db:
        total = ind.kpis(db).query("is_total").iloc[0]
    shown = metrics(app)
    assert shown["Ménages concernés"] == fmt.integer(1129) == fmt.integer(total["households_total"])
    assert shown["Relogés"] == "720"
    assert shown["Sorties sans relogement"] == "125"
    assert shown["Restant à reloger"] == fmt.integer(total["remaining"])
    assert shown["Avancement"] == fmt.share(total["progress_rate"])
    captions = " ".join(c.value for c in app.caption)
    assert "720 / 1\u202f129 ménages" in captions
    assert "Données fictives de démonstration" in html_text(app)
    assert "30/06/2009" in html_text(app)


def test_synthese_table_per_operation(app):
    table = app.dataframe[0].value
    rows = table.set_index("Opération")
    assert rows.loc["Saint-Étienne – Séverine", "Concernés"] == "68"
    assert rows.loc["Saint-Étienne – Séverine", "Relogés"] == "66"
    champ = rows.loc["Clermont-Ferrand – Champratel, Les Grands Champs"]
    assert (champ["Prévus"], champ["Concernés"], champ["Relogés"]) == ("92", "97", "97")
    assert champ["Avancement"] == 100.0
    assert champ["Relogés + sorties / concernés"] == "97 / 97"
    assert "nan" not in table.to_string().lower()


def test_synthese_quality_shares_with_denominators(app, demo_db_path):
    with Database(demo_db_path) as db:
        total = ind.kpis(db).query("is_total").iloc[0]
    quality = app.dataframe[1].value
    expected = fmt.share_with_n(total["offsite_share_num"], total["offsite_share_den"])
    assert quality.loc["Relogés hors site", "Programme (périmètre)"] == expected
    assert " / " in expected
    assert "nan" not in quality.to_string().lower()


def test_filter_on_one_operation(app):
    app.sidebar.multiselect[0].set_value(["STE-SEVERINE"]).run()
    assert not app.exception
    shown = metrics(app)
    assert shown["Ménages concernés"] == "68"
    assert shown["Relogés"] == "66"
    assert len(app.dataframe[0].value) == 1


def test_filter_on_phase_2(app):
    app.sidebar.multiselect[1].set_value([2]).run()
    shown = metrics(app)
    # phase 2 exists only at Vaulx-en-Velin: 344 households
    assert shown["Ménages concernés"] == "344"


def test_definitions_page_lists_every_indicator(app):
    app.switch_page("pages/glossary.py").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    defs = ind.definitions()
    for row in defs.itertuples():
        assert row.label in text, row.key
    assert "Indicateurs (20)" in " ".join(h.value for h in app.subheader)


def test_missing_database_gives_a_french_error(tmp_path, monkeypatch):
    monkeypatch.setenv("RELOG_DB", str(tmp_path / "absent.duckdb"))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Base de données introuvable" in at.error[0].value


def test_the_demo_import_page_says_how_to_make_a_real_database(app):
    app.switch_page("pages/data_import.py").run()
    assert not app.exception
    assert "python -m relog_data init --db CHEMIN" in app.info[0].value
    assert not app.get("file_uploader")
    assert "Télécharger le modèle vide (.xlsx)" in download_links(app)


def test_import_page_renders_history_and_downloads(demo_db_path, tmp_path, monkeypatch):
    app = start_app(real_copy(demo_db_path, tmp_path / "real.duckdb"), monkeypatch)
    app.switch_page("pages/data_import.py").run()
    assert not app.exception
    assert app.title[0].value == "Import des données"
    assert "Historique des imports" in [h.value for h in app.subheader]
    assert "Aucun import pour l'instant." in [c.value for c in app.caption]
    labels = list(download_links(app))
    assert "Télécharger le modèle vide (.xlsx)" in labels
    app.button[0].click().run()  # "Préparer l'export complet de la base"
    assert not app.exception
    labels = list(download_links(app))
    assert "Télécharger l'export (.xlsx)" in labels
