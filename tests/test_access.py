"""Access control in the data layer: roles, the gateway, small-group
suppression, accounts, lock-out, audit log and purge."""

from __future__ import annotations

import shutil
import time
import subprocess
import sys
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from relog_data import access, accounts, audit, indicators, privacy, purge, suppression
from relog_data.access import POLICY, AccessDenied, Viewer
from relog_data.db import Database
from relog_data.errors import RelogError
from relog_data.indicators import Scope
from relog_data.throttle import Throttle

from .conftest import ROOT, real_copy

PASSWORD = "un mot de passe assez long"

# How to call each exposed function for a scope.
CALLS = {
    ("indicators", "settings"): lambda s: (),
    ("indicators", "data_date"): lambda s: (),
    ("indicators", "scope_options"): lambda s: (),
    ("indicators", "definitions"): None,  # takes no database
    ("indicators", "timeline"): lambda s: (s,),
    ("indicators", "kpis"): lambda s: (s, "operation"),
    ("indicators", "operations_overview"): lambda s: (s,),
    ("indicators", "status_counts"): lambda s: (s, "building"),
    ("indicators", "progress_series"): lambda s: (s,),
    ("indicators", "projection"): lambda s: (s,),
    ("indicators", "buildings_at_risk"): lambda s: (s,),
    ("indicators", "building_pace"): lambda s: (s,),
    ("indicators", "refusal_reasons"): lambda s: (s,),
    ("indicators", "quality_breakdown"): lambda s: (s,),
    ("indicators", "attention_points"): lambda s: (s,),
    ("indicators", "data_contradictions"): lambda s: (s,),
    ("indicators", "workload"): lambda s: (s,),
    ("indicators", "offers_detail"): lambda s: (s,),
    ("indicators", "followups_overdue"): lambda s: (s,),
    ("indicators", "household_states"): lambda s: (s,),
    ("survey", "shares"): lambda s: (s,),
    ("survey", "distribution"): lambda s: (s,),
    ("survey", "waves"): lambda s: (s,),
    ("survey", "breakdown"): lambda s: (s, "composition"),
    ("geo", "boundaries"): lambda s: ("communes",),
    ("geo", "commune_aggregates"): lambda s: (s,),
    ("geo", "destinations"): lambda s: (s, True),
    ("supply", "supply"): lambda s: (),
    ("supply", "capacity"): lambda s: (),
    ("supply", "coverage"): lambda s: (s,),
    ("supply", "affordability"): lambda s: (s,),
    ("supply", "needs"): lambda s: (s,),
    ("supply", "matches"): lambda s: (s,),
    ("supply", "households_list"): lambda s: (s,),
    ("supply", "household_events"): lambda s: ("VMT-0001",),
    ("release", "publication_dates"): lambda s: (),
    ("changes", "household_history"): lambda s: ("VMT-0001",),
    ("changes", "import_changes"): lambda s: (1,),
    ("changes", "import_change_count"): lambda s: (1,),
    ("officer", "households_list"): lambda s: (s,),
    ("officer", "search"): lambda s: (s, "mont pilat"),
    ("officer", "no_match_reasons"): lambda s: (s, "VMT-0001"),
    ("officer", "thresholds"): lambda s: (),
    ("household_filters", "members"): lambda s: (s, "restant"),
    # the meeting archive (the demo's first meeting; tests/test_meetings.py checks roles)
    ("meetings", "visible"): lambda s: (),
    ("meetings", "listing"): lambda s: (),
    ("meetings", "get"): lambda s: (1,),
    ("meetings", "figures"): lambda s: (1,),
    ("meetings", "points"): lambda s: (1,),
    ("meetings", "file_bytes"): lambda s: (1, "pdf"),
    ("meetings", "since"): lambda s: (1, s.as_of or date(2009, 6, 30)),
    ("meetings", "reproduce"): lambda s: (1,),
    ("meetings", "archive"): lambda s: (1,),
    ("meetings", "correction_changes"): lambda s: (1, ["VMT-0001"]),
}


