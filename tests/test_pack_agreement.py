"""The elected officials' pack, its annex and the pages agree cell by cell
(issue #16): for the demo, several scopes and several publication dates, every
figure of the elu pack's tables is the gateway's (access.fetch as an `elu`
viewer, what the pages show for the same scope and date), every hidden cell is
hidden in both, and the annex workbook holds exactly the pack's cells."""

from __future__ import annotations

import re
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from relog_data import access, fmt, privacy, report
from relog_data.access import Viewer
from relog_data.indicators import Scope

S = privacy.HIDDEN
# (situation date asked for, previous meeting asked for): publication dates
# themselves, then dates inside a quarter that the release moves back.
DATES = [(date(2009, 6, 30), date(2008, 12, 31)), (date(2008, 11, 15), date(2008, 5, 2))]
SCOPES = [(), ("STE-DAMEBLANCHE", "STE-SEVERINE"), ("BRON-TERRAILLON",)]


# -- reading a cell as the reader would ----------------------------------------------------------
_NUM = r"[+\-]?\d{1,3}(?: \d{3})*(?:,\d+)?"
_SHARE_N = re.compile(rf"^({_NUM}|—) % \(({_NUM}) / ({_NUM})\)$|^— \(({_NUM}) / ({_NUM})\)$")
_WILSON = re.compile(rf"^{_NUM} % \[{_NUM} % – {_NUM} %\] \(n = ({_NUM})\)$")


def _plain(text: str) -> str:
    return (str(text).replace("\u202f", " ").replace("\u00a0", " ").replace("\u2212", "-")
            .replace("\u2009", " ").strip())


def _number(text: str) -> float:
    value = float(_plain(text).replace(" ", "").replace(",", "."))
    return int(value) if value.is_integer() else value


