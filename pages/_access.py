"""Sign-in, sign-out, sessions, the first administrator's set-up, the demo's
role switcher and the pages each role may open. UI only: accounts, sessions,
roles and the audit log live in relog_data (accounts.py, sessions.py,
access.py, audit.py).

A signed-in browser holds a random token in an HttpOnly cookie (set by the
server's /relog/session route, see server.py); this process holds the
session (sessions.STORE). At every run the viewer is rebuilt from the
accounts table: a disabled account or a changed role takes effect at the
next click. Signing in or out wipes the session state but for the filters.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from urllib.parse import urlencode

import streamlit as st

from pages import _common as ui
from relog_data import accounts, audit, fmt, sessions
from relog_data.access import ROLE_HELP, ROLES, Viewer, demo_viewer
from relog_data.errors import RelogError

KEY_DEMO_ROLE = "access_demo_role"
KEY_OIDC_LOGGED = "access_oidc_logged"
KEY_VIEWER_SEEN = "access_viewer_seen"
KEY_MESSAGE = "access_message"
SETUP_PARAM = "configuration"
_LOG = logging.getLogger("relog")

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
        ("Séances", "meetings", ":material/inventory_2:", "seances"),
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
             "seances", "enquete-satisfaction", "definitions"}
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


def _page_function(url: str, show):
    def page() -> None:
        show(url)
    page.__name__ = f"page_{url.replace('-', '_') or 'accueil'}"
    return page


ALL_URLS = [url for items in PAGES.values() for _, _, _, url in items] + ["connexion"]


def _not_found_page(url: str) -> None:
    st.title("Page introuvable")
    st.warning(f"Aucune page de relog ne porte l'adresse « /{fmt.md_escape(url)} ». "
               "Choisissez une page dans le menu.")


def _unknown_address() -> list:
    """A hidden page for an address that names no page, so that the answer
    is a French message rather than Streamlit's "Page not found" dialog."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    name = getattr(getattr(ctx, "pages_manager", None), "intended_page_name", None) or ""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]{1,80}", name) \
            or name in ALL_URLS:
        return []
    return [st.Page(_page_function(name, _not_found_page), title="Page introuvable",
                    url_path=name, visibility="hidden")]


def sign_in_pages() -> list:
    """Before sign-in, every page's address shows the sign-in form: a link
    sent before a meeting opens that page, with its filters, once signed in."""
    return [st.Page(_page_function(url, sign_in_page), title="Connexion", url_path=url,
                    default=url == "synthese") for url in ALL_URLS] + _unknown_address()


def _refused_page(url: str) -> None:
    title = next((t for items in PAGES.values() for t, _, _, u in items if u == url), url)
    st.title(title)
    st.warning(f"Cette page n'est pas ouverte au profil « {ROLES[ui.current_viewer().role]} ». "
               "Choisissez une autre page dans le menu.")


def navigation_pages(folder, viewer: Viewer) -> dict:
    """The menu of `viewer`'s pages; the others' addresses answer with a
    French refusal (hidden from the menu) rather than "Page not found"."""
    menu = {
        section: [st.Page(str(folder / f"{stem}.py"), title=title, icon=icon, url_path=url,
                          default=url == "synthese") for title, stem, icon, url in items]
        for section, items in visible_pages(PAGES, viewer).items()
    }
    refused = [st.Page(_page_function(url, _refused_page), title=title, url_path=url,
                       visibility="hidden")
               for items in PAGES.values() for title, _, _, url in items
               if not allowed_page(viewer.role, url)]
    refused.append(st.Page(_page_function("connexion", _signed_in_already),
                           title="Connexion", url_path="connexion", visibility="hidden"))
    refused += _unknown_address()
    first = next(iter(menu))
    menu[first] = menu[first] + refused
    return menu


def _signed_in_already(url: str) -> None:
    st.switch_page("pages/summary.py")  # already signed in: the home page


def ensure_session(page_url: str) -> None:
    """The demo's visitors get a session too (their files are bound to it):
    the first page of a tab goes once through the cookie route."""
    if not ui.is_demo():
        return
    token = _token()
    if sessions.STORE.get(token) is None:
        _start(sessions.STORE.create("", kind="demo", client=_client()), page_url)
    else:
        st.session_state[ui.KEY_TOKEN] = token


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


@st.cache_data(show_spinner=False)
def _demo_viewer(path: str, token: int, role: str) -> tuple[Viewer, str]:
    return demo_viewer(ui.database(), role)


def _demo(role: str) -> tuple[Viewer, str]:
    """The demo's viewer for `role` and who it stands for (one query per
    database state, not one per rerun)."""
    path = ui.db_path()
    return _demo_viewer(path, ui.file_token(path), role)