def test_every_exposed_function_has_a_call_in_these_tests():
    assert set(CALLS) == set(POLICY)


# -- suppression ---------------------------------------------------------------------------------
def test_protect_hides_a_small_cell_and_its_cheapest_complement_by_hand():
    """total 35 = A 20 + B 12 + C 3: C (3) is hidden, then B (12), the cheapest
    other part, so that 35 − 20 − 12 is not C; C can then be 0 .. 15."""
    problem = suppression.Problem()
    for key, value in (("total", 35), ("A", 20), ("B", 12), ("C", 3)):
        problem.add(key, value)
    problem.relate("total", ["A", "B", "C"])
    hidden = suppression.protect(problem)
    assert {k for k, h in zip(problem.keys, hidden) if h} == {"B", "C"}
    bounds = suppression.intervals(problem, hidden)
    assert bounds[problem.index["C"]] == pytest.approx((0, 15))
    assert bounds[problem.index["B"]] == pytest.approx((0, 15))


def test_a_change_of_1_to_4_between_two_dates_is_not_published():
    """A count at three dates, 10 then 12 then 20: the latest (20) and 12 are
    shown (they differ by 8); 10 is hidden, else 12 − 10 = 2 is a count."""
    problem = suppression.Problem()
    for day, value in ((1, 10), (2, 12), (3, 20)):
        problem.add((day, "n"), value)
    problem.add_series([(1, "n"), (2, "n"), (3, "n")])
    hidden = suppression.protect(problem)
    assert hidden.tolist() == [True, False, False]


def test_a_cumulative_count_between_two_published_values_is_bounded_by_them():
    """done at three dates 10, 13, 16 with a part of 3 at the middle date: the
    middle is hidden; an attacker knows it lies in 10 .. 16 (monotone)."""
    problem = suppression.Problem()
    for day, (done, part, other) in enumerate(((10, 5, 5), (13, 3, 10), (16, 8, 8))):
        problem.add((day, "done"), done)
        problem.add((day, "a"), part)
        problem.add((day, "b"), other)
        problem.relate((day, "done"), [(day, "a"), (day, "b")])
    problem.add_series([(d, "done") for d in range(3)], monotone=True)
    hidden = suppression.protect(problem)
    shown = {k for k, h in zip(problem.keys, hidden) if not h}
    assert (1, "a") not in shown and (1, "done") not in shown
    assert not suppression.audit(problem, hidden)


def test_elu_kpis_on_the_hand_built_fixture(small_db):
    """9 households: OPA 7 (4 done, 3 left), OPB 2 (both done) at the data date.
    Every group has fewer than 5 households on one side: OPB's 2 is hidden, so
    OPA's 7 is too (else 9 − 7 = 2); nothing of 1 to 4 is shown."""
    elu = Viewer("elu")
    per_op = access.fetch(small_db, elu, "indicators", "kpis", Scope(), "operation")
    by_op = per_op.set_index(per_op["group_key"].fillna("total"))
    assert pd.isna(by_op.loc["OPB", "households_total"])
    assert pd.isna(by_op.loc["OPA", "households_total"])
    counts = [c for c in per_op.columns if c not in ("group_key", "is_total")]
    for col in counts:
        values = pd.to_numeric(per_op[col], errors="coerce")
        if col.endswith(("share", "rate", "rehoused", "_eur")) and not col.endswith("_num"):
            continue
        assert not ((values > 0) & (values < 5)).any(), col
    # The same call for a rehousing officer is not suppressed.
    plain = access.fetch(small_db, Viewer("admin"), "indicators", "kpis", Scope(), "operation")
    assert plain.loc[plain["group_key"] == "OPB", "households_total"].iloc[0] == 2


# -- the gateway ---------------------------------------------------------------------------------
def test_elu_is_refused_every_household_level_function(demo_db):
    elu = Viewer("elu")
    scope = Scope(as_of=date(2009, 6, 30))
    refused = [name for name, rule in POLICY.items() if rule.kind == "household"]
    assert ("supply", "households_list") in refused and ("geo", "destinations") in refused
    for module, function in refused:
        with pytest.raises(AccessDenied):
            access.fetch(demo_db, elu, module, function, *CALLS[(module, function)](scope))


