"""The meeting archive (« Séances »): what each committee was shown, frozen.

relog rebuilds any past date from dated events, so when data about the past is
corrected (a move recorded late, a status fixed) the figures of a past meeting
silently change. A meeting freezes, when it is created (migration 007):

* every figure of `sql/kpis.sql` for its scope, total and per operation, read
  through the gateway as its audience sees them (an `elu` meeting: the
  protected release, hidden cells NULL);
* its points of attention;
* the state of every household of the scope at the situation date (never
  shown to officials: it tells, later, which households a change is about);
* the PDF pack and its Excel annex with their SHA-256, the import that was
  current, who created it and when.

Meetings are only inserted, never updated; one can be withdrawn with a reason
(audited). Comparing today's figures with a meeting (`since`) splits each
change into *new events* (today's figures at today's date minus today's
figures at the meeting's date) and *corrections* (today's figures at the
meeting's date minus what the meeting froze): the two add up to the change.
The households behind each part and the imports that changed them
(data_changes) explain a correction.

Reads reach this module through `access.fetch(db, viewer, "meetings", ...)`,
which passes the viewer: every function here checks which meetings the
viewer may see (`visible_to`).
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from . import access, audit, changes, fmt, privacy
from .access import AccessDenied, Viewer
from .db import Database
from .errors import RelogError
from .indicators import Scope

# The headline figures compared with a meeting, with the household states each
# counts (None: every household) — the same sets as sql/kpis.sql.
DONE = ("relogé", "départ autonome", "autre sortie")
EXITS = ("départ autonome", "autre sortie")
IN_BUILDING = ("à enquêter", "diagnostic réalisé", "en recherche", "proposition en cours",
               "accord")
HEADLINE: dict[str, tuple[str, tuple | None, bool]] = {
    # figure: (French label, states counted, counted states are the complement)
    "households_total": ("Ménages concernés", None, False),
    "rehoused": ("Relogés", ("relogé",), False),
    "temporary": ("Relogés provisoires", ("relogé provisoire",), False),
    "exits": ("Sorties sans relogement", EXITS, False),
    "still_in_building": ("Encore dans les bâtiments", IN_BUILDING, False),
    "remaining": ("Restant à reloger", DONE, True),
    "progress_rate_num": ("Relogés ou sortis", DONE, False),
}
# The words of « dont +34 relogements nouveaux et +3 relogements antérieurs saisis
# depuis »: (the things counted, new, earlier); figures that are not events
# (households in the buildings, left to rehouse) say « par des événements nouveaux ».
WORDS = {  # figure: (plural words, singular words)
    "rehoused": (("relogements", "nouveaux", "antérieurs saisis depuis"),
                 ("relogement", "nouveau", "antérieur saisi depuis")),
    "temporary": (("relogements provisoires", "nouveaux", "antérieurs saisis depuis"),
                  ("relogement provisoire", "nouveau", "antérieur saisi depuis")),
    "exits": (("sorties", "nouvelles", "antérieures saisies depuis"),
              ("sortie", "nouvelle", "antérieure saisie depuis")),
    "progress_rate_num": (("relogements ou sorties", "nouveaux", "antérieurs saisis depuis"),
                          ("relogement ou sortie", "nouveau", "antérieur saisi depuis")),
}
TOTAL = "*"
CREATORS = ("admin", "charge")


@dataclass(frozen=True)
class Meeting:
    meeting_id: int
    meeting_date: date
    title: str
    audience: str
    operations: tuple[str, ...]  # () = every operation
    phases: tuple[int, ...]
    as_of: date
    previous_id: int | None
    import_id: int | None
    created_by: str
    created_at: datetime
    pdf_sha256: str | None
    annex_sha256: str | None
    note: str | None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(operations=self.operations, phases=self.phases, as_of=self.as_of)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def label(self) -> str:
        """« Séance du 31/03/2009 — GTR mars (situation au 31/03/2009) »."""
        text = f"Séance du {fmt.day(self.meeting_date)} — {self.title}"
        if self.as_of != self.meeting_date:
            text += f" (situation au {fmt.day(self.as_of)})"
        return text + (" [retirée]" if self.withdrawn else "")


def _tuple(value) -> tuple:
    if value is None or (not isinstance(value, (list, tuple)) and fmt.is_missing(value)):
        return ()
    return tuple(value)


def _when(value):
    return None if fmt.is_missing(value) else value


def _meeting(row) -> Meeting:
    def day(v):
        return pd.Timestamp(v).date()

    def stamp(v):
        return None if fmt.is_missing(v) else pd.Timestamp(v).to_pydatetime()

    return Meeting(
        meeting_id=int(row["meeting_id"]), meeting_date=day(row["meeting_date"]),
        title=str(row["title"]), audience=str(row["audience"]),
        operations=_tuple(row["operations"]),
        phases=tuple(int(p) for p in _tuple(row["phases"])), as_of=day(row["as_of"]),
        previous_id=None if fmt.is_missing(row["previous_id"]) else int(row["previous_id"]),
        import_id=None if fmt.is_missing(row["import_id"]) else int(row["import_id"]),
        created_by=str(row["created_by"]), created_at=stamp(row["created_at"]),
        pdf_sha256=_when(row["pdf_sha256"]), annex_sha256=_when(row["annex_sha256"]),
        note=_when(row["note"]), withdrawn_at=stamp(row["withdrawn_at"]),
        withdrawn_by=_when(row["withdrawn_by"]), withdrawn_reason=_when(row["withdrawn_reason"]))


# -- who sees and who makes a meeting ------------------------------------------------------------
def _covers(viewer: Viewer, operations: tuple[str, ...]) -> bool:
    """Whether every operation of a meeting is one of the viewer's."""
    if viewer.operations is None:
        return True
    return bool(operations) and set(operations) <= set(viewer.operations)


