"""The command line: `python -m relog_data ...` run as a real process."""

import json
import subprocess
import sys

import pytest

from relog_data.indicators import INDICATOR_KEYS
from tests.conftest import ROOT


def run(*args):
    return subprocess.run([sys.executable, "-m", "relog_data", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_kpis_prints_exactly_the_dictionary_keys(demo_db_path):
    result = run("kpis", "--db", str(demo_db_path), "--operation", "VAULX-MDT", "--phase", "1")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == list(INDICATOR_KEYS)
    assert data["households_total"] == 490
    assert data["rehoused"] == 390
    for key in INDICATOR_KEYS:
        if key.endswith(("_share", "_rate")) and key != "satisfied_share":
            assert data[key] is None or 0 <= data[key] <= 1, key
    assert set(data["satisfied_share"]["q_information"]) == {"1", "2"}
    assert all(0 <= v <= 1 for v in data["satisfied_share"]["q_logement"].values())


def test_kpis_null_when_undefined(small_db_path):
    result = run("kpis", "--db", str(small_db_path), "--operation", "OPA", "--phase", "2")
    data = json.loads(result.stdout)
    assert data["offsite_share"] is None
    assert data["rest_to_pay_after_median"] is None
    assert data["progress_rate"] == 0


def test_kpis_bad_path_exits_2_in_french(tmp_path):
    result = run("kpis", "--db", str(tmp_path / "nope.duckdb"))
    assert result.returncode == 2
    assert "Base de données introuvable" in result.stderr
    assert "Traceback" not in result.stderr


def test_kpis_unknown_operation_exits_2_in_french(small_db_path):
    result = run("kpis", "--db", str(small_db_path), "--operation", "ZZZ")
    assert result.returncode == 2
    assert "Opération inconnue : ZZZ" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exits_2():
    result = run("kpis", "--phase", "un")
    assert result.returncode == 2
    assert "erreur d'utilisation" in result.stderr


def test_demo_command_builds_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "d.duckdb"
    first = run("demo", "--db", str(path))
    assert first.returncode == 0, first.stderr
    assert "households 1129" in first.stdout
    again = run("demo", "--db", str(path))
    assert again.returncode == 2
    assert "existe déjà" in again.stderr


def test_kpis_as_of_a_date(small_db_path):
    result = run("kpis", "--db", str(small_db_path), "--as-of", "2008-03-10")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == list(INDICATOR_KEYS)
    assert (data["rehoused"], data["exits"], data["households_total"]) == (3, 0, 9)
    assert data["refusal_rate"] == pytest.approx(6 / 9)
    bad = run("kpis", "--db", str(small_db_path), "--as-of", "31/12/2008")
    assert bad.returncode == 2 and "date invalide" in bad.stderr


def test_init_creates_an_empty_owner_only_database(tmp_path):
    import os
    import stat

    from relog_data.db import SCHEMA_VERSION, Database

    path = tmp_path / "vraie.duckdb"
    first = run("init", "--db", str(path))
    assert first.returncode == 0, first.stderr
    assert "Base vide créée" in first.stdout and "users add" in first.stdout
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with Database(path) as db:
        assert db.schema_version() == SCHEMA_VERSION
        assert db.query_text("SELECT count(*) AS n FROM households")["n"].iloc[0] == 0
        assert not db.is_demo()
    again = run("init", "--db", str(path))
    assert again.returncode == 2 and "existe déjà" in again.stderr


@pytest.mark.parametrize("command", [
    ["kpis"], ["migrate"], ["import", "suivis.csv"], ["import", "suivis.csv", "--dry-run"],
    ["export", "sortie.xlsx"], ["geo", "import", "qpv.geojson", "--kind", "qpv"],
    ["report", "r.pdf", "--as-of", "2009-06-30", "--audience", "elu"],
    ["users", "list"], ["users", "disable", "x"], ["purge", "--closed-before", "2009-01-01"],
    ["audit"],
])
def test_a_missing_database_is_an_error_not_a_new_file(tmp_path, monkeypatch, capsys, command):
    from relog_data import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "suivis.csv").write_text("id_menage;date_contact\nH2;01/05/2009\n")
    (tmp_path / "qpv.geojson").write_text("{}")
    missing = tmp_path / "mal-tapee.duckdb"
    assert cli.main([*command, "--db", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "Base de données introuvable" in err and "init --db" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["qpv.geojson", "suivis.csv"]


def test_report_refuses_a_previous_meeting_after_the_situation_date(demo_db_path, tmp_path,
                                                                    capsys):
    from relog_data import cli

    out = tmp_path / "r.pdf"
    code = cli.main(["report", str(out), "--as-of", "2009-03-31", "--reference", "2009-06-30",
                     "--audience", "elu", "--db", str(demo_db_path)])
    assert code == 2 and not out.exists()
    assert "séance précédente (30/06/2009) est postérieure à la date de situation (31/03/2009)" \
        in capsys.readouterr().err