def parse(value):
    """A pack cell as a comparable value: S (hidden), a number, ("share", num,
    den), ("n", n) for a survey cell, a day, or the text itself."""
    if value is None or fmt.is_missing(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else round(float(value), 4)
    if isinstance(value, (pd.Timestamp, datetime)):
        return pd.Timestamp(value).date()
    if isinstance(value, date):
        return value
    text = _plain(value)
    if text == S:
        return S
    if text == "stable":
        return 0
    share = _SHARE_N.match(text)
    if share:
        num, den = (share[2], share[3]) if share[2] else (share[4], share[5])
        return ("share", _number(num), _number(den))
    wilson = _WILSON.match(text)
    if wilson:
        return ("n", _number(wilson[1]))
    if re.fullmatch(rf"{_NUM}", text):
        return _number(text)
    if re.fullmatch(rf"{_NUM} %", text):
        return round(_number(text[:-2]) / 100, 4)
    if re.fullmatch(rf"{_NUM} €", text):
        return _number(text[:-2])
    if re.fullmatch(rf"{_NUM} points?", text):
        return _number(text.split(" point")[0])
    return text


def count(value):
    """A gateway count as the pack must show it: S when hidden."""
    return S if fmt.is_missing(value) else int(value)


def share(num, den):
    return S if fmt.is_missing(num) or fmt.is_missing(den) else ("share", int(num), int(den))


# -- the annex read back -------------------------------------------------------------------------
def annex_rows(book, name: str) -> list[dict]:
    """The rows of an annex sheet, the columns split by the annex (share,
    numerator, denominator; share, interval, n) merged back into one value."""
    rows = list(book[name[:31]].iter_rows(values_only=True))
    header, out = list(rows[0]), []
    for row in rows[1:]:
        cells = dict(zip(header, row))
        merged = {}
        for column, value in cells.items():
            if column.endswith(" (%)"):
                base = column[:-4]
                if f"{base} — numérateur" in cells:
                    num, den = cells[f"{base} — numérateur"], cells[f"{base} — dénominateur"]
                    merged[base] = (("share", int(num), int(den)) if num is not None
                                    else parse(value))
                elif f"{base} — n" in cells:
                    n = cells[f"{base} — n"]
                    merged[base] = ("n", int(n)) if n is not None else parse(value)
                else:
                    merged[base] = parse(value)
            elif " — " in column and column.rsplit(" — ", 1)[0] + " (%)" in cells:
                continue
            else:
                merged[column] = parse(value)
        out.append(merged)
    return out


def pack_rows(frame: pd.DataFrame) -> list[dict]:
    if frame.index.name is not None:
        frame = frame.reset_index()
    return [{c: parse(v) for c, v in row.items()} for row in frame.to_dict("records")]


def same_cell(pack_value, annex_value) -> bool:
    if isinstance(pack_value, tuple) and pack_value[0] == "share" \
            and isinstance(annex_value, (int, float)):
        # a lone share among counts is typed as a percentage (its counts are
        # cells of the same table)
        return pack_value[2] > 0 and abs(pack_value[1] / pack_value[2] - annex_value) < 0.0006
    if isinstance(pack_value, float) or isinstance(annex_value, float):
        return (pack_value is not None and annex_value is not None
                and not isinstance(pack_value, (str, tuple))
                and not isinstance(annex_value, (str, tuple))
                and abs(float(pack_value) - float(annex_value)) < 0.0006)
    return pack_value == annex_value


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def elu_packs(demo_db_path, tmp_path_factory):
    """(scope, dates) -> (pack, annex path), figures as empty SVGs (cells only)."""
    from relog_data.db import Database

    folder = tmp_path_factory.mktemp("agreement")
    saved = report._svg
    report._svg = lambda fig, width=None, height=None: "<svg></svg>"
    out = {}
    try:
        with Database(demo_db_path, read_only=True) as db:
            for operations in SCOPES:
                for as_of, reference in DATES:
                    pack = report.build(db, Scope(operations, as_of=as_of), reference, "elu")
                    annex = folder / f"{'-'.join(operations) or 'all'}-{as_of}.xlsx"
                    report.write_annex(pack["tables"], annex, pack["readme"],
                                       pack["definitions"])
                    out[operations, as_of] = (pack, annex)
    finally:
        report._svg = saved
    return out


def gateway(db, operations, when):
    """What an elu page fetches for this scope at the date it asks for (an
    official of the whole programme who filters on these operations)."""
    viewer = Viewer("elu")
    scope = Scope(operations, as_of=when)

    def fetch(module, function, *args):
        return access.fetch(db, viewer, module, function, *args)
    return fetch, scope


CASES = [(ops, as_of, ref) for ops in SCOPES for as_of, ref in DATES]


def _ids(case):
    ops, as_of, _ = case
    return f"{'+'.join(ops) or 'tout'}@{as_of}"


# -- the dates -----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_the_pack_is_at_publication_dates(case, elu_packs, demo_db):
    operations, as_of, reference = case
    pack, _ = elu_packs[operations, as_of]
    fetch, _ = gateway(demo_db, operations, as_of)
    dates = fetch("release", "publication_dates")
    from relog_data.release import snap

    assert pack["scope"].as_of == snap(dates, as_of) in dates
    assert pack["reference"] in (snap(dates, reference), None)
    kpis = fetch("indicators", "kpis", Scope(operations, as_of=as_of), "total")
    assert kpis.attrs["as_of"] == pack["scope"].as_of
    assert f"Données au {fmt.day(pack['scope'].as_of)}" in pack["html"]


# -- pack and gateway ----------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_pack_tables_are_the_gateway_cells(case, elu_packs, demo_db):
    operations, as_of, reference = case
    pack, _ = elu_packs[operations, as_of]
    tables = {name: pack_rows(frame) for name, frame in pack["tables"].items()}
    fetch, scope = gateway(demo_db, operations, as_of)
    options = fetch("indicators", "scope_options")
    names = dict(zip(options["code"], options["label"]))
    checked = 0

    # Chiffres clés: the value, the change since the previous meeting
    now = fetch("indicators", "kpis", scope, "total").query("is_total").iloc[0]
    before = (fetch("indicators", "kpis", scope.at(pack["reference"]), "total")
              .query("is_total").iloc[0] if pack["reference"] else None)
    key = {row["Indicateur"]: row for row in tables["Chiffres clés"]}
    at = f"Au {fmt.day(pack['scope'].as_of)}"
    since = f"Depuis le {fmt.day(pack['reference'])}" if pack["reference"] else "Évolution"
    for label, column in report.KEY_FIGURES:
        assert key[label][at] == count(now[column]), label
        if before is not None:
            both = not fmt.is_missing(now[column]) and not fmt.is_missing(before[column])
            expected = int(now[column]) - int(before[column]) if both else S
            assert key[label][since] == expected, (label, key[label][since], expected)
        checked += 2
    assert key[report.PROGRESS_RATE][at] == share(now["progress_rate_num"],
                                                  now["progress_rate_den"])

    # Avancement par opération
    overview = fetch("indicators", "operations_overview", scope)
    rows = {row["Opération"]: row for row in tables["Avancement par opération"]}
    assert set(rows) == {names.get(c, c) for c in overview["operation_code"]}
    for record in overview.to_dict("records"):
        row = rows[names.get(record["operation_code"], record["operation_code"])]
        for title, column in report.progress_columns(True):
            assert row[title] == count(record[column]), (row["Opération"], title)
            checked += 1
        assert row["Avancement"] == share(record["progress_rate_num"],
                                          record["progress_rate_den"])

    # Statuts par opération: the four statuses officials see
    statuses = fetch("indicators", "status_counts", scope, "operation")
    shown = {(r["Opération"], r["Statut"]): r["Ménages"] for r in tables["Statuts par opération"]}
    expected = {(names.get(g, g), s): count(h) for g, s, h in
                zip(statuses["group_key"], statuses["status"], statuses["households"])}
    assert shown == expected
    checked += len(expected)

    # Courbe d'avancement: the published points, one per publication date
    series = fetch("indicators", "progress_series", scope)
    curve = tables["Courbe d'avancement"]
    assert [r["Date"] for r in curve] == [pd.Timestamp(d).date() for d in series["day"]]
    assert [r[report.CURVE_DONE] for r in curve] == [count(v) for v in series["done"]]
    assert all(d <= pack["scope"].as_of for d in (r["Date"] for r in curve))
    checked += len(curve)

    # Points d'attention
    points = fetch("indicators", "attention_points", scope)
    assert [(r["Type"], r["Détail"]) for r in tables["Points d'attention"]] == \
        [(p["kind"], p["text"]) for p in points]

    # Communes de destination (and Satisfaction): for the whole programme only
    whole = not operations
    if not whole:
        assert "Communes de destination" not in tables and "Satisfaction" not in tables
        with pytest.raises(access.AccessDenied):
            fetch("geo", "commune_aggregates", scope)
    else:
        communes = fetch("geo", "commune_aggregates", scope)
        rows = tables["Communes de destination"]
        assert [r["Commune"] for r in rows] == list(communes["commune"])
        for row, record in zip(rows, communes.to_dict("records")):
            for title, column in report.DESTINATION_COLUMNS:
                assert row[title] == count(record[column]), (row["Commune"], title)
                checked += 1

    # Qualité du relogement: shares with their counts, compensation amounts
    per_op = fetch("indicators", "kpis", scope, "total")  # no quality per operation
    quality = pack["tables"]["Qualité du relogement"]
    assert list(quality.columns) == ["Ensemble"]
    for record in per_op.to_dict("records"):
        name = "Ensemble" if record["is_total"] else names.get(record["group_key"])
        for label, column in report.QUALITY_SHARES:
            assert parse(quality.loc[label, name]) == share(record[f"{column}_num"],
                                                            record[f"{column}_den"]), (name, label)
            checked += 1
        amount = record["rent_compensation_eur"]
        assert parse(quality.loc[report.COMPENSATION, name]) == (
            S if fmt.is_missing(amount) else parse(fmt.euros(amount))), name
        assert parse(quality.loc[report.REST_TO_PAY_UP, name]) == share(
            record["rest_to_pay_increase_share_num"], record["rest_to_pay_increase_share_den"])

    # Satisfaction: the number of answers behind each wave's share
    answers = fetch("survey", "shares", scope) if whole else []
    if len(answers):
        from relog_data.survey import SURVEY_QUESTIONS

        wording = {q: w for q, _, w in SURVEY_QUESTIONS}
        rows = {r["Question"]: r for r in tables["Satisfaction"]}
        for record in answers.to_dict("records"):
            cell = rows[wording[record["question"]]].get(f"Vague {int(record['wave'])}")
            if fmt.is_missing(record["n_answers"]):
                assert cell == S, record
            elif record["n_answers"] >= 5:
                assert cell == ("n", int(record["n_answers"])), record
            checked += 1
    assert checked > (30 if whole else 10)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_no_section_reads_what_officials_may_not_see(case, elu_packs, demo_db, monkeypatch):
    """Every fetch of the elu pack is allowed to elu; household tables absent."""
    operations, as_of, reference = case
    calls = []
    real = access.fetch

    def spy(db, viewer, module, function, *args, **kwargs):
        calls.append((viewer.role, module, function))
        return real(db, viewer, module, function, *args, **kwargs)

    monkeypatch.setattr(access, "fetch", spy)
    monkeypatch.setattr(report, "_svg", lambda fig, width=None, height=None: "<svg></svg>")
    report.build(demo_db, Scope(operations, as_of=as_of), reference, "elu")
    refused = {("indicators", f) for f in ("buildings_at_risk", "refusal_reasons",
                                           "quality_breakdown", "offers_detail",
                                           "household_states", "workload")} | {
        ("survey", "distribution"), ("survey", "breakdown"), ("geo", "destinations")}
    assert calls and {role for role, *_ in calls} == {"elu"}
    assert not {(m, f) for _, m, f in calls} & refused
    assert "Ménages à 3 refus ou plus" not in elu_packs[operations, as_of][0]["tables"]


# -- pack and annex ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_annex_holds_exactly_the_pack_cells(case, elu_packs):
    operations, as_of, _ = case
    pack, path = elu_packs[operations, as_of]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Lisez-moi"] + [n[:31] for n in pack["tables"]]
    for name, frame in pack["tables"].items():
        expected, written = pack_rows(frame), annex_rows(book, name)
        assert len(written) == len(expected), name
        for i, (a, b) in enumerate(zip(expected, written)):
            assert list(a) == list(b), (name, list(a), list(b))
            for column in a:
                assert same_cell(a[column], b[column]), (name, i, column, a[column], b[column])
    readme = {r[0]: r[1] for r in book["Lisez-moi"].iter_rows(max_col=2, values_only=True)}
    assert readme["Date de situation"].date() == pack["scope"].as_of
    assert readme.get("Cases masquées") == privacy.NOTE


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_no_raw_cumulative_value_nor_small_count_in_the_annex(case, elu_packs, demo_db):
    operations, as_of, _ = case
    pack, path = elu_packs[operations, as_of]
    book = openpyxl.load_workbook(path)
    fetch, scope = gateway(demo_db, operations, as_of)
    dates = set(fetch("release", "publication_dates"))
    curve = annex_rows(book, "Courbe d'avancement")
    assert curve and {r["Date"] for r in curve} <= dates  # quarterly points only
    for name in ("Chiffres clés", "Avancement par opération", "Statuts par opération",
                 "Courbe d'avancement", "Communes de destination"):
        if name not in book.sheetnames:
            continue
        for row in annex_rows(book, name):
            for column, value in row.items():
                if column in ("Date", "Prévus", "Prévu (cumul)"):
                    continue
                if isinstance(value, int):
                    assert not 0 < abs(value) < privacy.THRESHOLD, (name, column, value)
