"""Account commands while the app runs.

The app (a Streamlit server) holds the DuckDB file open for its whole life, and
DuckDB lets one process write a file, or many read it: `python -m relog_data
users add|set-role|disable|enable|password` cannot open it then. The command
line hands the change to the app instead:

1. it writes a request — JSON: id, command, arguments, actor ("cli:<user>"),
   created (seconds since the epoch) — into `<database file>.requests/` beside
   the database (folder 0700, file 0600, written to a temporary name then
   renamed). A password travels as its argon2id hash, computed by the command
   line: the clear password never reaches a file;
2. the app calls `apply_pending(db)` (often: the command line waits
   WAIT_SECONDS), which claims each valid request by renaming it, applies it
   through `accounts` (the same checks and audit entries as from the command
   line, by the same actor), writes `<id>.result.json` and returns the
   results, whose `logins` the app signs out when `revoke` is set;
3. the command line prints the result in French, or, when no answer came in
   time, withdraws its request and says that nothing was changed.

Ignored: requests older than MAX_AGE_SECONDS, malformed ones, and any file or
folder not owned by the user of this process or open to others (the app and
the command line must run as the same system user).
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
import uuid
from pathlib import Path

from . import accounts
from .db import Database, owner_only, restrict
from .errors import RelogError

WAIT_SECONDS = 15  # how long the command line waits for the app's answer
MAX_AGE_SECONDS = 60  # older requests are not applied
MAX_BYTES = 16_384
COMMANDS = ("add", "set-role", "disable", "enable", "password")
_ROLE_COMMANDS = ("add", "set-role")
_HASH_COMMANDS = ("add", "password")
_ID = re.compile(r"^[0-9a-f]{32}$")
_REQUEST = ".request.json"
_CLAIMED = ".claimed.json"
_RESULT = ".result.json"


def requests_dir(db_path: str | Path) -> Path:
    """`<database file name>.requests/` beside the database."""
    path = Path(db_path)
    return path.with_name(path.name + ".requests")


# -- the change itself (used directly by the command line, or by the app) -------------------------
def success_message(command: str, arguments: dict) -> str:
    login = arguments["login"]
    if command == "add":
        return f"Compte « {login} » créé (rôle {arguments['role']})."
    if command == "set-role":
        return f"Rôle de « {login} » : {arguments['role']}."
    if command in ("disable", "enable"):
        return f"Compte « {login} » {'réactivé' if command == 'enable' else 'désactivé'}."
    return f"Mot de passe de « {login} » changé."


def run(db: Database, command: str, arguments: dict, actor: str) -> str:
    """Apply one account command on a writable database; its French message."""
    login = arguments["login"]
    if command == "add":
        accounts.add_user_hashed(db, login, arguments["password_hash"], arguments["role"],
                                 arguments.get("name") or "", arguments.get("operations"),
                                 actor=actor)
    elif command == "set-role":
        accounts.set_role(db, login, arguments["role"], arguments.get("operations"), actor=actor)
    elif command in ("disable", "enable"):
        accounts.set_active(db, login, command == "enable", actor=actor)
    elif command == "password":
        accounts.set_password_hash(db, login, arguments["password_hash"], actor=actor)
    else:
        raise RelogError(f"Commande de compte inconnue « {command} ».")
    return success_message(command, arguments)


# -- files ----------------------------------------------------------------------------------------
def _owner_only(info: os.stat_result, kind) -> bool:
    return (kind(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & 0o077)


def _folder(db_path: Path, create: bool) -> Path | None:
    """The requests folder, when it is ours and closed to others."""
    folder = requests_dir(db_path)
    if create:
        with owner_only():
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                pass
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return None
    return folder if _owner_only(info, stat.S_ISDIR) else None


def _write_atomically(path: Path, data: dict) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with owner_only():
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
    restrict(temporary)
    os.replace(temporary, path)


def _owned(path: Path) -> bool:
    """A regular file of ours, closed to others (0600)."""
    try:
        return _owner_only(os.lstat(path), stat.S_ISREG)
    except OSError:
        return False


def _load(path: Path) -> dict | None:
    """A small JSON object; None when the file is not one."""
    try:
        if os.lstat(path).st_size > MAX_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _read_owned(path: Path) -> dict | None:
    return _load(path) if _owned(path) else None


def _valid(request: dict, request_id: str, now: float) -> bool:
    """Well formed, of a known command, young enough."""
    args = request.get("arguments")
    created = request.get("created")
    if (request.get("id") != request_id or request.get("command") not in COMMANDS
            or not isinstance(args, dict) or not isinstance(created, (int, float))
            or not isinstance(request.get("actor"), str)
            or not request["actor"].startswith("cli:")
            or not -5 <= now - created <= MAX_AGE_SECONDS):
        return False
    command = request["command"]
    expected = {"login"}
    if command in _ROLE_COMMANDS:
        expected |= {"role", "operations"}
    if command == "add":
        expected |= {"name"}
    if command in _HASH_COMMANDS:
        expected |= {"password_hash"}
    if set(args) != expected:
        return False
    ops = args.get("operations")
    return (all(isinstance(args[k], str) for k in expected - {"operations"})
            and (ops is None or (isinstance(ops, list) and all(isinstance(o, str) for o in ops))))


# -- the command line's side ----------------------------------------------------------------------
def submit(db_path: str | Path, command: str, arguments: dict, actor: str) -> str:
    """Write a request for the running app; its id."""
    if command not in COMMANDS:
        raise ValueError(command)
    folder = _folder(Path(db_path), create=True)
    if folder is None:
        raise RelogError(
            f"Le dossier {requests_dir(db_path)} n'appartient pas à cet utilisateur ou est "
            "ouvert à d'autres : la demande n'a pas été transmise à l'application.")
    request_id = uuid.uuid4().hex
    _write_atomically(folder / f"{request_id}{_REQUEST}",
                      {"id": request_id, "command": command, "arguments": arguments,
                       "actor": actor, "created": time.time()})
    return request_id


def wait_for_result(db_path: str | Path, request_id: str,
                    seconds: float | None = None) -> dict:
    """The app's result for a request; on timeout the request is withdrawn and
    RelogError says that nothing was changed."""
    folder = requests_dir(db_path)
    result_path = folder / f"{request_id}{_RESULT}"
    wait = WAIT_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + wait
    grace = None
    while True:
        result = _read_owned(result_path)
        if result is not None and result.get("id") == request_id:
            result_path.unlink(missing_ok=True)
            return result
        now = time.monotonic()
        if now >= deadline and grace is None:
            try:
                (folder / f"{request_id}{_REQUEST}").unlink()
            except FileNotFoundError:  # the app has claimed it: its answer is coming
                grace = now + 10
            else:
                raise RelogError(
                    f"L'application n'a pas répondu en {wait:g} s : la demande est retirée et "
                    "rien n'a été modifié. Vérifiez que l'application tourne (et sous le même "
                    "utilisateur système), ou arrêtez-la et relancez la commande.")
        if grace is not None and now >= grace:
            raise RelogError(
                "L'application a pris la demande mais sa réponse n'est pas arrivée : vérifiez "
                "le résultat avec « python -m relog_data users list ».")
        time.sleep(0.1)


# -- the app's side -------------------------------------------------------------------------------
def apply_pending(db: Database) -> list[dict]:
    """Apply every pending request to the database of the running app (its
    read-only Database: the change goes through `db.write_access()`). Returns
    one dict per request applied: id, command, login, ok, message, and
    `revoke` with `logins`: the accounts whose open sessions must end (account
    disabled, role or password changed)."""
    folder = _folder(db.path, create=False)
    if folder is None:
        return []
    now = time.time()
    claimed = []
    for path in sorted(folder.glob(f"*{_REQUEST}")):
        request_id = path.name[: -len(_REQUEST)]
        if not _ID.match(request_id):
            continue
        if not _owned(path):
            continue  # not ours, or open to others: left alone, never applied
        request = _load(path)
        if request is None or not _valid(request, request_id, now):
            path.unlink(missing_ok=True)  # ours, but malformed or stale: never applied
            continue
        mine = folder / f"{request_id}{_CLAIMED}"
        try:
            os.rename(path, mine)  # the command line may withdraw it meanwhile
        except FileNotFoundError:
            continue
        claimed.append((mine, request))
    if not claimed:
        return []
    results = []
    try:
        with db.write_access() as writable:
            for mine, request in claimed:
                results.append(_apply(writable, request))
    except RelogError as exc:  # the database could not be written (busy)
        done = {r["id"] for r in results}
        results += [_result(request, False, str(exc)) for _, request in claimed
                    if request["id"] not in done]
    for (mine, request), result in zip(claimed, results):
        _write_atomically(folder / f"{request['id']}{_RESULT}", result)
        mine.unlink(missing_ok=True)
    return results


def _apply(db: Database, request: dict) -> dict:
    try:
        message = run(db, request["command"], request["arguments"], request["actor"])
    except RelogError as exc:
        return _result(request, False, str(exc))
    except Exception as exc:  # the app goes on; the command line hears of it
        return _result(request, False, "La demande n'a pas pu être appliquée "
                       f"({type(exc).__name__}) : rien n'a été modifié.")
    return _result(request, True, message)


def _result(request: dict, ok: bool, message: str) -> dict:
    login = request["arguments"]["login"].strip()
    revoke = ok and request["command"] in ("disable", "set-role", "password")
    return {"id": request["id"], "command": request["command"], "login": login, "ok": ok,
            "message": message, "revoke": revoke, "logins": [login] if revoke else []}
