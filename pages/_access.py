"""Sign-in, sign-out, idle time-out, the demo's role switcher and the pages
each role may open. UI only: accounts, roles and the audit log live in
relog_data (accounts.py, access.py, audit.py)."""

from __future__ import annotations

import time

import streamlit as st

from pages import _common as ui
from relog_data import accounts, audit
from relog_data.access import ROLE_HELP, ROLES, Viewer, demo_viewer
from relog_data.errors import RelogError

KEY_VIEWER = "access_viewer"
KEY_LAST_SEEN = "access_last_seen"
KEY_DEMO_ROLE = "access_demo_role"
KEY_OIDC_LOGGED = "access_oidc_logged"

# Section -> (title, file in pages/, icon, url_path); the first page is the default.
PAGES = {
    "Pilotage": [
        ("Synthèse", "summary", ":material/dashboard:", "synthese"),
        ("Avancement", "progress", ":material/trending_up:", "avancement"),
        ("Calendrier", "schedule", ":material/calendar_month:", "calendrier"),
        ("Qualité du relogement", "quality", ":material/verified:", "qualite"),
        ("Carte des relogements", "map_view", ":material/map:", "carte"),
    ],
    "Relogement": [
        ("Offre et besoins", "supply_needs", ":material/balance:", "offre-besoins"),
        ("Ménages", "households", ":material/groups:", "menages"),
        ("Synoptique", "synoptic", ":material/grid_view:", "synoptique"),
    ],
    "Séance": [
        ("Rapport de séance", "meeting_report", ":material/picture_as_pdf:", "rapport"),
    ],
    "Évaluation": [
        ("Satisfaction", "satisfaction", ":material/sentiment_satisfied:", "enquete-satisfaction"),
    ],
    "Référence": [
        ("Définitions", "glossary", ":material/menu_book:", "definitions"),
    ],
    "Administration": [
        ("Import des données", "data_import", ":material/upload_file:", "import"),
        ("Comptes et journal", "admin_log", ":material/shield_person:", "journal"),
    ],
}

# Pages (by url_path) each role may open; the others are not registered.
ELU_PAGES = {"synthese", "avancement", "calendrier", "qualite", "carte", "rapport",
             "enquete-satisfaction", "definitions"}
ADMIN_PAGES = {"import", "journal"}


def allowed_page(role: str, url_path: str) -> bool:
    if url_path in ADMIN_PAGES:
        return role == "admin"
    return role != "elu" or url_path in ELU_PAGES


def page_titles() -> dict[str, str]:
    """File stem in pages/ -> title, in menu order (the benchmark's rows)."""
    return {stem: title for items in PAGES.values() for title, stem, _, _ in items}


def visible_pages(pages: dict, viewer: Viewer) -> dict:
    out = {}
    for section, items in pages.items():
        kept = [p for p in items if allowed_page(viewer.role, p[3])]
        if kept:
            out[section] = kept
    return out


def _oidc_settings() -> dict | None:
    """The [auth] section of .streamlit/secrets.toml, when there is one."""
    try:
        if "auth" not in st.secrets:
            return None
    except Exception:  # no secrets file at all
        return None
    relog = st.secrets.get("relog", {})
    return {"role_claim": relog.get("role_claim", "relog_role"),
            "operations_claim": relog.get("operations_claim", "relog_operations")}


def _is_demo() -> bool:
    return ui.call("settings").get("demo") == "oui"


@st.cache_data(show_spinner=False)
def _demo_viewer(path: str, token: int, role: str) -> tuple[Viewer, str]:
    return demo_viewer(ui.database(), role)


def _demo(role: str) -> tuple[Viewer, str]:
    """The demo's viewer for `role` and who it stands for (one query per
    database state, not one per rerun)."""
    path = ui.db_path()
    return _demo_viewer(path, ui.file_token(path), role)