def test_unknown_functions_are_refused(demo_db):
    with pytest.raises(AccessDenied):
        access.fetch(demo_db, Viewer("admin"), "indicators", "kpi_summary", Scope())


def _no_household_rows(result, ids: set[str]) -> None:
    frames = [result] if isinstance(result, pd.DataFrame) else []
    for frame in frames:
        assert "household_id" not in frame.columns
        assert "holder_name" not in frame.columns
        for col in frame.columns:
            if frame[col].dtype == object or str(frame[col].dtype) in ("str", "string"):
                assert not frame[col].astype(str).isin(ids).any(), col


ELU_SCOPES = st.builds(
    Scope,
    operations=st.lists(st.sampled_from(["VAULX-MDT", "BRON-TERRAILLON", "STE-SEVERINE",
                                         "CLERMONT-CHAMPRATEL", "DAME-BLANCHE"]),
                        max_size=2, unique=True).map(tuple),
    phases=st.lists(st.sampled_from([1, 2]), max_size=1).map(tuple),
    landlords=st.lists(st.sampled_from(["Alliade Habitat", "OPAC du Rhône", "Logidôme"]),
                       max_size=1).map(tuple),
    as_of=st.dates(date(2006, 6, 1), date(2009, 6, 30)),
)


# No shrinking: each example runs every function, and the failing scope is
# printed as it is.
@settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scope=ELU_SCOPES)
def test_no_visible_cell_of_an_elu_view_counts_1_to_4_households(demo_db, scope):
    elu = Viewer("elu")
    ids = set(demo_db.query_text("SELECT household_id FROM households")["household_id"])
    for (module, function), rule in POLICY.items():
        if rule.kind in ("household", "meeting") or CALLS[(module, function)] is None:
            continue  # meetings: their own tests (tests/test_meetings.py)
        try:
            result = access.fetch(demo_db, elu, module, function,
                                  *CALLS[(module, function)](scope))
        except AccessDenied:
            # not published to officials (a detail, a phase or landlord filter)
            assert rule.kind == "aggregate", function
            continue
        _no_household_rows(result, ids)
        if isinstance(result, dict):
            result = pd.DataFrame([result])
        if (module, function) == ("release", "publication_dates"):
            continue
        if isinstance(result, list):
            assert all(p["count"] is None or not 0 < p["count"] < 5 for p in result)
            continue
        assert not privacy.visible_small_counts(result, list(rule.counts)), (function, scope)


def test_partner_gets_no_name_and_no_address(demo_db):
    scope = Scope(operations=("VAULX-MDT",), as_of=date(2009, 6, 30))
    partner = access.fetch(demo_db, Viewer("partenaire"), "supply", "households_list", scope)
    officer = access.fetch(demo_db, Viewer("charge", ("VAULX-MDT",)), "supply",
                           "households_list", scope)
    assert "holder_name" not in partner.columns
    assert officer["holder_name"].str.endswith("(fictif)").all()
    moves = access.fetch(demo_db, Viewer("partenaire"), "geo", "destinations", scope)
    assert not {"address", "latitude", "longitude"} & set(moves.columns)
    assert moves["commune"].notna().all() and moves["distance_km"].notna().any()
    communes = access.fetch(demo_db, Viewer("partenaire"), "geo", "commune_aggregates",
                            Scope(as_of=date(2009, 6, 30)))
    few = communes["households"] < 5
    assert few.any() and communes.loc[few, "centre_lat"].isna().all()


