"""Satisfaction survey: intervals, tests, suppression, response rates, page."""

import pytest
from scipy.stats import fisher_exact as scipy_fisher

from relog_data import survey
from relog_data.indicators import Scope
from tests.conftest import start_app


# Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (Wilson score).
@pytest.mark.parametrize("k,n,low,high", [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_against_published_values(k, n, low, high):
    got_low, got_high = survey.wilson_interval(k, n)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


def test_wilson_interval_undefined_without_answers():
    assert survey.wilson_interval(0, 0) == (None, None)


@pytest.mark.parametrize("table", [
    (8, 2, 1, 5), (3, 1, 1, 3), (10, 10, 10, 10), (0, 5, 5, 0), (47, 57, 57, 25),
    (72, 35, 61, 18), (1, 0, 0, 1), (12, 30, 2, 40), (5, 0, 0, 0),
])
def test_fisher_exact_against_scipy(table):
    a, b, c, d = table
    expected = scipy_fisher([[a, b], [c, d]], alternative="two-sided").pvalue
    assert survey.fisher_exact(a, b, c, d) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_shares_with_intervals_exclude_empty_answers(small_db):
    shares = survey.shares(small_db).set_index(["question", "wave"])
    cell = shares.loc[("q_avant_apres", 1)]
    assert (cell["n_answers"], cell["n_empty"], cell["n_satisfied"]) == (1, 1, 1)
    low, high = survey.wilson_interval(1, 1)
    assert (cell["ci_low"], cell["ci_high"]) == (pytest.approx(low), pytest.approx(high))


def test_response_rate_and_timing(small_db):
    waves = survey.waves(small_db).set_index("wave")
    # wave 1 ends 01/10/2008: H1 H2 H3 H8 H9 were rehoused by then; H1 and H2 answered
    assert (waves.loc[1, "respondents"], waves.loc[1, "eligible"]) == (2, 5)
    assert waves.loc[1, "out_of_scope_respondents"] == 0
    assert waves.loc[1, "response_rate"] == pytest.approx(0.4)
    assert waves.loc[2, "response_rate"] == pytest.approx(0.2)
    # months between the move and the survey: H1 214 days, H2 200 days
    assert waves.loc[1, "median_months_since_move"] == pytest.approx((214 + 200) / 2 / 30.4375)
    assert survey.timing_warning(survey.waves(small_db), 1, 2) is None


def test_timing_warning_when_waves_differ(demo_db):
    waves = survey.waves(demo_db)
    text = survey.timing_warning(waves, 1, 2)
    assert text and "pas comparables" in text


def test_no_group_of_1_to_4_respondents_is_ever_visible(small_db, demo_db):
    for db in (small_db, demo_db):
        for dimension in survey.DIMENSIONS:
            table = survey.breakdown(db, Scope(), dimension)
            visible = table[~table["suppressed"]]
            assert (visible["n_answers"] >= survey.MIN_GROUP).all()
            hidden = table[table["suppressed"]]
            assert hidden["n_answers"].isna().all()
            assert hidden["satisfied_share"].isna().all()
    # the fixture's groups are all small: everything is suppressed
    assert survey.breakdown(small_db, Scope(), "operation")["suppressed"].all()


def test_comparison_sentence(demo_db):
    shares = survey.shares(demo_db)
    result = survey.compare(shares, "q_information", 1, 2)
    rows = shares[shares["question"] == "q_information"].set_index("wave")
    expected = (rows.loc[2, "satisfied_share"] - rows.loc[1, "satisfied_share"]) * 100
    assert result["points"] == pytest.approx(expected)
    assert result["text"].startswith(f"+{round(expected)} points entre la vague 1 et la vague 2")
    assert f"n = {int(rows.loc[1, 'n_answers'])} et {int(rows.loc[2, 'n_answers'])}" in result["text"]


def test_small_waves_are_not_compared(small_db):
    result = survey.compare(survey.shares(small_db), "q_information", 1, 2)
    assert result == {"defined": False, "text": "effectif trop faible pour comparer"}


def test_satisfaction_page_shows_the_demo_waves(demo_db_path, demo_db, monkeypatch):
    at = start_app(demo_db_path, monkeypatch)
    at.switch_page("pages/satisfaction.py").run()
    assert not at.exception
    shares = survey.shares(demo_db)
    waves = survey.waves(demo_db)
    table = at.dataframe[1].value.set_index("Question")
    info = shares[shares["question"] == "q_information"].set_index("wave")
    n1, n2 = int(info.loc[1, "n_answers"]), int(info.loc[2, "n_answers"])
    assert f"(n = {n1})" in table.loc["Information sur le projet", "Vague 1"]
    assert f"(n = {n2})" in table.loc["Information sur le projet", "Vague 2"]
    wave_table = at.dataframe[0].value
    assert wave_table["Répondants"].tolist() == [str(v) for v in waves["respondents"]]
    assert any("pas comparables" in w.value for w in at.warning)
    captions = " ".join(c.value for c in at.caption)
    assert survey.compare(shares, "q_logement", 1, 2)["text"] in captions
    # breakdown by operation: only Vaulx-en-Velin was surveyed
    at.radio[0].set_value("operation").run()
    detail = at.dataframe[2].value
    assert set(detail["Opération"]) == {"Vaulx-en-Velin – Mas du Taureau / Pré de l'Herpe"}
    assert "nan" not in detail.to_string().lower()


def test_a_single_wave_is_not_compared_with_itself(demo_db):
    """One wave only: no "±0 points, p = 1,000" against itself."""
    shares = survey.shares(demo_db, Scope())
    wave = int(shares["wave"].min())
    table = survey.comparison_table(shares, wave, wave)
    assert list(table.columns) == ["question", "Question", f"Vague {wave}"]
    both = survey.comparison_table(shares, wave, int(shares["wave"].max()))
    assert "Écart" in both.columns and "Écart significatif ?" in both.columns
