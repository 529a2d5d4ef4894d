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
    # the demo ships with two imports of moves recorded late (its meeting archive, #19)
    assert "Aucun import pour l'instant." not in [c.value for c in app.caption]
    history = app.dataframe[0].value
    assert len(history) == 2 and history.astype(str).apply(
        lambda row: "démo : saisie tardive" in " ".join(row), axis=1).all()
    labels = list(download_links(app))
    assert "Télécharger le modèle vide (.xlsx)" in labels
    app.button[0].click().run()  # "Préparer l'export complet de la base"
    assert not app.exception
    labels = list(download_links(app))
    assert "Télécharger l'export (.xlsx)" in labels


# -- elected officials (issue #16): every page of theirs renders their release ---------------------
ELU_PAGES = ["progress", "schedule", "quality", "map_view", "satisfaction", "glossary"]


def _all_text(at) -> str:
    parts = [el.value for kind in ("markdown", "caption", "info", "warning", "error", "success",
                                   "title", "subheader", "header")
             for el in getattr(at, kind)]
    return " ".join(str(p) for p in parts) + " " + html_text(at)


@pytest.mark.parametrize("page", ELU_PAGES)
def test_elu_pages_render_without_refusal(page, demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, demo_role="elu")
    assert not at.exception, at.exception
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    text = _all_text(at)
    assert "Accès refusé" not in text
    assert "nan" not in " ".join(str(df.value) for df in at.dataframe).lower().split()


@pytest.mark.parametrize("page", ["progress", "quality", "satisfaction", "map_view"])
def test_elu_pages_one_operation(page, demo_db_path, monkeypatch):
    """A small operation: many hidden cells, still no refusal and no exception."""
    at = start_app(demo_db_path, monkeypatch, demo_role="elu", operation="STE-DAMEBLANCHE")
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert "Accès refusé" not in _all_text(at)


def test_elu_progress_shows_no_refused_section(demo_db_path, monkeypatch):
    from relog_data import privacy

    at = start_app(demo_db_path, monkeypatch, demo_role="elu")
    at.switch_page("pages/progress.py").run()
    assert not at.exception, at.exception
    assert not at.radio  # no level finer than the operation
    text = _all_text(at)
    assert "n'est pas publié pour les élus" in text
    counts = ["Relogés", "Sorties", "Relogés provisoires", "Encore dans les bâtiments",
              "Restant à reloger", "Ménages ayant refusé 3 propositions ou plus"]
    shown = metrics(at)
    for label in counts:  # a hidden count reads "s", never "—"
        assert shown[label] != "—", label
        assert shown[label] == privacy.HIDDEN or shown[label].replace("\u202f", "").isdigit()


def _plotly_y(trace):
    """A trace's y values, typed arrays (plotly >= 6) decoded."""
    import base64

    import numpy as np

    y = trace["y"]
    if isinstance(y, dict) and "bdata" in y:
        return list(np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]))
    return list(y)


def test_elu_progress_curve_leaves_a_gap_for_a_hidden_point(demo_db_path, monkeypatch):
    """A hidden quarterly point (NA) is a gap in the line, never a 0."""
    import json
    import math

    import pandas as pd

    from relog_data import access

    real = access.fetch

    def fetch(db, viewer, module, function, *args, **kwargs):
        result = real(db, viewer, module, function, *args, **kwargs)
        if function == "progress_series" and viewer.role == "elu" and len(result) > 2:
            result = result.copy()
            result["done"] = result["done"].astype("Int64")
            result.loc[len(result) // 2, "done"] = pd.NA
        return result

    monkeypatch.setattr(access, "fetch", fetch)
    at = start_app(demo_db_path, monkeypatch, demo_role="elu")
    at.switch_page("pages/progress.py").run()
    assert not at.exception, at.exception
    figures = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    lines = [t for f in figures for t in f["data"] if t.get("name") == "relogés + sortis (réel)"]
    assert lines
    y = _plotly_y(lines[0])
    gaps = [i for i, v in enumerate(y) if v is None or (isinstance(v, float) and math.isnan(v))]
    assert gaps and all(y[i - 1] != 0 for i in gaps if i)
    assert lines[0].get("connectgaps") in (None, False)


def test_elu_progress_ignores_a_phase_filter(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, demo_role="elu", phase="2")
    at.switch_page("pages/progress.py").run()
    assert not at.exception, at.exception
    assert "Accès refusé" not in _all_text(at)


def test_glossary_page_has_the_plain_terms_first(app):
    from relog_data import glossary

    app.switch_page("pages/glossary.py").run()
    assert not app.exception
    assert [h.value for h in app.header][:2] == ["Lexique en clair", "Définitions techniques"]
    anchors = {h.proto.anchor: h.value for h in app.subheader}
    for key, term in glossary.TERMS.items():  # one heading per term, at its anchor
        assert anchors.get(glossary.anchor(key)) == term.term, key
    text = " ".join(m.value for m in app.markdown)
    assert "ailleurs que dans le quartier d'origine" in text
    assert glossary.plain("secret_statistique") in text


def test_a_term_link_opens_definitions_with_that_term_first(demo_db_path, monkeypatch):
    from relog_data import glossary

    at = start_app(demo_db_path, monkeypatch, terme="hors_site")
    at.switch_page("pages/glossary.py").run()
    assert not at.exception
    assert glossary.plain("hors_site") in at.info[0].value

