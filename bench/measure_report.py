"""The meeting pack (PDF + Excel annex) for one audience, in this fresh
process (so an audience of elected officials also builds their protected
release, as a server does on its first official's request): prints
{"seconds", "peak_rss_mb"} as JSON."""

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.memory import peak_mb  # noqa: E402
from relog_data import indicators, report  # noqa: E402
from relog_data.db import Database  # noqa: E402
from relog_data.indicators import Scope  # noqa: E402

db_path, audience = sys.argv[1], sys.argv[2]
with Database(db_path, read_only=True) as db, tempfile.TemporaryDirectory() as tmp:
    scope = Scope(as_of=indicators.data_date(db))
    started = time.perf_counter()
    report.generate(db, scope, None, audience, Path(tmp) / "r.pdf", Path(tmp) / "a.xlsx")
    seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb()}))
