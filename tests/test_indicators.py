"""Every indicator of the dictionary on the hand-built fixture of conftest.py.

Expected figures were computed by hand from the records:

households H1..H9 — relogé: H1 H2 H3 H8 H9; provisoire: H5; exit: H4;
still in building: H6 (en recherche), H7 (à enquêter).
Definitive moves (latest): H1 off/out/old/social/ceiling/T3, H2 on/in/new/social/
ceiling/T2, H3 ?/out/new/social/ceiling/no typology (its older move is ignored),
H8 off/?/old/privé, H9 off/in/new/social/ceiling/T5.
Rest to pay (before -> after): H1 250 -> 260, H2 200 -> 240, H8 500 -> 300,
H9 150 -> 400; H3 is out of P (no rent before).
"""

from datetime import date

import pytest

from relog_data import indicators as ind
from relog_data.indicators import Scope

APPROX = pytest.approx


def total(db, scope=Scope()):
    frame = ind.kpis(db, scope)
    return frame[frame["is_total"]].iloc[0]


def test_counts_whole_fixture(small_db):
    row = total(small_db)
    assert row["households_total"] == 9
    assert row["rehoused"] == 5
    assert row["temporary"] == 1
    assert row["exits"] == 1
    assert row["still_in_building"] == 2
    assert row["remaining"] == 3  # H5 (temporary), H6, H7
    assert row["progress_rate"] == APPROX(6 / 9)
    assert (row["progress_rate_num"], row["progress_rate_den"]) == (6, 9)


def test_location_shares_use_latest_definitive_move_and_known_values(small_db):
    row = total(small_db)
    # on_site known for H1 H2 H8 H9 (H3's latest move leaves it empty)
    assert (row["offsite_share_num"], row["offsite_share_den"]) == (3, 4)
    assert row["offsite_share"] == APPROX(0.75)
    # in_qpv known for H1 H2 H3 H9; outside: H1 H3
    assert (row["outside_qpv_share_num"], row["outside_qpv_share_den"]) == (2, 4)
    assert row["outside_qpv_share"] == APPROX(0.5)
    # new_or_recent known for all five; yes: H2 H3 H9
    assert (row["new_or_recent_share_num"], row["new_or_recent_share_den"]) == (3, 5)
    assert row["new_or_recent_share"] == APPROX(0.6)


def test_offers(small_db):
    row = total(small_db)
    # offers of rehoused households: H1 2, H2 1, H3 0, H8 3, H9 0
    assert row["offers_per_rehoused"] == APPROX(6 / 5)
    # refused 7 (H1 1, H4 3, H6 1, H8 2), accepted 3; H5's pending offer excluded
    assert (row["refusal_rate_num"], row["refusal_rate_den"]) == (7, 10)
    assert row["refusal_rate"] == APPROX(0.7)
    assert row["three_refusals"] == 1  # H4


def test_rest_to_pay_medians_are_medians_of_each_household(small_db):
    row = total(small_db)
    assert row["rest_to_pay_before_median"] == APPROX(225)  # [150 200 250 500]
    assert row["rest_to_pay_after_median"] == APPROX(280)  # [240 260 300 400]
    # median of the changes [-200 10 40 250] = 25, not 280 - 225 = 55
    assert row["rest_to_pay_median_change"] == APPROX(25)
    assert (row["rest_to_pay_increase_share_num"], row["rest_to_pay_increase_share_den"]) == (3, 4)
    assert row["rest_to_pay_increase_share"] == APPROX(0.75)


def test_rent_compensation(small_db):
    row = total(small_db)
    # H2 T2 1 500 €, H3 no typology 0 €, H9 T5 5 000 €; H1 not new, H8 private
    assert row["rent_compensation_count"] == 3
    assert row["rent_compensation_eur"] == APPROX(6500)


def test_rent_compensation_amounts_are_configurable(small_db):
    frame = ind.kpis(small_db, compensation={"eur_t12": 1000, "eur_t56": 7000})
    row = frame[frame["is_total"]].iloc[0]
    assert row["rent_compensation_eur"] == APPROX(8000)


def test_scope_one_operation_with_split_household(small_db):
    row = total(small_db, Scope(operations=("OPB",)))
    # H9 split off H8 ("décohabitation"): two households, both rehoused
    assert row["households_total"] == 2
    assert row["rehoused"] == 2
    assert row["progress_rate"] == APPROX(1.0)
    assert row["offsite_share"] == APPROX(1.0)
    # in_qpv known only for H9, who is in a QPV: a defined share of 0, not undefined
    assert (row["outside_qpv_share_num"], row["outside_qpv_share_den"]) == (0, 1)
    assert row["outside_qpv_share"] == APPROX(0.0)
    assert row["offers_per_rehoused"] == APPROX(1.5)
    assert row["refusal_rate"] == APPROX(2 / 3)
    assert row["rest_to_pay_before_median"] == APPROX(325)
    assert row["rest_to_pay_after_median"] == APPROX(350)
    assert row["rest_to_pay_median_change"] == APPROX(25)
    assert row["rent_compensation_count"] == 1
    assert row["rent_compensation_eur"] == APPROX(5000)


