"""Steering indicators on the hand-built fixture: projection, buildings at risk,
follow-ups, offers, calendar."""

from datetime import date, timedelta

import pandas as pd
import pytest

from relog_data import indicators as ind
from relog_data.indicators import Scope


def total_projection(db, when):
    frame = ind.projection(db, Scope(as_of=when))
    return frame[frame["is_total"]].iloc[0]


def test_projection_from_a_known_pace(small_db):
    row = total_projection(small_db, date(2008, 6, 30))
    # done by 30/06/2008: H3 (01/01), H1 and H8 (01/03), H2 (15/03), H9 (01/04): 5 of 9,
    # all within the last 6 months: 5/6 per month; 4 remaining -> 4.8 months
    assert (row["done"], row["remaining"], row["done_last_6_months"]) == (5, 4, 5)
    assert row["pace_per_month"] == pytest.approx(5 / 6)
    days = -(-4 * 6 * 30.4375 // 5)  # ceil(4.8 months in days) = 147
    assert row["projected_end"].date() == date(2008, 6, 30) + timedelta(days=int(days))
    planned_end = date(2009, 12, 31)
    gap = (date(2008, 6, 30) + timedelta(days=int(days)) - planned_end).days / 30.4375
    assert row["gap_months"] == pytest.approx(round(gap, 1))


def test_projection_with_zero_pace(small_db):
    row = total_projection(small_db, date(2009, 6, 1))
    # H4 left on 01/09/2008, the last event; nothing in the 6 months before 01/06/2009
    assert (row["done"], row["done_last_6_months"]) == (6, 0)
    assert pd.isna(row["projected_end"])
    points = ind.attention_points(small_db, Scope(as_of=date(2009, 6, 1)))
    assert any("rythme nul" in p["text"] for p in points)


def test_progress_series_reaches_the_totals(small_db):
    series = ind.progress_series(small_db, Scope(as_of=date(2009, 6, 1)))
    assert series["day"].iloc[-1].date() == date(2009, 6, 1)
    assert series["done"].iloc[-1] == 6
    assert series["done"].is_monotonic_increasing
    # phases plan 4 + 2 + 2 households from 01/01/2007 to 31/12/2009
    assert series["planned"].iloc[-1] == pytest.approx(8 * (882 / 1095), rel=1e-3)


@pytest.mark.parametrize("when,expected", [
    (date(2009, 6, 1), []),  # demolitions on 30/06/2010: more than 6 months away
    (date(2010, 1, 15), [("A2", 2, False)]),  # H6 and H7 still inside A2
    (date(2010, 8, 1), [("A2", 2, True)]),  # passed without a real demolition
])
def test_buildings_at_risk(small_db, when, expected):
    risk = ind.buildings_at_risk(small_db, Scope(as_of=when))
    got = [(r.building_code, r.still_inside, bool(r.overdue)) for r in risk.itertuples()]
    assert got == expected


def test_followups_overdue(small_db):
    late = ind.followups_overdue(small_db, Scope(as_of=date(2009, 6, 1)))
    # rehoused more than 3 months before with no contact: all but H1 (contact 15/04/2008)
    assert sorted(late["household_id"]) == ["H2", "H3", "H8", "H9"]


def test_offers_detail_and_reasons(small_db):
    offers = ind.offers_detail(small_db, Scope(as_of=date(2009, 6, 1))).set_index("household_id")
    assert (offers.loc["H4", "refused"], offers.loc["H5", "pending"]) == (3, 1)
    assert offers.loc["H7", "offers"] == 0
    reasons = ind.refusal_reasons(small_db, Scope(as_of=date(2009, 6, 1)))
    assert dict(zip(reasons["reason"], reasons["refused"])) == {
        "loyer": 3, "localisation": 1, "typologie": 1, "autre": 1, "environnement": 1}


def test_workload(small_db):
    work = ind.workload(small_db, Scope())
    assert work["households"].sum() == 9
    assert set(work["officer"]) == {"Agent A"}


def test_timeline_slippage(small_db):
    timeline = ind.timeline(small_db, Scope(as_of=date(2010, 3, 31)))
    phases = timeline[timeline["level"] == "phase"].set_index(["operation_code", "phase_number"])
    # planned end 31/12/2009, not finished at 31/03/2010: 90 days late
    assert phases.loc[("OPA", 1), "slippage_months"] == pytest.approx(round(90 / 30.4375, 1))
    buildings = timeline[timeline["level"] == "building"].set_index("building_code")
    assert buildings.loc["A1", "first_rehousing"].date() == date(2008, 1, 1)
    assert buildings.loc["A1", "last_rehousing"].date() == date(2008, 9, 1)
    assert pd.isna(buildings.loc["A1", "slippage_months"])  # demolition not due yet


def test_quality_breakdown(small_db):
    frame = ind.quality_breakdown(small_db, Scope())
    comp = frame[frame["dimension"] == "compensation"].set_index("grp")
    assert comp["amount"].sum() == pytest.approx(6500)
    housing = frame[frame["dimension"] == "housing_type"].set_index("grp")["households"]
    assert (housing["social"], housing["privé"]) == (4, 1)
    occupancy = frame[frame["dimension"] == "occupancy"].set_index("grp")["households"]
    # 3-person households: H3's move has no typology, H8 in a T5 (3 + 2): under-occupied
    assert occupancy["sous-occupation"] == 2  # H8 and H9 in T5
    assert occupancy["non renseigné"] == 1
