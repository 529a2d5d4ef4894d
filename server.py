"""relog's web server: the Streamlit app (app.py) and the few plain HTTP routes
a websocket cannot serve.

Start it with `make run` (`streamlit run server.py`). The routes:
- GET /relog/session?code=…   trades a one-time code (made by the sign-in
  page) for the HttpOnly session cookie, then goes to the page asked for;
- GET /relog/deconnexion      deletes the cookie (the session is already
  revoked by the page) and goes back to the sign-in page;
- GET /relog/fichier/<id>     a file offered by a page, to the session that
  produced it only, written in the audit log.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from pathlib import Path

import streamlit as st
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from streamlit.runtime.pages_manager import PagesManager

from relog_data import audit, downloads, heap, release, requests, sessions
from relog_data.db import default_db_path, shared_database
from relog_data.errors import RelogError

HERE = Path(__file__).resolve().parent

# A `pages/` folder beside app.py makes Streamlit start in its older
# multipage mode, where /<file name> runs a module of pages/ on its own until
# some session has run app.py's st.navigation once. relog's pages only run
# inside app.py's frame: the flag is cleared before any session starts.
PagesManager.uses_pages_directory = False
sessions.mark_routes_mounted()


def _secure(request) -> bool:
    return (request.url.scheme == "https"
            or request.headers.get("x-forwarded-proto", "").lower() == "https")


def _cookie(request) -> str | None:
    return request.cookies.get(sessions.COOKIE)


def _french_page(status: int, title: str, text: str) -> HTMLResponse:
    body = (f"<!doctype html><html lang='fr'><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><body style='font-family:sans-serif;max-width:40em;margin:4em auto'>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
            "<p><a href='/'>Retour à relog</a></p></body></html>")
    return HTMLResponse(body, status_code=status,
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def session_route(request) -> Response:
    found = sessions.STORE.redeem(request.query_params.get("code"))
    if found is None:
        return RedirectResponse("/", status_code=303)
    token, target = found
    response = RedirectResponse(sessions.safe_target(target), status_code=303)
    response.set_cookie(sessions.COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(request), path="/",
                        max_age=sessions.absolute_hours() * 3600)
    response.headers["Cache-Control"] = "no-store"
    return response


def sign_out_route(request) -> Response:
    sessions.STORE.revoke(_cookie(request))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict",
                           secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    return response


def file_route(request) -> Response:
    token = _cookie(request)
    session = sessions.STORE.get(token)
    item = downloads.REGISTRY.take(request.path_params["file_id"], token) if session else None
    if item is None:
        return _french_page(404, "Fichier indisponible",
                            "Ce fichier n'existe pas ou n'est plus proposé : un fichier ne se "
                            "télécharge que depuis la session qui l'a produit, tant qu'elle "
                            "est ouverte. Produisez-le à nouveau depuis relog.")
    try:
        _log_download(item)
    except RelogError:
        return _french_page(503, "Base occupée",
                            "Le téléchargement n'a pas pu être inscrit au journal : "
                            "réessayez dans quelques secondes.")
    quoted = item.file_name.replace('"', "")
    return Response(item.content(), media_type=item.mime, headers={
        "Content-Disposition": f'attachment; filename="{quoted}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _log_download(item: downloads.Offered) -> None:
    db = shared_database(default_db_path())
    with db.write_access() as writable:
        audit.log(writable, "téléchargement", item.what, login=item.login or None,
                  role=item.role or None)


REQUEST_POLL_SECONDS = 1.0
TRIM_SECONDS = 30.0  # how often the memory freed by the sessions is given back (heap.Tidier)
_LOG = logging.getLogger("relog")


def _apply_account_requests() -> None:
    """Account commands typed while the app runs (`python -m relog_data users
    …`) are handed to it as files (relog_data/requests.py): apply them, and
    end the sessions of accounts disabled or changed."""
    folder = requests.requests_dir(default_db_path())
    if not folder.is_dir() or not any(folder.glob("*.request.json")):
        return
    for result in requests.apply_pending(shared_database(default_db_path())):
        for login in result.get("logins", []):
            sessions.STORE.revoke_login(login)
        _LOG.warning("relog : commande de compte %s %s : %s", result["command"],
                     result["login"], result["message"])


def _watch_requests() -> None:
    # garbage collected when quiet, memory given back, every TRIM_SECONDS (relog_data/heap.py)
    tidy = heap.Tidier(every=TRIM_SECONDS)
    while True:
        try:
            _apply_account_requests()
        except Exception:  # never let the watcher die: the next round tries again
            _LOG.exception("relog : demande de compte non appliquée")
        tidy()
        time.sleep(REQUEST_POLL_SECONDS)


def _prepare_release() -> None:
    """Compute the elected officials' release at start, in the background
    (release.prepare: 43 s at 150 000 households), so that the first official
    does not wait for it."""
    try:
        release.prepare(shared_database(default_db_path()))
    except Exception:  # a missing database: computed on first use instead
        _LOG.info("relog : publication des élus non préparée au démarrage", exc_info=True)


threading.Thread(target=_watch_requests, name="relog-account-requests", daemon=True).start()
_prepare_release()

app = st.App(str(HERE / "app.py"), routes=[
    Route("/relog/session", session_route, methods=["GET"]),
    Route("/relog/deconnexion", sign_out_route, methods=["GET"]),
    Route(downloads.ROUTE + "/{file_id}", file_route, methods=["GET"]),
])
