"""Files offered for download, bound to the session that produced them.

A page registers the bytes it offers (a report, an annex, an export, a CSV)
under a random id tied to its session; the download route gives them back
only to a request carrying that same session's cookie, while the session
lives. When the session ends (sign-out, time-out, disabled account), its
files are dropped. Nothing is written to disk and nothing is reachable by a
URL alone, unlike Streamlit's `/media/...` files.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import sessions

ROUTE = "/relog/fichier"      # GET ROUTE/<id>: the file, for its own session only
MAX_FILES_PER_SESSION = 20    # older files of a session are dropped first
MAX_BYTES_PER_SESSION = 300 * 1024 * 1024
LIFETIME_SECONDS = 3600       # a file is offered for an hour at most


class Deferred:
    """A file's bytes, made when it is first fetched: a page offering a CSV of
    500 000 rows would otherwise write it on every rerun (3 s at 150 000
    households, #20) for a link rarely followed. `identity`: equal for equal
    contents (a rerun offers the same file again under the same id)."""

    def __init__(self, make: Callable[[], bytes], identity):
        self._make = make
        self.identity = identity
        self._lock = threading.Lock()
        self._bytes: bytes | None = None

    def content(self) -> bytes:
        with self._lock:
            if self._bytes is None:
                self._bytes = bytes(self._make())
                self._make = None  # what it was made from can go
            return self._bytes

    def __len__(self) -> int:
        return 0 if self._bytes is None else len(self._bytes)

    def __eq__(self, other) -> bool:
        return isinstance(other, Deferred) and other.identity == self.identity

    __hash__ = None


@dataclass(frozen=True)
class Offered:
    session_key: str   # SessionStore.key_of(token): never the token itself
    data: bytes | Deferred
    file_name: str
    mime: str
    what: str          # the audit log's words for it, in French
    login: str
    role: str
    created: float

    def content(self) -> bytes:
        return self.data.content() if isinstance(self.data, Deferred) else self.data


class DownloadRegistry:
    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._files: dict[str, Offered] = {}

    def offer(self, token: str, data: bytes | Deferred, file_name: str, mime: str, what: str,
              login: str = "", role: str = "") -> str:
        """Register `data` (bytes, or a `Deferred` made when fetched) for the
        session of `token`; returns the file's URL."""
        key = sessions.SessionStore.key_of(token)
        file_id = secrets.token_urlsafe(24)
        now = self._clock()
        with self._lock:
            self._expire(now)
            for known, item in self._files.items():  # the same file offered again (rerun)
                if item.session_key == key and item.file_name == file_name \
                        and item.what == what and item.data == data:
                    return f"{ROUTE}/{known}"
            kept = data if isinstance(data, Deferred) else bytes(data)
            self._files[file_id] = Offered(key, kept, file_name, mime, what, login, role, now)
            self._trim(key)
        return f"{ROUTE}/{file_id}"

    def take(self, file_id: str, token: str | None) -> Offered | None:
        """The file for a request holding `token`, or None (unknown id, other
        session, expired). The file stays offered until its session ends."""
        if not token:
            return None
        key = sessions.SessionStore.key_of(token)
        with self._lock:
            self._expire(self._clock())
            item = self._files.get(file_id)
        if item is None or not secrets.compare_digest(item.session_key, key):
            return None
        return item

    def drop_session(self, session_key: str) -> int:
        with self._lock:
            ids = [i for i, f in self._files.items() if f.session_key == session_key]
            for i in ids:
                del self._files[i]
        return len(ids)

    def count(self, session_key: str | None = None) -> int:
        with self._lock:
            return sum(1 for f in self._files.values()
                       if session_key is None or f.session_key == session_key)

    def _expire(self, now: float) -> None:
        for i in [i for i, f in self._files.items() if now - f.created > LIFETIME_SECONDS]:
            del self._files[i]

    def _trim(self, key: str) -> None:
        mine = sorted((f.created, i, len(f.data)) for i, f in self._files.items()
                      if f.session_key == key)
        total = sum(size for _, _, size in mine)
        while mine and (len(mine) > MAX_FILES_PER_SESSION or total > MAX_BYTES_PER_SESSION):
            _, oldest, size = mine.pop(0)
            del self._files[oldest]
            total -= size


REGISTRY = DownloadRegistry()
sessions.STORE.on_end(REGISTRY.drop_session)
