"""Seeded generator of valid but varied rehousing programmes.

`draw(seed)` returns a Programme: records for every table of the model (the
English column names of relog_data.model), drawn within the data
dictionary's rules (no import error), plus the features drawn, so that a
failing example says what kind of database it was. `build(path, programme)`
writes it through the project's own loading path (relog_data.store, as
tests/conftest.py does) and, when drawn, loads boundaries (relog_data.geo).

bench/generate.py scales the demo programme up (same shape, more rows); this
module draws *different shapes* instead: 1 to 8 operations, optional columns
left empty, phases or none, plans or none, shared building names, no survey /
one wave / three waves, status histories or none, nothing done / everything done / one household,
demolished buildings still housing households, coordinates or none,
boundaries or none, and hostile text in names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from relog_data import codes as c
from relog_data.db import Database
from relog_data.model import SURVEY_QUESTIONS, TABLES, TABLES_BY_NAME
from relog_data.store import insert_frames, typed_frame

HOSTILE = ("<b>x</b>", "[l](http://x)", "=1+1", "<script>alert(1)</script>", "*gras* _it_",
           "$x$", "L'Étoile « d'or » & fils", "a|b", "\\n", "@SUM(1)", "+33 1", "-2")
SHARED_NAMES = ("Mont Pilat", "Les Tilleuls", "Bâtiment A", "Tour 1", "Barre Nord")
COMMUNES = (("Vaulx-en-Velin", "69256", 45.78, 4.93), ("Bron", "69029", 45.74, 4.91),
            ("Saint-Étienne", "42218", 45.44, 4.39), ("Clermont-Ferrand", "63113", 45.78, 3.08),
            ("Vénissieux", "69259", 45.70, 4.88), ("Rillieux-la-Pape", "69286", 45.82, 4.90))
LANDLORDS = ("Alliade Habitat", "Lyon Métropole Habitat", "Est Métropole Habitat", "SEMCODA")
OFFICERS = ("Agent A", "Agent B", "Agent C")

STATUSES = c.HOUSEHOLD_STATUS.values
BEFORE_MOVE = STATUSES[:5]  # à enquêter … accord


@dataclass
class Programme:
    seed: int
    records: dict[str, list[dict]]
    boundaries: bool
    features: list[str] = field(default_factory=list)
    as_of: date | None = None  # a date to look at (None: the data date)
    reference: date | None = None  # the previous meeting

    def __str__(self) -> str:
        counts = ", ".join(f"{t}={len(r)}" for t, r in self.records.items())
        return f"seed {self.seed}: {'; '.join(self.features)} ({counts})"


class _Draw:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.hostile = self.rng.random() < 0.5
        self.coords = self.rng.choice(["all", "none", "some"])

    # -- small helpers ------------------------------------------------------------------------
    def maybe(self, value, p_empty: float = 0.25):
        """`value`, or None (an optional column left empty) with probability p_empty."""
        return None if self.rng.random() < p_empty else value

    def text(self, plain: str) -> str:
        if self.hostile and self.rng.random() < 0.4:
            return f"{plain} {self.rng.choice(HOSTILE)}"
        return plain

    def day(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def point(self, lat: float, lon: float, spread: float = 0.03):
        if self.coords == "none" or (self.coords == "some" and self.rng.random() < 0.5):
            return None, None
        return (round(lat + self.rng.uniform(-spread, spread), 6),
                round(lon + self.rng.uniform(-spread, spread), 6))

    def code(self, values: tuple[str, ...], p_empty: float = 0.25):
        return self.maybe(self.rng.choice(values), p_empty)


def draw(seed: int) -> Programme:
    d = _Draw(seed)
    rng = d.rng
    features = [f"coordonnées {d.coords}"] + (["textes hostiles"] if d.hostile else [])
    t0 = date(rng.randint(2004, 2016), rng.randint(1, 12), 1)
    horizon = t0 + timedelta(days=rng.randint(400, 2200))  # the latest possible event
    mode = rng.choice(["mixte", "mixte", "rien de fait", "tout fait", "un seul ménage"])
    features.append(mode)
    n_ops = rng.randint(1, 8)
    features.append(f"{n_ops} opération(s)")
    waves = rng.choice([0, 1, 3])
    features.append(f"{waves} vague(s) d'enquête")
    boundaries = rng.random() < 0.4 and d.coords != "none"
    if boundaries:
        features.append("contours")

    rec: dict[str, list[dict]] = {t.name: [] for t in TABLES}
    vacancy_ids: list[str] = []
    for i in range(rng.randint(0, 12)):
        commune, insee, lat, lon = rng.choice(COMMUNES)
        vid = f"LV{seed}-{i}"
        vlat, vlon = d.point(lat, lon)
        rec["vacancies"].append(dict(
            vacancy_id=vid, landlord=d.text(rng.choice(LANDLORDS)), commune=d.text(commune),
            insee_code=d.maybe(insee), address=d.maybe(d.text(f"{i} rue des Lilas")),
            latitude=vlat, longitude=vlon, typology=rng.choice(c.TYPOLOGY.values),
            surface_m2=d.maybe(round(rng.uniform(20, 120), 1)),
            rent=d.maybe(round(rng.uniform(200, 900), 2)), financing=d.code(c.FINANCING.values),
            quota=d.code(c.QUOTA.values), new_or_recent=d.maybe(rng.random() < 0.3),
            in_qpv=d.maybe(rng.random() < 0.5), available_date=d.maybe(d.day(t0, horizon)),
            status=rng.choice(c.VACANCY_STATUS.values)))
        vacancy_ids.append(vid)

    single_left = 1 if mode == "un seul ménage" else None
    demolished_with_people = False
    for o in range(n_ops):
        op = f"OP{o + 1}"
        commune, insee, lat, lon = COMMUNES[o % len(COMMUNES)]
        op_lat, op_lon = d.point(lat, lon, 0.005)
        start = d.day(t0, t0 + timedelta(days=200))
        planned_end = d.day(start + timedelta(days=300), horizon + timedelta(days=700))
        plan = rng.random() < 0.6
        rec["operations"].append(dict(
            operation_code=op, name=d.text(f"Opération {commune} {o + 1}"),
            commune=d.text(commune), insee_code=d.maybe(insee),
            intervention_type=rng.choice(c.INTERVENTION_TYPE.values),
            management_mode=d.code(c.MANAGEMENT_MODE.values), latitude=op_lat, longitude=op_lon,
            households_planned=rng.randint(0, 40) if plan else None,
            start_date=start if plan or rng.random() < 0.5 else None,
            planned_end_date=planned_end if plan else None))
        phases: list[dict] = []
        if rng.random() < 0.5:
            for n in range(1, rng.randint(1, 3) + 1):
                p_start = d.day(start, start + timedelta(days=400))
                p_end = d.day(p_start, p_start + timedelta(days=900))
                a_start = d.maybe(d.day(p_start, p_start + timedelta(days=120)), 0.4)
                a_end = (d.maybe(d.day(a_start, a_start + timedelta(days=900)), 0.5)
                         if a_start else None)
                phases.append(dict(operation_code=op, phase_number=n,
                                   label=d.maybe(d.text(f"Phase {n}")), planned_start=p_start,
                                   planned_end=p_end, actual_start=a_start, actual_end=a_end,
                                   households_planned=d.maybe(rng.randint(0, 30), 0.4)))
        rec["phases"] += phases
        for b in range(rng.randint(0 if n_ops > 1 else 1, 3)):
            bcode = f"{op}-B{b + 1}"
            phase = rng.choice(phases) if phases and rng.random() < 0.85 else None
            earliest = max(start, phase["planned_start"]) if phase else start
            planned_demo = d.maybe(d.day(earliest, horizon + timedelta(days=500)), 0.3)
            demolished = rng.random() < 0.25
            actual_demo = None
            if demolished:
                low = max(earliest, phase["actual_start"] or earliest) if phase else earliest
                actual_demo = d.day(low, horizon)
            blat, blon = d.point(lat, lon, 0.005)
            rec["buildings"].append(dict(
                building_code=bcode, operation_code=op,
                phase_number=phase["phase_number"] if phase else None,
                name=d.text(rng.choice(SHARED_NAMES)), dwellings=rng.randint(0, 60),
                landlord=d.text(rng.choice(LANDLORDS)),
                address=d.maybe(d.text(f"{b + 1} avenue Jean Jaurès")), latitude=blat,
                longitude=blon, planned_demolition=planned_demo, actual_demolition=actual_demo))
            if single_left is not None:
                count = single_left
                single_left = 0
            else:
                count = rng.randint(0, 9)
            for h in range(count):
                status = _status(rng, mode)
                if actual_demo is not None and status in BEFORE_MOVE:
                    demolished_with_people = True
                _household(d, rec, f"{bcode}-M{h + 1}", bcode, status, start, horizon,
                           vacancy_ids, lat, lon)
    if demolished_with_people:
        features.append("bâtiment démoli encore habité")
    if rec["phases"]:
        features.append("phases")
    if any(o["households_planned"] is not None for o in rec["operations"]):
        features.append("plans")
    # décohabitations: a few households split off another one
    ids = [h["household_id"] for h in rec["households"]]
    for h in rec["households"]:
        if len(ids) > 1 and rng.random() < 0.08:
            h["origin_household_id"] = rng.choice([i for i in ids if i != h["household_id"]])
    _survey(d, rec, waves, t0, horizon)
    _history(seed, rec, horizon)
    if rec["status_history"]:
        features.append("historique des statuts")
    events = _event_dates(rec)
    as_of = reference = None
    if events and rng.random() < 0.4:
        lo, hi = min(events), max(events)
        as_of = d.day(lo, hi)
        features.append(f"situation au {as_of.isoformat()}")
    if events and rng.random() < 0.5:
        # the previous meeting is on or before the date looked at
        reference = d.day(min(events) - timedelta(days=60), as_of or max(events))
    return Programme(seed, rec, boundaries, features, as_of, reference)


def _status(rng: random.Random, mode: str) -> str:
    if mode == "rien de fait":
        return rng.choice(BEFORE_MOVE)
    if mode == "tout fait":
        return rng.choice(("relogé", "relogé", "départ autonome", "autre sortie"))
    return rng.choice(STATUSES)


def _household(d: _Draw, rec, hid, bcode, status, start, horizon, vacancy_ids, lat, lon):
    rng = d.rng
    persons = rng.randint(1, 8)
    diagnosis = None if status == "à enquêter" else d.maybe(d.day(start, horizon), 0.15)
    moved = status in ("relogé", "relogé provisoire")
    # a move is usually after the diagnosis, sometimes before it (a warning)
    move_from = diagnosis if diagnosis and rng.random() < 0.85 else start
    first_move = d.day(move_from, horizon) if moved else None
    exit_date = (d.maybe(d.day(diagnosis or start, horizon), 0.2)
                 if status in c.EXIT_STATUSES else None)
    rec["households"].append(dict(
        household_id=hid, building_code=bcode,
        holder_name=d.maybe(d.text(f"Titulaire {hid}")), persons=persons,
        composition=d.code(c.COMPOSITION.values), holder_age=d.maybe(rng.randint(18, 99)),
        income_bracket=d.code(c.INCOME_BRACKET.values),
        current_typology=d.code(c.TYPOLOGY.values), wanted_typology=d.code(c.TYPOLOGY.values),
        rent_before=d.maybe(round(rng.uniform(150, 800), 2)),
        allowance_before=d.maybe(round(rng.uniform(0, 400), 2)),
        location_wish=d.code(c.LOCATION_WISH.values), specific_need=d.code(c.SPECIFIC_NEED.values),
        status=status, officer=d.maybe(d.text(rng.choice(OFFICERS))), diagnosis_date=diagnosis,
        exit_date=exit_date, origin_household_id=None))
    # offers, consistent with the status
    offers = []
    when = diagnosis or start
    refusals = rng.choice([0, 0, 1, 2, 3, 4]) if status != "à enquêter" else 0
    for _ in range(refusals):
        when = d.day(when, when + timedelta(days=120))
        offers.append(("refusée", when))
    if status == "proposition en cours" or (status == "relogé provisoire" and rng.random() < 0.3):
        offers.append(("en attente", d.day(when, when + timedelta(days=60))))
    elif status in ("accord", "relogé") and rng.random() < 0.9:
        offers.append(("acceptée", d.day(when, when + timedelta(days=60))))
    for rank, (response, offer_date) in enumerate(offers, start=1):
        commune, insee, _, _ = rng.choice(COMMUNES)
        reply = None if response == "en attente" else d.maybe(
            d.day(offer_date, offer_date + timedelta(days=30)), 0.2)
        rec["offers"].append(dict(
            household_id=hid, rank=rank, offer_date=offer_date,
            vacancy_id=rng.choice(vacancy_ids) if vacancy_ids and rng.random() < 0.3 else None,
            landlord=d.text(rng.choice(LANDLORDS)), commune=d.maybe(d.text(commune)),
            typology=d.code(c.TYPOLOGY.values), rent=d.maybe(round(rng.uniform(200, 900), 2)),
            response=response,
            refusal_reason=d.code(c.REFUSAL_REASON.values) if response == "refusée" else None,
            response_date=reply))
    if not moved:
        return
    natures = ["provisoire"] if status == "relogé provisoire" else (
        ["provisoire", "définitif"] if rng.random() < 0.2 else ["définitif"])
    if status == "relogé" and rng.random() < 0.1:
        natures.append("définitif")  # two definitive moves: the latest counts
    when = first_move
    for nature in natures:
        commune, insee, clat, clon = rng.choice(COMMUNES)
        mlat, mlon = d.point(clat, clon)
        rec["moves"].append(dict(
            household_id=hid, move_date=when, nature=nature,
            address=d.maybe(d.text(f"{rng.randint(1, 99)} rue Victor Hugo")),
            commune=d.text(commune), insee_code=d.maybe(insee), latitude=mlat, longitude=mlon,
            landlord=d.maybe(d.text(rng.choice(LANDLORDS))),
            housing_type=d.code(c.HOUSING_TYPE.values), typology=d.code(c.TYPOLOGY.values),
            surface_m2=d.maybe(round(rng.uniform(20, 120), 1)),
            rent_after=d.maybe(round(rng.uniform(150, 900), 2)),
            allowance_after=d.maybe(round(rng.uniform(0, 400), 2)),
            new_or_recent=d.maybe(rng.random() < 0.3), in_qpv=d.maybe(rng.random() < 0.5),
            on_site=d.maybe(rng.random() < 0.3),
            rent_under_apl_ceiling=d.maybe(rng.random() < 0.6)))
        when = when + timedelta(days=rng.randint(1, 400))
    for k in range(rng.choice([0, 0, 1, 2])):
        rec["followups"].append(dict(
            household_id=hid, contact_date=first_move + timedelta(days=30 * (k + 1)),
            contact_type=d.code(c.CONTACT_TYPE.values),
            situation=d.code(c.FOLLOWUP_SITUATION.values)))


def _survey(d: _Draw, rec, waves: int, t0: date, horizon: date) -> None:
    """Waves dated anywhere in the programme: some before moves of the
    households they ask (answers out of the eligible population)."""
    rng = d.rng
    people = [h["household_id"] for h in rec["households"]]
    moved = {m["household_id"] for m in rec["moves"]}
    for wave in range(1, waves + 1):
        day = d.day(t0 + timedelta(days=200), horizon)
        for hid in people:
            if rng.random() < (0.7 if hid in moved else 0.1):
                answers = {name: d.maybe(rng.choice(scale.values), 0.2)
                           for name, scale, _ in SURVEY_QUESTIONS}
                rec["survey_answers"].append(dict(
                    household_id=hid, wave=wave,
                    survey_date=d.day(day, day + timedelta(days=40)), **answers))


def _history(seed: int, rec, horizon: date) -> None:
    """Recorded status changes (sheet historique_statuts) for some households, drawn
    from a random stream of their own so that every other draw of a seed stays as it
    was: process statuses up to the recorded one (« accord » for a household that
    moved), dated from the diagnosis on, strictly increasing, before any move or
    exit; and sometimes the exit itself for a household gone without date_sortie
    (then only its history dates the exit)."""
    rng = random.Random(f"historique-{seed}")
    first_move: dict[str, date] = {}
    for m in rec["moves"]:
        hid = m["household_id"]
        first_move[hid] = min(first_move.get(hid, m["move_date"]), m["move_date"])
    for h in rec["households"]:
        hid, status, day = h["household_id"], h["status"], h["diagnosis_date"]
        if day is None or rng.random() >= 0.3:
            continue
        if status in BEFORE_MOVE:
            top = status
        elif status in ("relogé", "relogé provisoire"):
            top = "accord"
        else:
            top = rng.choice(BEFORE_MOVE[1:])
        path = [s for s in BEFORE_MOVE[1:BEFORE_MOVE.index(top) + 1] if rng.random() < 0.7]
        end = min(x for x in (first_move.get(hid), h["exit_date"], horizon) if x is not None)
        for step in path:
            if day >= end:
                break
            rec["status_history"].append(dict(household_id=hid, status=step, status_date=day))
            day = day + timedelta(days=rng.randint(1, 200))
        if status in c.EXIT_STATUSES and h["exit_date"] is None and day <= horizon \
                and rng.random() < 0.5:
            rec["status_history"].append(dict(household_id=hid, status=status, status_date=day))


def _event_dates(rec) -> list[date]:
    found = [m["move_date"] for m in rec["moves"]]
    found += [h["exit_date"] for h in rec["households"] if h["exit_date"]]
    found += [o["offer_date"] for o in rec["offers"]]
    found += [f["contact_date"] for f in rec["followups"]]
    found += [s["survey_date"] for s in rec["survey_answers"]]
    found += [s["status_date"] for s in rec["status_history"]]
    return found


def _boxes(cur, programme: Programme) -> None:
    """Square boundaries: communes around each commune centre, a QPV around
    the first one, a perimeter around each operation with a centre."""
    import geopandas as gpd
    import shapely

    from relog_data import geo

    def frame(rows):
        return gpd.GeoDataFrame(
            {"code": [r[0] for r in rows], "name": [r[1] for r in rows]},
            geometry=[shapely.box(lon - s, lat - s, lon + s, lat + s) for _, _, lat, lon, s in rows],
            crs=geo.WGS84)

    geo.store_boundaries(cur, frame([(insee, name, lat, lon, 0.04)
                                     for name, insee, lat, lon in COMMUNES]), "communes",
                         "généré")
    name, insee, lat, lon = COMMUNES[0]
    geo.store_boundaries(cur, frame([("QP069001", "QPV <b>x</b>", lat, lon, 0.02)]), "qpv",
                         "généré")
    for op in programme.records["operations"]:
        if op["latitude"] is not None:
            geo.store_boundaries(cur, frame([(op["operation_code"], "périmètre", op["latitude"],
                                              op["longitude"], 0.01)]), "perimetre", "généré",
                                 op["operation_code"])
    geo.refresh_computed(cur)


def build(path: Path, programme: Programme) -> Path:
    """The database of `programme` at `path` (a real, non-demo database)."""
    db = Database(path, read_only=False, create=True)
    try:
        frames = {t: typed_frame(TABLES_BY_NAME[t], rows)
                  for t, rows in programme.records.items()}
        with db.writer() as cur:
            insert_frames(cur, frames)
            if programme.boundaries:
                _boxes(cur, programme)
    finally:
        db.close()
    return path
