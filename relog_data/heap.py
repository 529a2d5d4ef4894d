"""Give back to the system the memory Python has freed.

The C library keeps the memory freed by the server's many threads (each
session's script runs in its own) in per-thread heaps instead of returning it:
after ten users had left, a server holding 150 000 households stayed at 2,5
times its size at rest (#20). `trim()` asks glibc to release every free page
(`malloc_trim`); elsewhere (another C library) it does nothing.

Streamlit's full garbage collection after every script run is turned off
(`runner.postScriptGC`, .streamlit/config.toml): it held every session for
0,15-0,2 s at each click. `Tidier` collects instead when the process has been
quiet (nobody waiting on a page), then trims.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import time

try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _TRIM = _LIBC.malloc_trim
    _TRIM.argtypes = [ctypes.c_size_t]
    _TRIM.restype = ctypes.c_int
except (OSError, AttributeError):  # not glibc
    _TRIM = None


def trim() -> bool:
    """Release the free memory of every heap to the system; True when some was."""
    return bool(_TRIM(0)) if _TRIM is not None else False


QUIET_CPU = 0.05  # share of one core under which the server counts as quiet


class Tidier:
    """Called as often as one likes (server.py's watcher, every second); once
    `every` seconds: a full garbage collection, then `trim()`, when the process
    used less than QUIET_CPU of a core since the last time; only `trim()`
    otherwise (it does not hold the interpreter; a collection would, in the
    middle of the sessions' runs). `cpu` and `clock` are injected by the tests."""

    def __init__(self, every: float = 30.0, cpu=time.process_time, clock=time.monotonic):
        self._every, self._cpu, self._clock = every, cpu, clock
        self._last = (cpu(), clock())

    def __call__(self) -> bool:
        """True when the garbage was collected this time."""
        cpu, now = self._cpu(), self._clock()
        used, elapsed = cpu - self._last[0], now - self._last[1]
        if elapsed < self._every:
            return False
        quiet = used / elapsed < QUIET_CPU
        if quiet:
            gc.collect()
        trim()
        self._last = (self._cpu(), self._clock())  # the collection itself is not counted
        return quiet
