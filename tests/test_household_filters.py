"""Every figure leads to its households (#18 item 4): for each `filtre` key, the
households listed (relog_data.household_filters.members) are exactly as many as
the figure the pages show, on the small fixture and on the demo; the links are
on Synthèse and Avancement for household-level roles, never for elected
officials."""

from datetime import date

import pandas as pd
import pytest

from relog_data import household_filters as hf
from relog_data import indicators as ind
from relog_data.access import AccessDenied, Viewer, fetch
from relog_data.indicators import Scope
from tests.conftest import download_links, start_app
from tests.test_truthful_figures import contra_db, contra_path  # noqa: F401 (fixtures)

SMALL_DATES = [date(2008, 6, 1), date(2009, 6, 1), date(2010, 1, 15), date(2010, 8, 1)]
KPI_OF = {"concernes": "households_total", "reloges": "rehoused", "provisoires": "temporary",
          "sorties": "exits", "dans_batiment": "still_in_building", "restant": "remaining",
          "refus3": "three_refusals"}


def n(db, scope, key) -> int:
    listed = hf.members(db, scope, key)
    assert list(listed.columns[:1]) == ["household_id"]
    assert listed["household_id"].is_unique
    return len(listed)


def figures(db, scope) -> dict[str, int]:
    """Each key's figure as the pages compute it (never from household_filters)."""
    total = ind.kpis(db, scope).query("is_total").iloc[0]
    found = {key: int(total[column]) for key, column in KPI_OF.items()}
    risk = ind.buildings_at_risk(db, scope)
    found["batiment_a_risque"] = int(risk["still_inside"].sum())
    found["batiment_demoli"] = int(risk.loc[risk["demolished"].astype(bool),
                                            "still_inside"].sum())
    found["refus3_a_reloger"] = int(db.query("refusing_households",
                                             **scope.params())["households"].iloc[0])
    found["suivi_en_retard"] = len(ind.followups_overdue(db, scope))
    proj = ind.projection(db, scope)
    found["restant_rythme"] = int(proj.loc[proj["is_total"], "remaining"].iloc[0])
    return found


def check_all(db, scope) -> int:
    checked = 0
    for key, figure in figures(db, scope).items():
        assert n(db, scope, key) == figure, (key, scope.as_of)
        checked += 1
    # one building, one operation: the rows of the tables and the points
    for row in ind.buildings_at_risk(db, scope).itertuples():
        kind = "batiment_demoli" if row.demolished else "batiment_a_risque"
        assert n(db, scope, f"{kind}:{row.building_code}") == row.still_inside
    proj = ind.projection(db, scope)
    for row in proj[~proj["is_total"]].itertuples():
        assert n(db, scope, f"restant_rythme:{row.operation_code}") == row.remaining
    for point in ind.attention_points(db, scope):
        assert n(db, scope, point["filter"]) == point["count"], point
    return checked


def test_every_key_is_checked():
    assert set(KPI_OF) | {"batiment_a_risque", "batiment_demoli", "refus3_a_reloger",
                          "suivi_en_retard", "restant_rythme", "provisoire_ancien",
                          "sans_action"} == set(hf.FILTERS)


@pytest.mark.parametrize("when", SMALL_DATES)
def test_counts_equal_the_figures_on_the_small_fixture(small_db, when):
    assert check_all(small_db, Scope(as_of=when)) == len(hf.FILTERS) - 2


def test_counts_equal_the_figures_with_a_demolished_building(contra_db):  # noqa: F811
    scope = Scope(as_of=date(2009, 6, 1))
    check_all(contra_db, scope)
    assert n(contra_db, scope, "batiment_demoli") == 2


def test_counts_equal_the_figures_on_the_demo(demo_db):
    as_of = ind.data_date(demo_db)
    for scope in (Scope(as_of=as_of), Scope(as_of=date(2008, 12, 31)),
                  Scope(operations=("STE-DAMEBLANCHE",), as_of=as_of)):
        check_all(demo_db, scope)
    # the figures
    scope = Scope(as_of=as_of)
    assert (n(demo_db, scope, "suivi_en_retard"), n(demo_db, scope, "refus3_a_reloger")) == (91, 12)
    points = ind.attention_points(demo_db, scope)
    assert all(p.get("filter") for p in points)


def test_points_for_officials_name_no_households(demo_db):
    viewer = Viewer("elu")
    points = fetch(demo_db, viewer, "indicators", "attention_points",
                   Scope(as_of=ind.data_date(demo_db)))
    assert points and not any("filter" in p for p in points)


def test_temporary_and_idle_lists_on_the_small_fixture(small_db):
    scope = Scope(as_of=date(2009, 6, 1))
    temporary = set(hf.members(small_db, Scope(as_of=date(2009, 6, 1)), "provisoires")
                    ["household_id"])
    old = set(hf.members(small_db, scope, "provisoire_ancien")["household_id"])
    assert old <= temporary
    idle = set(hf.members(small_db, scope, "sans_action")["household_id"])
    remaining = set(hf.members(small_db, scope, "restant")["household_id"])
    assert idle <= remaining


def test_keys_and_labels():
    assert hf.parse("batiment_a_risque:A2") == ("batiment_a_risque", "A2")
    assert hf.label("batiment_a_risque:A2", {"A2": "Tour A2"}) == \
        "Ménages encore dans un bâtiment à risque — Tour A2"
    with pytest.raises(hf.UnknownFilter):
        hf.parse("n'importe quoi")
    # the Ménages page passes its `filtre` value as it is
    assert "batiment_a_risque:A2" in hf.FILTERS and "refus3" in hf.FILTERS
    assert "inconnu" not in hf.FILTERS and "inconnu:A2" not in hf.FILTERS
    assert hf.FILTERS["batiment_a_risque:A2"] == \
        "Ménages encore dans un bâtiment à risque — A2"
    # an operation outside the scope: an empty list, not the other operation's
    assert hf.narrowed(Scope(operations=("OPA",)), "restant_rythme:OPB") is None


