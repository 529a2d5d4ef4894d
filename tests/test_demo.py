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


# -- the meeting archive shipped with the demo, and the moves recorded late (#19) ---------------
def _plain(frame: pd.DataFrame) -> list[tuple]:
    """Rows as comparable tuples: dates as dates, missing values as None, codes as text."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = pd.to_datetime(values).dt.date
        values = values.astype(object)
        out[column] = [None if v is None or v is pd.NaT or pd.isna(v)
                       else round(v, 6) if isinstance(v, float) else v for v in values]
    return sorted(zip(*out.values()), key=repr)


def _meeting_ids(demo_db):
    from relog_data import access
    from relog_data.access import Viewer

    listing = access.fetch(demo_db, Viewer("admin"), "meetings", "listing")
    return dict(zip(listing["title"], listing["meeting_id"]))


def _definitive(frames, first, last):
    moves = frames["moves"]
    inside = moves[(moves["nature"] == "définitif") & (moves["move_date"] >= pd.Timestamp(first))
                   & (moves["move_date"] <= pd.Timestamp(last))]
    return set(inside["household_id"])


def test_the_late_households_moved_in_their_window(frames):
    from datetime import date

    set_a, set_b = demo.late_households(frames)
    assert len(set_a) == len(set_b) == 3 and not set(set_a) & set(set_b)
    assert set(set_a) <= _definitive(frames, date(2009, 1, 1), date(2009, 3, 31))
    assert set(set_b) <= _definitive(frames, date(2009, 4, 1), date(2009, 5, 30))
    assert demo.late_households(demo.build_frames()) == (set_a, set_b)
    moves = frames["moves"]
    assert (moves[moves["household_id"].isin(set_a + set_b)]["nature"] == "définitif").all()


def test_the_demo_tables_are_exactly_the_built_frames(demo_db, frames):
    """The late imports only bring back what was withheld: every table of the
    model holds exactly build_frames() (import_log, data_changes, meetings and
    audit rows aside)."""
    from relog_data import model
    from relog_data.export import table_frame

    for table in model.TABLES:
        stored = table_frame(demo_db, table)
        built = frames.get(table.name, pd.DataFrame(columns=stored.columns))
        assert len(stored) == len(built), table.name
        assert _plain(stored) == _plain(built[list(stored.columns)]), table.name
    moves = demo_db.query_text("SELECT household_id, move_date, nature FROM moves")
    assert _plain(moves) == _plain(frames["moves"][["household_id", "move_date", "nature"]])
    status = demo_db.query_text("SELECT household_id, status FROM households")
    assert _plain(status) == _plain(frames["households"][["household_id", "status"]])


def test_the_demo_ships_four_meetings_and_two_late_imports(demo_db, demo_db_path):
    from datetime import date

    from relog_data import access
    from relog_data.access import Viewer

    listing = access.fetch(demo_db, Viewer("admin"), "meetings", "listing")
    rows = {r.title: r for r in listing.itertuples()}
    expected = {
        "Groupe technique relogement — décembre 2008":
            (date(2009, 1, 8), "partenaire", date(2008, 12, 31), None),
        "Groupe technique relogement — mars 2009":
            (date(2009, 4, 2), "partenaire", date(2009, 3, 31),
             "Groupe technique relogement — décembre 2008"),
        "Revue de projet élus — mars 2009": (date(2009, 4, 9), "elu", date(2009, 3, 31), None),
        "Groupe technique relogement — mai 2009":
            (date(2009, 6, 4), "partenaire", date(2009, 5, 30),
             "Groupe technique relogement — mars 2009"),
    }
    assert set(rows) == set(expected)
    ids = {title: r.meeting_id for title, r in rows.items()}
    for title, (day, audience, as_of, previous) in expected.items():
        row = rows[title]
        assert (row.meeting_date, row.audience, row.as_of) == (day, audience, as_of), title
        assert (None if pd.isna(row.previous_id) else row.previous_id) == (
            ids[previous] if previous else None), title
        assert not row.withdrawn
    imports = demo_db.query_text("SELECT imported_by FROM import_log ORDER BY import_id")
    assert list(imports["imported_by"]) == [demo.LATE_USER] * 2
    assert demo_db.is_demo()
    assert not (demo_db_path.parent / "backups").exists()  # the demo keeps no import backup
    from relog_data.report import find_chromium
    from relog_data.errors import RelogError

    try:
        find_chromium()
    except RelogError:
        return
    for meeting_id in ids.values():  # with Chromium, each meeting froze its PDF pack
        pdf = access.fetch(demo_db, Viewer("admin"), "meetings", "file_bytes", meeting_id, "pdf")
        assert pdf is not None and pdf.startswith(b"%PDF"), meeting_id


def _since(demo_db, meeting_id):
    from datetime import date

    from relog_data import access
    from relog_data.access import Viewer

    frame = access.fetch(demo_db, Viewer("admin"), "meetings", "since", meeting_id,
                         date(2009, 6, 30))
    return frame.set_index("figure")


def test_since_the_may_meeting_set_b_is_a_correction(demo_db, frames):
    from datetime import date

    _, set_b = demo.late_households(frames)
    rehoused = _since(demo_db, _meeting_ids(demo_db)["Groupe technique relogement — mai 2009"]
                      ).loc["rehoused"]
    assert rehoused["corrections"] == 3
    assert rehoused["corrected_in"] == sorted(set_b) and rehoused["corrected_out"] == []
    assert rehoused["new"] == len(_definitive(frames, date(2009, 5, 31), date(2009, 6, 30)))
    assert rehoused["change"] == rehoused["new"] + rehoused["corrections"]


def test_since_the_march_meeting_only_set_a_is_a_correction(demo_db, frames):
    from datetime import date

    set_a, set_b = demo.late_households(frames)
    since = _since(demo_db, _meeting_ids(demo_db)["Groupe technique relogement — mars 2009"])
    rehoused = since.loc["rehoused"]
    assert rehoused["corrections"] == 3 and rehoused["corrected_in"] == sorted(set_a)
    assert set(set_b) <= set(rehoused["new_in"])  # moved after 31/03: new events here
    assert rehoused["new"] == len(_definitive(frames, date(2009, 4, 1), date(2009, 6, 30)))
    assert since.loc["still_in_building", "corrections"] == -3


def test_reproducing_the_march_meeting_names_set_a(demo_db, frames):
    from relog_data import access
    from relog_data.access import Viewer

    set_a, _ = demo.late_households(frames)
    ids = _meeting_ids(demo_db)
    differences = access.fetch(demo_db, Viewer("admin"), "meetings", "reproduce",
                               ids["Groupe technique relogement — mars 2009"])
    total = differences[differences["unit"] == "*"].set_index("figure")
    assert total.loc["rehoused", "difference"] == 3
    assert total.loc["rehoused", "households"] == sorted(set_a)
    for household in set_a:
        assert f"{household} : accord → relogé" in total.loc["rehoused", "why"]
    # the December meeting predates every late move: reproduced as it was shown
    assert access.fetch(demo_db, Viewer("admin"), "meetings", "reproduce",
                        ids["Groupe technique relogement — décembre 2008"]).empty


def test_the_demo_build_keeps_other_backups_and_makes_none(tmp_path):
    """Built beside a real database, the demo leaves its backups alone and adds
    none of its own; without the PDFs, its meetings say so."""
    from relog_data.db import Database

    (tmp_path / "backups").mkdir()
    kept = tmp_path / "backups" / "reelle-20090101-000000-000000.duckdb"
    kept.write_bytes(b"copie")
    demo.build_demo(tmp_path / "demo.duckdb", with_files=False)
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [kept.name]
    assert kept.read_bytes() == b"copie"
    with Database(tmp_path / "demo.duckdb") as db:
        notes = db.query_text("SELECT note, pdf_sha256 FROM meetings ORDER BY meeting_id")
        assert db.is_demo()
    assert list(notes["note"]) == ["Séance enregistrée sans rapport PDF."] * 4
    assert notes["pdf_sha256"].isna().all()
