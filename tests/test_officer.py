"""The officer's daily tool (#18): next steps on a hand-made fixture (one
household per rule, expected steps and due dates computed by hand), the search
(and a partner never finding a name), why no vacancy fits, the delays as
audited settings, and the Ménages page's sheet on demand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from relog_data import access, officer, supply
from relog_data.access import Viewer
from relog_data.db import Database
from relog_data.indicators import Scope

from .conftest import _building, _household, _move, _offer, _op, _phase, build_db, start_app

D = date
AS_OF = D(2009, 6, 30)
SCOPE = Scope(as_of=AS_OF)


def _hh(hid, building, status, **kw):
    row = _household(hid, building, status, diag=kw.pop("diag", D(2008, 9, 1)),
                     exit_date=kw.pop("exit_date", None))
    row.update(kw)
    return row


def next_step_records() -> dict[str, list[dict]]:
    far = dict(_building("A1", "OPA", 1), name="Mont Pilat",
               address="24 avenue Gabriel Péri, Vaulx-en-Velin",
               planned_demolition=D(2011, 6, 30))
    # demolition in 62 days at D: within the 90 days of the urgent rule
    near = dict(_building("U1", "OPA", 1), name="Échármeaux", address="12 rue des Tilleuls",
                planned_demolition=D(2009, 8, 31))
    operation = dict(_op("OPA", 12), name="Vaulx-en-Velin – Mas du Taureau")
    return {
        "operations": [operation],
        "phases": [_phase("OPA", 1, 12)],
        "buildings": [far, near],
        "households": [
            _hh("N1", "A1", "à enquêter", diag=None),
            _hh("N2", "A1", "diagnostic réalisé", diag=D(2009, 3, 1), rent_before=300.0),
            _hh("N3", "A1", "proposition en cours", holder_name="Mme Benhamou Karima"),
            _hh("N4", "A1", "en recherche"),
            _hh("N5", "A1", "en recherche", officer="Élodie Martin"),
            _hh("N6", "A1", "relogé provisoire"),
            _hh("N7", "A1", "relogé"),
            _hh("N8", "U1", "en recherche"),
            _hh("N9", "A1", "relogé"),
            _hh("N10", "A1", "accord"),
            _hh("N11", "A1", "en recherche"),
            _hh("N12", "U1", "départ autonome", exit_date=D(2009, 1, 5)),
        ],
        "offers": [
            _offer("N3", 1, "en attente", D(2009, 6, 1)),
            _offer("N4", 1, "refusée", D(2008, 10, 10), D(2008, 10, 20), "loyer"),
            _offer("N4", 2, "refusée", D(2009, 2, 1), D(2009, 2, 10), "typologie"),
            _offer("N5", 1, "refusée", D(2008, 10, 1), D(2008, 10, 5), "loyer"),
            _offer("N5", 2, "refusée", D(2009, 1, 1), D(2009, 1, 5), "loyer"),
            _offer("N5", 3, "refusée", D(2009, 5, 10), D(2009, 5, 20), "autre"),
            _offer("N8", 1, "refusée", D(2009, 3, 1), D(2009, 3, 10), "localisation"),
            _offer("N10", 1, "acceptée", D(2009, 4, 20), D(2009, 5, 5)),
            _offer("N11", 1, "refusée", D(2009, 1, 10), D(2009, 1, 20), "loyer"),
        ],
        "moves": [
            _move("N6", D(2008, 11, 1), "provisoire", True, True, False, "social", None, "T3",
                  380, 150),
            dict(_move("N7", D(2009, 1, 15), "définitif", False, False, False, "social", True,
                       "T3", 500, 240), address="5 place de la Nation"),
            _move("N9", D(2008, 6, 1), "définitif", False, False, False, "social", True, "T3",
                  500, 240),
        ],
        "vacancies": [
            _vacancy("V1", "T5", 320.0, D(2009, 7, 1)),  # too big
            _vacancy("V2", "T3", 450.0, D(2009, 7, 1)),  # dearer than 300 € + 10 %
            _vacancy("V3", "T3", 320.0, D(2011, 9, 1)),  # after the demolition of A1
            _vacancy("V4", "T3", 320.0, D(2009, 7, 1), status="attribué"),  # not offerable
        ],
        "followups": [dict(household_id="N9", contact_date=D(2008, 8, 1),
                           contact_type="téléphone", situation="sans difficulté")],
    }


def _vacancy(vid, typology, rent, available, status="disponible"):
    return dict(vacancy_id=vid, landlord="Bailleur B", commune="Bron", insee_code="69029",
                address=None, latitude=None, longitude=None, typology=typology,
                surface_m2=60.0, rent=rent, financing="PLUS", quota="bailleur",
                new_or_recent=False, in_qpv=False, available_date=available, status=status)


# household -> (step_key, due date), computed by hand from the default delays
EXPECTED = {
    "N8": ("urgent", D(2009, 8, 31)),         # demolition of U1 on 31/08/2009, 62 days after D
    "N1": ("diagnostic", AS_OF),              # never contacted: due at once
    "N2": ("first_offer", D(2009, 4, 30)),    # diagnosis 01/03/2009 + 60 days
    "N3": ("chase_answer", D(2009, 6, 16)),   # offer 01/06/2009 + 15 days
    "N4": ("third_offer", D(2009, 4, 11)),    # 2nd refusal 10/02/2009 + 60 days
    "N5": ("commission", D(2009, 6, 19)),     # 3rd refusal 20/05/2009 + 30 days
    "N6": ("definitive_move", D(2009, 11, 1)),  # temporary move 01/11/2008 + 12 months
    "N7": ("followup", D(2009, 4, 15)),       # definitive move 15/01/2009 + 3 months
    "N9": ("none", None),                     # rehoused and followed up
    "N10": ("move", D(2009, 7, 4)),           # accepted 05/05/2009 + 60 days
    "N11": ("new_offer", D(2009, 3, 21)),     # refusal 20/01/2009 + 60 days
    "N12": ("none", None),                    # left by their own means
}


@pytest.fixture(scope="module")
def steps_db_path(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("steps") / "steps.duckdb", next_step_records())


@pytest.fixture()
def steps_db(steps_db_path):
    db = Database(steps_db_path, read_only=True)
    yield db
    db.close()


def test_each_rule_gives_the_step_and_due_date_computed_by_hand(steps_db):
    frame = officer.households_list(steps_db, SCOPE).set_index("household_id")
    got = {h: (r.step_key, None if pd.isna(r.due_date) else pd.Timestamp(r.due_date).date())
           for h, r in frame.iterrows()}
    assert got == EXPECTED


def test_urgent_reason_names_the_demolition_and_the_step_under_it(steps_db):
    row = officer.households_list(steps_db, SCOPE).set_index("household_id").loc["N8"]
    assert row["step"] == "Urgent : reloger avant la démolition"
    assert "31/08/2009" in row["reason"] and "faire une nouvelle proposition" in row["reason"]
    assert officer.households_list(steps_db, SCOPE).set_index("household_id").loc[
        "N5", "step"] == "Saisir la commission partenariale"


def test_list_order_urgent_then_never_contacted_then_due_date(steps_db):
    order = officer.households_list(steps_db, SCOPE)["household_id"].tolist()
    assert order == ["N8", "N1", "N11", "N4", "N7", "N2", "N3", "N5", "N10", "N6",
                     "N12", "N9"]
    row = officer.households_list(steps_db, SCOPE).set_index("household_id").loc["N1"]
    assert row["never_contacted"] and pd.isna(row["days_since_last_event"])


def test_offers_against_the_three_of_the_law(steps_db):
    frame = officer.households_list(steps_db, SCOPE).set_index("household_id")
    assert frame.loc["N5", ["offers", "refused", "pending"]].tolist() == [3, 3, 0]
    assert frame.loc["N3", ["offers", "refused", "pending"]].tolist() == [1, 0, 1]


def test_changed_delay_moves_the_due_date_and_is_audited(steps_db_path, tmp_path):
    import shutil

    path = tmp_path / "w.duckdb"
    shutil.copy(steps_db_path, path)
    with Database(path, read_only=False) as db:
        with pytest.raises(access.AccessDenied):
            officer.save_thresholds(db, {"first_offer_days": 30}, login="c", role="charge")
        lines = officer.save_thresholds(db, {"first_offer_days": 30, "answer_days": 15},
                                        login="chef", role="admin")
        assert lines == ["Première proposition attendue après le diagnostic sous 60 → 30 jours"]
        assert officer.thresholds(db)["first_offer_days"] == 30
        row = officer.households_list(db, SCOPE).set_index("household_id").loc["N2"]
        assert pd.Timestamp(row["due_date"]).date() == D(2009, 3, 31)
        log = db.query_text("SELECT login, action, detail FROM audit_log")
        assert log["action"].tolist() == ["réglage"] and log["login"].tolist() == ["chef"]
        assert "60 → 30" in log["detail"].iloc[0]
        assert officer.save_thresholds(db, {"first_offer_days": 30}, role="admin") == []
        assert len(db.query_text("SELECT * FROM audit_log")) == 1


# -- search ---------------------------------------------------------------------------------------
def found(db, text, viewer=Viewer("admin")):
    return access.fetch(db, viewer, "officer", "search", SCOPE, text)["household_id"].tolist()


@pytest.mark.parametrize("text,expected", [
    ("benhamou", ["N3"]),                       # holder's name
    ("BENHAM", ["N3"]),                         # partial, upper case
    ("karima benhamou", ["N3"]),                # several words, any order
    ("rue des tilleuls", ["N8", "N12"]),        # building address (U1)
    ("tilleul", ["N8", "N12"]),
    ("place nation", ["N7"]),                   # destination move address
    ("echarmeaux", ["N8", "N12"]),              # building name without its accents
    ("elodie", ["N5"]),                         # officer
    ("benhamou tilleuls", []),                  # every word is required
])
def test_search_finds_what_a_person_types(steps_db, text, expected):
    assert sorted(found(steps_db, text)) == sorted(expected)


def test_search_by_operation_and_building_code(steps_db):
    assert len(found(steps_db, "Mas-du-Taureau")) == 12
    assert sorted(found(steps_db, "u1")) == ["N12", "N8"]
    assert len(found(steps_db, "mont pilat")) == 10


def test_exact_id_first_then_starts_with(steps_db):
    ids = found(steps_db, "n1")
    assert ids[0] == "N1" and set(ids[1:]) == {"N10", "N11", "N12"}


def test_a_partner_never_finds_a_household_by_name(steps_db):
    partner = Viewer("partenaire")
    assert found(steps_db, "benhamou", partner) == []
    assert found(steps_db, "place nation", partner) == []  # nor by the new address
    # even when the page asks for names, the gateway decides
    got = access.fetch(steps_db, partner, "officer", "search", SCOPE, "benhamou", named=True)
    assert got.empty and "holder_name" not in got.columns
    assert found(steps_db, "N3", partner) == ["N3"]  # the pseudonym is searchable
    assert found(steps_db, "benhamou", Viewer("charge", ("OPA",))) == ["N3"]


# -- why no match ---------------------------------------------------------------------------------
def test_no_match_reasons_count_each_criterion(steps_db):
    why = officer.no_match_reasons(steps_db, SCOPE, "N2")
    assert supply.matches(steps_db, SCOPE, household="N2").empty
    assert {k: why[k] for k in ("vacancies", "compatible", "fail_typology", "fail_rent",
                                "fail_availability", "fail_location", "fail_adapted")} == {
        "vacancies": 3, "compatible": 0, "fail_typology": 1, "fail_rent": 1,
        "fail_availability": 1, "fail_location": 0, "fail_adapted": 0}
    assert officer.no_match_reasons(steps_db, SCOPE, "N9") is None  # rehoused


def test_no_match_reasons_agree_with_matches_on_the_demo(demo_db):
    scope = Scope(as_of=D(2009, 6, 30))
    todo = supply.needs(demo_db, scope)["household_id"].head(60)
    counts = supply.matches(demo_db, scope).groupby("household_id").size()
    for household in todo:
        assert officer.no_match_reasons(demo_db, scope, household)["compatible"] == \
            counts.get(household, 0), household


# -- the page -------------------------------------------------------------------------------------
def sheet_titles(at):
    return [s.value for s in at.subheader if s.value.startswith("Fiche")]


def test_no_sheet_before_a_choice_and_menage_opens_one(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, demo_role="admin")
    at.switch_page("pages/households.py")
    at.run()
    assert not at.exception
    assert sheet_titles(at) == []
    assert any("Choisissez un ménage dans la liste" in i.value for i in at.info)
    at.query_params["menage"] = "VMT-0334"
    at.run()
    assert not at.exception
    assert sheet_titles(at)[0].startswith("Fiche VMT-0334")
    shown = "\n".join(m.value for m in at.markdown) + "\n".join(
        w.value for w in [*at.warning, *at.info, *at.error, *at.success])
    assert "Prochaine action" in shown and "sur 3" in shown and "Démolition du bâtiment" in shown
    assert "None" not in shown and "nan" not in shown


def test_never_contacted_shown_in_words_and_first(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, demo_role="admin")
    at.switch_page("pages/households.py")
    at.run()
    table = at.dataframe[0].value
    assert table["Sans action depuis"].iloc[0] == "jamais contacté"
    assert "None" not in table.to_string()


def test_empty_search_says_so_in_french(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, demo_role="partenaire")
    at.switch_page("pages/households.py")
    at.run()
    name = "Yilmaz"  # a holder's name of the demo
    at.text_input(key="household_search").set_value(name).run()
    assert not at.exception
    assert any("Aucun ménage ne correspond" in i.value for i in at.info)
    assert not any(d.value is not None and len(d.value) for d in at.dataframe)


def test_filter_in_the_address_lists_exactly_the_households_behind_a_figure(
        demo_db_path, demo_db, monkeypatch):
    from relog_data import household_filters

    at = start_app(demo_db_path, monkeypatch, demo_role="admin", filtre="refus3")
    at.switch_page("pages/households.py")
    at.run()
    assert not at.exception
    members = household_filters.members(demo_db, Scope(as_of=D(2009, 6, 30)), "refus3")
    assert sorted(at.dataframe[0].value["Ménage"]) == sorted(members["household_id"])


def test_an_admin_changes_a_delay_only_once_confirmed_and_it_is_audited(
        demo_db_path, tmp_path, monkeypatch):
    import shutil

    path = tmp_path / "demo-copy.duckdb"
    shutil.copy(demo_db_path, path)
    at = start_app(path, monkeypatch, demo_role="admin", menage="VMT-0334")
    at.switch_page("pages/households.py")
    at.run()
    at.number_input(key="threshold_followup_months").set_value(6)
    next(b for b in at.button if b.label == "Enregistrer les délais").click().run()
    assert not at.exception
    assert any("Cochez la case de confirmation" in w.value for w in at.warning)
    with Database(path) as db:
        assert officer.thresholds(db)["followup_months"] == 3
    at.number_input(key="threshold_followup_months").set_value(6)
    at.checkbox(key="thresholds_confirm").check()
    next(b for b in at.button if b.label == "Enregistrer les délais").click().run()
    assert not at.exception
    with Database(path) as db:
        assert officer.thresholds(db)["followup_months"] == 6
        log = db.query_text("SELECT action, detail FROM audit_log WHERE action = 'réglage'")
    assert len(log) == 1 and "3 → 6 mois" in log["detail"].iloc[0]
    # the sheet's due date follows: moved 09/05/2006 + 6 months
    assert any("09/11/2006" in w.value for w in at.warning)


def test_a_charge_has_no_delay_form(demo_db_path, monkeypatch):
    at = start_app(demo_db_path, monkeypatch, demo_role="charge")
    at.switch_page("pages/households.py")
    at.run()
    assert not any(b.label == "Enregistrer les délais" for b in at.button)
