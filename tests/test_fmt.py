from datetime import date

import pandas as pd

from relog_data import fmt

T, N = "\u202f", "\u00a0"


def test_numbers():
    assert fmt.integer(1129) == f"1{T}129"
    assert fmt.number(1234.5, 1) == f"1{T}234,5"
    assert fmt.integer(0) == "0"


def test_shares_and_undefined():
    assert fmt.share(0.748) == f"74,8{N}%"
    assert fmt.share(None) == "—"
    assert fmt.share(float("nan")) == "—"
    assert fmt.share(pd.NA) == "—"
    assert fmt.share(0) == f"0,0{N}%"


def test_ratio_and_share_with_n():
    assert fmt.ratio(312, 490) == "312 / 490"
    assert fmt.share_with_n(579, 703) == f"82,4{N}% (579 / 703)"
    assert fmt.share_with_n(0, 0) == "— (0 / 0)"


def test_money_and_dates():
    assert fmt.euros(421000) == f"421{T}000{N}€"
    assert fmt.signed_euros(35.9) == f"+36{N}€"
    assert fmt.signed_euros(-12) == f"\u221212{N}€"
    assert fmt.day(date(2008, 3, 31)) == "31/03/2008"
    assert fmt.day("2009-06-30") == "30/06/2009"
    assert fmt.day(pd.Timestamp("2009-06-30")) == "30/06/2009"
    assert fmt.day(None) == "—"


def test_days_of_a_column_equal_day_one_by_one():
    stamps = pd.Series(pd.to_datetime(["2009-06-30", None, "2008-03-31 14:05"], format="ISO8601"))
    assert fmt.days(stamps) == ["30/06/2009", "—", "31/03/2008"]
    assert fmt.days(stamps) == [fmt.day(v) for v in stamps]
    mixed = ["2009-06-30", None, date(2008, 3, 31)]  # not a date column: one by one
    assert fmt.days(mixed) == ["30/06/2009", "—", "31/03/2008"]
    assert fmt.days(pd.Series([], dtype="datetime64[ns]")) == []