def test_an_officer_sees_only_their_operations(demo_db):
    officer = Viewer("charge", ("BRON-TERRAILLON",))
    rows = access.fetch(demo_db, officer, "supply", "households_list", Scope())
    assert set(rows["operation_code"]) == {"BRON-TERRAILLON"}
    kpis = access.fetch(demo_db, officer, "indicators", "kpis", Scope(), "operation")
    assert set(kpis["group_key"].dropna()) == {"BRON-TERRAILLON"}
    options = access.fetch(demo_db, officer, "indicators", "scope_options")
    assert set(options.loc[options["kind"] == "operation", "code"]) == {"BRON-TERRAILLON"}
    with pytest.raises(AccessDenied):
        access.fetch(demo_db, officer, "supply", "households_list",
                     Scope(operations=("VAULX-MDT",)))
    with pytest.raises(AccessDenied):
        access.fetch(demo_db, officer, "supply", "household_events", "VMT-0001")
    assert len(access.fetch(demo_db, officer, "supply", "household_events", "BRT-0001"))


def test_report_audiences_follow_the_role():
    scope = Scope()
    assert access.report_scope(Viewer("elu"), scope, "elu") == scope
    with pytest.raises(AccessDenied):
        access.report_scope(Viewer("elu"), scope, "charge")
    with pytest.raises(AccessDenied):
        access.report_scope(Viewer("partenaire"), scope, "charge")
    assert access.report_scope(Viewer("charge", ("A",)), scope, "charge").operations == ("A",)


# -- accounts ------------------------------------------------------------------------------------
@pytest.fixture()
def accounts_db(writable_small_db):
    return writable_small_db