def current_viewer() -> Viewer | None:
    """Who is looking, or None when nobody has signed in yet."""
    if _is_demo():
        role = st.session_state.get(KEY_DEMO_ROLE) or "admin"
        return _demo(role)[0]
    oidc = _oidc_settings()
    if oidc is not None:
        return _oidc_viewer(oidc)
    viewer = st.session_state.get(KEY_VIEWER)
    if viewer is None:
        return None
    idle = time.time() - st.session_state.get(KEY_LAST_SEEN, 0)
    if idle > accounts.idle_minutes() * 60:
        _log("déconnexion", f"inactivité de plus de {accounts.idle_minutes()} min", viewer)
        st.session_state.pop(KEY_VIEWER, None)
        st.session_state["access_message"] = (
            f"Session fermée après {accounts.idle_minutes()} minutes d'inactivité : "
            "reconnectez-vous.")
        return None
    st.session_state[KEY_LAST_SEEN] = time.time()
    return viewer


def _oidc_viewer(settings: dict) -> Viewer | None:
    if not st.user.is_logged_in:
        return None
    try:
        viewer = accounts.viewer_from_claims(st.user.to_dict(), settings["role_claim"],
                                             settings["operations_claim"])
    except RelogError as exc:
        st.error(str(exc))
        st.button("Se déconnecter", on_click=st.logout)
        st.stop()
    if not st.session_state.get(KEY_OIDC_LOGGED):
        st.session_state[KEY_OIDC_LOGGED] = True
        _log("connexion", "fournisseur d'identité (OIDC)", viewer)
    return viewer


def _log(action: str, detail: str, viewer: Viewer | None) -> None:
    try:
        with ui.database().write_access() as writable:
            audit.log(writable, action, detail, login=viewer.login if viewer else None,
                      role=viewer.role if viewer else None)
    except RelogError:
        pass  # an audit write refused (file locked by a command line): the action goes on


def log_download(what: str) -> None:
    """on_click of every download button: the download goes into the audit log."""
    _log("téléchargement", what, ui.current_viewer())


def sign_in_page() -> None:
    st.title("Connexion")
    message = st.session_state.pop("access_message", None)
    if message:
        st.warning(message)
    oidc = _oidc_settings()
    if oidc is not None:
        st.markdown("Connectez-vous avec le compte de votre organisme.")
        st.button("Se connecter", type="primary", on_click=st.login)
        return
    db = ui.database()
    if not accounts.has_users(db):
        st.info("Aucun compte dans cette base. L'administrateur crée le premier compte en ligne "
                "de commande : `python -m relog_data users add LOGIN --role admin`.")
        return
    with st.form("sign_in"):
        login = st.text_input("Identifiant", key="sign_in_login")
        password = st.text_input("Mot de passe", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if submitted:
        try:
            with db.write_access() as writable:
                signed = accounts.sign_in(writable, login, password)
        except RelogError as exc:
            st.error(str(exc))
            return
        st.session_state[KEY_VIEWER] = signed
        st.session_state[KEY_LAST_SEEN] = time.time()
        st.rerun()


def sign_out() -> None:
    _log("déconnexion", "à la demande", ui.current_viewer())
    for key in (KEY_VIEWER, KEY_LAST_SEEN, KEY_OIDC_LOGGED):
        st.session_state.pop(key, None)
    if _oidc_settings() is not None:
        st.logout()


def account_box(v: Viewer) -> None:
    """The demo's role switcher (under its banner), or who is signed in."""
    if _is_demo():
        cols = st.columns([2, 3])
        cols[0].selectbox("Voir l'application comme", list(ROLES), format_func=ROLES.get,
                          key=KEY_DEMO_ROLE,
                          help="Démonstration seulement : chaque profil voit ce que ses droits "
                               "lui ouvrent. Une vraie base demande une connexion.")
        who = _demo(v.role)[1]
        cols[1].caption(f"**{who}** — {ROLE_HELP[v.role]}.")
        return
    with st.sidebar:
        st.caption(f"Connecté : **{v.login}** ({ROLES[v.role]})")
        st.button("Se déconnecter", on_click=sign_out, icon=":material/logout:")
