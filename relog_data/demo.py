"""The fictitious demonstration programme.

Modelled on the operations of the source presentation (Alliade Habitat, Lyon,
2004–2011): their real names, communes, approximate coordinates, dwelling and
household counts. Everything about households is invented but plausible, and
deterministic: the same seed builds the same database.

Statuses are chosen first (fixed counts per phase), then each household gets a
history of dated events consistent with its status at DEMO_DATE: diagnosis,
offers and answers, temporary then definitive moves, exit, follow-ups and
survey answers, so that the dictionary's validation rules hold.

The demo also ships with the meeting archive of its last months (issue #19):
three committee meetings and an elected officials' review, with moves recorded
late in between. A few households that moved in January–March 2009 (set A) and
in April–May 2009 (set B) are first stored as they were before their move
(« accord »), the meetings of December 2008 and March 2009 are frozen, set A
is imported (a correction of the March meeting), the meeting of May 2009 is
frozen, then set B is imported (a correction of the May meeting). The final
tables are exactly those of `build_frames`.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from . import codes
from .db import Database
from .model import (
    BUILDINGS,
    FOLLOWUPS,
    HOUSEHOLDS,
    MOVES,
    OFFERS,
    OPERATIONS,
    PHASES,
    SURVEY,
    SURVEY_QUESTIONS,
    TABLES,
    VACANCIES,
)
from .store import insert_frames, typed_frame

DEMO_DATE = date(2009, 6, 30)
SEED = 20090630
PROGRAMME_NAME = "Programme de démonstration – relogements Alliade Habitat 2004-2011"

# Communes: INSEE code and an approximate centre (WGS84).
COMMUNES: dict[str, tuple[str, float, float]] = {
    "Vaulx-en-Velin": ("69256", 45.7779, 4.9252),
    "Villeurbanne": ("69266", 45.7724, 4.8803),
    "Lyon": ("69123", 45.7572, 4.8300),
    "Décines-Charpieu": ("69275", 45.7742, 4.9625),
    "Bron": ("69029", 45.7359, 4.9128),
    "Vénissieux": ("69259", 45.7008, 4.8824),
    "Rillieux-la-Pape": ("69286", 45.8262, 4.9011),
    "Meyzieu": ("69282", 45.7764, 5.0070),
    "Saint-Priest": ("69290", 45.7015, 4.9468),
    "Caluire-et-Cuire": ("69034", 45.7990, 4.8577),
    "Saint-Étienne": ("42218", 45.4397, 4.3872),
    "Saint-Chamond": ("42207", 45.4756, 4.5147),
    "Firminy": ("42095", 45.3886, 4.2883),
    "Saint-Priest-en-Jarez": ("42275", 45.4747, 4.3769),
    "Roche-la-Molière": ("42189", 45.4314, 4.3233),
    "Villars": ("42330", 45.4681, 4.3547),
    "Clermont-Ferrand": ("63113", 45.7772, 3.0870),
    "Chamalières": ("63075", 45.7744, 3.0672),
    "Cournon-d'Auvergne": ("63124", 45.7356, 3.1967),
    "Aubière": ("63014", 45.7508, 3.1108),
    "Riom": ("63300", 45.8939, 3.1128),
    "Beaumont": ("63032", 45.7519, 3.0836),
}


@dataclass(frozen=True)
class OperationSpec:
    code: str
    prefix: str  # household id prefix
    name: str
    commune: str
    intervention: str
    mode: str
    lat: float
    lon: float
    planned: int
    start: date
    planned_end: date
    officers: tuple[str, ...]
    landlords: tuple[str, ...]  # destination landlords (social housing)
    destinations: tuple[tuple[str, int], ...]  # (commune, weight) off site
    on_site_rate: float
    temporary_rate: float  # share of rehoused households that went through a "tiroir"


OPERATIONS_SPEC: tuple[OperationSpec, ...] = (
    OperationSpec(
        "VAULX-MDT", "VMT",
        "Vaulx-en-Velin – Mas du Taureau / Pré de l'Herpe", "Vaulx-en-Velin",
        "démolition", "diagnostic externe", 45.7862, 4.9335, 834,
        date(2004, 1, 1), date(2011, 12, 31),
        ("Nadia Benali", "Claire Vidal"),
        ("Alliade Habitat", "OPAC du Rhône", "Grand Lyon Habitat", "Villeurbanne Est Habitat",
         "SCIC Habitat Rhône-Alpes"),
        (("Vaulx-en-Velin", 40), ("Villeurbanne", 14), ("Lyon", 12), ("Décines-Charpieu", 8),
         ("Bron", 7), ("Vénissieux", 6), ("Rillieux-la-Pape", 5), ("Meyzieu", 4),
         ("Saint-Priest", 3), ("Caluire-et-Cuire", 1)),
        0.22, 0.05,
    ),
    OperationSpec(
        "BRON-TERRAILLON", "BRT",
        "Bron – Caravelle / Terraillon", "Bron",
        "démolition", "interne", 45.7392, 4.9075, 64,
        date(2007, 1, 1), date(2009, 12, 31),
        ("Julien Morel",),
        ("Alliade Habitat", "OPAC du Rhône", "Grand Lyon Habitat"),
        (("Bron", 45), ("Lyon", 15), ("Vénissieux", 12), ("Saint-Priest", 14),
         ("Villeurbanne", 8), ("Vaulx-en-Velin", 6)),
        0.18, 0.0,
    ),
    OperationSpec(
        "STE-DAMEBLANCHE", "SDB",
        "Saint-Étienne – Dame Blanche", "Saint-Étienne",
        "démolition", "interne", 45.4612, 4.4095, 66,
        date(2008, 1, 1), date(2010, 12, 31),
        ("Sandrine Roux",),
        ("Alliade Habitat", "Métropole Habitat Saint-Étienne", "Loire Habitat"),
        (("Saint-Étienne", 62), ("Saint-Chamond", 10), ("Saint-Priest-en-Jarez", 10),
         ("Villars", 8), ("Roche-la-Molière", 6), ("Firminy", 4)),
        0.15, 0.12,
    ),
    OperationSpec(
        "STE-SEVERINE", "SSV",
        "Saint-Étienne – Séverine", "Saint-Étienne",
        "démolition", "externe", 45.4268, 4.4131, 68,
        date(2006, 1, 1), date(2007, 6, 30),
        ("Karima Haddad",),
        ("Alliade Habitat", "Métropole Habitat Saint-Étienne", "Loire Habitat"),
        (("Saint-Étienne", 70), ("Firminy", 8), ("Saint-Chamond", 8), ("Roche-la-Molière", 7),
         ("Villars", 7)),
        0.0, 0.0,
    ),
    OperationSpec(
        "CLERMONT-CHAMPRATEL", "CCH",
        "Clermont-Ferrand – Champratel, Les Grands Champs", "Clermont-Ferrand",
        "démolition interbailleurs", "interne", 45.7985, 3.0905, 92,
        date(2006, 1, 1), date(2007, 6, 30),
        ("Pierre Chabrol", "Anne Fayolle", "Marc Tixier", "Hélène Dumas"),
        ("Ophis", "Logidôme", "SCIC Habitat Auvergne", "Auvergne Habitat"),
        (("Clermont-Ferrand", 60), ("Chamalières", 8), ("Cournon-d'Auvergne", 10),
         ("Aubière", 8), ("Riom", 6), ("Beaumont", 8)),
        0.10, 0.0,
    ),
)

# (operation, phase, label, planned start, planned end, actual start, actual end, planned households)
PHASES_SPEC = (
    ("VAULX-MDT", 1, "1ère phase", date(2004, 1, 1), date(2007, 12, 31),
     date(2004, 3, 15), date(2008, 9, 30), 490),
    ("VAULX-MDT", 2, "2e phase", date(2008, 1, 1), date(2010, 12, 31),
     date(2008, 4, 1), None, 344),
    ("BRON-TERRAILLON", 1, "Phase unique", date(2007, 1, 1), date(2009, 6, 30),
     date(2007, 5, 2), None, 64),
    ("STE-DAMEBLANCHE", 1, "Phase unique", date(2008, 1, 1), date(2010, 6, 30),
     date(2008, 2, 15), None, 66),
    ("STE-SEVERINE", 1, "Phase unique", date(2006, 1, 1), date(2007, 6, 30),
     date(2006, 2, 1), date(2007, 12, 14), 68),
    ("CLERMONT-CHAMPRATEL", 1, "Phase unique", date(2006, 1, 1), date(2007, 6, 30),
     date(2006, 3, 1), date(2007, 11, 30), 92),
)

# (code, operation, phase, name, dwellings, households, address, dlat, dlon,
#  planned demolition, actual demolition). Offsets in degrees from the site centre.
# A real demolition comes after the building's last household left (its phase's
# real end): sql/checks.sql warns about households attached to a demolished building.
BUILDINGS_SPEC = (
    ("VX-MONTPILAT", "VAULX-MDT", 1, "Mont Pilat", 200, 173, "avenue Gabriel Péri",
     0.0012, -0.0021, date(2008, 3, 31), date(2008, 11, 4)),
    ("VX-PONGE", "VAULX-MDT", 1, "F. Ponge", 105, 91, "rue Francis Ponge",
     -0.0018, 0.0009, date(2007, 12, 15), date(2008, 10, 14)),
    ("VX-BACHELARD", "VAULX-MDT", 1, "G. Bachelard", 153, 132, "rue Gaston Bachelard",
     0.0025, 0.0016, date(2008, 6, 30), date(2008, 12, 2)),
    ("VX-LUERE-1", "VAULX-MDT", 1, "La Luère (1ère phase)", 108, 94, "rue de la Luère",
     -0.0031, -0.0008, date(2008, 12, 15), None),
    ("VX-ECHARMEAUX-1", "VAULX-MDT", 2, "Echarmeaux 1", 182, 157, "chemin des Echarmeaux",
     0.0040, -0.0035, date(2010, 9, 30), None),
    ("VX-ECHARMEAUX-2", "VAULX-MDT", 2, "Echarmeaux 2", 93, 80, "chemin des Echarmeaux",
     0.0046, -0.0018, date(2009, 11, 30), None),
    ("VX-LUERE-2", "VAULX-MDT", 2, "La Luère (2e phase)", 124, 107, "rue de la Luère",
     -0.0038, 0.0004, date(2010, 12, 31), None),
    ("BR-CARAVELLE", "BRON-TERRAILLON", 1, "Caravelle", 56, 36, "rue Guillaume Roux",
     -0.0014, 0.0022, date(2009, 10, 31), None),
    ("BR-TERRAILLON", "BRON-TERRAILLON", 1, "Terraillon", 45, 28, "rue Pascal",
     0.0011, -0.0016, date(2010, 3, 31), None),
    ("SE-DB-TOUR-A", "STE-DAMEBLANCHE", 1, "Dame Blanche – tour A", 82, 35,
     "rue de la Dame Blanche", 0.0009, -0.0012, date(2010, 9, 30), None),
    ("SE-DB-BARRE-B", "STE-DAMEBLANCHE", 1, "Dame Blanche – barre B", 75, 31,
     "rue de la Dame Blanche", -0.0010, 0.0014, date(2011, 3, 31), None),
    ("SE-SEV-1", "STE-SEVERINE", 1, "Séverine – bloc 1", 33, 23, "rue Séverine",
     0.0007, -0.0010, date(2007, 9, 30), date(2008, 4, 15)),
    ("SE-SEV-2", "STE-SEVERINE", 1, "Séverine – bloc 2", 33, 23, "rue Séverine",
     0.0000, 0.0000, date(2007, 9, 30), date(2008, 4, 15)),
    ("SE-SEV-3", "STE-SEVERINE", 1, "Séverine – bloc 3", 33, 22, "rue Séverine",
     -0.0007, 0.0010, date(2007, 9, 30), date(2008, 4, 15)),
    ("CF-GC-A", "CLERMONT-CHAMPRATEL", 1, "Les Grands Champs – A", 72, 47,
     "rue des Grands Champs", 0.0008, -0.0011, date(2007, 10, 1), date(2008, 2, 20)),
    ("CF-GC-B", "CLERMONT-CHAMPRATEL", 1, "Les Grands Champs – B", 70, 45,
     "rue des Grands Champs", -0.0009, 0.0012, date(2007, 10, 1), date(2008, 2, 20)),
)

# Households per status for each phase at DEMO_DATE (they add up to the
# households of the phase's buildings).
STATUS_PLAN: dict[tuple[str, int], dict[str, int]] = {
    ("VAULX-MDT", 1): {"relogé": 390, "départ autonome": 72, "autre sortie": 28},
    ("VAULX-MDT", 2): {
        "relogé": 118, "relogé provisoire": 9, "départ autonome": 12, "autre sortie": 4,
        "accord": 14, "proposition en cours": 27, "en recherche": 58,
        "diagnostic réalisé": 72, "à enquêter": 30,
    },
    ("BRON-TERRAILLON", 1): {
        "relogé": 31, "départ autonome": 3, "autre sortie": 1, "accord": 4,
        "proposition en cours": 6, "en recherche": 9, "diagnostic réalisé": 7, "à enquêter": 3,
    },
    ("STE-DAMEBLANCHE", 1): {
        "relogé": 18, "relogé provisoire": 4, "départ autonome": 2, "autre sortie": 1,
        "accord": 5, "proposition en cours": 8, "en recherche": 12,
        "diagnostic réalisé": 10, "à enquêter": 6,
    },
    ("STE-SEVERINE", 1): {"relogé": 66, "départ autonome": 1, "autre sortie": 1},
    ("CLERMONT-CHAMPRATEL", 1): {"relogé": 92},
}
SPLIT_HOUSEHOLDS = 5  # Champratel: 92 planned, 97 rehoused after "décohabitations"

SURVEY_WAVES = (
    # wave, rehoused from, rehoused until, survey from, survey until, response rate
    (1, date(2004, 1, 1), date(2007, 1, 31), date(2007, 2, 5), date(2007, 3, 30), 0.45),
    (2, date(2007, 2, 1), date(2009, 2, 28), date(2009, 3, 2), date(2009, 4, 30), 0.45),
)
# Probability of a satisfied answer per question and wave (wave 2 after the
# process was "recalibrated").
SURVEY_SATISFACTION = {
    "q_information": (0.55, 0.71),
    "q_interlocuteur": (0.80, 0.90),
    "q_accompagnement": (0.66, 0.79),
    "q_accompagnement_demenagement": (0.71, 0.80),
    "q_logement": (0.72, 0.81),
    "q_cadre_vie": (0.60, 0.66),
    "q_avant_apres": (0.55, 0.64),
}

SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guerin",
    "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clement", "Gauthier",
    "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez", "Benali",
    "Haddad", "Mansouri", "Traoré", "Diallo", "Nguyen", "Da Silva", "Ferreira", "Yilmaz",
)
STREETS = (
    "rue Jean Jaurès", "avenue Salvador Allende", "rue Victor Hugo", "rue des Lilas",
    "allée des Tilleuls", "rue Paul Bert", "avenue de la République", "rue Émile Zola",
    "rue Anatole France", "chemin des Vignes", "rue du Stade", "place de la Mairie",
    "rue Pasteur", "rue Voltaire", "avenue Henri Barbusse", "rue des Écoles",
)

BASE_RENT = {"T1": 255, "T2": 315, "T3": 385, "T4": 445, "T5": 505, "T6": 565}
OLD_RENT = {"T1": 215, "T2": 265, "T3": 320, "T4": 370, "T5": 420, "T6": 470}
SURFACE = {"T1": 31, "T2": 48, "T3": 66, "T4": 79, "T5": 93, "T6": 106}
ALLOWANCE_SHARE = {  # share of rent covered by the housing allowance, by income bracket
    "<600": (0.60, 0.80), "601-1000": (0.38, 0.58), "1001-1500": (0.12, 0.32),
    "1501-2000": (0.0, 0.12), ">2000": (0.0, 0.0),
}
REFUSAL_WEIGHTS = {
    "localisation": 30, "typologie": 14, "loyer": 20, "état du logement": 11,
    "accessibilité": 5, "environnement": 15, "autre": 5,
}


def typology_for(persons: int) -> str:
    """The typology a household's size calls for: one room per person plus a
    living room, from T1 for one person up to T6 for six and more."""
    return f"T{max(1, min(6, persons))}" if persons > 1 else "T1"


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.operations: list[dict] = []
        self.phases: list[dict] = []
        self.buildings: list[dict] = []
        self.households: list[dict] = []
        self.offers: list[dict] = []
        self.moves: list[dict] = []
        self.vacancies: list[dict] = []
        self.followups: list[dict] = []
        self.survey: list[dict] = []
        self._vacancy_seq = 0

    # -- small helpers ----------------------------------------------------------
    def pick(self, weights: dict):
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def jitter(self, lat: float, lon: float, spread: float) -> tuple[float, float]:
        return (
            round(lat + self.rng.gauss(0, spread), 6),
            round(lon + self.rng.gauss(0, spread * 1.4), 6),
        )

    def maybe(self, value, missing_rate: float):
        return None if self.rng.random() < missing_rate else value

    def address(self) -> str:
        return f"{self.rng.randint(1, 140)} {self.rng.choice(STREETS)}"

    # -- structure ------------------------------------------------------------------
    def build_structure(self) -> None:
        for op in OPERATIONS_SPEC:
            insee = COMMUNES[op.commune][0]
            self.operations.append(dict(
                operation_code=op.code, name=op.name, commune=op.commune, insee_code=insee,
                intervention_type=op.intervention, management_mode=op.mode,
                latitude=op.lat, longitude=op.lon, households_planned=op.planned,
                start_date=op.start, planned_end_date=op.planned_end,
            ))
        for (code, number, label, ps, pe, as_, ae, planned) in PHASES_SPEC:
            self.phases.append(dict(
                operation_code=code, phase_number=number, label=label, planned_start=ps,
                planned_end=pe, actual_start=as_, actual_end=ae, households_planned=planned,
            ))
        ops = {o.code: o for o in OPERATIONS_SPEC}
        for (code, op_code, phase, name, dwellings, _n, street, dlat, dlon, pdem, adem) in (
            BUILDINGS_SPEC
        ):
            op = ops[op_code]
            self.buildings.append(dict(
                building_code=code, operation_code=op_code, phase_number=phase, name=name,
                dwellings=dwellings, landlord="Alliade Habitat",
                address=f"{self.rng.randint(1, 30)} {street}, {op.commune}",
                latitude=round(op.lat + dlat, 6), longitude=round(op.lon + dlon, 6),
                planned_demolition=pdem, actual_demolition=adem,
            ))

    # -- households -------------------------------------------------------------
    def build_households(self) -> None:
        ops = {o.code: o for o in OPERATIONS_SPEC}
        phases = {(p[0], p[1]): p for p in PHASES_SPEC}
        buildings_by_phase: dict[tuple[str, int], list[tuple]] = {}
        for spec in BUILDINGS_SPEC:
            buildings_by_phase.setdefault((spec[1], spec[2]), []).append(spec)
        counters = {code: 0 for code in ops}
        for key, plan in STATUS_PLAN.items():
            statuses = [s for s, n in plan.items() for _ in range(n)]
            slots = [b for b in buildings_by_phase[key] for _ in range(b[5])]
            assert len(statuses) == len(slots), key
            self.rng.shuffle(statuses)
            op = ops[key[0]]
            phase = phases[key]
            for status, building in zip(statuses, slots):
                counters[op.code] += 1
                hid = f"{op.prefix}-{counters[op.code]:04d}"
                self.make_household(hid, op, phase, building, status)
        # Champratel: five households split off ("décohabitation") and rehoused too.
        op = ops["CLERMONT-CHAMPRATEL"]
        parents = [
            h for h in self.households
            if h["building_code"].startswith("CF-") and h["composition"] == "couple avec enfant(s)"
        ]
        for parent in self.rng.sample(parents, SPLIT_HOUSEHOLDS):
            counters[op.code] += 1
            hid = f"{op.prefix}-{counters[op.code]:04d}"
            building = next(b for b in BUILDINGS_SPEC if b[0] == parent["building_code"])
            self.make_household(
                hid, op, phases[(op.code, 1)], building, "relogé", origin=parent["household_id"]
            )

    def household_profile(self, op: OperationSpec, origin: str | None) -> dict:
        rng = self.rng
        if origin:
            composition, persons, age = "personne seule", 1, rng.randint(19, 27)
        else:
            composition = self.pick({
                "personne seule": 28, "couple sans enfant": 14, "couple avec enfant(s)": 30,
                "famille monoparentale": 22, "autre": 6,
            })
            if composition == "personne seule":
                persons, age = 1, rng.randint(25, 88)
            elif composition == "couple sans enfant":
                persons, age = 2, rng.randint(28, 85)
            elif composition == "couple avec enfant(s)":
                persons, age = 2 + min(7, 1 + int(rng.expovariate(0.55))), rng.randint(26, 62)
            elif composition == "famille monoparentale":
                persons, age = 1 + min(6, 1 + int(rng.expovariate(0.7))), rng.randint(22, 60)
            else:
                persons, age = rng.randint(2, 5), rng.randint(30, 80)
        income = self.pick({"<600": 25, "601-1000": 35, "1001-1500": 24, "1501-2000": 11,
                            ">2000": 5})
        needed = typology_for(persons)
        current = needed if rng.random() < 0.55 else self.rng.choice(
            [t for t in codes.TYPOLOGY.values if abs(int(t[1]) - int(needed[1])) == 1]
        )
        wish = self.pick({"sur site": 30, "même commune": 30, "hors commune": 15,
                          "indifférent": 25})
        need_weights = {"aucun": 75, "logement adapté": 7, "accompagnement renforcé": 8,
                        "grande typologie": 0, "autre": 3}
        if op.code == "STE-SEVERINE":
            need_weights["accompagnement renforcé"] = 35
        if persons >= 6:
            need_weights["grande typologie"] = 60
        if age >= 75:
            need_weights["logement adapté"] = 35
        need = self.pick(need_weights)
        rent_before = round(OLD_RENT[current] * rng.uniform(0.9, 1.12), 2)
        low, high = ALLOWANCE_SHARE[income]
        apl_before = round(rent_before * rng.uniform(low, high), 2)
        title = "Mme" if composition == "famille monoparentale" or rng.random() < 0.45 else "M."
        return dict(
            holder_name=f"{title} {rng.choice(SURNAMES)} (fictif)",
            persons=persons, composition=composition, holder_age=age,
            income_bracket=income, current_typology=current,
            wanted_typology=self.maybe(needed, 0.1),
            rent_before=self.maybe(rent_before, 0.04),
            allowance_before=self.maybe(apl_before, 0.04),
            location_wish=self.maybe(wish, 0.05), specific_need=need,
        )

    def make_household(self, hid, op, phase, building, status, origin=None) -> None:
        rng = self.rng
        profile = self.household_profile(op, origin)
        start = phase[5]
        end = min(phase[6] or DEMO_DATE, DEMO_DATE)
        if op.code == "CLERMONT-CHAMPRATEL":
            officer_index = rng.randrange(len(op.officers))
            officer = op.officers[officer_index]
            landlords = (op.landlords[officer_index],)
        else:
            officer = rng.choice(op.officers)
            landlords = op.landlords
        household = dict(
            household_id=hid, building_code=building[0], status=status, officer=officer,
            diagnosis_date=None, exit_date=None, origin_household_id=origin, **profile,
        )
        self.households.append(household)
        wanted = profile["wanted_typology"] or typology_for(profile["persons"])
        # No event of this household comes before `floor`: offers start at most
        # a month before the phase, the diagnosis at most four months before.
        floor = start - timedelta(days=30)
        ctx = dict(op=op, building=building, landlords=landlords, wanted=wanted,
                   profile=profile, hid=hid, floor=floor)

        def diagnosis_before(first: date) -> date:
            latest = first - timedelta(days=20)
            earliest = max(start - timedelta(days=120), first - timedelta(days=150))
            return self.day_between(min(earliest, latest), latest)

        if status == "à enquêter":
            return
        if status in ("relogé", "départ autonome", "autre sortie", "relogé provisoire"):
            final = self.day_between(start + timedelta(days=75), end)
        else:
            final = DEMO_DATE

        if status == "relogé":
            temp_first = (rng.random() < op.temporary_rate
                          and final - timedelta(days=400) > start + timedelta(days=30))
            refusals = self.pick({0: 52, 1: 28, 2: 13, 3: 5, 4: 2})
            accept_reply = final - timedelta(days=rng.randint(15, 60))
            if temp_first:
                temp_date = accept_reply - timedelta(days=rng.randint(120, 300))
                self.add_move(ctx, temp_date, "provisoire")
                first = self.add_offers(ctx, refusals, before=temp_date - timedelta(days=20))
            else:
                first = None
            offer = self.add_offer(ctx, accept_reply, "acceptée", rank=None)
            first_refusal = self.add_offers(ctx, refusals if not temp_first else 0,
                                            before=offer["offer_date"] - timedelta(days=10))
            first = min(d for d in (first, first_refusal, offer["offer_date"],
                                    temp_date if temp_first else None) if d)
            household["diagnosis_date"] = diagnosis_before(first)
            self.add_move(ctx, final, "définitif", accepted=offer)
            self.add_followups(hid, final)
        elif status == "relogé provisoire":
            refusals = self.pick({0: 60, 1: 30, 2: 10})
            first = self.add_offers(ctx, refusals, before=final - timedelta(days=20))
            household["diagnosis_date"] = diagnosis_before(first or final)
            self.add_move(ctx, final, "provisoire")
        elif status in ("départ autonome", "autre sortie"):
            refusals = self.pick({0: 55, 1: 25, 2: 14, 3: 6})
            first = self.add_offers(ctx, refusals, before=final - timedelta(days=15))
            household["exit_date"] = final
            if first or rng.random() < 0.8:
                household["diagnosis_date"] = diagnosis_before(first or final)
        elif status == "accord":
            reply = DEMO_DATE - timedelta(days=rng.randint(3, 80))
            offer = self.add_offer(ctx, reply, "acceptée", rank=None,
                                   vacancy_status="attribué")
            first = self.add_offers(ctx, self.pick({0: 50, 1: 30, 2: 15, 3: 5}),
                                    before=offer["offer_date"] - timedelta(days=10))
            household["diagnosis_date"] = diagnosis_before(first or offer["offer_date"])
        elif status == "proposition en cours":
            offer_date = DEMO_DATE - timedelta(days=rng.randint(2, 40))
            offer = self.add_offer(ctx, None, "en attente", rank=None, offer_date=offer_date,
                                   vacancy_status="proposé")
            first = self.add_offers(ctx, self.pick({0: 45, 1: 30, 2: 17, 3: 8}),
                                    before=offer["offer_date"] - timedelta(days=10))
            household["diagnosis_date"] = diagnosis_before(first or offer_date)
        elif status == "en recherche":
            last = DEMO_DATE - timedelta(days=rng.randint(5, 200))
            first = self.add_offers(ctx, self.pick({1: 55, 2: 30, 3: 11, 4: 4}), before=last,
                                    at_least_one=True)
            household["diagnosis_date"] = diagnosis_before(first)
        elif status == "diagnostic réalisé":
            household["diagnosis_date"] = self.day_between(start, DEMO_DATE - timedelta(days=7))
        self.renumber(hid)

    # -- events -------------------------------------------------------------------
    def destination(self, ctx) -> tuple[str, bool]:
        """(commune, on_site) of a dwelling found for this household."""
        op = ctx["op"]
        wish = ctx["profile"]["location_wish"]
        on_site_rate = op.on_site_rate * (2.2 if wish == "sur site" else 0.7)
        if self.rng.random() < on_site_rate:
            return op.commune, True
        weights = dict(op.destinations)
        if wish == "même commune":
            weights[op.commune] = weights.get(op.commune, 0) * 2
        elif wish == "hors commune":
            weights[op.commune] = weights.get(op.commune, 0) // 4
        return self.pick(weights), False

    def dwelling(self, ctx, typology: str | None = None) -> dict:
        rng = self.rng
        commune, on_site = self.destination(ctx)
        typ = typology or ctx["wanted"]
        if rng.random() < 0.15:
            step = rng.choice((-1, 1))
            typ = f"T{min(6, max(1, int(typ[1]) + step))}"
        new = rng.random() < 0.28
        rent = round(BASE_RENT[typ] * (1.15 if new else 1.0) * rng.uniform(0.9, 1.1), 2)
        return dict(commune=commune, on_site=on_site, typology=typ, new=new, rent=rent,
                    landlord=rng.choice(ctx["landlords"]))

    def add_offer(self, ctx, reply: date | None, response: str, rank, offer_date=None,
                  vacancy_status: str | None = None, reason: str | None = None) -> dict:
        rng = self.rng
        if offer_date is None:
            offer_date = reply - timedelta(days=rng.randint(5, 25))
        dw = self.dwelling(ctx)
        vacancy_id = None
        if vacancy_status:
            vacancy_id = self.add_vacancy(dw, vacancy_status, offer_date)
        offer = dict(
            household_id=ctx["hid"], rank=rank or 0, offer_date=offer_date,
            vacancy_id=vacancy_id, landlord=dw["landlord"], commune=dw["commune"],
            typology=dw["typology"], rent=dw["rent"], response=response,
            refusal_reason=reason, response_date=reply,
        )
        offer["_dwelling"] = dw
        self.offers.append(offer)
        return offer

    def add_offers(self, ctx, refusals: int, before: date,
                   at_least_one: bool = False) -> date | None:
        """Up to `refusals` refused offers, the last answered before `before`,
        none before the household's floor date; returns the first offer's date."""
        first = None
        reply = before
        for i in range(refusals):
            reply = reply - timedelta(days=self.rng.randint(0, 10))
            if reply - timedelta(days=25) < ctx["floor"] and (first or not at_least_one):
                break
            offer = self.add_offer(ctx, reply, "refusée", rank=None,
                                   reason=self.pick(REFUSAL_WEIGHTS))
            first = offer["offer_date"]
            reply = first - timedelta(days=self.rng.randint(20, 75))
        return first

    def renumber(self, hid: str) -> None:
        mine = sorted((o for o in self.offers if o["household_id"] == hid),
                      key=lambda o: o["offer_date"])
        for rank, offer in enumerate(mine, start=1):
            offer["rank"] = rank

    def add_move(self, ctx, when: date, nature: str, accepted: dict | None = None) -> None:
        rng = self.rng
        op = ctx["op"]
        if nature == "provisoire":
            commune, on_site = op.commune, rng.random() < 0.6
            dw = dict(commune=commune, on_site=on_site, typology=ctx["wanted"], new=False,
                      rent=round(BASE_RENT[ctx["wanted"]] * rng.uniform(0.85, 1.0), 2),
                      landlord="Alliade Habitat")
            housing_type = "social"
        else:
            dw = accepted["_dwelling"]
            housing_type = self.pick({"social": 90, "privé": 4, "accession": 2,
                                      "structure spécialisée": 4})
            if housing_type != "social":
                dw = dict(dw, on_site=False, new=False,
                          landlord={"privé": "Bailleur privé",
                                    "accession": "Accession à la propriété",
                                    "structure spécialisée": "Résidence sociale"}[housing_type])
        insee, clat, clon = COMMUNES[dw["commune"]]
        if dw["on_site"]:
            lat, lon = self.jitter(op.lat, op.lon, 0.0018)
            in_qpv = True
        else:
            lat, lon = self.jitter(clat, clon, 0.006)
            in_qpv = rng.random() < (0.38 if dw["commune"] == op.commune else 0.14)
        profile = ctx["profile"]
        low, high = ALLOWANCE_SHARE[profile["income_bracket"]]
        apl = round(dw["rent"] * rng.uniform(low, high), 2)
        self.moves.append(dict(
            household_id=ctx["hid"], move_date=when, nature=nature, address=self.address(),
            commune=dw["commune"], insee_code=insee, latitude=lat, longitude=lon,
            landlord=dw["landlord"], housing_type=housing_type, typology=dw["typology"],
            surface_m2=round(SURFACE[dw["typology"]] * rng.uniform(0.9, 1.12), 1),
            rent_after=self.maybe(dw["rent"], 0.04), allowance_after=self.maybe(apl, 0.04),
            new_or_recent=self.maybe(dw["new"], 0.05),
            in_qpv=self.maybe(in_qpv, 0.04), on_site=self.maybe(dw["on_site"], 0.03),
            rent_under_apl_ceiling=self.maybe(
                housing_type == "social" and rng.random() < 0.78, 0.05),
        ))

    def add_followups(self, hid: str, moved: date) -> None:
        rng = self.rng
        if rng.random() > 0.85:
            return
        first = moved + timedelta(days=rng.randint(15, 60))
        contacts = [first]
        if rng.random() < 0.4:
            contacts.append(first + timedelta(days=rng.randint(60, 150)))
        for when in contacts:
            if when > DEMO_DATE:
                break
            self.followups.append(dict(
                household_id=hid, contact_date=when,
                contact_type=self.pick({"téléphone": 50, "visite à domicile": 35,
                                        "permanence": 15}),
                situation=self.pick({"sans difficulté": 75, "difficulté signalée": 18,
                                     "orienté travailleur social": 7}),
            ))

    def add_vacancy(self, dw: dict, status: str, around: date) -> str:
        rng = self.rng
        self._vacancy_seq += 1
        vacancy_id = f"LV-{self._vacancy_seq:04d}"
        insee, clat, clon = COMMUNES[dw["commune"]]
        lat, lon = self.jitter(clat, clon, 0.006)
        self.vacancies.append(dict(
            vacancy_id=vacancy_id, landlord=dw["landlord"], commune=dw["commune"],
            insee_code=insee, address=self.address(), latitude=lat, longitude=lon,
            typology=dw["typology"],
            surface_m2=round(SURFACE[dw["typology"]] * rng.uniform(0.9, 1.12), 1),
            rent=dw["rent"],
            financing=self.pick({"PLUS": 60, "PLAI": 20, "PLS": 12, "autre": 8}),
            quota=self.pick({"bailleur": 55, "Action Logement": 23, "État": 13,
                             "collectivités": 9}),
            new_or_recent=dw["new"], in_qpv=rng.random() < 0.3,
            available_date=around - timedelta(days=rng.randint(0, 45)), status=status,
        ))
        return vacancy_id

    def build_supply(self) -> None:
        """Vacancies not (yet) offered, for the operations still running."""
        running = {"VAULX-MDT": 70, "BRON-TERRAILLON": 18, "STE-DAMEBLANCHE": 22}
        ops = {o.code: o for o in OPERATIONS_SPEC}
        for code, n in running.items():
            op = ops[code]
            for _ in range(n):
                ctx = dict(op=op, landlords=op.landlords, profile={"location_wish": None},
                           wanted=self.pick({"T1": 8, "T2": 22, "T3": 34, "T4": 24, "T5": 9,
                                             "T6": 3}))
                dw = self.dwelling(ctx)
                status = self.pick({"disponible": 60, "attribué": 22, "gelé": 18})
                when = self.day_between(date(2009, 1, 5), date(2010, 6, 30))
                self.add_vacancy(dw, status, when)

    def build_survey(self) -> None:
        """Two satisfaction waves at Vaulx-en-Velin among rehoused households."""
        rng = self.rng
        moved = {m["household_id"]: m["move_date"] for m in self.moves
                 if m["nature"] == "définitif"}
        vaulx = [h["household_id"] for h in self.households
                 if h["household_id"].startswith("VMT-") and h["household_id"] in moved]
        for wave, m_from, m_to, s_from, s_to, rate in SURVEY_WAVES:
            eligible = [hid for hid in vaulx if m_from <= moved[hid] <= m_to]
            for hid in eligible:
                if rng.random() > rate:
                    continue
                row = dict(household_id=hid, wave=wave, survey_date=self.day_between(s_from, s_to))
                for question, scale, _ in SURVEY_QUESTIONS:
                    p = SURVEY_SATISFACTION[question][wave - 1]
                    row[question] = None if rng.random() < 0.04 else _answer(rng, scale, p)
                self.survey.append(row)

    def frames(self) -> dict:
        for offer in self.offers:
            offer.pop("_dwelling", None)
        return {
            "operations": typed_frame(OPERATIONS, self.operations),
            "phases": typed_frame(PHASES, self.phases),
            "buildings": typed_frame(BUILDINGS, self.buildings),
            "households": typed_frame(HOUSEHOLDS, self.households),
            "vacancies": typed_frame(VACANCIES, self.vacancies),
            "offers": typed_frame(OFFERS, self.offers),
            "moves": typed_frame(MOVES, self.moves),
            "followups": typed_frame(FOLLOWUPS, self.followups),
            "survey_answers": typed_frame(SURVEY, self.survey),
        }


def _answer(rng: random.Random, scale: codes.CodeList, p_satisfied: float) -> str:
    satisfied = rng.random() < p_satisfied
    values = scale.values
    if len(values) == 2:  # oui / non
        return values[0] if satisfied else values[1]
    if len(values) == 3:  # mieux / pareil / moins bien
        if satisfied:
            return values[0]
        return values[1] if rng.random() < 0.65 else values[2]
    # four-level scales: two positive, two negative
    if satisfied:
        return values[0] if rng.random() < 0.42 else values[1]
    return values[2] if rng.random() < 0.68 else values[3]


def build_frames(seed: int = SEED) -> dict:
    """All tables of the demo programme as typed DataFrames."""
    builder = _Builder(seed)
    builder.build_structure()
    builder.build_households()
    builder.build_supply()
    builder.build_survey()
    return builder.frames()


# -- the meeting archive and the moves recorded late ---------------------------------------------
# Definitive moves recorded late: (first day, last day) of each set; LATE_PER_SET households each.
LATE_WINDOWS = ((date(2009, 1, 1), date(2009, 3, 31)), (date(2009, 4, 1), date(2009, 5, 30)))
LATE_PER_SET = 3
LATE_STATUS = "accord"  # their recorded status before the move (they have an accepted offer)
LATE_TABLES = ("moves", "followups", "survey_answers")  # their rows withheld until the import
LATE_USER = "démo : saisie tardive"
DEMO_ADMIN = "démo (administrateur)"
# key: (meeting date, title, audience, situation date, key of the previous meeting), created
# by an administrator in the order of DEMO_STEPS.
DEMO_MEETINGS = {
    "gtr-2008-12": (date(2009, 1, 8), "Groupe technique relogement — décembre 2008",
                    "partenaire", date(2008, 12, 31), None),
    "gtr-2009-03": (date(2009, 4, 2), "Groupe technique relogement — mars 2009",
                    "partenaire", date(2009, 3, 31), "gtr-2008-12"),
    "elus-2009-03": (date(2009, 4, 9), "Revue de projet élus — mars 2009", "elu",
                     date(2009, 3, 31), None),
    "gtr-2009-05": (date(2009, 6, 4), "Groupe technique relogement — mai 2009",
                    "partenaire", date(2009, 5, 30), "gtr-2009-03"),
}
# In order: a meeting to freeze, or the index of a late set to import.
DEMO_STEPS = ("gtr-2008-12", "gtr-2009-03", "elus-2009-03", 0, "gtr-2009-05", 1)


def late_households(frames: dict, seed: int = SEED) -> tuple[tuple[str, ...], ...]:
    """The households whose definitive move the demo records late, one tuple per
    LATE_WINDOWS set, chosen deterministically among the rehoused households
    whose only move is a definitive one dated in the window (no temporary move,
    not split off another household nor split into another)."""
    moves, households = frames["moves"], frames["households"]
    per_household = moves.groupby("household_id").size()
    status = households.set_index("household_id")["status"]
    related = set(households["origin_household_id"].dropna()) | set(
        households.loc[households["origin_household_id"].notna(), "household_id"])
    definitive = moves[moves["nature"] == "définitif"]
    rng = random.Random(seed + 19)
    chosen = []
    for first, last in LATE_WINDOWS:
        inside = definitive[(definitive["move_date"] >= pd.Timestamp(first))
                            & (definitive["move_date"] <= pd.Timestamp(last))]
        candidates = sorted(h for h in inside["household_id"]
                            if per_household[h] == 1 and status[h] == "relogé"
                            and h not in related)
        chosen.append(tuple(sorted(rng.sample(candidates, LATE_PER_SET))))
    return tuple(chosen)


def _late_frames(frames: dict, households: tuple[str, ...]) -> dict:
    """The rows of `households` the late import brings: their household rows
    (status « relogé ») and their moves, follow-ups and survey answers."""
    late = {"households": frames["households"][
        frames["households"]["household_id"].isin(households)].reset_index(drop=True)}
    for table in LATE_TABLES:
        frame = frames[table]
        late[table] = frame[frame["household_id"].isin(households)].reset_index(drop=True)
    return late


def _before_late(frames: dict, late: tuple[tuple[str, ...], ...]) -> dict:
    """`frames` without the late rows, the late households at LATE_STATUS."""
    withheld = [h for group in late for h in group]
    early = dict(frames)
    households = frames["households"].copy()
    households.loc[households["household_id"].isin(withheld), "status"] = LATE_STATUS
    early["households"] = households
    for table in LATE_TABLES:
        frame = frames[table]
        early[table] = frame[~frame["household_id"].isin(withheld)].reset_index(drop=True)
    return early


def _import_late(db: Database, frames: dict, households: tuple[str, ...], number: int) -> None:
    """Import the late rows of `households` as a workbook, as an officer would."""
    from .export import write_workbook
    from .importer import import_sources
    from .sources import Source

    with tempfile.TemporaryDirectory() as folder:
        name = f"saisie-tardive-{number}.xlsx"
        path = write_workbook(_late_frames(frames, households), Path(folder) / name)
        source = Source(name, path.read_bytes())
    report = import_sources(db, [source], user=LATE_USER)
    if not report.committed:
        raise RuntimeError("demo: late import refused:\n" + report.problems_frame().to_string())


def _create_meetings_and_imports(db: Database, frames: dict,
                                 late: tuple[tuple[str, ...], ...], with_files: bool) -> None:
    from . import meetings
    from .access import Viewer
    from .indicators import Scope

    admin = Viewer("admin", login=DEMO_ADMIN)
    ids: dict[str, int] = {}
    for step in DEMO_STEPS:
        if isinstance(step, int):
            _import_late(db, frames, late[step], step + 1)
            continue
        meeting_date, title, audience, as_of, previous = DEMO_MEETINGS[step]
        ids[step] = meetings.create(
            db, admin, meeting_date=meeting_date, title=title, audience=audience,
            scope=Scope(as_of=as_of), previous_id=ids[previous] if previous else None,
            with_files=with_files, login=DEMO_ADMIN)


def build_demo(path: str | Path, seed: int = SEED, with_files: bool = True) -> dict[str, int]:
    """Create the demo database at `path` (which must not exist yet), with its
    meeting archive (`with_files`: their PDF packs, when Chromium is found)."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    frames = build_frames(seed)
    late = late_households(frames, seed)
    backups = path.parent / "backups"  # each import leaves a copy there: the demo needs none
    backups_before = set(backups.iterdir()) if backups.is_dir() else None
    db = Database(path, read_only=False, create=True)
    try:
        with db.writer() as cur:
            insert_frames(cur, _before_late(frames, late))
            from . import geo

            perimeters = geo.demo_perimeters(frames["operations"])
            for code in perimeters["code"]:
                geo.store_boundaries(cur, perimeters[perimeters["code"] == code], "perimetre",
                                     "démo (périmètre indicatif)", code)
            geo.refresh_computed(cur)
        # Imports into the demo are refused: they come before the 'demo' setting.
        _create_meetings_and_imports(db, frames, late, with_files)
        with db.writer() as cur:
            settings = {
                "demo": "oui",
                "demo_date": DEMO_DATE.isoformat(),
                "programme_name": PROGRAMME_NAME,
                "demo_seed": str(seed),
            }
            for key, value in settings.items():
                cur.execute("INSERT INTO settings VALUES ($k, $v)", {"k": key, "v": value})
    finally:
        db.close()
        if backups_before is None:
            shutil.rmtree(backups, ignore_errors=True)
        elif backups.is_dir():
            for made in set(backups.iterdir()) - backups_before:
                made.unlink()
    return {t.name: len(frames[t.name]) for t in TABLES  # as insert_frames counts them
            if t.name in frames and len(frames[t.name])}
