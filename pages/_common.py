"""What every page shares: the database handle, cached calls into relog_data,
the sidebar filters, the demo banner. UI only: no SQL and no indicator here."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import streamlit as st

from relog_data import (access, data_state, downloads, fmt, indicators, privacy, release,
                        spreadsheet)
from relog_data.access import AccessDenied, Viewer
from relog_data.db import Database, default_db_path, shared_database
from relog_data.errors import RelogError

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"

KEY_OPERATIONS = "filter_operations"
KEY_PHASES = "filter_phases"
KEY_LANDLORDS = "filter_landlords"
KEY_AS_OF = "filter_as_of"
KEY_REFERENCE = "filter_reference"
# Query-string names: a link sent before a meeting opens exactly that view.
URL_KEYS = {KEY_OPERATIONS: "operation", KEY_PHASES: "phase", KEY_LANDLORDS: "bailleur",
            KEY_AS_OF: "date", KEY_REFERENCE: "reference"}
# What survives a sign-in or a sign-out in a tab: the sidebar's filters only.
FILTER_KEYS = tuple(URL_KEYS)
KEY_TOKEN = "access_token"  # this tab's session token (see pages/_access.py)


def load_css() -> None:
    css = (ASSETS / "style.css").read_text(encoding="utf-8")
    st.html(f"<style>{css}</style>")


def db_path() -> str:
    return str(default_db_path().resolve())


def file_token(path: str) -> int:
    """Changes whenever the database file changes (a sign-in, a download too)."""
    return max(data_state.file_stamps(path))


# Written without any figure changing (data_state.token would not see it).
FILE_STATE_MODULES = ("meetings",)


def cache_token(module: str, path: str):
    """Part of every cache key: the state of the data (the figures stay cached
    across sign-ins and downloads), or of the file for the meetings."""
    if module in FILE_STATE_MODULES:
        return file_token(path)
    return data_state.token(_database(path))


@st.cache_resource(show_spinner=False)
def _database(path: str) -> Database:
    return shared_database(path)  # the same handle as the server's routes


def database() -> Database:
    """The process's read-only database, or a French error and stop."""
    try:
        return _database(db_path())
    except RelogError as exc:
        st.error(str(exc))
        st.stop()


# Before anyone is known, only reference data (settings, dates) can be read.
ANONYMOUS = Viewer("elu", operations=(), login="anonyme")


@st.cache_data(show_spinner=False)
def _cached(module: str, function: str, path: str, token, viewer_key: tuple,
            args: tuple, kwargs: tuple):
    role, operations, threshold = viewer_key
    viewer = Viewer(role, operations, threshold=threshold)
    return access.fetch(_database(path), viewer, module, function, *args, **dict(kwargs))


KEY_VIEWER_NOW = "_viewer_now"


def set_viewer(viewer: Viewer | None) -> None:
    """The router says who is looking during this run (None: nobody yet)."""
    st.session_state[KEY_VIEWER_NOW] = viewer


def current_viewer() -> Viewer:
    """The viewer of this run (set by the router in app.py); before anyone is
    known, an anonymous viewer that can read reference data only."""
    return st.session_state.get(KEY_VIEWER_NOW) or ANONYMOUS


def call_module(module: str, function: str, *args, **kwargs):
    """relog_data.<module>.<function>(db, *args, **kwargs) through the access
    gateway, as the current viewer may see it; cached per database state and
    per viewer (role, operations): no result is shared across roles."""
    path = db_path()
    kw = tuple(sorted(kwargs.items()))
    try:
        return _cached(module, function, path, cache_token(module, path),
                       current_viewer().key(), args, kw)
    except AccessDenied as exc:
        st.error(f"Accès refusé : {exc}")
        st.stop()


def call(function: str, *args, **kwargs):
    """indicators.<function>(db, *args, **kwargs), cached."""
    return call_module("indicators", function, *args, **kwargs)


def is_elu() -> bool:
    """The current viewer is an elected official (aggregates at publication dates)."""
    return current_viewer().role == "elu"


