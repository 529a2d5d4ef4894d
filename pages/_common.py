"""What every page shares: the database handle, cached calls into relog_data,
the sidebar filters, the demo banner. UI only: no SQL and no indicator here."""

from __future__ import annotations

import html
from pathlib import Path

import streamlit as st

from relog_data import fmt, indicators, survey
from relog_data.db import Database, default_db_path
from relog_data.errors import RelogError

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"

KEY_OPERATIONS = "filter_operations"
KEY_PHASES = "filter_phases"


def load_css() -> None:
    css = (ASSETS / "style.css").read_text(encoding="utf-8")
    st.html(f"<style>{css}</style>")


def db_path() -> str:
    return str(default_db_path().resolve())


def _token(path: str) -> int:
    """Changes whenever the database file changes: part of every cache key."""
    p = Path(path)
    wal = p.with_name(p.name + ".wal")
    stamps = [p.stat().st_mtime_ns if p.exists() else 0]
    if wal.exists():
        stamps.append(wal.stat().st_mtime_ns)
    return max(stamps)


@st.cache_resource(show_spinner=False)
def _database(path: str) -> Database:
    return Database(path, read_only=True)


def database() -> Database:
    """The process's read-only database, or a French error and stop."""
    try:
        return _database(db_path())
    except RelogError as exc:
        st.error(str(exc))
        st.stop()


_MODULES = {"indicators": indicators, "survey": survey}


@st.cache_data(show_spinner=False)
def _cached(module: str, function: str, path: str, token: int, args: tuple, kwargs: tuple):
    return getattr(_MODULES[module], function)(_database(path), *args, **dict(kwargs))


def call_module(module: str, function: str, *args, **kwargs):
    """relog_data.<module>.<function>(db, *args, **kwargs), cached per database
    state (the cache key holds the file's modification time)."""
    path = db_path()
    kw = tuple(sorted(kwargs.items()))
    return _cached(module, function, path, _token(path), args, kw)


def call(function: str, *args, **kwargs):
    """indicators.<function>(db, *args, **kwargs), cached."""
    return call_module("indicators", function, *args, **kwargs)


def current_scope() -> indicators.Scope:
    ops = tuple(st.session_state.get(KEY_OPERATIONS) or ())
    phases = tuple(int(p) for p in (st.session_state.get(KEY_PHASES) or ()))
    return indicators.Scope(operations=ops, phases=phases)


def operation_labels() -> dict[str, str]:
    options = call("scope_options")
    ops = options[options["kind"] == "operation"]
    return dict(zip(ops["code"], ops["label"]))


def sidebar_filters() -> indicators.Scope:
    """Operation and phase filters, shared by every page (kept in the session)."""
    labels = operation_labels()
    options = call("scope_options")
    phases = sorted(int(p) for p in options.loc[options["kind"] == "phase", "code"])
    with st.sidebar:
        st.subheader("Périmètre")
        st.multiselect(
            "Opérations",
            options=list(labels),
            format_func=lambda code: labels.get(code, code),
            key=KEY_OPERATIONS,
            placeholder="Toutes les opérations",
        )
        st.multiselect(
            "Phases",
            options=phases,
            format_func=lambda n: f"Phase {n}",
            key=KEY_PHASES,
            placeholder="Toutes les phases",
        )
    return current_scope()


def scope_caption(scope: indicators.Scope) -> str:
    labels = operation_labels()
    ops = ", ".join(labels.get(o, o) for o in scope.operations) or "toutes les opérations"
    phases = (
        ", ".join(f"phase {p}" for p in scope.phases) if scope.phases else "toutes les phases"
    )
    return f"Périmètre : {ops} · {phases}"


def as_of_text() -> str:
    return fmt.day(call("data_date"))


def demo_banner() -> None:
    settings = call("settings")
    if settings.get("demo") != "oui":
        return
    when = fmt.day(settings.get("demo_date"))
    st.html(
        '<div class="relog-demo-banner"><strong>Données fictives de démonstration</strong> — '
        f"situation au {html.escape(when)}. Les opérations, communes et nombres de logements "
        "s'inspirent d'opérations réelles ; les ménages, leurs parcours et leurs réponses "
        "sont inventés.</div>"
    )