def test_the_gateway(demo_db):
    scope = Scope(as_of=ind.data_date(demo_db))
    with pytest.raises(AccessDenied):
        fetch(demo_db, Viewer("elu"), "household_filters", "members", scope, "refus3")
    everyone = fetch(demo_db, Viewer("admin"), "household_filters", "members", scope,
                     "restant")
    mine = fetch(demo_db, Viewer("charge", ("STE-DAMEBLANCHE",)), "household_filters",
                 "members", scope, "restant")
    assert 0 < len(mine) < len(everyone)
    assert set(mine["household_id"]) <= set(everyone["household_id"])
    assert all(h.startswith("SDB-") for h in mine["household_id"])
    # another operation named in the key: nothing
    other = fetch(demo_db, Viewer("charge", ("STE-DAMEBLANCHE",)), "household_filters",
                  "members", scope, "restant_rythme:VX-ECHARMEAUX")
    assert other.empty


def link_counts(at) -> dict[str, int]:
    """`filtre` -> the number of households its link announces ("Voir les 49 ménages")."""
    import re
    from urllib.parse import parse_qs

    found = {}
    for element in at.get("page_link"):
        proto = element.proto
        assert proto.page == "menages"
        key = parse_qs(proto.query_string)["filtre"][0]
        number = re.fullmatch(r"(?:Voir (le ménage|les ([\d\u202f\u00a0 ]+) ménages)"
                              r"|([\d\u202f\u00a0 ]+) ménages?)(?: .+)?", proto.label)  # or compact
        assert number, proto.label
        digits = number.group(2) or number.group(3)
        found[key] = 1 if digits is None else int(re.sub(r"\D", "", digits))
    return found


@pytest.mark.parametrize("page", ["pages/summary.py", "pages/progress.py"])
@pytest.mark.parametrize("role", ["admin", "charge", "elu"])
def test_pages_link_figures_to_households(demo_db_path, demo_db, monkeypatch, page, role):
    at = start_app(demo_db_path, monkeypatch, demo_role=role)
    at.switch_page(page).run()
    assert not at.exception
    if role == "elu":  # no household list at all: no link
        assert not at.get("page_link")
        return
    found = link_counts(at)
    expected = {"reloges", "sorties", "provisoires", "restant", "refus3"}
    expected |= ({"concernes", "suivi_en_retard", "refus3_a_reloger"} if "summary" in page
                 else {"dans_batiment", "batiment_a_risque", "suivi_en_retard", "sans_action"})
    assert expected <= set(found)
    # each link announces exactly the households the Ménages page will list
    viewer = Viewer("admin") if role == "admin" else None
    if viewer is None:
        from relog_data.access import demo_viewer

        viewer, _ = demo_viewer(demo_db, role)
    scope = Scope(as_of=ind.data_date(demo_db))
    for key, count in found.items():
        listed = fetch(demo_db, viewer, "household_filters", "members", scope, key)
        assert len(listed) == count, key
    # and the figure it sits under
    metrics = {m.label: int(m.value.replace("\u202f", "").replace("\u00a0", ""))
               for m in at.metric if m.value.replace("\u202f", "").isdigit()}
    figure_of = {"Relogés": "reloges", "Sorties": "sorties", "Sorties sans relogement": "sorties",
                 "Relogés provisoires": "provisoires", "Restant à reloger": "restant",
                 "Encore dans les bâtiments": "dans_batiment", "Ménages concernés": "concernes",
                 "Ménages ayant refusé 3 propositions ou plus": "refus3"}
    for label, value in metrics.items():
        if label in figure_of:
            assert found[figure_of[label]] == value, label


@pytest.mark.parametrize("role", ["charge", "partenaire"])
def test_the_filtered_list_download_respects_the_role(demo_db_path, demo_db, monkeypatch, role):
    """The CSV of a filtered list (« Voir les N ménages ») holds exactly its
    households, with the holders' names for a named role and never for a partner."""
    import io

    from relog_data import downloads

    at = start_app(demo_db_path, monkeypatch, demo_role=role, filtre="refus3")
    at.switch_page("pages/households.py").run()
    assert not at.exception, at.exception
    # the file the link serves (written when it is followed)
    url = download_links(at)["Télécharger la liste (CSV)"]
    item = downloads.REGISTRY.take(url.rsplit("/", 1)[1], at.session_state["access_token"])
    frame = pd.read_csv(io.BytesIO(item.content()), sep=";", encoding="utf-8-sig", dtype=str)
    from relog_data.access import demo_viewer

    viewer, _ = demo_viewer(demo_db, role)  # a charge sees their operations only
    scope = Scope(as_of=ind.data_date(demo_db))
    expected = fetch(demo_db, viewer, "household_filters", "members", scope, "refus3")
    assert len(expected) > 0
    assert sorted(frame["Ménage"]) == sorted(expected["household_id"])
    names = set(demo_db.query_text("SELECT holder_name FROM households "
                                   "WHERE holder_name IS NOT NULL")["holder_name"])
    cells = {str(v) for v in frame.to_numpy().ravel()}
    if role == "partenaire":
        assert "Titulaire" not in frame.columns and not (cells & names)
    else:
        assert "Titulaire" in frame.columns and cells & names
