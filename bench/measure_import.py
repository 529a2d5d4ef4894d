"""One import through the command line's own code path, in this fresh
process: prints {"seconds", "peak_rss_mb"} as JSON (peak resident memory of
the process, from /proc/self/status VmHWM)."""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.memory import peak_mb  # noqa: E402
from relog_data import cli  # noqa: E402

workbook, db = sys.argv[1], sys.argv[2]
if not Path(db).exists():  # a new real database (`init`), not timed
    if cli.main(["init", "--db", db]) != 0:
        sys.exit(2)
started = time.perf_counter()
code = cli.main(["import", workbook, "--db", db])
seconds = time.perf_counter() - started
if code != 0:
    sys.exit(code)
peak = peak_mb()
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak}))
