"""Smoke run of the benchmark at the small scale (the full run is `make bench`)."""

import json
import subprocess
import sys

from .conftest import ROOT


def test_benchmark_smoke_at_small_scale(tmp_path):
    run = subprocess.run([sys.executable, "-m", "bench.run", "--scales", "S", "--runs", "1",
                          "--data", str(tmp_path), "--out", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "results.json").read_text())["scales"]["S"]
    assert result["households"] == 650 and result["rows"]["households"] == 650
    assert result["rows"]["operations"] == 5  # every operation of the demo, in proportion
    assert result["baseline"]["same_values"], result["baseline"]["mismatches"]
    assert result["import"]["seconds"]["median"] > 0 and result["db_mb"] > 0
    assert result["preview"]["seconds"]["median"] > 0  # import preview, 1 % changed (#17)
    assert result["preview"]["changed_rows"] > 0
    assert result["map"]["mode"] == "points" and result["map"]["point_map_bytes"] > 10_000
    assert set(result["pages"]) >= {"summary", "map_view", "households"}
    assert all(p["cold"]["median"] > 0 and p["warm"]["median"] > 0
               for p in result["pages"].values())
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| Mêmes valeurs | oui |" in text
    assert "| Aperçu d'import, 1 % des lignes modifiées (s) |" in text
