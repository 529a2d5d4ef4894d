"""Landlords' yearly allocation capacity (#18 item 6): administrators only,
confirmed on the page, one audit entry per changed value."""

import shutil

import pytest

from relog_data import supply
from relog_data.access import AccessDenied, Viewer
from relog_data.audit import entries
from relog_data.db import Database
from tests.conftest import real_copy, start_app

ADMIN = Viewer("admin", login="adm")


@pytest.fixture()
def db(small_db_path, tmp_path):
    path = tmp_path / "capacity.duckdb"
    shutil.copy(small_db_path, path)
    database = Database(path, read_only=False)
    yield database
    database.close()


def capacity_log(db):
    log = entries(db, ADMIN)
    return log[log["action"] == "capacité"]


@pytest.mark.parametrize("role", ["charge", "partenaire", "elu"])
def test_only_an_administrator_may_save(db, role):
    viewer = Viewer(role, login="x")
    assert not viewer.can_edit_capacity
    with pytest.raises(AccessDenied):
        supply.save_capacity(db, {"Bailleur A": 10}, viewer)
    with pytest.raises(AccessDenied):
        supply.save_capacity(db, {"Bailleur A": 10}, None)
    assert supply.capacity(db).empty
    assert capacity_log(db).empty


def test_one_audit_entry_per_changed_value(db):
    assert Viewer("admin").can_edit_capacity
    supply.save_capacity(db, {"Bailleur A": 40, "Bailleur B": 7}, ADMIN)
    changes = supply.save_capacity(db, {"Bailleur A": 55, "Bailleur B": 7}, ADMIN)
    assert changes == [{"landlord": "Bailleur A", "old": 40, "new": 55}]
    log = capacity_log(db)
    assert sorted(log["detail"]) == ["capacité Bailleur A : 40 → 55",
                                     "capacité Bailleur A : non saisie → 40",
                                     "capacité Bailleur B : non saisie → 7"]
    assert set(log["login"]) == {"adm"} and set(log["role"]) == {"admin"}
    # nothing changed: nothing written, nothing logged
    assert supply.save_capacity(db, {"Bailleur A": 55}, ADMIN) == []
    assert len(capacity_log(db)) == 3
    frame = supply.capacity(db).set_index("landlord")["annual_allocations"]
    assert frame.to_dict() == {"Bailleur A": 55, "Bailleur B": 7}


def test_change_text():
    assert supply.capacity_change_text({"landlord": "Bailleur X", "old": 40, "new": 55}) == \
        "capacité Bailleur X : 40 → 55"
    assert supply.capacity_changes({"A": 40, "B": 3}, {"A": 40, "B": 4, "C": 0}) == [
        {"landlord": "B", "old": 3, "new": 4}]


def _capacity_inputs(at):
    return [n for n in at.number_input if n.key and n.key.startswith("cap_")]


def test_page_asks_confirmation_then_saves_and_audits(demo_db_path, tmp_path, monkeypatch):
    path = real_copy(demo_db_path, tmp_path / "real.duckdb")
    at = start_app(path, monkeypatch, viewer=Viewer("admin", login="adm"))
    at.switch_page("pages/supply_needs.py").run()
    assert not at.exception
    inputs = _capacity_inputs(at)
    assert inputs
    landlord = inputs[0].label
    old = int(inputs[0].value)
    inputs[0].set_value(old + 15)
    next(b for b in at.button if b.label == "Enregistrer les capacités").click().run()
    assert not at.exception
    # not saved yet: a table old → new and « Confirmer »
    with Database(path, read_only=True) as db:
        assert capacity_log(db).empty
    table = next(d.value for d in at.dataframe if "Avant" in d.value.columns)
    assert table["Bailleur"].tolist() == [landlord]
    assert table["Après"].tolist() == [str(old + 15)]
    next(b for b in at.button if b.label == "Confirmer").click().run()
    assert not at.exception
    from relog_data.db import close_shared

    close_shared()
    with Database(path, read_only=True) as db:
        log = capacity_log(db)
        before = "non saisie" if old == 0 else str(old)
        assert log["detail"].tolist() == [f"capacité {landlord} : {before} → {old + 15}"]
    assert any("inscrit au journal" in s.value for s in at.success)


def test_page_hides_the_form_from_a_charge(demo_db_path, tmp_path, monkeypatch):
    path = real_copy(demo_db_path, tmp_path / "real.duckdb")
    with Database(path, read_only=True) as db:
        ops = tuple(db.query_text("SELECT operation_code FROM operations LIMIT 1")
                    ["operation_code"])
    at = start_app(path, monkeypatch, viewer=Viewer("charge", ops, login="chg"))
    at.switch_page("pages/supply_needs.py").run()
    assert not at.exception
    assert not _capacity_inputs(at)
    assert not any(b.label == "Enregistrer les capacités" for b in at.button)
    assert any("Seul un administrateur" in c.value for c in at.caption)
