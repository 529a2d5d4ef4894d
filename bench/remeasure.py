"""Measure again some parts of the benchmark on the databases a full run has
built, the other figures kept (results merged into --out/results.json and
RESULTS.md re-rendered). For a change that touches the pages or the officials'
release only, without an hour of generating and importing again:
    python -m bench.remeasure --scales S,M,L --parts report_elu,pages,baseline
Each re-measured part records when (`remeasured`), shown in RESULTS.md."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from bench import run

PARTS = ("report_elu", "pages", "baseline", "browser")


def remeasure(scale: str, parts: list[str], runs: int, folder: Path, old: dict, log,
              browser_options: dict) -> dict:
    db_path = folder / f"programme-{scale}.duckdb"
    if not db_path.exists():
        raise SystemExit(f"{db_path} is missing: run `python -m bench.run` first")
    result = dict(old)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    if "report_elu" in parts:
        log(f"[{scale}] report for elected officials, at most {run.REPORT_LIMIT_S} s")
        result["report_elu"] = run.report_once(db_path, "elu", run.REPORT_LIMIT_S)
    if "baseline" in parts:
        from relog_data.db import Database

        log(f"[{scale}] pandas baseline")
        with Database(db_path, read_only=True) as db:
            result["baseline"] = run.baseline_figures(db, folder / f"programme-{scale}.xlsx",
                                                      runs)
    if "pages" in parts:
        log(f"[{scale}] pages (AppTest)")
        result["pages"] = {page: run.page_times(db_path, page, runs) for page in run.PAGES}
    if "browser" in parts:
        from bench import browser

        log(f"[{scale}] pages in the browser")
        result["browser"] = browser.measure(db_path, runs, log=log, **browser_options)
    result["remeasured"] = {**old.get("remeasured", {}), **{p: stamp for p in parts}}
    return result


def main(argv=None) -> int:
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(prog="python -m bench.remeasure")
    parser.add_argument("--scales", default="S,M,L")
    parser.add_argument("--parts", default=",".join(PARTS[:-1]),
                        help=f"among {', '.join(PARTS)}")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--idle-wait", type=float, default=600)
    parser.add_argument("--data", type=Path, default=run.ROOT / "bench" / "data")
    parser.add_argument("--out", type=Path, default=run.ROOT / "bench")
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown parts: {sorted(unknown)}")
    path = args.out / "results.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    options = dict(users=args.users, idle_wait=args.idle_wait, log_dir=args.out)
    for scale in args.scales.split(","):
        started = time.perf_counter()
        results["scales"][scale] = remeasure(scale, parts, args.runs, args.data,
                                             results["scales"].get(scale, {}), log, options)
        run.write(results, args.out)  # after each scale
        log(f"[{scale}] done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
