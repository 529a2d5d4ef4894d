"""The command line: `python -m relog_data ...` run as a real process."""

import json
import subprocess
import sys

import pytest

from relog_data.indicators import INDICATOR_KEYS
from tests.conftest import ROOT


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "relog_data", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


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
    first = run("demo", "--db", str(path), timeout=600)  # its meetings' PDFs: about a minute
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
    ["audit"], ["seance", "list"], ["seance", "show", "1"],
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


# -- séances (the meeting archive) ------------------------------------------------------------------
def _meeting_ids(path):
    from relog_data import access
    from relog_data.access import Viewer
    from relog_data.db import Database

    with Database(path) as db:
        listing = access.fetch(db, Viewer("admin"), "meetings", "listing")
    return dict(zip(listing["title"], listing["meeting_id"]))


def _demo_copy(demo_db_path, tmp_path):
    import shutil

    path = tmp_path / "seances.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def test_seance_list_as_a_process_in_french(demo_db_path):
    result = run("seance", "list", "--db", str(demo_db_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "4 séance(s) enregistrée(s) :"
    for word in ("n°", "date", "titre", "public", "situation au", "précédente", "créée par",
                 "retirée"):
        assert word in lines[1]
    mars = next(line for line in lines if "Groupe technique relogement — mars 2009" in line)
    assert "02/04/2009" in mars and "partenaires" in mars and "31/03/2009" in mars
    assert "n° 1" in mars and "non" in mars
    assert any("Revue de projet élus — mars 2009" in line and "élus" in line for line in lines)
    usage = run("seance", "--help")
    assert usage.returncode == 0
    assert "enregistrer une séance" in usage.stdout and "retirer une séance" in usage.stdout


def test_seance_create_show_list_withdraw(demo_db_path, tmp_path, capsys):
    from datetime import date

    from relog_data import cli, indicators
    from relog_data.db import Database

    path = _demo_copy(demo_db_path, tmp_path)
    may = _meeting_ids(path)["Groupe technique relogement — mai 2009"]
    code = cli.main(["seance", "create", "--date", "18/06/2009", "--titre", "  GTR   Bron juin ",
                     "--public", "partenaire", "--operations", "BRON-TERRAILLON",
                     "--phases", "1", "--situation", "2009-06-15", "--precedente", str(may),
                     "--sans-pdf", "--db", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    first, summary = out.splitlines()[:2]
    new = int(first)
    assert new == max(_meeting_ids(path).values())
    assert summary == (f"Séance n° {new} enregistrée : séance du 18/06/2009 « GTR Bron juin » "
                       "· public partenaires · situation au 15/06/2009 · sans rapport PDF "
                       "(--sans-pdf)")

    with Database(path) as db:
        expected = indicators.kpis(db, indicators.Scope(("BRON-TERRAILLON",), (1,),
                                                        as_of=date(2009, 6, 15)))
    expected = expected[expected["is_total"]].iloc[0]
    assert cli.main(["seance", "show", str(new), "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Séance n° {new} : séance du 18/06/2009 « GTR Bron juin »\n" in out
    assert "opérations : BRON-TERRAILLON · phases : 1" in out
    assert f"séance précédente : n° {may} du 04/06/2009" in out
    assert "Rapport PDF : aucun" in out and "Note : Séance enregistrée sans rapport PDF." in out
    assert f"  Ménages concernés : {int(expected['households_total'])}\n" in out
    assert f"  Relogés : {int(expected['rehoused'])}\n" in out
    assert f"  Restant à reloger : {int(expected['remaining'])}\n" in out
    assert "Points d'attention" in out

    assert cli.main(["seance", "withdraw", str(new), "--motif", "Périmètre erroné",
                     "--db", str(path)]) == 0
    assert f"Séance n° {new} retirée" in capsys.readouterr().out
    assert cli.main(["seance", "list", "--db", str(path)]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "GTR Bron juin" in line)
    assert "oui, le" in row and f"n° {may}" in row
    assert cli.main(["seance", "show", str(new), "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Séance n° {new} : séance du 18/06/2009 « GTR Bron juin » [retirée]" in out
    assert "RETIRÉE le" in out and "Périmètre erroné" in out
    again = cli.main(["seance", "withdraw", str(new), "--motif", "encore", "--db", str(path)])
    assert again == 1 and "est déjà retirée" in capsys.readouterr().err
    with Database(path) as db:
        log = db.query_text("SELECT detail FROM audit_log WHERE action = 'séance'")
    assert any("retrait de la séance" in d and "Périmètre erroné" in d for d in log["detail"])


@pytest.mark.parametrize("argv,message", [
    (["show", "99"], "Séance inconnue : n° 99."),
    (["show", "deux"], "Numéro de séance invalide : « deux »"),
    (["export", "99", "--vers", "x.zip"], "Séance inconnue : n° 99."),
    (["withdraw", "99", "--motif", "x"], "Séance inconnue : n° 99."),
    (["create", "--date", "31/02/2009", "--titre", "T", "--public", "elu", "--sans-pdf"],
     "Date de séance invalide : « 31/02/2009 »"),
    (["create", "--date", "01/06/2009", "--situation", "hier", "--titre", "T", "--public",
      "elu", "--sans-pdf"], "Date de situation invalide : « hier »"),
    (["create", "--date", "01/06/2009", "--titre", "T", "--public", "partenaire",
      "--operations", "ZZZ", "--sans-pdf"], "Opération inconnue : ZZZ"),
    (["create", "--date", "01/06/2009", "--titre", "T", "--public", "partenaire",
      "--phases", "un", "--sans-pdf"], "Phases invalides : « un »"),
    (["create", "--date", "01/06/2009", "--titre", "T", "--public", "partenaire",
      "--precedente", "99", "--sans-pdf"], "Séance inconnue : n° 99."),
])
def test_seance_errors_exit_1_in_french(demo_db_path, tmp_path, capsys, argv, message):
    from relog_data import cli

    path = _demo_copy(demo_db_path, tmp_path)
    before = _meeting_ids(path)
    assert cli.main(["seance", *argv, "--db", str(path)]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("Erreur : ") and message in err, err
    assert "Traceback" not in err and out == ""
    assert _meeting_ids(path) == before  # nothing was created


def test_seance_export_writes_the_pdf_show_fingerprints(demo_db_path, tmp_path, capsys):
    import hashlib
    import re
    import zipfile

    from relog_data import cli

    meeting = _meeting_ids(demo_db_path)["Groupe technique relogement — mars 2009"]
    assert cli.main(["seance", "show", str(meeting), "--db", str(demo_db_path)]) == 0
    shown = capsys.readouterr().out
    rehoused = int(re.search(r"^  Relogés : (\d+)$", shown, re.M).group(1).replace("\u202f", ""))
    target = tmp_path / "archive.zip"
    assert cli.main(["seance", "export", str(meeting), "--vers", str(target),
                     "--db", str(demo_db_path)]) == 0
    assert f"Archive de la séance n° {meeting} écrite : {target}" in capsys.readouterr().out
    stem = f"seance-{meeting}-2009-04-02"
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        figures = json.loads(zf.read(f"{stem}/chiffres.json"))
        assert figures["seance"] == meeting and figures["date_de_situation"] == "2009-03-31"
        assert figures["chiffres"]["*"]["rehoused"] == rehoused
        printed = re.search(r"Rapport PDF : (?:SHA-256 ([0-9a-f]{64})|aucun)", shown).group(1)
        if printed is None:  # no Chromium when the demo was built: no PDF to check
            assert names == {f"{stem}/chiffres.json"}
            return
        assert names == {f"{stem}/rapport.pdf", f"{stem}/annexe.xlsx", f"{stem}/chiffres.json"}
        pdf = zf.read(f"{stem}/rapport.pdf")
        assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == printed
        annex = re.search(r"annexe Excel : SHA-256 ([0-9a-f]{64})", shown).group(1)
        assert hashlib.sha256(zf.read(f"{stem}/annexe.xlsx")).hexdigest() == annex
    bad = cli.main(["seance", "export", str(meeting), "--vers", str(tmp_path / "a.pdf"),
                    "--db", str(demo_db_path)])
    assert bad == 1 and ".zip" in capsys.readouterr().err


def test_seance_show_reproduire_names_the_late_moves(demo_db_path, capsys):
    from relog_data import cli, demo

    ids = _meeting_ids(demo_db_path)
    set_a, _ = demo.late_households(demo.build_frames())
    march = ids["Groupe technique relogement — mars 2009"]
    assert cli.main(["seance", "show", str(march), "--reproduire",
                     "--db", str(demo_db_path)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("  Relogés (ensemble) : "))
    assert line.endswith(f"(+3) · ménages : {', '.join(sorted(set_a))}"), line
    assert "Écarts : recalculés au 31/03/2009 sur les données actuelles" in out
    for household in set_a:
        assert f"  {household} : accord → relogé — " in out
    december = ids["Groupe technique relogement — décembre 2008"]
    assert cli.main(["seance", "show", str(december), "--reproduire",
                     "--db", str(demo_db_path)]) == 0
    assert "Aucun écart : recalculés au 31/12/2008" in capsys.readouterr().out


def test_report_compared_with_an_archived_meeting(demo_db_path, tmp_path, capsys):
    """`report --seance-precedente N°`: an unknown meeting is a French error; the
    pack's key figures against the May meeting split new events and corrections."""
    from relog_data import cli

    out = tmp_path / "rapport.pdf"
    argv = ["report", str(out), "--db", str(demo_db_path), "--as-of", "2009-06-30",
            "--audience", "partenaire"]
    assert cli.main([*argv, "--seance-precedente", "99"]) != 0
    assert "Séance inconnue : n° 99." in capsys.readouterr().err and not out.exists()
    assert cli.main([*argv, "--seance-precedente", "4"]) == 0
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Depuis la séance du 04/06/2009" in " ".join(text.split())
    assert "dont corrections" in text
