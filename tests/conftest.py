"""Shared fixtures: a small hand-built database whose indicators are computed
by hand in tests/test_indicators.py, and the demo database."""

from __future__ import annotations

from datetime import date
import shutil
from pathlib import Path

import pytest

from relog_data import demo
from relog_data.db import Database
from relog_data.model import TABLES_BY_NAME
from relog_data.store import insert_frames, typed_frame

ROOT = Path(__file__).resolve().parent.parent

D = date


def _op(code, planned):
    return dict(operation_code=code, name=f"Opération {code}", commune="Vaulx-en-Velin",
                insee_code="69256", intervention_type="démolition", management_mode="interne",
                latitude=45.78, longitude=4.93, households_planned=planned,
                start_date=D(2007, 1, 1), planned_end_date=D(2010, 12, 31))


def _phase(op, n, planned):
    return dict(operation_code=op, phase_number=n, label=f"Phase {n}",
                planned_start=D(2007, 1, 1), planned_end=D(2009, 12, 31),
                actual_start=D(2007, 3, 1), actual_end=None, households_planned=planned)


def _building(code, op, phase):
    return dict(building_code=code, operation_code=op, phase_number=phase, name=f"Bât. {code}",
                dwellings=10, landlord="Bailleur A", address="1 rue de test",
                latitude=45.78, longitude=4.93, planned_demolition=D(2010, 6, 30),
                actual_demolition=None)


def _household(hid, building, status, rent=None, apl=None, origin=None, diag=D(2007, 4, 1),
               exit_date=None):
    return dict(household_id=hid, building_code=building, holder_name=f"Titulaire {hid}",
                persons=3, composition="couple avec enfant(s)", holder_age=40,
                income_bracket="601-1000", current_typology="T3", wanted_typology="T3",
                rent_before=rent, allowance_before=apl, location_wish="indifférent",
                specific_need="aucun", status=status, officer="Agent A",
                diagnosis_date=diag, exit_date=exit_date, origin_household_id=origin)


def _offer(hid, rank, response, when, reply=None, reason=None):
    return dict(household_id=hid, rank=rank, offer_date=when, vacancy_id=None,
                landlord="Bailleur A", commune="Bron", typology="T3", rent=400.0,
                response=response, refusal_reason=reason, response_date=reply)


def _move(hid, when, nature, on_site, in_qpv, new, housing, ceiling, typology, rent, apl):
    return dict(household_id=hid, move_date=when, nature=nature, address="2 rue du test",
                commune="Bron", insee_code="69029", latitude=45.74, longitude=4.91,
                landlord="Bailleur B", housing_type=housing, typology=typology,
                surface_m2=60.0, rent_after=rent, allowance_after=apl, new_or_recent=new,
                in_qpv=in_qpv, on_site=on_site, rent_under_apl_ceiling=ceiling)


def _survey(hid, wave, info=None, logement=None, avant_apres=None):
    return dict(household_id=hid, wave=wave, survey_date=D(2009, 3, 1) if wave == 2
                else D(2008, 10, 1), q_information=info, q_interlocuteur=None,
                q_accompagnement=None, q_accompagnement_demenagement=None,
                q_logement=logement, q_cadre_vie=None, q_avant_apres=avant_apres)


def small_records() -> dict[str, list[dict]]:
    """Nine households in two operations; see tests/test_indicators.py for the
    figures expected, computed by hand."""
    return {
        "operations": [_op("OPA", 6), _op("OPB", 2)],
        "phases": [_phase("OPA", 1, 4), _phase("OPA", 2, 2), _phase("OPB", 1, 2)],
        "buildings": [_building("A1", "OPA", 1), _building("A2", "OPA", 2),
                      _building("B1", "OPB", 1)],
        "households": [
            _household("H1", "A1", "relogé", 400, 150),
            _household("H2", "A1", "relogé", 300, 100),
            _household("H3", "A1", "relogé", None, 100),
            _household("H4", "A1", "départ autonome", exit_date=D(2008, 9, 1)),
            _household("H5", "A1", "relogé provisoire"),
            _household("H6", "A2", "en recherche"),
            _household("H7", "A2", "à enquêter", diag=None),
            _household("H8", "B1", "relogé", 500, 0),
            _household("H9", "B1", "relogé", 200, 50, origin="H8"),
        ],
        "offers": [
            _offer("H1", 1, "refusée", D(2007, 6, 1), D(2007, 6, 15), "loyer"),
            _offer("H1", 2, "acceptée", D(2008, 1, 10), D(2008, 1, 20)),
            _offer("H2", 1, "acceptée", D(2008, 2, 1), D(2008, 2, 10)),
            _offer("H4", 1, "refusée", D(2007, 6, 1), D(2007, 6, 10), "localisation"),
            _offer("H4", 2, "refusée", D(2007, 9, 1), D(2007, 9, 10), "typologie"),
            _offer("H4", 3, "refusée", D(2008, 1, 1), D(2008, 1, 10), "autre"),
            _offer("H5", 1, "en attente", D(2009, 5, 1)),
            _offer("H6", 1, "refusée", D(2009, 1, 5), D(2009, 1, 20), "environnement"),
            _offer("H8", 1, "refusée", D(2007, 7, 1), D(2007, 7, 8), "loyer"),
            _offer("H8", 2, "refusée", D(2007, 10, 1), D(2007, 10, 8), "loyer"),
            _offer("H8", 3, "acceptée", D(2008, 2, 1), D(2008, 2, 8)),
        ],
        "moves": [
            _move("H1", D(2007, 9, 1), "provisoire", True, True, False, "social", None, "T3",
                  380, 150),
            _move("H1", D(2008, 3, 1), "définitif", False, False, False, "social", True, "T3",
                  500, 240),
            _move("H2", D(2008, 3, 15), "définitif", True, True, True, "social", True, "T2",
                  350, 110),
            # H3 has two definitive moves: only the latest one counts.
            _move("H3", D(2008, 1, 1), "définitif", True, True, False, "social", False, "T4",
                  420, 100),
            _move("H3", D(2008, 6, 1), "définitif", None, False, True, "social", True, None,
                  430, 100),
            _move("H5", D(2008, 11, 1), "provisoire", True, True, False, "social", None, "T3",
                  390, 120),
            _move("H8", D(2008, 3, 1), "définitif", False, None, False, "privé", None, "T5",
                  350, 50),
            _move("H9", D(2008, 4, 1), "définitif", False, True, True, "social", True, "T5",
                  450, 50),
        ],
        "vacancies": [],
        "followups": [dict(household_id="H1", contact_date=D(2008, 4, 15),
                           contact_type="téléphone", situation="sans difficulté")],
        "survey_answers": [
            _survey("H1", 1, "très satisfaisant", "plutôt non", "mieux qu'avant"),
            _survey("H2", 1, "pas du tout satisfaisant", "plutôt oui", None),
            _survey("H9", 2, "plutôt satisfaisant", "non", "pareil"),
        ],
    }


