"""Local accounts: argon2id password hashes, lock-out, roles and operations;
and the mapping of an OpenID Connect identity to a viewer.

No password is stored or logged in clear; there is no default account: the
first administrator is created with `python -m relog_data users add`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from . import audit
from .access import ROLES, AccessDenied, Viewer
from .db import Database
from .errors import RelogError
from .throttle import LOCK_MINUTES, THROTTLE, Throttle

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id, the library's current parameters
# Verified when the login is unknown, so that a wrong login takes as long as a
# wrong password.
_DUMMY_HASH = _hasher.hash("relog: no such account")


class SignInError(RelogError):
    """A refused sign-in, with a French message safe to show."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RelogError(
            f"Mot de passe trop court : {MIN_PASSWORD_LENGTH} caractères au moins.")
    return _hasher.hash(password)


def _check_role(role: str, operations) -> None:
    if role not in ROLES:
        raise RelogError(f"Rôle inconnu « {role} » : {', '.join(ROLES)}.")
    if role == "charge" and not operations:
        raise RelogError("Un chargé de relogement doit avoir au moins une opération "
                         "(--operations CODE1,CODE2).")


def _check_operations(db: Database, operations) -> None:
    if not operations:
        return
    known = set(db.query_text("SELECT operation_code FROM operations")["operation_code"])
    unknown = [o for o in operations if o not in known]
    if unknown:
        raise RelogError("Opération inconnue : " + ", ".join(unknown))


def _user(cur, login: str):
    rows = cur.execute(
        "SELECT login, display_name, role, operations, password_hash, active, failed_attempts, "
        "locked_until FROM users WHERE login = $l", {"l": login}).fetchall()
    if not rows:
        return None
    keys = ("login", "display_name", "role", "operations", "password_hash", "active",
            "failed_attempts", "locked_until")
    return dict(zip(keys, rows[0]))


def check_hash(digest) -> str:
    """An argon2id hash computed elsewhere (the command line, for the app): refused
    unless it is one."""
    try:
        if isinstance(digest, str) and digest.startswith("$argon2id$"):
            extract_parameters(digest)
            return digest
    except InvalidHashError:
        pass
    raise RelogError("Empreinte de mot de passe invalide (argon2id attendu).")


def add_user(db: Database, login: str, password: str, role: str, display_name: str = "",
             operations: list[str] | None = None, actor: str = "") -> None:
    if not login.strip():
        raise RelogError("Identifiant vide.")
    _check_role(role, operations)
    _check_operations(db, operations)
    add_user_hashed(db, login, hash_password(password), role, display_name, operations, actor)


def add_user_hashed(db: Database, login: str, digest: str, role: str, display_name: str = "",
                    operations: list[str] | None = None, actor: str = "") -> None:
    """add_user with the password's argon2id hash instead of the password."""
    login = login.strip()
    if not login:
        raise RelogError("Identifiant vide.")
    _check_role(role, operations)
    _check_operations(db, operations)
    digest = check_hash(digest)
    now = datetime.now()
    with db.writer() as cur:
        if _user(cur, login) is not None:
            raise RelogError(f"Le compte « {login} » existe déjà.")
        cur.execute(
            "INSERT INTO users (login, display_name, role, operations, password_hash, active, "
            "failed_attempts, created_at, updated_at) VALUES ($l, $n, $r, $o, $h, TRUE, 0, $t, $t)",
            {"l": login, "n": display_name or None, "r": role,
             "o": list(operations) if operations else None, "h": digest, "t": now})
        audit.record(cur, "compte", f"création du compte {login} (rôle {role}"
                     + (f", opérations {', '.join(operations)}" if operations else "") + ")",
                     login=actor)


def _update(db: Database, login: str, sets: str, params: dict, detail: str, actor: str) -> None:
    with db.writer() as cur:
        if _user(cur, login) is None:
            raise RelogError(f"Aucun compte « {login} ».")
        cur.execute(f"UPDATE users SET {sets}, updated_at = $t WHERE login = $l",
                    {**params, "l": login, "t": datetime.now()})
        audit.record(cur, "compte", detail, login=actor)


def set_role(db: Database, login: str, role: str, operations: list[str] | None = None,
             actor: str = "") -> None:
    _check_role(role, operations)
    _check_operations(db, operations)
    _update(db, login, "role = $r, operations = $o",
            {"r": role, "o": list(operations) if operations else None},
            f"rôle de {login} : {role}"
            + (f" (opérations {', '.join(operations)})" if operations else ""), actor)


def set_active(db: Database, login: str, active: bool, actor: str = "") -> None:
    _update(db, login, "active = $a, failed_attempts = 0, locked_until = NULL", {"a": active},
            f"compte {login} {'réactivé' if active else 'désactivé'}", actor)