@st.cache_data(show_spinner=False)
def _account_viewer(path: str, token: int, login: str) -> Viewer | None:
    return accounts.viewer_of(ui.database(), login)


def _client() -> str:
    try:
        value = st.context.ip_address
    except Exception:  # no request behind this run (tests)
        return ""
    return value if isinstance(value, str) else ""


def _token() -> str | None:
    """This browser's session token: the one set in this Streamlit session
    (at sign-in), else the cookie sent when the page was loaded."""
    token = st.session_state.get(ui.KEY_TOKEN)
    if token:
        return token
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no request behind this run (tests)
        return None
    return value if isinstance(value, str) else None


def wipe_session(token: str | None = None, keep: tuple = ()) -> None:
    """Forget everything this tab held (results, files, choices) but the
    filters of the sidebar (and `keep`); keep `token` as the session's."""
    keep = {k: st.session_state[k] for k in (*ui.FILTER_KEYS, *keep) if k in st.session_state}
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state.update(keep)
    if token:
        st.session_state[ui.KEY_TOKEN] = token


def _target(page_url: str) -> str:
    """Where the browser goes back after the cookie is set: this page and
    its filters (a link sent before a meeting survives the sign-in)."""
    params = [(k, v) for k in st.query_params if k != SETUP_PARAM
              for v in st.query_params.get_all(k)]
    path = "/" + ("" if page_url == "synthese" else page_url)  # the home page lives at "/"
    return path + ("?" + urlencode(params) if params else "")


def _start(token: str, page_url: str) -> None:
    """Send the browser through the cookie route (when the server has it)."""
    st.session_state[ui.KEY_TOKEN] = token
    if sessions.routes_mounted():
        code = sessions.STORE.code_for(token, _target(page_url))
        ui.redirect(f"/relog/session?code={code}")
        st.stop()
    st.rerun()


def current_viewer() -> Viewer | None:
    """Who is looking, or None when nobody has signed in yet."""
    if ui.is_demo():
        return _demo_visitor()
    oidc = _oidc_settings()
    if oidc is not None:
        return _oidc_viewer(oidc)
    token = _token()
    session = sessions.STORE.get(token)
    if session is None or session.kind != "local":
        ended = sessions.STORE.end_reason(token)
        reason = ended[0] if ended else None
        if ended is not None:
            _log("déconnexion", f"inactivité de plus de {sessions.idle_minutes()} min"
                 if reason == "inactivité"
                 else f"durée maximale de session ({sessions.absolute_hours()} h)",
                 login=ended[1] or None)
        if st.session_state.get(ui.KEY_TOKEN):  # this tab was signed in: forget it all
            wipe_session()
        if reason is not None:
            st.session_state[KEY_MESSAGE] = (
                f"Session fermée après {sessions.idle_minutes()} minutes d'inactivité : "
                "reconnectez-vous." if reason == "inactivité" else
                f"Session fermée après {sessions.absolute_hours()} heures : reconnectez-vous.")
        return None
    path = ui.db_path()
    viewer = _account_viewer(path, ui.file_token(path), session.login)
    if viewer is None:  # disabled or deleted since the sign-in
        sessions.STORE.revoke(token)
        _log("déconnexion", "compte désactivé ou supprimé", login=session.login)
        wipe_session()
        st.session_state[KEY_MESSAGE] = "Votre compte n'est plus actif : session fermée."
        return None
    st.session_state[ui.KEY_TOKEN] = token
    _forget_on_change(viewer)
    return viewer


def _forget_on_change(viewer: Viewer, keep: tuple = ()) -> None:
    """A changed role or scope starts afresh: nothing produced for the old
    one stays in this tab."""
    seen = st.session_state.get(KEY_VIEWER_SEEN)
    if seen is not None and seen != viewer.key():
        token = st.session_state.get(ui.KEY_TOKEN)
        wipe_session(token, keep)
        if token:
            from relog_data import downloads  # the files made for the old role go
            downloads.REGISTRY.drop_session(sessions.SessionStore.key_of(token))
    st.session_state[KEY_VIEWER_SEEN] = viewer.key()


def _demo_visitor() -> Viewer:
    role = st.session_state.get(KEY_DEMO_ROLE) or "admin"
    viewer = _demo(role)[0]
    _forget_on_change(viewer, keep=(KEY_DEMO_ROLE,))
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
        wipe_session()
        st.session_state[KEY_OIDC_LOGGED] = True
        _log("connexion", "fournisseur d'identité (OIDC)", login=viewer.login, role=viewer.role)
    _forget_on_change(viewer)
    return viewer


def _log(action: str, detail: str, login: str | None = None, role: str | None = None) -> None:
    try:
        with ui.database().write_access() as writable:
            audit.log(writable, action, detail, login=login, role=role)
    except RelogError:
        pass  # an audit write refused (file locked by a command line): the action goes on


