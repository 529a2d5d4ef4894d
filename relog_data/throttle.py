"""Sign-in throttle: failures counted by login and by client address.

The same rule holds for an existing and an unknown login, so the answer
never tells whether an account exists. A login is blocked from one client
address after MAX_PER_LOGIN failures (someone else, elsewhere, can still
sign in with it: an attacker cannot lock the administrator out), and a
client address is blocked for every login after MAX_PER_CLIENT failures
(password spraying). Counts live in the server's memory: a restart forgets
them, which only costs an attacker's next few guesses.
"""

from __future__ import annotations

import threading
import unicodedata
from datetime import datetime, timedelta

MAX_PER_LOGIN = 5       # failures of one login from one client address
MAX_PER_CLIENT = 20     # failures of any login from one client address
WINDOW_MINUTES = 15     # failures older than this are forgotten
LOCK_MINUTES = 15       # how long a block lasts


def normalise(login: str) -> str:
    return unicodedata.normalize("NFKC", (login or "").strip()).casefold()


class Throttle:
    def __init__(self):
        self._lock = threading.Lock()
        self._failures: dict[tuple, list[datetime]] = {}
        self._blocked: dict[tuple, datetime] = {}

    def blocked_until(self, login: str, client: str, now: datetime) -> datetime | None:
        keys = self._keys(login, client)
        with self._lock:
            ends = [self._blocked[k] for k in keys if self._blocked.get(k, now) > now]
        return max(ends) if ends else None

    def failure(self, login: str, client: str, now: datetime) -> datetime | None:
        """Count a failure; returns the end of a block it starts, if any."""
        start = None
        horizon = now - timedelta(minutes=WINDOW_MINUTES)
        with self._lock:
            for key, limit in zip(self._keys(login, client), (MAX_PER_LOGIN, MAX_PER_CLIENT)):
                times = [t for t in self._failures.get(key, []) if t > horizon] + [now]
                self._failures[key] = times
                if len(times) >= limit:
                    self._blocked[key] = start = now + timedelta(minutes=LOCK_MINUTES)
                    self._failures[key] = []
            if len(self._failures) > 100_000:  # bounded memory under a flood
                self._failures.clear()
        return start

    def success(self, login: str, client: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(login, client)[0], None)

    @staticmethod
    def _keys(login: str, client: str) -> tuple[tuple, tuple]:
        return ("login", normalise(login), client or ""), ("client", client or "")


THROTTLE = Throttle()