def may_see(viewer: Viewer, meeting: Meeting) -> bool:
    """Meetings whose operations are all the viewer's (a meeting on every
    operation: viewers of every operation), of an audience the viewer's role may
    read: an `elu` only those made for officials, a `partenaire` none made for
    the rehousing officers."""
    if viewer.role == "elu" and meeting.audience != "elu":
        return False
    if meeting.audience not in access.REPORT_AUDIENCES[viewer.role]:
        return False
    return _covers(viewer, meeting.operations)


def can_create(viewer: Viewer, operations: tuple[str, ...] = ()) -> bool:
    """Administrators; a `charge` for a scope made of their operations only."""
    if viewer.role not in CREATORS:
        return False
    return viewer.role == "admin" or _covers(viewer, tuple(operations))


def can_withdraw(viewer: Viewer, meeting: Meeting) -> bool:
    return can_create(viewer, meeting.operations) and may_see(viewer, meeting)


# -- reading ------------------------------------------------------------------------------------
def _all(db: Database) -> list[Meeting]:
    return [_meeting(row) for _, row in db.query("meetings_list").iterrows()]


def visible(db: Database, viewer: Viewer, include_withdrawn: bool = True) -> list[Meeting]:
    """The meetings `viewer` may see, newest situation first."""
    return [m for m in _all(db) if may_see(viewer, m)
            and (include_withdrawn or not m.withdrawn)]


def listing(db: Database, viewer: Viewer) -> pd.DataFrame:
    """The visible meetings as a table (French column names come from the page)."""
    rows = [{"meeting_id": m.meeting_id, "meeting_date": m.meeting_date, "title": m.title,
             "audience": m.audience, "operations": ", ".join(m.operations) or "toutes",
             "phases": ", ".join(str(p) for p in m.phases) or "toutes", "as_of": m.as_of,
             "previous_id": m.previous_id, "created_by": m.created_by,
             "created_at": m.created_at, "pdf_sha256": m.pdf_sha256,
             "withdrawn": m.withdrawn, "withdrawn_reason": m.withdrawn_reason}
            for m in visible(db, viewer)]
    return pd.DataFrame(rows, columns=["meeting_id", "meeting_date", "title", "audience",
                                       "operations", "phases", "as_of", "previous_id",
                                       "created_by", "created_at", "pdf_sha256", "withdrawn",
                                       "withdrawn_reason"]).astype({"previous_id": "Int64"})


def get(db: Database, viewer: Viewer, meeting_id: int) -> Meeting:
    for m in _all(db):
        if m.meeting_id == int(meeting_id):
            if not may_see(viewer, m):
                raise AccessDenied("Cette séance ne vous est pas ouverte.")
            return m
    raise RelogError(f"Séance inconnue : n° {meeting_id}.")


def figures(db: Database, viewer: Viewer, meeting_id: int) -> pd.DataFrame:
    """unit ('*' or an operation code), figure, value, as the meeting froze them."""
    get(db, viewer, meeting_id)
    return db.query("meeting_figures", meeting=int(meeting_id))


