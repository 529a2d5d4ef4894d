"""relog_data.heap: the memory freed by the server's threads is given back to
the system (#20: ten sessions at 150 000 households left the server at 2,5 times
its size at rest ten minutes after they had gone)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

CODE = """
import sys, threading
sys.path.insert(0, sys.argv[1])
import numpy as np
from relog_data import heap

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024

def work():  # what script runs do: frames built, then dropped, again and again
    for _ in range(3):
        frames = [np.ones(100_000) for _ in range(400)]
        del frames

threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
before = rss_mb()
heap.trim()
print(before, rss_mb())
"""


def test_memory_freed_by_threads_goes_back_to_the_system():
    run = subprocess.run([sys.executable, "-c", CODE, str(ROOT)], capture_output=True,
                         text=True, timeout=120, check=True)
    before, after = map(float, run.stdout.split())
    assert before - after > 300, (before, after)  # here: 900 -> 180 Mo


class _Cycle:
    def __init__(self):
        self.me = self  # only a full collection frees it


def _garbage_cycle():
    import weakref

    return weakref.ref(_Cycle())


def test_the_tidier_collects_only_when_the_server_is_quiet(monkeypatch):
    import gc

    from relog_data import heap

    trims = []
    monkeypatch.setattr(heap, "trim", lambda: trims.append(1) or True)
    clock = {"cpu": 0.0, "wall": 0.0}
    tidy = heap.Tidier(cpu=lambda: clock["cpu"], clock=lambda: clock["wall"])
    gc.disable()  # nothing but the tidier collects during the test
    try:
        # sessions busy: 12 s of processor in 30 s (40 % of a core): no collection
        cycle = _garbage_cycle()
        clock["cpu"], clock["wall"] = 12.0, 30.0
        assert tidy() is False and cycle() is not None
        # called again 10 s later (the watcher calls every second): nothing yet
        clock["wall"] = 40.0
        assert tidy() is False and cycle() is not None
        # quiet: 1 s in 30 s (3,3 % < 5 %): the garbage goes
        clock["cpu"], clock["wall"] = 13.0, 60.0
        assert tidy() is True and cycle() is None
        # just above the threshold (1,8 s in 30 s = 6 %): busy again
        cycle = _garbage_cycle()
        clock["cpu"], clock["wall"] = 14.8, 90.0
        assert tidy() is False and cycle() is not None
    finally:
        gc.enable()
    assert len(trims) == 3  # memory given back every time


def test_streamlit_does_not_collect_after_every_run():
    # its full collection after each script run held every session 0,15-0,2 s per
    # click (#20); server.py's watcher collects when quiet instead (above)
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    server = (ROOT / "server.py").read_text()
    assert "heap.Tidier(every=TRIM_SECONDS)" in server
