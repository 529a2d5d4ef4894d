"""Smoke run of the benchmark's browser part at the small scale (#20): every page
of the menu visited once in Chromium by one user, then two users at once (the
full run is `make bench`: S, M and L, three warm visits, ten users)."""

import json
import subprocess
import sys

from pages._access import page_titles

from .conftest import ROOT


def test_browser_benchmark_smoke_at_small_scale(tmp_path):
    run = subprocess.run([sys.executable, "-m", "bench.browser", "--scales", "S", "--runs", "0",
                          "--users", "2", "--rounds", "1", "--idle-wait", "1",
                          "--data", str(tmp_path), "--out", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "results.json").read_text())["scales"]["S"]["browser"]
    pages = result["pages"]
    assert set(pages) == set(page_titles())  # every page of the menu
    for stem, page in pages.items():
        assert page["errors"] == [], (stem, page["errors"])
        assert page["cold"]["seconds"] > 0, stem
        assert 0 < page["cold"]["script_s"] <= page["cold"]["seconds"], stem
        assert page["cold"]["bytes"] > 0, stem
    assert pages["summary"]["cold_is_sign_in"]
    assert any("plotly_chart" in p["cold"]["kinds"] for p in pages.values())
    crowd = result["crowd"]
    assert crowd["users"] == 2 and crowd["errors"] == 0, crowd["error_list"]
    assert crowd["visits"] == 2 * len(pages)
    assert 0 < crowd["p50"] <= crowd["p95"]
    assert 0 < crowd["rss_idle_mb"] <= crowd["rss_peak_mb"] and crowd["rss_after_mb"] > 0
    text = (tmp_path / "RESULTS.md").read_text()
    assert "## Pages dans le navigateur (s) — à froid / à chaud" in text
    assert "| Erreurs | 0 |" in text