def points(db: Database, viewer: Viewer, meeting_id: int) -> pd.DataFrame:
    get(db, viewer, meeting_id)
    return db.query("meeting_points", meeting=int(meeting_id))


def file_bytes(db: Database, viewer: Viewer, meeting_id: int, kind: str) -> bytes | None:
    """The frozen PDF ("pdf") or annex ("annex"), checked against its SHA-256."""
    if kind not in ("pdf", "annex"):
        raise ValueError(kind)
    get(db, viewer, meeting_id)
    row = db.query("meeting_file", meeting=int(meeting_id)).iloc[0]
    data, digest = row[kind], row[f"{kind}_sha256"]
    if data is None or (not isinstance(data, (bytes, bytearray, memoryview))
                        and fmt.is_missing(data)):
        return None
    data = bytes(data)
    if hashlib.sha256(data).hexdigest() != digest:
        raise RelogError(f"Le fichier {kind} de la séance n° {meeting_id} ne correspond plus à "
                         "son empreinte SHA-256 enregistrée : il a été altéré.")
    return data


def _total_figures(frame: pd.DataFrame) -> dict:
    part = frame[frame["unit"] == TOTAL]
    return {f: (None if fmt.is_missing(v) else float(v))
            for f, v in zip(part["figure"], part["value"])}