def test_undefined_shares_are_null_not_zero(small_db):
    # OPA phase 2: H6 and H7, nobody rehoused
    row = total(small_db, Scope(operations=("OPA",), phases=(2,)))
    assert row["households_total"] == 2
    assert row["progress_rate"] == APPROX(0.0)
    for key in ("offsite_share", "outside_qpv_share", "new_or_recent_share",
                "offers_per_rehoused", "rest_to_pay_before_median",
                "rest_to_pay_after_median", "rest_to_pay_median_change",
                "rest_to_pay_increase_share"):
        assert row[key] != row[key], key  # NaN: undefined
    assert row["refusal_rate"] == APPROX(1.0)  # H6 refused one offer
    assert row["rent_compensation_eur"] == 0


def test_empty_scope_has_a_total_row(small_db):
    row = total(small_db, Scope(buildings=("NOPE",)))
    assert row["households_total"] == 0
    assert row["progress_rate"] != row["progress_rate"]


def test_group_rows_add_up_to_total(small_db):
    frame = ind.kpis(small_db, level="operation")
    groups = frame[~frame["is_total"]].set_index("group_key")
    assert list(groups.index) == ["OPA", "OPB"]
    assert groups["households_total"].sum() == 9
    assert groups.loc["OPA", "rehoused"] == 3
    by_phase = ind.kpis(small_db, level="phase")
    assert set(by_phase.loc[~by_phase["is_total"], "group_key"]) == {
        "OPA – phase 1", "OPA – phase 2", "OPB – phase 1"}


def test_satisfied_share(small_db):
    frame = ind.satisfaction(small_db).set_index(["question", "wave"])
    assert frame.loc[("q_information", 1), "satisfied_share"] == APPROX(0.5)
    assert frame.loc[("q_logement", 1), "satisfied_share"] == APPROX(0.5)
    # H2 left q_avant_apres empty: excluded from the denominator, counted apart
    assert frame.loc[("q_avant_apres", 1), "n_answers"] == 1
    assert frame.loc[("q_avant_apres", 1), "n_empty"] == 1
    assert frame.loc[("q_avant_apres", 1), "satisfied_share"] == APPROX(1.0)
    # nobody answered q_interlocuteur in wave 1: undefined
    assert frame.loc[("q_interlocuteur", 1), "n_answers"] == 0
    assert frame.loc[("q_interlocuteur", 1), "satisfied_share"] != frame.loc[
        ("q_interlocuteur", 1), "satisfied_share"]
    assert frame.loc[("q_information", 2), "satisfied_share"] == APPROX(1.0)
    assert frame.loc[("q_logement", 2), "satisfied_share"] == APPROX(0.0)


def test_kpi_summary_has_exactly_the_dictionary_keys(small_db):
    summary = ind.kpi_summary(small_db, Scope(operations=("OPA",)))
    assert tuple(summary) == ind.INDICATOR_KEYS
    assert summary["households_total"] == 7
    assert isinstance(summary["households_total"], int)
    assert summary["satisfied_share"]["q_information"] == {"1": 0.5}
    assert summary["satisfied_share"]["q_interlocuteur"] == {"1": None}


def test_operations_overview_joins_the_plan(small_db):
    frame = ind.operations_overview(small_db).set_index("operation_code")
    assert frame.loc["OPA", "households_planned"] == 6
    assert frame.loc["OPA", "households_total"] == 7
    assert frame.loc["OPB", "rehoused"] == 2
    phase1 = ind.operations_overview(small_db, Scope(phases=(1,))).set_index("operation_code")
    assert phase1.loc["OPA", "households_planned"] == 4  # the phase's plan
    assert phase1.loc["OPA", "households_total"] == 5


def test_check_scope_refuses_unknown_codes(small_db):
    from relog_data.errors import RelogError

    with pytest.raises(RelogError, match="Opération inconnue : XYZ"):
        ind.check_scope(small_db, Scope(operations=("XYZ",)))
    with pytest.raises(RelogError, match="Phase inconnue"):
        ind.check_scope(small_db, Scope(phases=(7,)))
    ind.check_scope(small_db, Scope(operations=("OPA",), phases=(2,)))


