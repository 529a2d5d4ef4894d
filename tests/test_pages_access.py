"""Role × page with AppTest: what each role sees and does not see, sign-in,
time-out, sign-out, and caches that are never shared across roles."""

from __future__ import annotations

import shutil

import pytest

from relog_data import accounts, privacy
from relog_data.access import Viewer
from relog_data.db import Database

from relog_data import sessions

from .conftest import download_links, start_app

PAGES = ["summary", "progress", "schedule", "quality", "map_view", "supply_needs", "households",
         "synoptic", "meeting_report", "meetings", "satisfaction", "glossary", "data_import",
         "admin_log"]
ELU = {"summary", "progress", "schedule", "quality", "map_view", "meeting_report", "meetings",
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
    for label in small:  # hidden, or not published to officials per operation
        assert elu.get(label, privacy.HIDDEN) == privacy.HIDDEN, (label, elu[label])
    assert privacy.NOTE in [c.value for c in at.caption]


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


def type_sign_in(at, login: str, password: str) -> None:
    at.text_input(key="sign_in_login").input(login)
    at.text_input(key="sign_in_password").input(password)
    at.button[0].click().run()


def _audit(path):
    with Database(path) as db:
        return db.query_text("SELECT login, role, action, detail FROM audit_log ORDER BY entry_id")


def test_sign_in_sign_out_and_audit(locked_db, monkeypatch):
    with Database(locked_db, read_only=False) as db:
        accounts.add_user(db, "alice", PASSWORD, "partenaire")
    at = start_app(locked_db, monkeypatch, signed_in=False)
    type_sign_in(at, "alice", "faux mot de passe")
    assert at.error[0].value == "Identifiant ou mot de passe incorrect."
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Synthèse du programme"
    assert any("alice" in c.value for c in at.sidebar.caption)
    assert not opened(at, "data_import")
    at.sidebar.button[0].click().run()  # Se déconnecter
    assert at.title[0].value == "Connexion"
    log = _audit(locked_db)
    assert log["action"].tolist() == ["compte", "échec de connexion", "connexion",
                                      "déconnexion"]


def test_a_password_typed_as_login_never_reaches_the_log(locked_db, monkeypatch):
    """Finding 7: what is typed as a login is logged only when it is an
    existing login (a password typed in the wrong field stays out)."""
    with Database(locked_db, read_only=False) as db:
        accounts.add_user(db, "alice", PASSWORD, "partenaire")
    at = start_app(locked_db, monkeypatch, signed_in=False)
    type_sign_in(at, "=HYPERLINK(\"http://x\";\"y\") secret!", "x")
    at.text_input(key="sign_in_login").input("alice")
    at.button[0].click().run()
    log = _audit(locked_db)
    failures = log[log["action"] == "échec de connexion"]
    assert failures["login"].isna().tolist() == [True, False]
    assert failures["login"].iloc[1] == "alice"
    assert not log.astype(str).apply(lambda c: c.str.contains("secret|HYPERLINK")).any().any()


def test_the_previous_users_files_never_reach_the_next_user_of_the_tab(locked_db, monkeypatch):
    """Finding 1: charge1 makes a pack, signs out; elu1 signs in in the same
    tab: no download, no file, no result of charge1's is left."""
    from relog_data import downloads

    with Database(locked_db, read_only=False) as db:
        accounts.add_user(db, "charge1", PASSWORD, "charge", operations=["OPA"])
        accounts.add_user(db, "elu1", PASSWORD, "elu")
    at = start_app(locked_db, monkeypatch, signed_in=False,
                   operation="OPA")
    type_sign_in(at, "charge1", PASSWORD)
    assert opened(at, "meeting_report")
    at.radio(key="report_audience").set_value("charge").run()
    at.button[0].click().run()  # Générer le rapport
    assert not at.exception, at.exception
    links = download_links(at)
    assert set(links) == {"Télécharger le rapport (PDF)", "Télécharger l'annexe (Excel)"}
    token = at.session_state["access_token"]
    key = sessions.SessionStore.key_of(token)
    file_id = links["Télécharger le rapport (PDF)"].rsplit("/", 1)[1]
    assert downloads.REGISTRY.take(file_id, token).data.startswith(b"%PDF")
    at.sidebar.button[0].click().run()  # Se déconnecter
    assert downloads.REGISTRY.count(key) == 0
    assert downloads.REGISTRY.take(file_id, token) is None
    assert sessions.STORE.get(token) is None
    assert "report_files" not in at.session_state
    assert at.session_state["filter_operations"] == ["OPA"]  # the filters stay
    type_sign_in(at, "elu1", PASSWORD)
    assert not at.exception, at.exception
    assert opened(at, "meeting_report")
    assert download_links(at) == {}
    assert "report_files" not in at.session_state


def test_idle_and_too_long_sessions_are_signed_out(locked_db, monkeypatch):
    monkeypatch.setenv("RELOG_IDLE_MINUTES", "30")
    at = start_app(locked_db, monkeypatch, viewer=Viewer("admin", login="bob"))
    assert at.title[0].value == "Synthèse du programme"
    session = sessions.STORE.get(at.session_state["access_token"])
    session.last_seen -= 31 * 60
    at.run()
    assert at.title[0].value == "Connexion"
    assert "30 minutes d'inactivité" in at.warning[0].value
    log = _audit(locked_db)
    assert log[["login", "action", "detail"]].values.tolist()[-1] == \
        ["bob", "déconnexion", "inactivité de plus de 30 min"]
    # the absolute limit, however active the session
    at = start_app(locked_db, monkeypatch, viewer=Viewer("admin", login="bob"))
    session = sessions.STORE.get(at.session_state["access_token"])
    session.created -= 13 * 3600
    at.run()
    assert at.title[0].value == "Connexion"
    assert "12 heures" in at.warning[0].value


def test_disabling_or_changing_a_role_takes_effect_at_the_next_click(locked_db, monkeypatch):
    """Finding 7: open sessions kept their role; now each run re-reads it."""
    at = start_app(locked_db, monkeypatch, viewer=Viewer("admin", login="carole"))
    assert opened(at, "data_import")
    from relog_data.db import shared_database

    app_db = shared_database(locked_db)  # the app's handle: written as a CLI request is
    with app_db.write_access() as db:
        accounts.set_role(db, "carole", "elu", actor="test")
    at.run()
    assert not at.exception, at.exception
    assert "n'est pas ouverte au profil « Élu" in at.warning[0].value  # not the import form
    assert not at.get("file_uploader")
    assert not opened(at, "data_import")
    assert not opened(at, "households")
    with app_db.write_access() as db:
        accounts.set_active(db, "carole", False, actor="test")
    at.run()
    assert at.title[0].value == "Connexion"
    assert "n'est plus actif" in at.warning[0].value


def test_first_administrator_through_the_set_up_link(locked_db, monkeypatch, capsys):
    """An empty database: the sign-in page offers nothing until the one-time
    link printed in the server log is opened; then it creates the admin."""
    from pages import _access

    _access._SETUP.clear()
    at = start_app(locked_db, monkeypatch, signed_in=False)
    assert "lien de première configuration" in at.info[0].value
    token = _access._SETUP["token"]
    assert token in capsys.readouterr().out  # printed in the server log
    at = start_app(locked_db, monkeypatch, signed_in=False, configuration="mauvais")
    assert not at.get("form") and at.info
    at = start_app(locked_db, monkeypatch, signed_in=False, configuration=token)
    at.text_input(key="setup_login").input("admin1")
    at.text_input(key="setup_password").input(PASSWORD)
    at.text_input(key="setup_again").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Synthèse du programme"
    assert "configuration" not in at.query_params
    with Database(locked_db) as db:
        users = db.query_text("SELECT login, role FROM users")
    assert users.values.tolist() == [["admin1", "admin"]]
    # the link is spent
    at = start_app(locked_db, monkeypatch, signed_in=False, configuration=token)
    assert not any(f.key == "first_admin" for f in at.get("form")) if at.get("form") else True
    assert at.text_input(key="sign_in_login") is not None