# -- creating -----------------------------------------------------------------------------------
def _kpi_frame(db: Database, viewer: Viewer, scope: Scope) -> pd.DataFrame:
    """The kpis of `scope` per operation and in total, as `viewer` sees them, in
    long form (unit, figure, value)."""
    wide = access.fetch(db, viewer, "indicators", "kpis", scope, "operation")
    numeric = [c for c in wide.columns
               if c not in ("group_key", "is_total") and pd.api.types.is_numeric_dtype(wide[c])]
    units = [TOTAL if t else str(k) for k, t in zip(wide["group_key"], wide["is_total"])]
    long = wide[numeric].assign(unit=units).melt(id_vars="unit", var_name="figure",
                                                 value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    return pd.concat([long[["unit", "figure", "value"]], _survey_frame(db, viewer, scope)],
                     ignore_index=True)


SURVEY_FIGURES = ("n_answers", "n_satisfied", "satisfied_share")


def _survey_frame(db: Database, viewer: Viewer, scope: Scope) -> pd.DataFrame:
    """The satisfied shares of the survey (per question and wave, whole scope):
    figures "satisfied_share|<question>|<wave>" and their n_answers / n_satisfied."""
    shares = access.fetch(db, viewer, "survey", "shares", scope)
    rows = [{"unit": TOTAL, "figure": f"{name}|{q}|{int(w)}",
             "value": None if fmt.is_missing(v) else float(v)}
            for q, w, *values in zip(shares["question"], shares["wave"],
                                     *(shares[c] for c in SURVEY_FIGURES))
            for name, v in zip(SURVEY_FIGURES, values)]
    return pd.DataFrame(rows, columns=["unit", "figure", "value"]).astype({"value": float})


def _pack(db: Database, scope: Scope, reference: date | None, audience: str,
          previous: int | None) -> tuple[bytes | None, bytes | None, str | None]:
    """The PDF and annex for the meeting, or (None, None, why) when this machine
    cannot print (no Chromium)."""
    from . import report

    with tempfile.TemporaryDirectory() as folder:
        pdf, annex = Path(folder) / "rapport.pdf", Path(folder) / "annexe.xlsx"
        try:
            report.find_chromium()
        except RelogError as exc:
            return None, None, str(exc)
        report.generate(db, scope, reference, audience, pdf, annex, previous_meeting=previous)
        return pdf.read_bytes(), annex.read_bytes(), None


@dataclass
class Prepared:
    """A meeting computed and printed, not yet stored (`prepare`, then `store`)."""

    row: dict
    figures: pd.DataFrame
    points: pd.DataFrame
    states: pd.DataFrame
    role: str


def prepare(db: Database, viewer: Viewer, *, meeting_date: date, title: str, audience: str,
            scope: Scope, previous_id: int | None = None, with_files: bool = True,
            login: str | None = None) -> Prepared:
    """Everything a meeting freezes, computed on `db` (read-only is enough): the
    long part (the PDF pack) runs before any write, so that the app's other
    sessions are not held up while it prints."""
    title = " ".join(str(title or "").split())
    if not title:
        raise RelogError("Donnez un titre à la séance (par exemple « Groupe technique "
                         "relogement de mars »).")
    if len(title) > 200:
        raise RelogError("Le titre de la séance est trop long (200 caractères au plus).")
    if not isinstance(meeting_date, date):
        raise RelogError("Date de séance invalide.")
    if scope.landlords or scope.buildings:
        raise RelogError("Une séance porte sur des opérations et des phases : retirez le filtre "
                         "par bailleur d'origine ou par bâtiment pour l'enregistrer.")
    if not can_create(viewer, scope.operations or ()):
        raise AccessDenied("Créer une séance est réservé aux administrateurs, et aux chargés "
                           "de relogement pour leurs opérations (choisissez-les dans le "
                           "périmètre).")
    allowed = access.report_scope(viewer, scope, audience)
    audience_viewer = _audience_viewer(allowed, audience)
    as_of = allowed.as_of or access.fetch(db, audience_viewer, "indicators", "data_date")
    if as_of is None:
        raise RelogError("La base ne contient encore aucun événement daté : rien à figer.")
    previous = get(db, viewer, previous_id) if previous_id is not None else None
    if audience == "elu":
        from .report import snapped_dates

        as_of, _ = snapped_dates(db, audience_viewer, as_of, None)
    if previous is not None:
        if previous.as_of >= as_of:
            raise RelogError(f"La séance précédente ({previous.label}) doit porter sur une date "
                             f"de situation antérieure au {fmt.day(as_of)}.")
        if previous.audience != audience:
            raise RelogError("La séance précédente doit avoir le même public.")
    import_id = db.query("last_import")["import_id"].iloc[0]
    scope = allowed.at(as_of)
    kpis = _kpi_frame(db, audience_viewer, scope)
    shown = access.fetch(db, audience_viewer, "indicators", "attention_points", scope)
    states = access.fetch(db, access.SYSTEM, "indicators", "household_states", scope)
    pdf = annex = note = None
    if with_files:
        pdf, annex, note = _pack(db, scope, previous.as_of if previous else None, audience,
                                 previous.meeting_id if previous else None)
    else:
        note = "Séance enregistrée sans rapport PDF."
    row = {"date": meeting_date, "title": title, "audience": audience,
           "ops": list(scope.operations) or None,
           "phases": [int(p) for p in scope.phases] or None, "as_of": as_of,
           "previous": previous.meeting_id if previous else None,
           "import": None if fmt.is_missing(import_id) else int(import_id),
           "by": login or viewer.login or audit.cli_login(), "pdf": pdf,
           "pdf_sha": hashlib.sha256(pdf).hexdigest() if pdf else None, "annex": annex,
           "annex_sha": hashlib.sha256(annex).hexdigest() if annex else None, "note": note}
    points_frame = pd.DataFrame({"rank": range(1, len(shown) + 1),
                                 "kind": [str(p["kind"]) for p in shown],
                                 "text": [str(p["text"]) for p in shown]})
    return Prepared(row, kpis, points_frame, states[["household_id", "state"]].copy(),
                    viewer.role)


def store(db: Database, prepared: Prepared) -> int:
    """Write a prepared meeting (`db` writable) and return its number; refused when
    an import was committed since it was prepared (its figures would be older)."""
    row = prepared.row
    last = db.query("last_import")["import_id"].iloc[0]
    if (None if fmt.is_missing(last) else int(last)) != row["import"]:
        raise RelogError("Des données ont été importées pendant la préparation de la séance : "
                         "enregistrez-la de nouveau.")
    with db.writer() as cur:
        meeting_id = cur.execute(
            "INSERT INTO meetings (meeting_date, title, audience, operations, phases, as_of, "
            "previous_id, import_id, created_by, created_at, pdf, pdf_sha256, annex, "
            "annex_sha256, note) VALUES ($date, $title, $audience, $ops, $phases, $as_of, "
            "$previous, $import, $by, $at, $pdf, $pdf_sha, $annex, $annex_sha, $note) "
            "RETURNING meeting_id", {**row, "at": datetime.now()}).fetchall()[0][0]
        frames = {"meeting_figures_rows": prepared.figures, "meeting_points_rows": prepared.points,
                  "meeting_states_rows": prepared.states}
        for name, frame in frames.items():
            cur.register(name, frame.assign(meeting_id=meeting_id))
        try:
            cur.execute("INSERT INTO meeting_figures SELECT meeting_id, unit, figure, value "
                        "FROM meeting_figures_rows")
            cur.execute("INSERT INTO meeting_points SELECT meeting_id, rank, kind, text "
                        "FROM meeting_points_rows")
            cur.execute("INSERT INTO meeting_states SELECT meeting_id, household_id, state "
                        "FROM meeting_states_rows")
        finally:
            for name in frames:
                cur.unregister(name)
        audit.record(cur, "séance", f"création de la séance n° {meeting_id} « {row['title']} » "
                     f"(situation au {fmt.day(row['as_of'])}, public {row['audience']})",
                     login=row["by"], role=prepared.role)
    return int(meeting_id)


def create(db: Database, viewer: Viewer, **kwargs) -> int:
    """Freeze a meeting (figures, points, household states, PDF and annex) and
    return its number: `prepare` then `store` on the same writable `db`."""
    return store(db, prepare(db, viewer, **kwargs))


def _audience_viewer(scope: Scope, audience: str) -> Viewer:
    from .report import audience_viewer

    return audience_viewer(scope, audience)


def withdraw(db: Database, viewer: Viewer, meeting_id: int, reason: str,
             login: str | None = None) -> None:
    """Withdraw a meeting (it stays in the archive, marked withdrawn)."""
    meeting = get(db, viewer, meeting_id)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise RelogError("Indiquez pourquoi la séance est retirée.")
    if not can_withdraw(viewer, meeting):
        raise AccessDenied("Retirer une séance est réservé à qui peut la créer.")
    if meeting.withdrawn:
        raise RelogError(f"La séance n° {meeting_id} est déjà retirée.")
    who = login or viewer.login or audit.cli_login()
    with db.writer() as cur:
        cur.execute("INSERT INTO meeting_withdrawals VALUES ($id, $at, $by, $reason)",
                    {"id": int(meeting_id), "at": datetime.now(), "by": who,
                     "reason": reason})
        audit.record(cur, "séance", f"retrait de la séance n° {meeting_id} « {meeting.title} » :"
                     f" {reason}", login=who, role=viewer.role)


# -- comparing ------------------------------------------------------------------------------------
def _in(states: pd.Series, figure: str) -> pd.Series:
    _, counted, complement = HEADLINE[figure]
    if counted is None:
        return states.notna() | states.isna()
    inside = states.isin(counted)
    return ~inside if complement else inside


def _scope_for(viewer: Viewer, meeting: Meeting, as_of: date) -> Scope:
    return viewer.restrict(meeting.scope.at(as_of))


def _value(frame: pd.DataFrame, figure: str):
    row = frame[frame["is_total"]]
    if row.empty:
        return None
    value = row.iloc[0][figure]
    return None if fmt.is_missing(value) else float(value)


def since(db: Database, viewer: Viewer, meeting_id: int, as_of: date) -> pd.DataFrame:
    """Each headline figure at `as_of` compared with what meeting `meeting_id`
    showed: frozen, reconstructed (today's data at the meeting's date), now,
    change = new + corrections, and (roles that see households) the households
    behind each part: `new_in`/`new_out` (entered or left the figure after the
    meeting's date), `corrected_in`/`corrected_out` (data about the period before
    it changed since the meeting). Values the viewer may not see are None."""
    meeting = get(db, viewer, meeting_id)
    frozen = _total_figures(db.query("meeting_figures", meeting=meeting.meeting_id))
    try:
        then_now = access.fetch(db, viewer, "indicators", "kpis",
                                _scope_for(viewer, meeting, meeting.as_of), "total")
    except AccessDenied:  # no longer a publication date for officials
        then_now = None
    now = access.fetch(db, viewer, "indicators", "kpis", _scope_for(viewer, meeting, as_of),
                       "total")
    lists = {}
    if viewer.household_level:
        old = db.query("meeting_states", meeting=meeting.meeting_id).set_index("household_id")
        then = access.fetch(db, viewer, "indicators", "household_states",
                            _scope_for(viewer, meeting, meeting.as_of)).set_index("household_id")
        current = access.fetch(db, viewer, "indicators", "household_states",
                               _scope_for(viewer, meeting, as_of)).set_index("household_id")
        ids = old.index.union(then.index).union(current.index)
        states = pd.DataFrame({"frozen": old["state"], "then": then["state"],
                               "now": current["state"]}).reindex(ids)
        present = {"frozen": ids.isin(old.index), "then": ids.isin(then.index),
                   "now": ids.isin(current.index)}
        lists = {"states": states, "present": present}
    rows = []
    for figure, (label, _, _) in HEADLINE.items():
        f = frozen.get(figure)
        t = None if then_now is None else _value(then_now, figure)
        n = _value(now, figure)
        row = {"figure": figure, "label": label, "frozen": f, "then": t, "now": n,
               "change": None if f is None or n is None else n - f,
               "corrections": None if f is None or t is None else t - f,
               "new": None if t is None or n is None else n - t}
        if lists:
            states, present = lists["states"], lists["present"]
            member = {k: pd.Series(present[k], index=states.index) & _in(states[k], figure)
                      for k in ("frozen", "then", "now")}
            row["corrected_in"] = sorted(states.index[member["then"] & ~member["frozen"]])
            row["corrected_out"] = sorted(states.index[member["frozen"] & ~member["then"]])
            row["new_in"] = sorted(states.index[member["now"] & ~member["then"]])
            row["new_out"] = sorted(states.index[member["then"] & ~member["now"]])
        if viewer.role == "elu":
            def hidden(key):
                return row[key] is None or viewer.hides(row[key])

            # change = new + corrections: no part may be recomputed from the two others
            if hidden("new") or hidden("corrections"):
                row["new"] = row["corrections"] = None
            if hidden("change"):
                row["change"] = row["new"] = row["corrections"] = None
        rows.append(row)
    return pd.DataFrame(rows)


def _signed(value) -> str:
    if value is None or fmt.is_missing(value):
        return privacy.HIDDEN
    value = int(round(value))
    return f"{'+' if value >= 0 else chr(0x2212)}{fmt.integer(abs(value))}"


def sentence(row, meeting: Meeting) -> str:
    """« Relogés : 720 (+37 depuis la séance du 31/03/2009, dont +34 relogements
    nouveaux et +3 relogements antérieurs saisis depuis) »; a hidden part: « s »."""
    now = privacy.HIDDEN if fmt.is_missing(row["now"]) else fmt.integer(row["now"])
    change = row["change"]
    since_text = f"depuis la séance du {fmt.day(meeting.meeting_date)}"
    if not fmt.is_missing(change) and int(round(change)) == 0 and not fmt.is_missing(
            row["corrections"]) and int(round(row["corrections"])) == 0:
        return f"{row['label']} : {now} (stable {since_text})"
    text = f"{row['label']} : {now} ({_signed(change)} {since_text}"
    if not fmt.is_missing(row["corrections"]) and int(round(row["corrections"])) == 0:
        return text + ", sans correction du passé)"
    if (not fmt.is_missing(row["new"]) and int(round(row["new"])) == 0
            and not fmt.is_missing(row["corrections"])):
        return text + ", uniquement des corrections du passé)"
    if fmt.is_missing(row["new"]) and fmt.is_missing(row["corrections"]) and not fmt.is_missing(
            change):
        return (text + f" ; détail entre événements nouveaux et corrections du passé non "
                f"publié ({privacy.HIDDEN}) : une part compte moins de 5 ménages)")
    words = WORDS.get(row["figure"])
    if words:
        def part(value, which: int) -> str:
            forms = words[0 if fmt.is_missing(value) or abs(int(round(value))) > 1 else 1]
            return f"{_signed(value)} {forms[0]} {forms[which]}"

        return text + f", dont {part(row['new'], 1)} et {part(row['corrections'], 2)})"
    return (text + f", dont {_signed(row['new'])} par des événements nouveaux et "
            f"{_signed(row['corrections'])} par des corrections du passé)")


def correction_changes(db: Database, viewer: Viewer, meeting_id: int,
                       households: list[str]) -> pd.DataFrame:
    """What imports after the meeting changed in these households' rows (French,
    personal values masked for pseudonymous roles)."""
    meeting = get(db, viewer, meeting_id)
    if not viewer.household_level:
        raise AccessDenied("Ce profil ne voit que des agrégats : aucune donnée par ménage.")
    raw = db.query("meeting_changes", households=list(households), after=meeting.import_id)
    frame = changes._history_frame(raw.drop(columns=["household_id"]))
    frame.insert(0, "household_id", raw["household_id"].values if len(raw) else [])
    if not viewer.named:
        frame = changes.mask_personal(frame, access.PERSONAL_COLUMNS)
    return frame


# -- naming and showing a figure ------------------------------------------------------------------
_PARTS = {"num": "numérateur", "den": "dénominateur"}
_SURVEY_PARTS = {"n_answers": "réponses", "n_satisfied": "satisfaits",
                 "satisfied_share": "part de satisfaits"}
_GROUPS = {"t12": "T1-T2", "t34": "T3-T4", "t56": "T5-T6"}


def figure_label(figure: str) -> str:
    """The French name of a frozen figure: « Relogés », « Taux d'avancement
    (numérateur) », « Bien accompagné pendant le relogement, vague 1 : satisfaits »."""
    from . import indicators, survey

    if "|" in figure:
        name, question, wave = figure.split("|")
        return (f"{survey.QUESTION_LABELS.get(question, question)}, vague {wave} : "
                f"{_SURVEY_PARTS.get(name, name)}")
    labels = _labels(indicators)
    if figure in labels:
        return labels[figure]
    base, _, part = figure.rpartition("_")
    if part in _PARTS and base in labels:
        return f"{labels[base]} ({_PARTS[part]})"
    if base == "rent_compensation" and part in _GROUPS:
        return f"Relogements ouvrant droit à la compensation ANRU ({_GROUPS[part]})"
    return figure


_LABEL_CACHE: dict[str, str] = {}


def _labels(indicators) -> dict[str, str]:
    if not _LABEL_CACHE:
        table = indicators.definitions()
        part = table[table["kind"] == "indicator"]
        _LABEL_CACHE.update(zip(part["key"], part["label"]))
        _LABEL_CACHE.update({k: v[0] for k, v in HEADLINE.items()})
    return _LABEL_CACHE


def figure_text(figure: str, value, elu: bool = False) -> str:
    """A frozen value in French: counts « 1 234 », shares « 74,8 % », euros « 1 500 € »;
    a missing value « s » for officials' meetings (hidden), else « — »."""
    if value is None or fmt.is_missing(value):
        return privacy.HIDDEN if elu else fmt.DASH
    name = figure.split("|")[0]
    if name.endswith(("_share", "_rate")) or name in ("progress_rate", "satisfied_share"):
        return fmt.share(value)
    if name == "offers_per_rehoused":
        return fmt.number(value, 2)
    if name.endswith(("_eur", "_median", "_change")):
        return fmt.euros(value)
    return fmt.integer(value)


# -- reproducing --------------------------------------------------------------------------------
def reproduce(db: Database, viewer: Viewer, meeting_id: int) -> pd.DataFrame:
    """The meeting's figures recomputed at its situation date on the current data,
    as its audience sees them: one row per figure that differs (unit, figure,
    frozen, now, difference), with the households whose state changed and the
    imports that changed them (`why`, roles that see households)."""
    meeting = get(db, viewer, meeting_id)
    frozen = db.query("meeting_figures", meeting=meeting.meeting_id)
    scope = meeting.scope
    current = _kpi_frame(db, _audience_viewer(scope, meeting.audience), scope)
    merged = frozen.merge(current, on=["unit", "figure"], how="outer",
                          suffixes=("_frozen", "_now"))
    a, b = merged["value_frozen"], merged["value_now"]
    differs = ~((a.isna() & b.isna()) | ((a - b).abs() < 1e-9))
    out = merged[differs].rename(columns={"value_frozen": "frozen", "value_now": "now"})
    out = out.assign(difference=out["now"] - out["frozen"]).reset_index(drop=True)
    if viewer.role == "elu":
        # a count that moved by 1 to 4 households is not shown moving (« s »); shares,
        # averages and amounts computed on them neither
        counts = ~out["figure"].str.contains(r"share|rate|median|change|_eur|offers_per|\|")
        small = counts & out["difference"].abs().map(lambda d: viewer.hides(d)
                                                     if not pd.isna(d) else False)
        derived = ~counts
        if small.any():
            out.loc[small | derived, ["now", "difference"]] = None
    if viewer.role != "admin" and viewer.operations is not None:
        out = out[out["unit"].isin([TOTAL, *viewer.operations])].reset_index(drop=True)
    out["households"] = [[] for _ in range(len(out))]
    out["why"] = ""
    if viewer.household_level and len(out):
        old = db.query("meeting_states", meeting=meeting.meeting_id).set_index("household_id")
        then = access.fetch(db, viewer, "indicators", "household_states",
                            viewer.restrict(scope)).set_index("household_id")
        both = old.join(then, how="outer", lsuffix="_frozen", rsuffix="_now")
        moved = both[both["state_frozen"].fillna("∅") != both["state_now"].fillna("∅")]
        ops = then["operation_code"] if "operation_code" in then.columns else pd.Series()
        detail = correction_changes(db, viewer, meeting.meeting_id, list(moved.index))
        for i, row in out.iterrows():
            ids = list(moved.index)
            if row["unit"] != TOTAL:
                ids = [h for h in ids if ops.get(h) == row["unit"]]
            if row["figure"] in HEADLINE:
                ids = [h for h in ids if _in(pd.Series([moved.at[h, "state_frozen"]]),
                                             row["figure"]).iloc[0]
                       != _in(pd.Series([moved.at[h, "state_now"]]), row["figure"]).iloc[0]]
            out.at[i, "households"] = sorted(ids)
            lines = []
            for h in sorted(ids)[:20]:
                rows = detail[detail["household_id"] == h]
                change = (f"{moved.at[h, 'state_frozen'] or 'absent'} → "
                          f"{moved.at[h, 'state_now'] or 'absent'}")
                if rows.empty:
                    lines.append(f"{h} : {change} (aucune modification enregistrée par un "
                                 "import : règle de calcul ou saisie hors import)")
                else:
                    what = "; ".join(_change_text(r) for _, r in rows.iterrows())
                    lines.append(f"{h} : {change} — {what}")
            if len(ids) > 20:
                lines.append(f"… et {len(ids) - 20} autres ménages")
            out.at[i, "why"] = "\n".join(lines)
    return out


def _change_text(row) -> str:
    at = fmt.day(row["changed_at"])
    where = f"import n° {row['import_id']} du {at}"
    if row["kind"] == "nouvelle":
        return f"ligne ajoutée à la feuille {row['sheet']} « {row['key']} » ({where})"
    if row["kind"] == "supprimée":
        return f"ligne supprimée de la feuille {row['sheet']} « {row['key']} » ({where})"
    return (f"feuille {row['sheet']} « {row['key']} » : {row['label']} {row['old']} → "
            f"{row['new']} ({where})")


# -- exporting ------------------------------------------------------------------------------------
def archive(db: Database, viewer: Viewer, meeting_id: int) -> bytes:
    """The meeting as one zip: the PDF, the annex and the figures (JSON)."""
    meeting = get(db, viewer, meeting_id)
    frozen = figures(db, viewer, meeting_id)
    shown = points(db, viewer, meeting_id)
    stem = f"seance-{meeting.meeting_id}-{meeting.meeting_date.isoformat()}"
    payload = {
        "seance": meeting.meeting_id, "date": meeting.meeting_date.isoformat(),
        "titre": meeting.title, "public": meeting.audience,
        "operations": list(meeting.operations) or "toutes",
        "phases": list(meeting.phases) or "toutes", "date_de_situation": meeting.as_of.isoformat(),
        "seance_precedente": meeting.previous_id, "import": meeting.import_id,
        "creee_par": meeting.created_by, "creee_le": meeting.created_at.isoformat(),
        "retiree": None if not meeting.withdrawn else {
            "le": meeting.withdrawn_at.isoformat(), "par": meeting.withdrawn_by,
            "motif": meeting.withdrawn_reason},
        "pdf_sha256": meeting.pdf_sha256, "annexe_sha256": meeting.annex_sha256,
        "chiffres": {unit: {f: (None if fmt.is_missing(v) else v)
                            for f, v in zip(part["figure"], part["value"])}
                     for unit, part in frozen.groupby("unit", sort=False)},
        "points_d_attention": [{"type": k, "detail": t}
                               for k, t in zip(shown["kind"], shown["text"])],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        pdf = file_bytes(db, viewer, meeting_id, "pdf")
        annex = file_bytes(db, viewer, meeting_id, "annex")
        if pdf is not None:
            zf.writestr(f"{stem}/rapport.pdf", pdf)
        if annex is not None:
            zf.writestr(f"{stem}/annexe.xlsx", annex)
        zf.writestr(f"{stem}/chiffres.json",
                    json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    return buffer.getvalue()