def set_password(db: Database, login: str, password: str, actor: str = "") -> None:
    set_password_hash(db, login, hash_password(password), actor)


def set_password_hash(db: Database, login: str, digest: str, actor: str = "") -> None:
    """set_password with the password's argon2id hash instead of the password."""
    digest = check_hash(digest)
    _update(db, login, "password_hash = $h, failed_attempts = 0, locked_until = NULL",
            {"h": digest}, f"mot de passe de {login} changé", actor)


def list_users(db: Database, viewer: Viewer) -> pd.DataFrame:
    """Accounts without their hashes: administrators only."""
    if viewer.role != "admin":
        raise AccessDenied("Liste des comptes réservée aux administrateurs.")
    return db.query("users_list")


def has_users(db: Database) -> bool:
    return bool(db.query_text("SELECT count(*) AS n FROM users")["n"].iloc[0])


def sign_in(db: Database, login: str, password: str, now: datetime | None = None,
            client: str = "", throttle: Throttle | None = None) -> Viewer:
    """The viewer of a valid login and password; otherwise SignInError.

    An unknown login and an existing one take the same path: one argon2
    verification, one audit entry, the same message and the same throttle
    (by login and by client address, see throttle.py). What was typed as a
    login is written in the audit log only when it is an existing login: a
    password typed in the wrong field never lands there."""
    now = now or datetime.now()
    throttle = throttle or THROTTLE
    login = (login or "").strip()
    until = throttle.blocked_until(login, client, now)
    with db.writer() as cur:
        user = _user(cur, login) if login else None
        known = user["login"] if user is not None else None
        ok = _verify(user["password_hash"] if user else _DUMMY_HASH, password)
        error = reason = None
        if until is not None:
            reason = "tentatives bloquées"
            error = SignInError(_blocked_message(until))
        elif user is None or not ok or not user["active"]:
            reason = ("identifiant inconnu" if user is None
                      else "compte désactivé" if ok else "mot de passe erroné")
            started = throttle.failure(login, client, now)
            if started is not None:
                reason += f" (tentatives bloquées {LOCK_MINUTES} min)"
            error = SignInError("Identifiant ou mot de passe incorrect.")
        detail = reason if error else "compte local"
        if client:
            detail += f" · poste {client}"
        if error is None:
            throttle.success(login, client)
            audit.record(cur, "connexion", detail, login=known, role=user["role"])
        else:
            audit.record(cur, "échec de connexion", detail, login=known)
    if error is not None:
        raise error  # after the commit: the attempt and its audit entry are kept
    ops = tuple(user["operations"]) if user["operations"] is not None else None
    return Viewer(user["role"], ops, login=known)


def _blocked_message(until: datetime) -> str:
    return (f"Trop d'échecs de connexion depuis ce poste : réessayez après "
            f"{until.strftime('%H:%M')}.")


def viewer_of(db: Database, login: str) -> Viewer | None:
    """The viewer of an active account as it stands now (role and operations
    re-read at every page run), or None when it is unknown or disabled."""
    frame = db.query_text(
        "SELECT role, operations, active FROM users WHERE login = $l", l=login or "")
    if frame.empty or not bool(frame["active"].iloc[0]):
        return None
    ops = frame["operations"].iloc[0]
    ops = tuple(ops) if pd.api.types.is_list_like(ops) else None  # NULL: every operation
    return Viewer(str(frame["role"].iloc[0]), ops, login=login)


def _verify(digest: str, password: str) -> bool:
    try:
        return _hasher.verify(digest, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# -- OpenID Connect ------------------------------------------------------------------------------
def _claim(claims: dict, path: str):
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def viewer_from_claims(claims: dict, role_claim: str = "relog_role",
                       operations_claim: str = "relog_operations") -> Viewer:
    """The viewer of an identity given by the identity provider: the role from
    `role_claim` (a string or a list: the strongest relog role listed wins;
    dotted paths such as "realm_access.roles" reach nested claims), the
    operations from `operations_claim` (a list or "A,B"; absent: all, except
    for a rehousing officer, who then sees none)."""
    raw = _claim(claims, role_claim)
    names = [raw] if isinstance(raw, str) else list(raw or [])
    names = [str(n).removeprefix("relog-").removeprefix("relog_") for n in names]
    role = next((r for r in ROLES if r in names), None)
    if role is None:
        raise SignInError("Votre compte n'a pas de rôle relog : demandez-le à l'administrateur.")
    ops = _claim(claims, operations_claim)
    if isinstance(ops, str):
        ops = [o.strip() for o in ops.split(",") if o.strip()]
    if ops is None and role == "charge":
        ops = []
    login = str(claims.get("email") or claims.get("preferred_username") or claims.get("sub", ""))
    return Viewer(role, tuple(ops) if ops is not None else None, login=login)