def test_passwords_are_argon2id_hashes_and_never_stored(accounts_db):
    accounts.add_user(accounts_db, "alice", PASSWORD, "admin", "Alice", actor="test")
    stored = accounts_db.query_text("SELECT password_hash FROM users")["password_hash"].iloc[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    log = audit.entries(accounts_db, access.SYSTEM)
    assert not log.apply(lambda r: PASSWORD in " ".join(map(str, r)), axis=1).any()
    with pytest.raises(RelogError, match="trop court"):
        accounts.add_user(accounts_db, "bob", "court", "admin")
    with pytest.raises(RelogError, match="au moins une opération"):
        accounts.add_user(accounts_db, "carl", PASSWORD, "charge")
    assert accounts.sign_in(accounts_db, "alice", PASSWORD) == Viewer("admin", login="alice")


def test_five_failures_block_the_login_from_that_client_for_15_minutes(accounts_db):
    accounts.add_user(accounts_db, "bob", PASSWORD, "charge", operations=["OPA"])
    throttle = Throttle()
    start = datetime(2026, 1, 5, 9, 0)
    for i in range(5):
        with pytest.raises(accounts.SignInError, match="incorrect"):
            accounts.sign_in(accounts_db, "bob", "mauvais", now=start + timedelta(seconds=i),
                             client="10.0.0.9", throttle=throttle)
    with pytest.raises(accounts.SignInError, match="réessayez après 09:15"):
        accounts.sign_in(accounts_db, "bob", PASSWORD, now=start + timedelta(minutes=14),
                         client="10.0.0.9", throttle=throttle)
    # the attacker's block does not lock the real user out from elsewhere
    assert accounts.sign_in(accounts_db, "bob", PASSWORD, now=start + timedelta(minutes=1),
                            client="10.0.0.7", throttle=throttle).login == "bob"
    viewer = accounts.sign_in(accounts_db, "bob", PASSWORD, now=start + timedelta(minutes=16),
                              client="10.0.0.9", throttle=throttle)
    assert viewer == Viewer("charge", ("OPA",), login="bob")
    log = audit.entries(accounts_db, access.SYSTEM)
    assert (log["action"] == "échec de connexion").sum() == 6
    assert log["detail"].str.contains("tentatives bloquées 15 min").sum() == 1
    assert log["action"].iloc[0] == "connexion"


def test_unknown_and_existing_logins_get_the_same_answer_and_the_same_block(accounts_db,
                                                                         monkeypatch):
    """Finding 7: an unknown login was never locked while a real one was, and
    the lock answered in 6,7 ms: both told which logins exist."""
    accounts.add_user(accounts_db, "admin", PASSWORD, "admin")
    verified = []
    real_verify = accounts._verify
    monkeypatch.setattr(accounts, "_verify",
                        lambda digest, password: verified.append(1) or real_verify(digest,
                                                                                   password))
    throttle = Throttle()
    start = datetime(2026, 1, 5, 9, 0)
    answers, timings, work = {}, {}, {}
    for login in ("admin", "personne"):
        seen, spent = [], []
        verified.clear()
        for i in range(7):
            began = time.perf_counter()
            with pytest.raises(accounts.SignInError) as refused:
                accounts.sign_in(accounts_db, login, "mauvais",
                                 now=start + timedelta(seconds=i), client="10.0.0.9",
                                 throttle=throttle)
            spent.append(time.perf_counter() - began)
            seen.append(str(refused.value))
        answers[login], timings[login] = seen, sorted(spent)[len(spent) // 2]
        work[login] = len(verified)
    assert answers["admin"] == answers["personne"]
    assert answers["admin"][4] == "Identifiant ou mot de passe incorrect."
    assert "réessayez après" in answers["admin"][5]
    # the same work either way, blocked or not: one argon2 verification per attempt
    assert work == {"admin": 7, "personne": 7}
    # and no shortcut in time (loose: the machine's other load makes timings noisy)
    ratio = timings["admin"] / timings["personne"]
    assert 1 / 3 < ratio < 3, timings


def test_unknown_and_disabled_accounts_get_the_same_message(accounts_db):
    accounts.add_user(accounts_db, "eve", PASSWORD, "partenaire")
    accounts.set_active(accounts_db, "eve", False)
    for login in ("eve", "nobody"):
        with pytest.raises(accounts.SignInError, match="Identifiant ou mot de passe incorrect"):
            accounts.sign_in(accounts_db, login, PASSWORD, throttle=Throttle())
    log = audit.entries(accounts_db, access.SYSTEM)
    failures = log[log["action"] == "échec de connexion"]
    assert set(failures["detail"]) == {"compte désactivé", "identifiant inconnu"}
    # what was typed as an unknown login is not written down
    assert failures.loc[failures["detail"] == "identifiant inconnu", "login"].isna().all()


def test_only_administrators_read_the_log_and_the_accounts(accounts_db):
    for role in ("charge", "partenaire", "elu"):
        with pytest.raises(AccessDenied):
            audit.entries(accounts_db, Viewer(role, ("OPA",)))
        with pytest.raises(AccessDenied):
            accounts.list_users(accounts_db, Viewer(role, ("OPA",)))


def test_identity_provider_claims():
    keycloak = {"email": "a@x.fr", "realm_access": {"roles": ["offline_access", "relog-elu"]},
                "relog_operations": "VAULX-MDT, BRON-TERRAILLON"}
    viewer = accounts.viewer_from_claims(keycloak, "realm_access.roles")
    assert viewer == Viewer("elu", ("BRON-TERRAILLON", "VAULX-MDT"), login="a@x.fr")
    assert accounts.viewer_from_claims({"relog_role": ["partenaire", "admin"]}).role == "admin"
    assert accounts.viewer_from_claims({"relog_role": "charge"}).operations == ()
    with pytest.raises(accounts.SignInError):
        accounts.viewer_from_claims({"relog_role": "stagiaire"})


# -- command line, audit, purge ------------------------------------------------------------------
def cli(*args, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", "relog_data", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT)


def test_users_command_line(small_db_path, tmp_path):
    path = tmp_path / "cli.duckdb"
    shutil.copy(small_db_path, path)
    db = str(path)
    assert "Aucun compte" in cli("users", "list", "--db", db).stdout
    r = cli("users", "add", "admin1", "--role", "admin", "--password-stdin", "--db", db,
            stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    r = cli("users", "add", "off1", "--role", "charge", "--operations", "OPA", "--password-stdin",
            "--db", db, stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert cli("users", "set-role", "off1", "--role", "partenaire", "--db", db).returncode == 0
    assert cli("users", "disable", "off1", "--db", db).returncode == 0
    listing = cli("users", "list", "--db", db).stdout
    assert "off1\tpartenaire" in listing and "désactivé" in listing
    assert PASSWORD not in listing
    r = cli("users", "add", "x", "--role", "charge", "--operations", "NOPE", "--password-stdin",
            "--db", db, stdin=PASSWORD + "\n")
    assert r.returncode == 2 and "Opération inconnue" in r.stderr
    log = cli("audit", "--db", db).stdout
    assert log.count(";compte;") == 4 and PASSWORD not in log
    assert path.read_bytes().find(PASSWORD.encode()) == -1


def test_purge_dry_run_then_apply(demo_db_path, tmp_path):
    path = tmp_path / "purge.duckdb"
    shutil.copy(demo_db_path, path)
    with Database(path, read_only=False) as db:
        before = {t: db.query_text(f"SELECT * FROM {t} ORDER BY ALL")
                  for t in ("households", "moves")}
        kpis_before = indicators.kpis(db, Scope(as_of=date(2009, 6, 30)), "operation")
        found = purge.purge(db, date(2009, 1, 1))  # dry run
        assert set(found["operation_code"]) == {"CLERMONT-CHAMPRATEL", "STE-SEVERINE"}
        for table, frame in before.items():
            pd.testing.assert_frame_equal(db.query_text(f"SELECT * FROM {table} ORDER BY ALL"),
                                          frame)
        purge.purge(db, date(2009, 1, 1), apply=True, actor="test")
        kpis_after = indicators.kpis(db, Scope(as_of=date(2009, 6, 30)), "operation")
        pd.testing.assert_frame_equal(kpis_after, kpis_before)
        left = db.query_text(
            "SELECT b.operation_code, count(h.holder_name) AS names, count(m.address) AS addr, "
            "count(m.latitude) AS lat FROM households h JOIN buildings b USING (building_code) "
            "LEFT JOIN moves m USING (household_id) GROUP BY ALL").set_index("operation_code")
        assert left.loc["STE-SEVERINE"].tolist() == [0, 0, 0]
        assert left.loc["CLERMONT-CHAMPRATEL"].tolist() == [0, 0, 0]
        assert left.loc["VAULX-MDT", "names"] > 0 and left.loc["VAULX-MDT", "addr"] > 0
        log = audit.entries(db, access.SYSTEM)
        assert log["action"].iloc[0] == "purge" and "STE-SEVERINE : 68 nom(s)" in \
            log["detail"].iloc[0]
        again = purge.candidates(db, date(2009, 1, 1))
        assert again["names"].sum() == 0 and again["purged_at"].notna().all()


def test_purge_command_is_a_dry_run_by_default(demo_db_path, tmp_path):
    path = tmp_path / "purge-cli.duckdb"
    shutil.copy(demo_db_path, path)
    r = cli("purge", "--closed-before", "2009-01-01", "--db", str(path))
    assert r.returncode == 0 and "Simulation" in r.stdout and "68 nom(s)" in r.stdout
    r = cli("purge", "--closed-before", "2009-01-01", "--apply", "--db", str(path))
    assert r.returncode == 0 and "Effacement fait" in r.stdout
    assert "0 nom(s)" in cli("purge", "--closed-before", "2009-01-01", "--db", str(path)).stdout


def test_imports_and_exports_are_audited(demo_db_path, tmp_path):
    path = real_copy(demo_db_path, tmp_path / "audit.duckdb")
    out = tmp_path / "export.xlsx"
    assert cli("export", str(out), "--db", str(path)).returncode == 0
    assert cli("import", str(out), "--db", str(path)).returncode == 0
    with Database(path, read_only=True) as db:
        log = audit.entries(db, access.SYSTEM)
    assert log["action"].tolist()[:2] == ["import", "export"]
    assert "export.xlsx" in log["detail"].iloc[0] and log["login"].iloc[0].startswith("cli:")