def current_scope() -> indicators.Scope:
    """The sidebar's scope, at its as-of date (operations only for elected
    officials: their releases are per operation and in total)."""
    ops = tuple(st.session_state.get(KEY_OPERATIONS) or ())
    if is_elu():
        phases, landlords = (), ()
    else:
        phases = tuple(int(p) for p in (st.session_state.get(KEY_PHASES) or ()))
        landlords = tuple(st.session_state.get(KEY_LANDLORDS) or ())
    as_of = st.session_state.get(KEY_AS_OF) or call("data_date")
    return indicators.Scope(operations=ops, phases=phases, landlords=landlords, as_of=as_of)


def reference_date() -> date | None:
    """The date of the previous meeting ("séance précédente"); None when it is
    later than the situation date (refused in the sidebar)."""
    reference = st.session_state.get(KEY_REFERENCE)
    if indicators.reference_problem(st.session_state.get(KEY_AS_OF), reference):
        return None
    return reference


def operation_labels() -> dict[str, str]:
    options = call("scope_options")
    ops = options[options["kind"] == "operation"]
    return dict(zip(ops["code"], ops["label"]))


def redirect(url: str) -> None:
    """Send the browser to `url` (a route of this server): the message
    Streamlit's own st.login uses to leave the page."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    msg = ForwardMsg()
    msg.auth_redirect.url = url
    ctx.enqueue(msg)


def download(label: str, data, file_name: str, mime: str, what: str,
             container=None, identity=None) -> str | None:
    """A download link for `data`, served to this tab's session only and
    written in the audit log when fetched (`what` says what it is). `data`:
    bytes, or a function making them when the link is followed, with the
    `identity` of what it makes (equal for equal contents). Returns the
    file's URL (None when no session holds this tab)."""
    token = st.session_state.get(KEY_TOKEN)
    where = container or st
    if not token:
        where.caption("Téléchargement indisponible : session sans jeton.")
        return None
    viewer = current_viewer()
    if callable(data):
        data = downloads.Deferred(data, (file_name, what, identity))
    url = downloads.REGISTRY.offer(token, data, file_name, mime, what, login=viewer.login,
                                   role=viewer.role)
    where.html(f'<a class="relog-download" href="{html.escape(url)}" '
               f'download="{html.escape(file_name)}">'
               f'<span aria-hidden="true">⬇</span> {html.escape(label)}</a>')
    return url


def download_csv(label: str, frame, file_name: str, what: str, decimal: str = ",",
                 container=None, identity=None) -> str | None:
    """A download link for `frame` as CSV (formulas neutralised), written when
    the link is followed: not on every rerun of the page (#20). `frame` may be
    a function that reads it again then (with the `identity` of its content):
    a session that offers a list of 600 000 rows then keeps no copy of it."""
    import pandas as pd

    if callable(frame):
        make = frame
    else:
        identity = (len(frame), tuple(frame.columns),
                    int(pd.util.hash_pandas_object(frame, index=False).sum()))

        def make():
            return frame
    return download(label, lambda: spreadsheet.csv_bytes(make(), decimal=decimal), file_name,
                    "text/csv", what, container=container, identity=identity)


def _prune_filters(options: dict[str, list]) -> None:
    """Drop filter values this viewer may not choose (after a change of
    account in the tab, or a stale link)."""
    for key, allowed in options.items():
        values = st.session_state.get(key)
        if values:
            kept = [v for v in values if v in allowed]
            if kept != list(values):
                st.session_state[key] = kept


