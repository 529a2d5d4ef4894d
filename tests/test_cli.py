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
