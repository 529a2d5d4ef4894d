"""Code lists: defined once, complete, used consistently."""

from relog_data import codes
from relog_data.db import load_sql
from relog_data.model import SURVEY_QUESTIONS, TABLES


def test_values_unique_and_named():
    names = [c.name for c in codes.ALL_CODE_LISTS]
    assert len(names) == len(set(names))
    for code_list in codes.ALL_CODE_LISTS:
        assert len(code_list.values) == len(set(code_list.values)), code_list.name


def test_status_order_and_groups():
    assert codes.HOUSEHOLD_STATUS.values[0] == "à enquêter"
    assert codes.HOUSEHOLD_STATUS.values[5] == "relogé"
    assert len(codes.HOUSEHOLD_STATUS.values) == 9
    assert set(codes.STILL_IN_BUILDING) | {"relogé", "relogé provisoire"} | set(
        codes.EXIT_STATUSES) == set(codes.HOUSEHOLD_STATUS.values)


def test_one_distinct_colour_per_status():
    assert set(codes.STATUS_COLOURS) == set(codes.HOUSEHOLD_STATUS.values)
    assert len(set(codes.STATUS_COLOURS.values())) == len(codes.STATUS_COLOURS)


def test_every_code_column_has_a_list_in_all_code_lists():
    for table in TABLES:
        for col in table.columns:
            if col.kind == "code":
                assert col.codes in codes.ALL_CODE_LISTS, (table.name, col.name)


def test_satisfied_answers_match_the_sql_definition():
    sql = load_sql("satisfaction")
    for _, scale, _ in SURVEY_QUESTIONS:
        for value in scale.values:
            quoted = "'" + value.replace("'", "''") + "'"
            in_sql = sql.count(quoted) >= 2  # listed in n_satisfied and in the share
            assert in_sql == (value in codes.SATISFIED_ANSWERS), value
    # every scale has at least one satisfied and one unsatisfied answer
    for _, scale, _ in SURVEY_QUESTIONS:
        kinds = {v in codes.SATISFIED_ANSWERS for v in scale.values}
        assert kinds == {True, False}