def test_status_counts_in_process_order(small_db):
    frame = ind.status_counts(small_db, level="total")
    assert list(frame["status"]) == ["à enquêter", "en recherche", "relogé",
                                     "relogé provisoire", "départ autonome"]
    assert frame["households"].sum() == 9


def test_every_indicator_has_a_definition_and_a_column(small_db):
    defs = ind.definitions()
    documented = set(defs.loc[defs["kind"] == "indicator", "key"])
    assert documented == set(ind.INDICATOR_KEYS)
    assert defs["definition"].str.len().min() > 20
    assert defs["label"].notna().all()
    columns = set(ind.kpis(small_db).columns)
    for key in ind.INDICATOR_KEYS:
        if key != "satisfied_share":
            assert key in columns, key


# -- state at a date D: before the data date (01/05/2009), reconstructed from dated events;
# -- on and after it, the recorded status (H5 and H7 on 01/06/2009) ---------------------
@pytest.mark.parametrize("household,day,state", [
    ("H1", "2007-03-01", "à enquêter"),  # interviewed on 01/04/2007
    ("H1", "2007-05-01", "diagnostic réalisé"),
    ("H1", "2007-06-05", "proposition en cours"),  # offered 01/06, answered 15/06
    ("H1", "2007-07-01", "en recherche"),  # refused
    ("H1", "2007-10-01", "relogé provisoire"),  # temporary move 01/09/2007
    ("H1", "2008-01-25", "relogé provisoire"),  # accepted an offer, still in the tiroir
    ("H1", "2008-03-01", "relogé"),  # definitive move that day
    ("H4", "2008-08-01", "en recherche"),
    ("H4", "2008-09-01", "départ autonome"),  # exit date
    ("H5", "2008-10-01", "diagnostic réalisé"),
    ("H5", "2009-06-01", "relogé provisoire"),
    ("H6", "2009-01-10", "proposition en cours"),
    ("H6", "2009-02-01", "en recherche"),
    ("H7", "2009-06-01", "à enquêter"),  # never interviewed
    ("H8", "2008-01-01", "en recherche"),  # refused twice in 2007; third offer 01/02/2008
    ("H8", "2008-02-05", "proposition en cours"),  # answered 08/02/2008
    ("H8", "2008-02-10", "accord"),  # accepted, moves on 01/03/2008
])
def test_state_at_a_date(small_db, household, day, state):
    when = date.fromisoformat(day)
    states = ind.household_states(small_db, Scope(as_of=when)).set_index("household_id")
    assert states.loc[household, "state"] == state


def test_without_a_date_the_stored_status_is_used(small_db):
    states = ind.household_states(small_db)
    assert (states["state"] == states["status"]).all()


def test_kpis_at_a_date(small_db):
    row = total(small_db, Scope(as_of=date(2008, 3, 10)))
    # rehoused by then: H1 (01/03), H3 (its first definitive move, 01/01/2008) and H8
    # (01/03); H2 moves on 15/03 and H9 on 01/04
    assert row["rehoused"] == 3
    assert row["exits"] == 0  # H4 left on 01/09/2008
    assert row["temporary"] == 0
    assert row["households_total"] == 9
    # offers answered by then: H1 refused + accepted, H2 accepted, H4 3 refused,
    # H8 2 refused + accepted; H5's and H6's offers come later
    assert (row["refusal_rate_num"], row["refusal_rate_den"]) == (6, 9)
    # definitive moves dated by then: H1 off site, H3's first move on site, H8 off site
    assert (row["offsite_share_num"], row["offsite_share_den"]) == (2, 3)


def test_demo_states_at_its_date_are_its_statuses(demo_db):
    """At the demo date (its data date) the state is the recorded status by rule; the
    demo's statuses also agree with its events (tests/test_demo.py, and no « statut
    saisi contredit » warning: tests/test_status_rule.py)."""
    from relog_data.demo import DEMO_DATE

    states = ind.household_states(demo_db, Scope(as_of=DEMO_DATE))
    assert (states["state"] == states["status"]).all()
    stored = ind.kpis(demo_db).query("is_total").iloc[0]
    at_date = ind.kpis(demo_db, Scope(as_of=DEMO_DATE)).query("is_total").iloc[0]
    for key in ("rehoused", "temporary", "exits", "remaining", "offsite_share", "refusal_rate",
                "rest_to_pay_median_change", "rent_compensation_eur"):
        assert stored[key] == pytest.approx(at_date[key]), key


def test_landlord_filter(small_db):
    assert total(small_db, Scope(landlords=("Bailleur A",)))["households_total"] == 9
    assert total(small_db, Scope(landlords=("Autre",)))["households_total"] == 0
