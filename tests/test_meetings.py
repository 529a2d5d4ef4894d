"""Issue #19: the meeting archive (relog_data/meetings.py) on a hand-made fixture.

Two operations: OP (building B1, households H1–H5) and OQ (building B2, H6).
At the first import H1 and H2 are rehoused (moves of 10/01 and 10/02/2009), H3
and H4 have had their diagnosis and H5's diagnosis is dated 20/04/2009 (so
that 31/03/2009 is a past date, rebuilt from events). A meeting frozen at
31/03/2009 shows 2 rehoused. Then a second import records H3's move of
01/03/2009 (late: a correction of the past) and H4's move of 01/05/2009 (a new
event). Compared at 01/05/2009: rehoused 2 -> 4 = +1 new (H4) +1 correction (H3).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date

import pandas as pd
import pytest

from relog_data import access, meetings, report
from relog_data.access import AccessDenied, Viewer
from relog_data.db import Database
from relog_data.errors import RelogError
from relog_data.importer import import_sources
from relog_data.indicators import Scope
from relog_data.sources import Source

HEADER = "id_menage;code_batiment;nom_titulaire;nb_personnes;statut;date_enquete\n"
FIRST = {
    "operations.csv": "code_operation;nom;commune;type_intervention\n"
                      "OP;Op;Bron;démolition\nOQ;Oq;Bron;démolition\n",
    "batiments.csv": "code_batiment;code_operation;nom;nb_logements;bailleur\n"
                     "B1;OP;Bâtiment 1;10;Alliade\nB2;OQ;Bâtiment 2;10;Alliade\n",
    "menages.csv": HEADER + "H1;B1;Dupont;3;relogé;05/01/2009\n"
                            "H2;B1;Martin;2;relogé;05/01/2009\n"
                            "H3;B1;Durand;1;diagnostic réalisé;05/01/2009\n"
                            "H4;B1;Petit;1;diagnostic réalisé;05/01/2009\n"
                            "H5;B1;Roux;1;diagnostic réalisé;20/04/2009\n"
                            "H6;B2;Blanc;2;diagnostic réalisé;06/01/2009\n",
    "relogements.csv": "id_menage;date_relogement;nature;commune\n"
                       "H1;10/01/2009;définitif;Bron\nH2;10/02/2009;définitif;Bron\n",
}
SECOND = {  # H3's move recorded late (dated before the meeting), H4's new move
    "menages.csv": HEADER + "H3;B1;Durand;1;relogé;05/01/2009\n"
                            "H4;B1;Petit;1;relogé;05/01/2009\n",
    "relogements.csv": "id_menage;date_relogement;nature;commune\n"
                       "H3;01/03/2009;définitif;Bron\nH4;01/05/2009;définitif;Bron\n",
}
MEETING_AT, NOW = date(2009, 3, 31), date(2009, 5, 1)
ADMIN = Viewer("admin", login="admin.test")


def imported(db: Database, files: dict) -> None:
    result = import_sources(db, [Source(n, t.encode("utf-8")) for n, t in files.items()],
                            user="agent.test")
    assert result.committed, result.problems_frame().to_string()


@pytest.fixture()
def db(tmp_path):
    database = Database(tmp_path / "base.duckdb", read_only=False, create=True)
    imported(database, FIRST)
    yield database
    database.close()


def freeze(db, audience="partenaire", viewer=ADMIN, scope=Scope(as_of=MEETING_AT), **kw):
    kw.setdefault("with_files", False)
    return meetings.create(db, viewer, meeting_date=date(2009, 4, 2), title="GTR avril",
                           audience=audience, scope=scope, **kw)


def split(db, meeting_id, viewer=ADMIN, as_of=NOW) -> pd.DataFrame:
    return access.fetch(db, viewer, "meetings", "since", meeting_id, as_of).set_index("figure")


def test_a_late_move_is_a_correction_and_a_later_one_a_new_event(db):
    meeting_id = freeze(db)
    before = access.fetch(db, ADMIN, "meetings", "figures", meeting_id)
    imported(db, SECOND)
    rows = split(db, meeting_id)
    rehoused = rows.loc["rehoused"]
    assert (rehoused["frozen"], rehoused["then"], rehoused["now"]) == (2, 3, 4)
    assert (rehoused["change"], rehoused["new"], rehoused["corrections"]) == (2, 1, 1)
    assert rehoused["new_in"] == ["H4"] and rehoused["corrected_in"] == ["H3"]
    assert rehoused["new_out"] == [] and rehoused["corrected_out"] == []
    # the households still in the building go down by the same two
    inside = rows.loc["still_in_building"]
    assert (inside["frozen"], inside["new"], inside["corrections"]) == (4, -1, -1)
    assert inside["corrected_out"] == ["H3"] and inside["new_out"] == ["H4"]
    total = rows.loc["households_total"]
    assert (total["change"], total["new"], total["corrections"]) == (0, 0, 0)
    meeting = access.fetch(db, ADMIN, "meetings", "get", meeting_id)
    assert meetings.sentence(rehoused.to_dict() | {"figure": "rehoused"}, meeting) == (
        "Relogés : 4 (+2 depuis la séance du 02/04/2009, dont +1 relogement nouveau et "
        "+1 relogement antérieur saisi depuis)")
    assert meetings.sentence(total.to_dict() | {"figure": "households_total"}, meeting) == (
        "Ménages concernés : 6 (stable depuis la séance du 02/04/2009)")
    # what the meeting froze did not move
    after = access.fetch(db, ADMIN, "meetings", "figures", meeting_id)
    pd.testing.assert_frame_equal(before, after)


def test_every_part_adds_up_to_the_change_for_every_headline_figure(db):
    meeting_id = freeze(db)
    imported(db, SECOND)
    for figure, row in split(db, meeting_id).iterrows():
        assert row["change"] == row["new"] + row["corrections"], figure
        assert row["corrections"] == len(row["corrected_in"]) - len(row["corrected_out"])
        assert row["new"] == len(row["new_in"]) - len(row["new_out"])


def test_reproducing_the_meeting_names_the_corrected_figures_and_why(db):
    meeting_id = freeze(db)
    assert access.fetch(db, ADMIN, "meetings", "reproduce", meeting_id).empty  # same data
    imported(db, SECOND)
    out = access.fetch(db, ADMIN, "meetings", "reproduce", meeting_id)
    total = out[out["unit"] == "*"].set_index("figure")
    assert {"rehoused", "still_in_building", "remaining", "progress_rate_num"} <= set(
        total.index)
    assert "households_total" not in total.index
    assert (total.loc["rehoused", "frozen"], total.loc["rehoused", "now"]) == (2, 3)
    assert total.loc["rehoused", "households"] == ["H3"]  # not H4: its move is later
    why = total.loc["rehoused", "why"]
    assert why.startswith("H3 : diagnostic réalisé → relogé")
    assert ("ligne ajoutée à la feuille relogements « H3 / 01/03/2009 / définitif » "
            "(import n° 2") in why
    assert "statut diagnostic réalisé → relogé" in why
    # per operation: OP's figure moved, OQ's did not
    assert set(out["unit"]) == {"*", "OP"}


def test_the_frozen_figures_are_the_audience_view_and_the_pack_is_stored(db):
    meeting_id = freeze(db, with_files=True)
    meeting = access.fetch(db, ADMIN, "meetings", "get", meeting_id)
    pdf = access.fetch(db, ADMIN, "meetings", "file_bytes", meeting_id, "pdf")
    annex = access.fetch(db, ADMIN, "meetings", "file_bytes", meeting_id, "annex")
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == meeting.pdf_sha256
    assert hashlib.sha256(annex).hexdigest() == meeting.annex_sha256
    frozen = access.fetch(db, ADMIN, "meetings", "figures", meeting_id)
    shown = access.fetch(db, Viewer("partenaire"), "indicators", "kpis",
                         Scope(as_of=MEETING_AT), "operation")
    total = shown[shown["is_total"]].iloc[0]
    values = frozen[frozen["unit"] == "*"].set_index("figure")["value"]
    for figure in ("households_total", "rehoused", "remaining", "progress_rate_num",
                   "progress_rate"):
        assert values[figure] == pytest.approx(float(total[figure])), figure
    assert set(frozen["unit"]) == {"*", "OP", "OQ"}
    # the archive: the same files and the figures as JSON
    with zipfile.ZipFile(io.BytesIO(access.fetch(db, ADMIN, "meetings", "archive",
                                                 meeting_id))) as zf:
        names = zf.namelist()
        stem = f"seance-{meeting_id}-2009-04-02"
        assert sorted(names) == sorted([f"{stem}/rapport.pdf", f"{stem}/annexe.xlsx",
                                        f"{stem}/chiffres.json"])
        assert zf.read(f"{stem}/rapport.pdf") == pdf
        data = json.loads(zf.read(f"{stem}/chiffres.json"))
    assert data["chiffres"]["*"]["rehoused"] == 2 and data["chiffres"]["OQ"]["rehoused"] == 0
    assert data["pdf_sha256"] == meeting.pdf_sha256 and data["date_de_situation"] == "2009-03-31"


def test_an_altered_file_is_refused(db):
    meeting_id = freeze(db, with_files=True)
    with db.writer() as cur:  # what a tampering would do: the app never updates a meeting
        cur.execute("UPDATE meetings SET pdf = $b WHERE meeting_id = $id",
                    {"b": b"%PDF-1.4 altered", "id": meeting_id})
    with pytest.raises(RelogError, match="SHA-256"):
        access.fetch(db, ADMIN, "meetings", "file_bytes", meeting_id, "pdf")


def test_the_next_pack_compares_with_the_meeting(db):
    meeting_id = freeze(db)
    imported(db, SECOND)
    pack = report.build(db, Scope(as_of=NOW), MEETING_AT, "partenaire",
                        previous_meeting=meeting_id)
    table = pack["tables"]["Depuis la séance"].set_index("Indicateur")
    assert table.loc["Relogés", "Présenté le 02/04/2009"] == "2"
    assert table.loc["Relogés", "Au 01/05/2009"] == "4"
    assert table.loc["Relogés", "dont événements nouveaux"] == "+1"
    assert table.loc["Relogés", "dont corrections du passé"] == "+1"
    assert "Depuis la séance du 02/04/2009" in pack["html"]


def test_a_withdrawn_meeting_stays_with_its_reason_and_is_audited(db):
    meeting_id = freeze(db)
    with pytest.raises(RelogError, match="pourquoi"):
        meetings.withdraw(db, ADMIN, meeting_id, "  ")
    meetings.withdraw(db, ADMIN, meeting_id, "chiffres présentés sur un mauvais périmètre")
    meeting = access.fetch(db, ADMIN, "meetings", "get", meeting_id)
    assert meeting.withdrawn and meeting.withdrawn_by == "admin.test"
    assert meeting.withdrawn_reason == "chiffres présentés sur un mauvais périmètre"
    assert not access.fetch(db, ADMIN, "meetings", "figures", meeting_id).empty
    with pytest.raises(RelogError, match="déjà retirée"):
        meetings.withdraw(db, ADMIN, meeting_id, "encore")
    log = db.query_text("SELECT detail FROM audit_log WHERE action = 'séance' ORDER BY logged_at")
    assert log["detail"].tolist() == [
        f"création de la séance n° {meeting_id} « GTR avril » (situation au 31/03/2009, "
        "public partenaire)",
        f"retrait de la séance n° {meeting_id} « GTR avril » : chiffres présentés sur un "
        "mauvais périmètre"]


def test_who_creates_and_who_sees_which_meeting(db):
    everything = freeze(db)
    officials = freeze(db, audience="elu")
    only_oq = freeze(db, audience="charge", scope=Scope(operations=("OQ",), as_of=MEETING_AT))
    charge_oq = Viewer("charge", ("OQ",), login="c.oq")
    # a charge creates for their operations only
    with pytest.raises(AccessDenied):
        freeze(db, audience="charge", viewer=charge_oq)
    mine = freeze(db, audience="charge", viewer=charge_oq,
                  scope=Scope(operations=("OQ",), as_of=MEETING_AT))
    with pytest.raises(AccessDenied):
        freeze(db, viewer=Viewer("partenaire", login="p"))
    with pytest.raises(AccessDenied):
        freeze(db, audience="elu", viewer=Viewer("elu", login="e"))

    def seen(viewer):
        return sorted(m.meeting_id for m in access.fetch(db, viewer, "meetings", "visible"))

    assert seen(ADMIN) == sorted([everything, officials, only_oq, mine])
    assert seen(Viewer("elu")) == [officials]
    assert seen(Viewer("elu", ("OQ",))) == []  # the programme's figures are not only OQ's
    # a programme-wide meeting is not "of their operations" for a charge of OQ
    assert seen(charge_oq) == sorted([only_oq, mine])
    assert seen(Viewer("charge")) == sorted([everything, officials, only_oq, mine])
    assert seen(Viewer("partenaire")) == sorted([everything, officials])
    assert seen(Viewer("partenaire", ("OQ",))) == []
    with pytest.raises(AccessDenied):
        access.fetch(db, Viewer("elu"), "meetings", "figures", everything)
    with pytest.raises(AccessDenied):
        access.fetch(db, charge_oq, "meetings", "since", everything, NOW)


def test_officials_get_counts_only_and_never_households(db):
    officials = freeze(db, audience="elu")
    imported(db, SECOND)
    elu = Viewer("elu")
    meeting = access.fetch(db, elu, "meetings", "get", officials)
    assert meeting.as_of <= MEETING_AT  # a publication date
    rows = access.fetch(db, elu, "meetings", "since", officials, NOW)
    assert not {"new_in", "corrected_in", "new_out", "corrected_out"} & set(rows.columns)
    # 6 households in all: every count of 1 to 4 is hidden from officials (« s »), and
    # with it the other parts of the change (change = new + corrections)
    for _, row in rows.iterrows():
        new, corrections = (row[k] is None or pd.isna(row[k]) for k in ("new", "corrections"))
        assert new == corrections, row["figure"]  # hidden together
        if row["change"] is None or pd.isna(row["change"]):
            assert new and corrections, row["figure"]
        for key in ("frozen", "now", "change", "new", "corrections"):
            value = row[key]
            assert value is None or pd.isna(value) or value == 0 or abs(value) >= 5, (
                row["figure"], key, value)
    with pytest.raises(AccessDenied):
        access.fetch(db, elu, "meetings", "correction_changes", officials, ["H3"])
    frozen = access.fetch(db, elu, "meetings", "figures", officials)
    published = access.fetch(db, elu, "indicators", "kpis", Scope(as_of=meeting.as_of),
                             "operation")
    total = published[published["is_total"]].iloc[0]
    values = frozen[frozen["unit"] == "*"].set_index("figure")["value"]
    for figure in ("households_total", "rehoused", "remaining"):
        assert (pd.isna(values[figure]) and pd.isna(total[figure])) or (
            values[figure] == total[figure]), figure


def test_the_previous_meeting_must_be_earlier_and_for_the_same_audience(db):
    first = freeze(db)
    with pytest.raises(RelogError, match="antérieure"):
        freeze(db, previous_id=first)  # same situation date
    with pytest.raises(RelogError, match="même public"):
        freeze(db, audience="charge", scope=Scope(as_of=NOW), previous_id=first)
    second = freeze(db, scope=Scope(as_of=NOW), previous_id=first)
    assert access.fetch(db, ADMIN, "meetings", "get", second).previous_id == first
    with pytest.raises(RelogError, match="titre"):
        meetings.create(db, ADMIN, meeting_date=NOW, title=" ", audience="partenaire",
                        scope=Scope(as_of=NOW), with_files=False)


def test_the_explanation_masks_names_for_a_partner(db):
    meeting_id = freeze(db)
    imported(db, {"menages.csv": HEADER + "H3;B1;Durand-Lefèvre;1;diagnostic réalisé;"
                                          "05/01/2009\n"})
    partner = access.fetch(db, Viewer("partenaire"), "meetings", "correction_changes",
                           meeting_id, ["H3"])
    named = access.fetch(db, ADMIN, "meetings", "correction_changes", meeting_id, ["H3"])
    assert named["new"].tolist() == ["Durand-Lefèvre"]
    assert partner["new"].tolist() == ["masqué"] and partner["household_id"].tolist() == ["H3"]


def test_a_meeting_prepared_before_an_import_is_not_stored(db):
    prepared = meetings.prepare(db, ADMIN, meeting_date=date(2009, 4, 2), title="GTR",
                                audience="partenaire", scope=Scope(as_of=MEETING_AT),
                                with_files=False)
    imported(db, SECOND)
    with pytest.raises(RelogError, match="importées pendant la préparation"):
        meetings.store(db, prepared)
    assert db.query("meetings_list").empty
    with pytest.raises(RelogError, match="bailleur"):
        meetings.prepare(db, ADMIN, meeting_date=NOW, title="GTR", audience="partenaire",
                         scope=Scope(landlords=("Alliade",), as_of=NOW), with_files=False)


def test_the_sentence_in_singular_and_plural():
    meeting = meetings.Meeting(1, date(2009, 3, 31), "GTR", "partenaire", (), (),
                               date(2009, 3, 31), None, None, "a", None, None, None, None)

    def said(figure, now, change, new, corrections):
        return meetings.sentence({"figure": figure, "label": meetings.HEADLINE[figure][0],
                                  "now": now, "change": change, "new": new,
                                  "corrections": corrections}, meeting)

    assert said("rehoused", 720, 37, 34, 3) == (
        "Relogés : 720 (+37 depuis la séance du 31/03/2009, dont +34 relogements nouveaux et "
        "+3 relogements antérieurs saisis depuis)")
    assert said("exits", 12, 0, 1, -1) == (
        "Sorties sans relogement : 12 (+0 depuis la séance du 31/03/2009, dont +1 sortie "
        "nouvelle et \u22121 sortie antérieure saisie depuis)")
    assert said("remaining", 300, -5, -5, 0) == (
        "Restant à reloger : 300 (\u22125 depuis la séance du 31/03/2009, sans correction du "
        "passé)")
    assert said("rehoused", 700, 2, 0, 2) == (
        "Relogés : 700 (+2 depuis la séance du 31/03/2009, uniquement des corrections du "
        "passé)")
    assert said("remaining", 300, -7, -5, -2) == (
        "Restant à reloger : 300 (\u22127 depuis la séance du 31/03/2009, dont \u22125 par des "
        "événements nouveaux et \u22122 par des corrections du passé)")
    # a meeting whose frozen figure is hidden (« s »): no claim about where the change came from
    assert said("rehoused", 1, None, 0, None) == (
        "Relogés : 1 (s depuis la séance du 31/03/2009, dont +0 relogement nouveau et s "
        "relogements antérieurs saisis depuis)")
    assert said("rehoused", 720, 40, None, None) == (
        "Relogés : 720 (+40 depuis la séance du 31/03/2009 ; détail entre événements nouveaux "
        "et corrections du passé non publié (s) : une part compte moins de 5 ménages)")
    assert said("rehoused", None, None, None, None) == (
        "Relogés : s (s depuis la séance du 31/03/2009, dont s relogements nouveaux et "
        "s relogements antérieurs saisis depuis)")


def test_officials_do_not_see_a_figure_move_by_a_few_households(demo_db):
    """The demo's officials' review of 31/03/2009, reproduced after the late import of
    3 moves: staff see counts move by 1 to 4 households; officials see « s » (None)
    for them and for the shares computed on them, and no household."""
    review = next(m for m in access.fetch(demo_db, ADMIN, "meetings", "visible")
                  if m.audience == "elu")
    staff = access.fetch(demo_db, ADMIN, "meetings", "reproduce", review.meeting_id)
    small = staff["difference"].abs().between(1, 4)
    assert small.any(), staff[["unit", "figure", "difference"]]
    elu = access.fetch(demo_db, Viewer("elu"), "meetings", "reproduce", review.meeting_id)
    shown = elu.dropna(subset=["difference"])
    assert not shown["difference"].abs().between(0.5, 4.5).any(), shown
    assert elu["now"].isna().sum() >= small.sum()
    assert all(h == [] for h in elu["households"]) and set(elu["why"]) <= {""}
