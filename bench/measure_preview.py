"""The import preview (python -m relog_data import --dry-run: the command
line's own path, on a private copy of the database) in this fresh process:
prints {"seconds", "peak_rss_mb", "changed_fields"} as JSON."""

import contextlib
import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.memory import peak_mb  # noqa: E402
from relog_data import cli  # noqa: E402

workbook, db = sys.argv[1], sys.argv[2]
out = io.StringIO()
started = time.perf_counter()
with contextlib.redirect_stdout(out):
    code = cli.main(["import", workbook, "--db", db, "--dry-run"])
seconds = time.perf_counter() - started
if code != 0:
    print(out.getvalue()[-3000:], file=sys.stderr)
    sys.exit(code)
peak = peak_mb()
changed = sum(1 for line in out.getvalue().splitlines() if " → " in line)
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "shown_changes": changed}))
