"""The demo programme: the source's figures, consistency, determinism."""

import pandas as pd
import pytest

from relog_data import demo, indicators as ind
from relog_data.checks import run_checks
from relog_data.indicators import Scope


@pytest.fixture(scope="module")
def frames():
    return demo.build_frames()


def counts(db, scope):
    frame = ind.kpis(db, scope)
    return frame[frame["is_total"]].iloc[0]


def statuses(db, scope):
    frame = ind.status_counts(db, scope, level="total")
    return dict(zip(frame["status"], frame["households"]))


def test_vaulx_phase_1_490_households_390_rehoused_the_others_exits(demo_db):
    row = counts(demo_db, Scope(("VAULX-MDT",), (1,)))
    assert row["households_total"] == 490
    assert row["rehoused"] == 390
    assert row["exits"] == 100
    assert row["remaining"] == 0


def test_vaulx_phase_2_344_households_in_progress(demo_db):
    row = counts(demo_db, Scope(("VAULX-MDT",), (2,)))
    assert row["households_total"] == 344
    assert 0 < row["progress_rate"] < 1
    assert row["still_in_building"] > 0 and row["temporary"] > 0


def test_severine_68_households_66_rehoused(demo_db):
    row = counts(demo_db, Scope(("STE-SEVERINE",)))
    assert (row["households_total"], row["rehoused"]) == (68, 66)
    assert row["remaining"] == 0


def test_champratel_92_planned_97_rehoused_5_split_households_4_landlords(demo_db, frames):
    overview = ind.operations_overview(demo_db, Scope(("CLERMONT-CHAMPRATEL",))).iloc[0]
    assert overview["households_planned"] == 92
    row = counts(demo_db, Scope(("CLERMONT-CHAMPRATEL",)))
    assert (row["households_total"], row["rehoused"]) == (97, 97)
    households = frames["households"]
    champ = households[households["household_id"].str.startswith("CCH-")]
    assert champ["origin_household_id"].notna().sum() == 5
    moves = frames["moves"]
    landlords = moves[moves["household_id"].str.startswith("CCH-")]["landlord"]
    social = set(landlords) - {"Bailleur privé", "Accession à la propriété", "Résidence sociale"}
    assert len(social) == 4


@pytest.mark.parametrize("code,n", [("BRON-TERRAILLON", 64), ("STE-DAMEBLANCHE", 66)])
def test_bron_and_dame_blanche_in_progress(demo_db, code, n):
    row = counts(demo_db, Scope((code,)))
    assert row["households_total"] == n
    assert 0 < row["progress_rate"] < 1


def test_source_dwelling_counts(frames):
    dwellings = dict(zip(frames["buildings"]["name"], frames["buildings"]["dwellings"]))
    assert dwellings["Mont Pilat"] == 200
    assert dwellings["F. Ponge"] == 105
    assert dwellings["G. Bachelard"] == 153
    assert dwellings["La Luère (1ère phase)"] == 108
    assert dwellings["Echarmeaux 1"] == 182
    assert dwellings["Echarmeaux 2"] == 93
    assert dwellings["La Luère (2e phase)"] == 124
    by_op = frames["buildings"].groupby("operation_code")["dwellings"].sum()
    assert by_op["BRON-TERRAILLON"] == 101
    assert by_op["STE-DAMEBLANCHE"] == 157
    assert by_op["STE-SEVERINE"] == 99
    assert by_op["CLERMONT-CHAMPRATEL"] == 142


def test_some_operations_finished_others_running_at_demo_date(demo_db):
    assert ind.data_date(demo_db).isoformat() == "2009-06-30"
    per_op = ind.kpis(demo_db, level="operation")
    per_op = per_op[~per_op["is_total"]].set_index("group_key")
    assert per_op.loc["STE-SEVERINE", "still_in_building"] == 0
    assert per_op.loc["BRON-TERRAILLON", "still_in_building"] > 0


def test_demo_passes_the_dictionary_validation_rules(demo_db):
    problems = run_checks(demo_db)
    assert problems.empty, problems.to_string()


def test_no_event_after_the_demo_date(frames):
    limit = pd.Timestamp(demo.DEMO_DATE)
    for table, col in [("moves", "move_date"), ("offers", "offer_date"),
                       ("offers", "response_date"), ("followups", "contact_date"),
                       ("survey_answers", "survey_date"), ("households", "exit_date"),
                       ("households", "diagnosis_date")]:
        assert (frames[table][col].dropna() <= limit).all(), (table, col)


def test_statuses_agree_with_events(frames):
    """The stored status is the state the events give at the demo date."""
    h = frames["households"].set_index("household_id")
    offers = frames["offers"]
    moves = frames["moves"]
    for status in ("accord", "proposition en cours", "en recherche", "diagnostic réalisé"):
        ids = h.index[h["status"] == status]
        mine = offers[offers["household_id"].isin(ids)]
        if status == "accord":
            assert set(mine.loc[mine["response"] == "acceptée", "household_id"]) == set(ids)
        if status == "proposition en cours":
            assert set(mine.loc[mine["response"] == "en attente", "household_id"]) == set(ids)
        if status == "en recherche":
            assert set(mine.loc[mine["response"] == "refusée", "household_id"]) == set(ids)
            assert (mine["response"] == "refusée").all()
        if status == "diagnostic réalisé":
            assert mine.empty
        assert not moves["household_id"].isin(ids).any()
    assert h.loc[h["status"] == "à enquêter", "diagnosis_date"].isna().all()


def test_two_survey_waves_at_vaulx(demo_db, frames):
    shares = ind.satisfaction(demo_db)
    assert sorted(shares["wave"].unique()) == [1, 2]
    assert frames["survey_answers"]["household_id"].str.startswith("VMT-").all()


def test_demo_is_deterministic(frames):
    first, second = frames, demo.build_frames()
    for table in first:
        pd.testing.assert_frame_equal(first[table], second[table])