def sign_in_page(page_url: str = "") -> None:
    st.title("Connexion")
    with st.columns([2, 3])[0]:  # a form of a readable width
        _sign_in_form(page_url)


def _sign_in_form(page_url: str) -> None:
    message = st.session_state.pop(KEY_MESSAGE, None)
    if message:
        st.warning(message)
    oidc = _oidc_settings()
    if oidc is not None:
        st.markdown("Connectez-vous avec le compte de votre organisme.")
        st.button("Se connecter", type="primary", on_click=st.login)
        return
    db = ui.database()
    if not accounts.has_users(db):
        _first_admin(page_url)
        return
    with st.form("sign_in"):
        login = st.text_input("Identifiant", key="sign_in_login")
        password = st.text_input("Mot de passe", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if submitted:
        try:
            with db.write_access() as writable:
                signed = accounts.sign_in(writable, login, password, client=_client())
        except RelogError as exc:
            st.error(str(exc))
            return
        token = sessions.STORE.create(signed.login, kind="local", client=_client())
        wipe_session(token)
        _start(token, page_url)


# -- the first administrator ----------------------------------------------------------------------
_SETUP: dict[str, str] = {}


def _setup_token() -> str:
    """A one-time set-up token for this process, printed in the server log."""
    if "token" not in _SETUP:
        _SETUP["token"] = secrets.token_urlsafe(24)
        message = ("relog : aucun compte dans la base %s. Lien de première configuration "
                   "(ouvrir dans le navigateur, valable jusqu'à la création du premier "
                   "administrateur) : /?%s=%s")
        _LOG.warning(message, ui.db_path(), SETUP_PARAM, _SETUP["token"])
        print(message % (ui.db_path(), SETUP_PARAM, _SETUP["token"]), flush=True)
    return _SETUP["token"]


def _first_admin(page_url: str) -> None:
    expected = _setup_token()
    given = st.query_params.get(SETUP_PARAM, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        st.info("Aucun compte dans cette base. Pour créer le premier administrateur, ouvrez le "
                "lien de première configuration affiché dans le journal du serveur (il se "
                "termine par « ?configuration=… »), ou en ligne de commande : "
                "`python -m relog_data users add LOGIN --role admin`.")
        return
    st.subheader("Premier administrateur")
    with st.form("first_admin"):
        login = st.text_input("Identifiant", key="setup_login")
        name = st.text_input("Nom affiché", key="setup_name")
        password = st.text_input(f"Mot de passe ({accounts.MIN_PASSWORD_LENGTH} caractères au "
                                 "moins)", type="password", key="setup_password")
        again = st.text_input("Mot de passe (encore)", type="password", key="setup_again")
        submitted = st.form_submit_button("Créer le compte administrateur", type="primary")
    if not submitted:
        return
    if password != again:
        st.error("Les deux mots de passe diffèrent.")
        return
    try:
        with ui.database().write_access() as writable:
            if accounts.has_users(writable):  # someone was quicker: the link is spent
                raise RelogError("Un compte existe déjà : connectez-vous.")
            accounts.add_user(writable, login, password, "admin", name,
                              actor="première configuration")
    except RelogError as exc:
        st.error(str(exc))
        return
    _SETUP.clear()
    del st.query_params[SETUP_PARAM]
    token = sessions.STORE.create(login.strip(), kind="local", client=_client())
    _log("connexion", "compte local (première configuration)", login=login.strip(),
         role="admin")
    wipe_session(token)
    _start(token, page_url)


def sign_out() -> None:
    viewer = ui.current_viewer()
    token = st.session_state.get(ui.KEY_TOKEN)
    _log("déconnexion", "à la demande", login=viewer.login or None, role=viewer.role)
    sessions.STORE.revoke(token)
    wipe_session()
    if _oidc_settings() is not None:
        st.logout()
    elif sessions.routes_mounted():
        ui.redirect("/relog/deconnexion")  # the browser drops its cookie


def account_box(v: Viewer) -> None:
    """The demo's role switcher (under its banner), or who is signed in."""
    if ui.is_demo():
        cols = st.columns([2, 3])
        cols[0].selectbox("Voir l'application comme", list(ROLES), format_func=ROLES.get,
                          key=KEY_DEMO_ROLE, placeholder=ui.CHOOSE,
                          help="Démonstration seulement : chaque profil voit ce que ses droits "
                               "lui ouvrent. Une vraie base demande une connexion.")
        who = _demo(v.role)[1]
        cols[1].caption(f"**{who}** — {ROLE_HELP[v.role]}.")
        return
    with st.sidebar:
        st.caption(f"Connecté : **{fmt.md_escape(v.login)}** ({ROLES[v.role]})")
        st.button("Se déconnecter", on_click=sign_out, icon=":material/logout:")
