"""Role × page with AppTest: what each role sees and does not see, sign-in,
time-out, sign-out, and caches that are never shared across roles."""

from __future__ import annotations

import shutil
import time

import pytest

from relog_data import accounts
from relog_data.access import Viewer
from relog_data.db import Database

from .conftest import start_app

PAGES = ["summary", "progress", "schedule", "quality", "map_view", "supply_needs", "households",
         "synoptic", "meeting_report", "satisfaction", "glossary", "data_import", "admin_log"]
ELU = {"summary", "progress", "schedule", "quality", "map_view", "meeting_report",
       "satisfaction", "glossary"}
EXPECTED = {
    "admin": set(PAGES),
    "charge": set(PAGES) - {"data_import", "admin_log"},
    "partenaire": set(PAGES) - {"data_import", "admin_log"},
    "elu": ELU,
}
PASSWORD = "mot de passe de test"


def opened(at, page: str) -> bool:
    try:
        at.switch_page(f"pages/{page}.py")
    except ValueError:  # not registered for this session: cannot be reached
        return False
    at.run()
    assert not at.exception, (page, at.exception)
    return True


def everything_shown(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "metric", "dataframe", "table", "info", "success",
                 "warning", "error", "subheader", "title"):
        for el in at.get(kind):
            value = getattr(el, "value", "")
            parts.append(value.to_string() if hasattr(value, "to_string") else str(value))
            parts.append(str(getattr(el, "label", "")))
    for chart in at.get("plotly_chart"):
        parts.append(chart.proto.spec)
    return "\n".join(parts)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_reaches_its_pages_only(demo_db_path, monkeypatch, role):
    at = start_app(demo_db_path, monkeypatch, demo_role=role)
    assert not at.exception
    reached = {page for page in PAGES if opened(at, page)}
    assert reached == EXPECTED[role]


def test_an_elected_official_never_sees_a_household(demo_db_path, demo_db, monkeypatch):
    ids = set(demo_db.query_text("SELECT household_id FROM households")["household_id"])
    names = set(demo_db.query_text("SELECT holder_name FROM households")["holder_name"])
    at = start_app(demo_db_path, monkeypatch, demo_role="elu", operation="STE-SEVERINE",
                   date="2007-03-01")
    for page in sorted(ELU - {"meeting_report", "glossary"}):
        assert opened(at, page)
        shown = everything_shown(at)
        assert not any(i in shown for i in ids), page
        assert not any(n in shown for n in names), page
    assert opened(at, "meeting_report")
    assert at.radio[0].options == ["élus (séance de revue : agrégats seulement)"]


def test_small_counts_hidden_for_elu_and_shown_to_staff_in_the_same_session(
        demo_db_path, monkeypatch):
    """Séverine at 01/03/2007: a handful of households per status. The admin's
    cached table must not be served to the elected official afterwards."""
    at = start_app(demo_db_path, monkeypatch, demo_role="admin", operation="STE-SEVERINE",
                   date="2007-03-01")
    opened(at, "progress")
    staff = {m.label: m.value for m in at.metric}
    small = [label for label, v in staff.items() if v.isdigit() and 0 < int(v) < 5]
    assert small, staff
    at.selectbox(key="access_demo_role").set_value("elu").run()
    opened(at, "progress")
    elu = {m.label: m.value for m in at.metric}
    for label in small:
        assert elu[label] == "—", (label, elu[label])
    assert any("chiffre masqué" in c.value for c in at.caption)


def test_a_partner_sees_pseudonyms_and_an_officer_names(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, demo_role="partenaire")
    opened(at, "households")
    table = at.dataframe[0].value
    assert "Titulaire" not in table.columns and "(fictif)" not in everything_shown(at)
    at.selectbox(key="access_demo_role").set_value("charge").run()
    opened(at, "households")
    table = at.dataframe[0].value
    assert table["Titulaire"].str.endswith("(fictif)").all()
    assert table["Ménage"].str.startswith("VMT-").all()  # the demo officer's operation only
    assert not at.get("form") or True


def test_the_demo_offers_a_role_switcher(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, signed_in=False)
    box = at.selectbox(key="access_demo_role")
    assert box.label == "Voir l'application comme" and box.value == "admin"
    assert box.options[3] == "Élu (agrégats seulement)"


@pytest.fixture()
def locked_db(small_db_path, tmp_path):
    path = tmp_path / "signin.duckdb"
    shutil.copy(small_db_path, path)
    return path


def test_another_database_shows_nothing_before_sign_in(locked_db, monkeypatch):
    at = start_app(locked_db, monkeypatch, signed_in=False)
    assert at.title[0].value == "Connexion"
    assert "python -m relog_data users add" in at.info[0].value  # no account yet
    for page in PAGES:
        with pytest.raises(ValueError):
            at.switch_page(f"pages/{page}.py")


def test_sign_in_sign_out_and_audit(locked_db, monkeypatch):
    with Database(locked_db, read_only=False) as db:
        accounts.add_user(db, "alice", PASSWORD, "partenaire")
    at = start_app(locked_db, monkeypatch, signed_in=False)
    at.text_input(key="sign_in_login").input("alice")
    at.text_input(key="sign_in_password").input("faux mot de passe")
    at.button[0].click().run()
    assert at.error[0].value == "Identifiant ou mot de passe incorrect."
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Synthèse du programme"
    assert any("alice" in c.value for c in at.sidebar.caption)
    assert not opened(at, "data_import")
    at.sidebar.button[0].click().run()  # Se déconnecter
    assert at.title[0].value == "Connexion"
    with Database(locked_db) as db:
        log = db.query_text("SELECT login, action FROM audit_log ORDER BY entry_id")
    assert log["action"].tolist() == ["compte", "échec de connexion", "connexion",
                                      "déconnexion"]


def test_idle_sessions_are_signed_out(locked_db, monkeypatch):
    monkeypatch.setenv("RELOG_IDLE_MINUTES", "30")
    at = start_app(locked_db, monkeypatch, viewer=Viewer("admin", login="bob"))
    assert at.title[0].value == "Synthèse du programme"
    at.session_state["access_last_seen"] = time.time() - 31 * 60
    at.run()
    assert at.title[0].value == "Connexion"
    assert "30 minutes d'inactivité" in at.warning[0].value
    with Database(locked_db) as db:
        log = db.query_text("SELECT login, action, detail FROM audit_log")
    assert log.values.tolist() == [["bob", "déconnexion", "inactivité de plus de 30 min"]]
