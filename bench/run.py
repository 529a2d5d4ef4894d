"""The benchmark: `make bench` (python -m bench.run).

For each scale (S 650, M 15 000, L 150 000 households): the synthetic
programme written as a workbook, imported through the real import path in a
fresh process (time, peak memory), the database size, every query of the data
layer, every page under AppTest (cold and warm cache), the map's HTML payload,
the meeting report, and the pandas baseline side by side. Medians with min and
max over several runs. With --browser (make bench), the pages in a real
browser too, one user then ten at once (bench/browser.py). Writes
bench/results.json and bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import baseline, generate  # noqa: E402
from pages._access import page_titles  # noqa: E402
from relog_data import access, geo, indicators, maps, report  # noqa: E402
from relog_data.db import Database  # noqa: E402
from relog_data.indicators import Scope  # noqa: E402

PAGES = list(page_titles())  # every page of the app, in menu order

# Arguments of each data-layer function for a scope (as the pages call them).
CALLS = {
    ("indicators", "kpis"): lambda s: (s, "operation"),
    ("indicators", "operations_overview"): lambda s: (s,),
    ("indicators", "status_counts"): lambda s: (s, "operation"),
    ("indicators", "progress_series"): lambda s: (s,),
    ("indicators", "projection"): lambda s: (s,),
    ("indicators", "buildings_at_risk"): lambda s: (s,),
    ("indicators", "offers_detail"): lambda s: (s,),
    ("indicators", "refusal_reasons"): lambda s: (s,),
    ("indicators", "workload"): lambda s: (s,),
    ("indicators", "followups_overdue"): lambda s: (s,),
    ("indicators", "timeline"): lambda s: (s,),
    ("indicators", "quality_breakdown"): lambda s: (s,),
    ("indicators", "attention_points"): lambda s: (s,),
    ("indicators", "household_states"): lambda s: (s,),
    ("indicators", "scope_options"): lambda s: (),
    ("indicators", "data_date"): lambda s: (),
    ("indicators", "settings"): lambda s: (),
    ("survey", "shares"): lambda s: (s,),
    ("survey", "distribution"): lambda s: (s,),
    ("survey", "waves"): lambda s: (s,),
    ("survey", "breakdown"): lambda s: (s, "composition"),
    ("geo", "destinations"): lambda s: (s,),
    ("geo", "commune_aggregates"): lambda s: (s,),
    ("geo", "boundaries"): lambda s: ("communes",),
    ("supply", "needs"): lambda s: (s,),
    ("supply", "supply"): lambda s: (),
    ("supply", "coverage"): lambda s: (s,),
    ("supply", "affordability"): lambda s: (s,),
    ("supply", "capacity"): lambda s: (),
    ("supply", "households_list"): lambda s: (s,),
}


def stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": len(values)}


def timed(fn, runs: int) -> tuple[dict, object]:
    values, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        values.append(time.perf_counter() - started)
    return stats(values), result


def _in_fresh_process(script: str, *args, timeout: float | None = None) -> dict:
    """Run bench/<script> in a fresh Python process; the JSON it prints last."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), *map(str, args)],
                         capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(out.stderr or out.stdout)
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_once(workbook: Path, db_path: Path) -> dict:
    """The real import (python -m relog_data import) in a fresh process."""
    for p in (db_path, db_path.with_name(db_path.name + ".wal")):
        p.unlink(missing_ok=True)
    return _in_fresh_process("measure_import.py", workbook, db_path)


def preview_once(workbook: Path, db_path: Path) -> dict:
    """The import preview (import --dry-run) of a workbook in a fresh process."""
    return _in_fresh_process("measure_preview.py", workbook, db_path)


REPORT_LIMIT_S = 600  # the officials' pack at L went past 18 minutes (#20): stopped there


def report_once(db_path: Path, audience: str, limit: float) -> dict:
    """The pack for `audience` in a fresh process, stopped after `limit` seconds
    ({"seconds": None, "over_s": limit} then)."""
    try:
        return _in_fresh_process("measure_report.py", db_path, audience, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "over_s": limit}


def measure_preview(scale: str, runs: int, folder: Path, db_path: Path) -> dict:
    """Import preview of the imported programme with 1 % of the rows of its
    household sheets changed (one field each): time and peak memory."""
    changed, rows = generate.write_changed(scale, folder, db_path)
    previews = [preview_once(changed, db_path) for _ in range(max(1, min(runs, 2)))]
    return {"changed_rows": rows, "seconds": stats([p["seconds"] for p in previews]),
            "peak_rss_mb": stats([p["peak_rss_mb"] for p in previews]),
            "measured": datetime.now().strftime("%Y-%m-%d %H:%M")}


def page_times(db_path: Path, page: str, runs: int) -> dict:
    """AppTest server-side run time of a page: cold (new session, caches
    cleared, the database opened anew) and warm (the same page again)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from relog_data import accounts, sessions
    from relog_data.db import Database, close_shared

    os.environ["RELOG_DB"] = str(db_path)
    close_shared()
    with Database(db_path, read_only=False) as db:  # the app re-reads the account each run
        if not accounts.has_users(db):
            accounts.add_user(db, "bench", "mot de passe du banc d'essai", "admin")
    cold, warm = [], []
    for _ in range(runs):
        st.cache_data.clear()
        st.cache_resource.clear()
        close_shared()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.session_state["access_token"] = sessions.STORE.create("bench", kind="local")
        at.run()  # the router's first run lands on the default page: start cold again
        st.cache_data.clear()
        st.cache_resource.clear()
        close_shared()
        at.switch_page(f"pages/{page}.py")
        started = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - started)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    return {"cold": stats(cold), "warm": stats(warm)}


def baseline_figures(db, workbook: Path, runs: int) -> dict:
    """The dictionary's indicators by DuckDB (sql/kpis.sql) and by pandas from the
    workbook's sheets: times, their ratio, and whether the values agree."""
    frames = baseline.load(workbook)
    duck, duck_values = timed(lambda: indicators.kpis(db, Scope(), "total"), runs)
    pand, pand_values = timed(lambda: baseline.kpis(frames), runs)
    mismatches = baseline.compare(duck_values, pand_values)
    return {"duckdb": duck, "pandas": pand,
            "ratio_pandas_over_duckdb": pand["median"] / duck["median"],
            "same_values": not mismatches, "mismatches": mismatches}


