"""Signed-in sessions: random, server-side, revocable tokens.

The browser holds only a random token (in an HttpOnly cookie); this process
holds what it stands for: who signed in, when, and when they were last seen.
A session ends at sign-out, after `idle_minutes()` without a click, after
`absolute_hours()` whatever the activity, when its account is disabled, and
when the server restarts. Only a SHA-256 of each token is kept, so a memory
dump does not hand out live sessions.

The same module hands out one-time codes: the page that checked a password
cannot set a cookie (it talks over a websocket), so it sends the browser to a
plain HTTP route with a code valid once, for a minute, which the route trades
for the cookie.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "relog_session"
DEFAULT_IDLE_MINUTES = 30
DEFAULT_ABSOLUTE_HOURS = 12
CODE_SECONDS = 60


def idle_minutes() -> int:
    """Idle time before a session ends (RELOG_IDLE_MINUTES, 30 by default)."""
    return _env_int("RELOG_IDLE_MINUTES", DEFAULT_IDLE_MINUTES)


def absolute_hours() -> int:
    """Longest life of a session (RELOG_SESSION_HOURS, 12 by default)."""
    return _env_int("RELOG_SESSION_HOURS", DEFAULT_ABSOLUTE_HOURS)


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class Session:
    login: str          # the account, or "" for a demo visitor
    kind: str           # "local", "demo" or "setup"
    created: float
    last_seen: float
    client: str = ""    # the client address at sign-in, for the audit log
    data: dict = field(default_factory=dict)


@dataclass
class _Code:
    token: str
    target: str
    expires: float


class SessionStore:
    """Thread-safe: the Streamlit script threads and the HTTP routes share it."""

    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._codes: dict[str, _Code] = {}
        self._reasons: dict[str, tuple[str, str]] = {}
        self._on_end: list = []

    def on_end(self, callback) -> None:
        """`callback(digest)` runs whenever a session ends (files to drop)."""
        self._on_end.append(callback)

    # -- life cycle -------------------------------------------------------------------------
    def create(self, login: str, kind: str = "local", client: str = "") -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._sessions[_digest(token)] = Session(login, kind, now, now, client)
        self._sweep()
        return token

    def get(self, token: str | None, touch: bool = True) -> Session | None:
        """The live session of `token`, or None (unknown, revoked, expired)."""
        if not token:
            return None
        key = _digest(token)
        now = self._clock()
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            reason = self._expired(session, now)
            if reason:
                del self._sessions[key]
                self._reasons[key] = (reason, session.login)
                ended = True
            else:
                ended = False
                if touch:
                    session.last_seen = now
        if ended:
            self._ended(key)
            return None
        return session

    def end_reason(self, token: str | None) -> tuple[str, str] | None:
        """(why, login) when the session of `token` ended by itself (why:
        "inactivité" or "durée maximale"), once, right after `get` found it
        expired; else None."""
        if not token:
            return None
        with self._lock:
            return self._reasons.pop(_digest(token), None)

    def revoke(self, token: str | None) -> Session | None:
        if not token:
            return None
        key = _digest(token)
        with self._lock:
            session = self._sessions.pop(key, None)
        if session is not None:
            self._ended(key)
        return session

    def revoke_login(self, login: str) -> int:
        """End every session of an account (disabled, role changed)."""
        with self._lock:
            keys = [k for k, s in self._sessions.items() if s.login == login and login]
            for k in keys:
                del self._sessions[k]
        for k in keys:
            self._ended(k)
        return len(keys)

    def count(self) -> int:
        with self._lock:
            return len(self._sessions)

    @staticmethod
    def key_of(token: str) -> str:
        return _digest(token)

    # -- one-time codes ---------------------------------------------------------------------
    def code_for(self, token: str, target: str) -> str:
        """A code valid once for CODE_SECONDS, traded by the cookie route for
        `token`; `target` is where the browser goes next."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(token, target, self._clock() + CODE_SECONDS)
        return code

    def redeem(self, code: str | None) -> tuple[str, str] | None:
        """(token, target) for a valid code, once; None otherwise."""
        if not code:
            return None
        with self._lock:
            entry = self._codes.pop(code, None)
        if entry is None or entry.expires < self._clock():
            return None
        if self.get(entry.token, touch=False) is None:
            return None
        return entry.token, entry.target

    # -- internals --------------------------------------------------------------------------
    @staticmethod
    def _expired(session: Session, now: float) -> str | None:
        if now - session.created > absolute_hours() * 3600:
            return "durée maximale"
        if now - session.last_seen > idle_minutes() * 60:
            return "inactivité"
        return None

    def _ended(self, key: str) -> None:
        for callback in self._on_end:
            callback(key)

    def _sweep(self) -> None:
        now = self._clock()
        with self._lock:
            dead = [k for k, s in self._sessions.items() if self._expired(s, now)]
            for k in dead:
                del self._sessions[k]
            for code in [c for c, e in self._codes.items() if e.expires < now]:
                del self._codes[code]
            if len(self._reasons) > 1000:
                self._reasons.clear()
        for k in dead:
            self._ended(k)


STORE = SessionStore()  # the process's sessions
_ROUTES = {"mounted": False}


def mark_routes_mounted() -> None:
    """server.py serves the cookie and download routes in this process."""
    _ROUTES["mounted"] = True


def routes_mounted() -> bool:
    return _ROUTES["mounted"]


def safe_target(target: str | None) -> str:
    """A local path to go to after sign-in: never another site."""
    if not target or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    return target