def build_db(path: Path, records: dict[str, list[dict]]) -> Path:
    db = Database(path, read_only=False, create=True)
    try:
        frames = {t: typed_frame(TABLES_BY_NAME[t], rows) for t, rows in records.items()}
        with db.writer() as cur:
            insert_frames(cur, frames)
    finally:
        db.close()
    return path


@pytest.fixture(scope="session")
def small_db_path(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("small") / "small.duckdb", small_records())


@pytest.fixture()
def small_db(small_db_path):
    db = Database(small_db_path, read_only=True)
    yield db
    db.close()


@pytest.fixture()
def writable_small_db(small_db_path, tmp_path):
    """A writable copy of the hand-built fixture database, for one test."""
    path = tmp_path / "work.duckdb"
    shutil.copy(small_db_path, path)
    db = Database(path, read_only=False)
    yield db
    db.close()


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build_demo(path)
    return path


@pytest.fixture()
def demo_db(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    yield db
    db.close()


def real_copy(source: Path, target: Path) -> Path:
    """A copy of the demo that is no longer flagged as the demo (importing
    into the demo is refused)."""
    shutil.copy(source, target)
    with Database(target, read_only=False) as db, db.writer() as cur:
        cur.execute("DELETE FROM settings WHERE key = 'demo'")
    return target


def session_token(db_path: Path, viewer=None) -> str:
    """A live session token for `db_path`, as the sign-in (or, on the demo,
    the first visit) would make: on a database that asks for a sign-in, the
    account of `viewer` (an administrator "test" by default) is created when
    missing, since the app re-reads role and operations from it each run."""
    from relog_data import accounts, indicators, sessions
    from relog_data.access import Viewer
    from relog_data.db import close_shared

    close_shared()
    with Database(db_path, read_only=True) as db:
        is_demo = indicators.settings(db).get("demo") == "oui"
    if is_demo:
        return sessions.STORE.create("", kind="demo")
    viewer = viewer or Viewer("admin", login="test")
    with Database(db_path, read_only=False) as db:
        if db.query_text("SELECT count(*) AS n FROM users WHERE login = $l",
                         l=viewer.login)["n"].iloc[0] == 0:
            accounts.add_user(db, viewer.login, "mot de passe de test", viewer.role,
                              operations=list(viewer.operations) if viewer.operations
                              else None, actor="test")
    return sessions.STORE.create(viewer.login, kind="local")


def start_app(db_path: Path, monkeypatch, viewer=None, demo_role: str | None = None,
              signed_in: bool = True, **query):
    """The app under AppTest on `db_path`, caches cleared, with a query string,
    after its first run. On a database that asks for a sign-in, `viewer` (a
    relog_data.access.Viewer, an administrator by default) is the signed-in
    session; on the demo, `demo_role` is the role picked in its switcher."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from relog_data.db import close_shared

    monkeypatch.setenv("RELOG_DB", str(db_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    close_shared()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    if signed_in:
        at.session_state["access_token"] = session_token(db_path, viewer)
    if demo_role:
        at.session_state["access_demo_role"] = demo_role
    return at.run()


def download_links(at) -> dict[str, str]:
    """Label -> URL of the download links a page shows (pages/_common.download)."""
    import html
    import re

    found = {}
    for element in at.get("html"):
        for m in re.finditer(r'<a class="relog-download" href="([^"]+)"[^>]*>'
                             r'<span aria-hidden="true">[^<]*</span> ([^<]+)</a>',
                             element.proto.body):
            found[html.unescape(m.group(2))] = html.unescape(m.group(1))
    return found