def measure(scale: str, runs: int, folder: Path, log, browser_options: dict | None = None
            ) -> dict:
    result: dict = {"households": generate.SCALES[scale]}
    log(f"[{scale}] workbook")
    started = time.perf_counter()
    workbook, counts = generate.write(scale, folder)
    result["rows"] = counts
    result["workbook_mb"] = workbook.stat().st_size / 1e6
    result["generate_s"] = time.perf_counter() - started
    db_path = folder / f"programme-{scale}.duckdb"
    log(f"[{scale}] import")
    imports = [import_once(workbook, db_path) for _ in range(max(1, runs if scale != "L" else 2))]
    result["import"] = {"seconds": stats([i["seconds"] for i in imports]),
                        "peak_rss_mb": stats([i["peak_rss_mb"] for i in imports])}
    result["db_mb"] = db_path.stat().st_size / 1e6
    log(f"[{scale}] import preview, 1 % of the rows changed")
    result["preview"] = measure_preview(scale, runs, folder, db_path)

    with Database(db_path, read_only=True) as db:
        as_of = indicators.data_date(db)
        scope = Scope(as_of=as_of)
        log(f"[{scale}] queries")
        queries = {}
        for (module, function), args in CALLS.items():
            fn = getattr(access.MODULES[module], function)
            queries[f"{module}.{function}"] = timed(lambda: fn(db, *args(scope)), runs)[0]
        result["queries"] = queries

        log(f"[{scale}] pandas baseline")
        result["baseline"] = baseline_figures(db, workbook, runs)

        log(f"[{scale}] map payload")
        moves = geo.destinations(db, scope)
        origins = (moves.drop_duplicates("building_code")
                   [["building_code", "origin_name", "origin_latitude", "origin_longitude"]]
                   .rename(columns={"origin_name": "name", "origin_latitude": "latitude",
                                    "origin_longitude": "longitude"}))
        empty = geo.boundaries(db, "communes")
        perimeters = geo.boundaries(db, "perimetre")
        built, (fmap, mode) = timed(lambda: maps.point_map(moves, origins, perimeters, empty),
                                    max(1, runs - 1))
        cmap = maps.commune_map(geo.commune_aggregates(db, scope), empty)
        result["map"] = {"points": len(moves), "mode": mode, "build": built,
                         "point_map_bytes": maps.payload_bytes(fmap),
                         "commune_map_bytes": maps.payload_bytes(cmap)}

        log(f"[{scale}] report")
        with tempfile.TemporaryDirectory() as tmp:
            def make():
                report.generate(db, scope, None, "partenaire", Path(tmp) / "r.pdf",
                                Path(tmp) / "a.xlsx")
            result["report"] = timed(make, max(1, min(runs, 2)))[0]
    log(f"[{scale}] report for elected officials (with their release), at most "
        f"{REPORT_LIMIT_S} s")
    result["report_elu"] = report_once(db_path, "elu", REPORT_LIMIT_S)

    log(f"[{scale}] pages")
    result["pages"] = {page: page_times(db_path, page, runs) for page in PAGES}
    if browser_options is not None:
        from bench import browser

        log(f"[{scale}] pages in the browser")
        try:  # a broken browser run does not lose the figures above
            result["browser"] = browser.measure(db_path, runs, log=log, **browser_options)
        except Exception as exc:
            result["browser_error"] = f"{type(exc).__name__}: {exc}"[:2000]
            log(f"[{scale}] BROWSER RUN FAILED: {result['browser_error']}")
    return result


def machine() -> dict:
    import duckdb
    import pandas
    import streamlit

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1e6
    except OSError:
        mem = None
    return {"date": datetime.now().strftime("%Y-%m-%d %H:%M"), "cpu": cpu,
            "cores": os.cpu_count(), "memory_gb": mem, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "pandas": pandas.__version__,
            "streamlit": streamlit.__version__, "system": platform.platform()}


def main(argv=None) -> int:
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--scales", default="S,M,L")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    parser.add_argument("--browser", action="store_true",
                        help="the pages in Chromium too, one user then --users at once")
    parser.add_argument("--users", type=int, default=10, help="users at once (0: none)")
    parser.add_argument("--idle-wait", type=float, default=600,
                        help="seconds between the users' leaving and the last memory reading")
    args = parser.parse_args(argv)
    browser_options = (dict(users=args.users, idle_wait=args.idle_wait, log_dir=args.out)
                       if args.browser else None)
    results = {"machine": machine(), "scales": {}}
    for scale in args.scales.split(","):
        results["scales"][scale] = measure(scale, args.runs, args.data,
                                           lambda m: print(m, file=sys.stderr, flush=True),
                                           browser_options)
        write(results, args.out)  # after each scale: a later failure loses nothing
    print(f"Résultats : {args.out / 'RESULTS.md'}")
    return 0


def write(results: dict, out: Path) -> None:
    from bench import results_md

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str,
                                                 ensure_ascii=False), encoding="utf-8")
    (out / "RESULTS.md").write_text(results_md.render(results), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