def _read_url(options: dict[str, list]) -> None:
    """Once per session: the filters given in the link."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    params = st.query_params
    for key, name in URL_KEYS.items():
        values = params.get_all(name)
        if not values:
            continue
        if key in (KEY_AS_OF, KEY_REFERENCE):
            try:
                st.session_state[key] = date.fromisoformat(values[0])
            except ValueError:
                pass
            continue
        allowed = options[key]
        if key == KEY_PHASES:
            values = [int(v) for v in values if v.isdigit()]
        st.session_state[key] = [v for v in values if v in allowed]


def _write_url() -> None:
    for key, name in URL_KEYS.items():
        value = st.session_state.get(key)
        if key in (KEY_AS_OF, KEY_REFERENCE):
            value = [value.isoformat()] if value else []
        else:
            value = [str(v) for v in (value or [])]
        if value:
            st.query_params[name] = value
        elif name in st.query_params:
            del st.query_params[name]


def publication_dates() -> list[date]:
    """The dates at which elected officials' figures are published (quarter
    ends and the data date, ascending): relog_data.release via the gateway."""
    return list(call_module("release", "publication_dates"))


snap = release.snap  # the latest publication date on or before a date


def programme_only(what: str) -> None:
    """Elected officials see destinations and surveys for the whole programme
    only (relog_data/release.py): with an operation filter, one sentence says
    so instead of a call the gateway would refuse, and the page stops."""
    chosen = set(current_scope().operations)
    if is_elu() and current_viewer().operations is not None:
        st.info(f"{what} sont publiés aux élus qui suivent l'ensemble du programme ; votre "
                "compte couvre une partie des opérations (secret statistique).")
        st.stop()
    if is_elu() and chosen and chosen != set(operation_labels()):
        st.info(f"{what} sont publiés aux élus pour l'ensemble du programme seulement, pas "
                "opération par opération (secret statistique) : retirez le filtre "
                "d'opération de la barre latérale pour les voir.")
        st.stop()


def _elu_dates(latest: date) -> tuple[list[date], list[date]]:
    """Elected officials choose among publication dates only: the situation
    date and the previous meeting (at most the situation date) snapped to
    them, whatever the link or a previous role left in the session. Returns
    the choices of each select box."""
    dates = publication_dates() or [latest]
    as_of = snap(dates, st.session_state.get(KEY_AS_OF))
    before = [d for d in dates if d <= as_of]
    reference = st.session_state.get(KEY_REFERENCE)
    if reference is None or reference > as_of:
        # by default the publication before the situation date (or that date itself)
        reference = before[-2] if len(before) > 1 else before[-1]
    st.session_state[KEY_AS_OF] = as_of
    st.session_state[KEY_REFERENCE] = snap(before, reference)
    return dates, before


def sidebar_filters() -> indicators.Scope:
    """Scope and dates shared by every page: kept in the session and written in
    the URL's query string. Elected officials choose operations and two
    publication dates only."""
    elu = is_elu()
    labels = operation_labels()
    options = call("scope_options")
    phases = sorted(int(p) for p in options.loc[options["kind"] == "phase", "code"])
    landlords = sorted(options.loc[options["kind"] == "landlord", "code"])
    allowed = {KEY_OPERATIONS: list(labels), KEY_PHASES: [] if elu else phases,
               KEY_LANDLORDS: [] if elu else landlords}
    _read_url(allowed)
    _prune_filters(allowed)
    latest = call("data_date") or date.today()
    if elu:
        as_of_choices, reference_choices = _elu_dates(latest)
    else:
        if not st.session_state.get(KEY_AS_OF):
            st.session_state[KEY_AS_OF] = latest
        if not st.session_state.get(KEY_REFERENCE):
            st.session_state[KEY_REFERENCE] = _month_before(st.session_state[KEY_AS_OF])
    with st.sidebar:
        st.subheader("Périmètre")
        st.multiselect("Opérations", options=list(labels),
                       format_func=lambda code: labels.get(code, code),
                       key=KEY_OPERATIONS, placeholder="Toutes les opérations")
        if not elu:
            st.multiselect("Phases", options=phases, format_func=lambda n: f"Phase {n}",
                           key=KEY_PHASES, placeholder="Toutes les phases")
            st.multiselect("Bailleur d'origine", options=landlords, key=KEY_LANDLORDS,
                           placeholder="Tous les bailleurs")
        st.subheader("Dates")
        if elu:
            st.selectbox("Situation au", options=as_of_choices, format_func=fmt.day,
                         key=KEY_AS_OF, placeholder=CHOOSE,
                         help="Les chiffres sont publiés à chaque fin de trimestre et à la "
                              f"date des dernières données ({fmt.day(latest)}).")
            st.selectbox("Séance précédente", options=reference_choices, format_func=fmt.day,
                         key=KEY_REFERENCE, placeholder=CHOOSE,
                         help="Chaque chiffre est comparé à sa valeur publiée à cette date.")
        else:
            st.date_input("Situation au", key=KEY_AS_OF, format="DD/MM/YYYY",
                          help="Par défaut, la date du dernier événement connu "
                               f"({fmt.day(latest)}).")
            st.date_input("Séance précédente", key=KEY_REFERENCE, format="DD/MM/YYYY",
                          help="Chaque chiffre est comparé à sa valeur à cette date.")
        problem = indicators.reference_problem(st.session_state.get(KEY_AS_OF),
                                           st.session_state.get(KEY_REFERENCE))
        if problem:
            st.error(problem + " Aucune évolution n'est calculée tant que les dates ne sont "
                     "pas dans cet ordre.", icon=":material/event_busy:")
    _write_url()
    return current_scope()


def _month_before(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31,
            30, 31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


def n_text(counts) -> str:
    """"n = 312", or "n ≥ 290" when some of the counts are hidden (elected
    officials: the total of the visible ones is then only a lower bound)."""
    values = list(counts)
    sign = "≥" if any(fmt.is_missing(v) for v in values) else "="
    return f"n {sign} {fmt.integer(sum(int(v) for v in values if not fmt.is_missing(v)))}"


def count(value) -> str:
    """A count in French ("1 129"); a missing one is hidden for elected
    officials (privacy.HIDDEN, « s ») and unknown for everyone else ("—")."""
    if fmt.is_missing(value):
        return privacy.HIDDEN if is_elu() else MISSING
    return fmt.integer(value)


def change(now, before) -> str:
    """"+18 depuis le 30/05/2009" (or "stable depuis ..."); for elected
    officials "évolution : s depuis ..." when either value is hidden (a change
    is published only when both values are)."""
    ref = reference_date()
    if ref is None:
        return ""
    hidden = f"évolution : {privacy.HIDDEN} depuis le {fmt.day(ref)}"
    if fmt.is_missing(before) or fmt.is_missing(now):
        return hidden if is_elu() else ""
    delta = int(now) - int(before)
    if current_viewer().hides(delta):  # never published by the gateway; hidden all the same
        return hidden
    text = "stable" if delta == 0 else (f"+{fmt.integer(delta)}" if delta > 0
                                        else f"\u2212{fmt.integer(-delta)}")
    return f"{text} depuis le {fmt.day(ref)}"


def header(title: str, lead: str = "Situation au", since: str = "",
           note: bool = False) -> None:
    """The page title and the line under it: "<lead> <date D> · [since ·] scope";
    `note`: the legend of hidden figures (elected officials only)."""
    st.title(title)
    if note:
        suppression_note()
    parts = [f"{lead} {as_of_text()}"] + ([since] if since else []) \
        + [scope_caption(current_scope())]
    st.html(f'<p class="relog-asof">{html.escape(" · ".join(parts))}</p>')


def require_households(total) -> None:
    """Stop the page with a French message when the scope has no household, or
    when its number is hidden from this viewer (the count comes back
    suppressed: not necessarily a small one, so the message says no size)."""
    if fmt.is_missing(total):
        st.info(f"Le nombre de ménages de ce périmètre est masqué ({privacy.HIDDEN}) pour "
                "protéger les petits effectifs : les chiffres ne sont pas affichés. "
                "Élargissez le périmètre.")
        st.stop()
    if int(total) == 0:
        st.info("Aucun ménage dans ce périmètre. Modifiez les filtres de la barre latérale.")
        st.stop()


def suppression_note() -> None:
    """The legend of hidden cells, for the aggregate-only profile: privacy.NOTE,
    the one legend of the pages, the meeting pack and its annex."""
    if is_elu():
        st.caption(privacy.NOTE)


MAX_GROUPS = 30  # bars or columns per chart or table before the largest are picked


def largest_groups(frame, key: str, size: str, n: int = MAX_GROUPS):
    """`frame` kept to its n groups (by `key`) with the most households (`size`),
    and a French note saying so (empty when nothing was left out). A national
    file has hundreds of operations: one bar each would be unreadable."""
    sizes = frame.groupby(key, sort=False)[size].sum(min_count=1).fillna(0)
    if len(sizes) <= n:
        return frame, ""
    keep = set(sizes.sort_values(ascending=False, kind="stable").index[:n])
    note = (f"Les {n} plus grands groupes sur {fmt.integer(len(sizes))} sont affichés ; "
            "choisissez des opérations ou des phases dans la barre latérale pour voir les "
            "autres.")
    return frame[frame[key].isin(keep)], note


def scope_caption(scope: indicators.Scope) -> str:
    labels = operation_labels()
    ops = ", ".join(labels.get(o, o) for o in scope.operations) or "toutes les opérations"
    phases = (
        ", ".join(f"phase {p}" for p in scope.phases) if scope.phases else "toutes les phases"
    )
    text = f"Périmètre : {ops}" if is_elu() else f"Périmètre : {ops} · {phases}"
    if scope.landlords:
        text += " · bailleur d'origine : " + ", ".join(scope.landlords)
    return text


def month_year(value) -> str:
    """"en mars 2011"."""
    return indicators.month_year(value)


def as_of_text() -> str:
    return fmt.day(current_scope().as_of)


def is_demo() -> bool:
    """The demonstration database (fictitious data, no sign-in, no import)."""
    return call("settings").get("demo") == "oui"


def demo_banner() -> None:
    if not is_demo():
        return
    settings = call("settings")
    when = fmt.day(settings.get("demo_date"))
    st.html(
        '<div class="relog-demo-banner"><strong>Données fictives de démonstration</strong> — '
        f"situation au {html.escape(when)}. Les opérations, communes et nombres de logements "
        "s'inspirent d'opérations réelles ; les ménages, leurs parcours et leurs réponses "
        "sont inventés.</div>"
    )


# -- French around Streamlit's and Plotly's own widgets -------------------------------------------
MISSING = "—"  # shown in tables for a missing value (Streamlit's default is "None")
CHOOSE = "Choisir"  # placeholder of a select box with no value (Streamlit's: "Choose an option")
EMPTY_TABLE = "Aucune ligne à afficher."
PAGE_ROWS = 100  # rows sent at once by a paged table (ui.table(page_rows=...))
PAGE_POINTS = 20  # points of attention (each with its link) shown at once
PICK_LIMIT = 1_000  # beyond this many choices, an identifier is typed (not a select box)

# Plotly's mode bar: only what a meeting needs (a PNG for the slides, the axes back after a
# zoom), with French titles. Plotly's French locale is a separate script that is not served
# here: the few strings these buttons and notices show are given in the chart's config.
_PLOTLY_FRENCH = {
    "dictionary": {
        "Download plot as a PNG": "Télécharger le graphique (PNG)",
        "Download plot": "Télécharger le graphique",
        "Reset axes": "Réinitialiser les axes",
        "Autoscale": "Échelle automatique",
        "Double-click to zoom back out": "Double-cliquez pour revenir à la vue d'ensemble",
        "Taking snapshot - this may take a few seconds":
            "Image en préparation : quelques secondes…",
        "Snapshot succeeded": "Image enregistrée",
        "Sorry, there was a problem downloading your snapshot!":
            "Le téléchargement de l'image a échoué.",
        "Produced with Plotly.js": "Graphique Plotly.js",
        "trace": "série",
    },
    "format": {
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                   "septembre", "octobre", "novembre", "décembre"],
        "shortMonths": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                        "sept.", "oct.", "nov.", "déc."],
        "date": "%d/%m/%Y",
        "decimal": ",",
        "thousands": "\u202f",
    },
}
PLOTLY_CONFIG = {
    "displaylogo": False,
    "modeBarButtons": [["toImage", "resetScale2d"]],
    "toImageButtonOptions": {"format": "png", "filename": "relog-graphique", "scale": 2},
    "locale": "fr-relog",
    "locales": {"fr-relog": _PLOTLY_FRENCH},
}


def table(data, *, empty: str = EMPTY_TABLE, container=None, page_rows: int | None = None,
          key: str | None = None, **kwargs):
    """st.dataframe with "—" for missing values, and a French sentence instead
    of Streamlit's "empty" grid when there is no row. With `page_rows` (and a
    widget `key`), a longer table is sent page by page: the browser receives
    `page_rows` rows, the reader chooses which (#20: a 2 000-row table weighed
    1 MB for a reader who reads its first screen)."""
    from pandas.io.formats.style import Styler

    where = container or st
    frame = data.data if isinstance(data, Styler) else data
    if frame is None or len(frame) == 0:
        where.caption(empty)
        return None
    if page_rows and not isinstance(data, Styler):
        data = data.iloc[page_slice(len(frame), page_rows, key, where)]
    kwargs.setdefault("placeholder", MISSING)
    kwargs.setdefault("width", "stretch")
    return where.dataframe(data, **kwargs)


def page_slice(rows: int, page_rows: int, key: str, where=None, noun: str = "lignes") -> slice:
    """A French page picker for `rows` rows (or other `noun`) shown `page_rows`
    at a time; every row, and no picker, when they fit in one page."""
    if rows <= page_rows:
        return slice(None)
    starts = range(0, rows, page_rows)
    labels = [f"{noun} {fmt.integer(a + 1)} à {fmt.integer(min(a + page_rows, rows))}"
              for a in starts]
    chosen = (where or st).selectbox(
        f"{fmt.integer(rows)} {noun} : afficher", range(len(labels)),
        format_func=lambda i: labels[i], key=key, placeholder=CHOOSE)
    return slice(chosen * page_rows, chosen * page_rows + page_rows)


def upload_note(types: list[str], container=None) -> None:
    """Under a file uploader: the formats and the size limit in French (the
    uploader's own "100MB per file • XLSX" is hidden by assets/style.css)."""
    from relog_data.sources import MAX_UPLOAD_MB

    kinds = ", ".join(f".{t}" for t in types)
    (container or st).caption(f"Formats acceptés : {kinds} — {fmt.integer(MAX_UPLOAD_MB)} Mo "
                              "au plus par fichier.")


# -- from a figure to its households (#18) ---------------------------------------------------------
HOUSEHOLDS_PAGE = "pages/households.py"  # url_path « menages » (pages/_access.py)


def to_households(key: str, count=None, what: str = "", container=None,
                  compact: bool = False) -> bool:
    """A link to the Ménages page listing exactly the households a figure counts
    (`?filtre=KEY`, relog_data/household_filters.py); the scope travels in the
    session and in the address the sidebar writes. Nothing for elected officials
    (no household list at all) nor for an empty figure. `compact`: the count only
    (« 720 ménages »), for the narrow columns of the headline. True when shown."""
    from relog_data.household_filters import PARAM

    if not current_viewer().household_level:
        return False
    if count is not None and (fmt.is_missing(count) or int(count) == 0):
        return False
    label = ("Voir les ménages" if count is None else
             f"Voir {'le ménage' if int(count) == 1 else f'les {fmt.integer(count)} ménages'}")
    if compact and count is not None:  # under a metric, in a narrow column
        label = f"{fmt.integer(count)} ménage{'s' if int(count) > 1 else ''}"
    label += f" {what}" if what else ""
    (container or st).page_link(HOUSEHOLDS_PAGE, label=label, icon=":material/group:",
                                query_params={PARAM: key})
    return True
