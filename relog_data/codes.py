"""Code lists of the data dictionary, defined once.

Each list keeps its values in the dictionary's order (which is also the process
order for household statuses). The database ENUM types, the importer's value
matching, the charts' colours and the tests all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeList:
    """An ordered list of allowed values, stored as a DuckDB ENUM type."""

    name: str  # English identifier, also the SQL type name
    values: tuple[str, ...]  # stored values (the dictionary's French spelling)
    labels: dict[str, str] | None = None  # optional longer French labels for display

    def label(self, value: str) -> str:
        if self.labels and value in self.labels:
            return self.labels[value]
        return value

    def sql_type(self) -> str:
        return f"code_{self.name}"


INTERVENTION_TYPE = CodeList(
    "intervention_type", ("démolition", "réhabilitation lourde", "démolition interbailleurs")
)
MANAGEMENT_MODE = CodeList(
    "management_mode",
    ("interne", "diagnostic externe", "externe"),
    {"externe": "externe (MOUS)"},
)
COMPOSITION = CodeList(
    "composition",
    (
        "personne seule",
        "couple sans enfant",
        "couple avec enfant(s)",
        "famille monoparentale",
        "autre",
    ),
)
INCOME_BRACKET = CodeList(
    "income_bracket",
    ("<600", "601-1000", "1001-1500", "1501-2000", ">2000"),
    {
        "<600": "moins de 600 €",
        "601-1000": "601 à 1 000 €",
        "1001-1500": "1 001 à 1 500 €",
        "1501-2000": "1 501 à 2 000 €",
        ">2000": "plus de 2 000 €",
    },
)
TYPOLOGY = CodeList(
    "typology", ("T1", "T2", "T3", "T4", "T5", "T6"), {"T6": "T6 et plus"}
)
LOCATION_WISH = CodeList(
    "location_wish", ("sur site", "même commune", "hors commune", "indifférent")
)
SPECIFIC_NEED = CodeList(
    "specific_need",
    ("aucun", "logement adapté", "accompagnement renforcé", "grande typologie", "autre"),
)
HOUSEHOLD_STATUS = CodeList(
    "household_status",
    (
        "à enquêter",
        "diagnostic réalisé",
        "en recherche",
        "proposition en cours",
        "accord",
        "relogé",
        "relogé provisoire",
        "départ autonome",
        "autre sortie",
    ),
)
OFFER_RESPONSE = CodeList("offer_response", ("acceptée", "refusée", "en attente"))
REFUSAL_REASON = CodeList(
    "refusal_reason",
    (
        "localisation",
        "typologie",
        "loyer",
        "état du logement",
        "accessibilité",
        "environnement",
        "autre",
    ),
)
MOVE_NATURE = CodeList("move_nature", ("définitif", "provisoire"))
HOUSING_TYPE = CodeList(
    "housing_type", ("social", "privé", "accession", "structure spécialisée")
)
FINANCING = CodeList("financing", ("PLAI", "PLUS", "PLS", "autre"))
QUOTA = CodeList("quota", ("Action Logement", "État", "collectivités", "bailleur"))
VACANCY_STATUS = CodeList("vacancy_status", ("disponible", "proposé", "attribué", "gelé"))
CONTACT_TYPE = CodeList("contact_type", ("téléphone", "visite à domicile", "permanence"))
FOLLOWUP_SITUATION = CodeList(
    "followup_situation",
    ("sans difficulté", "difficulté signalée", "orienté travailleur social"),
)
# Satisfaction scales. `satisfied` lists the answers counted as satisfied
# (the dictionary's definition of satisfied_share).
SCALE_SATISFACTION = CodeList(
    "scale_satisfaction",
    (
        "très satisfaisant",
        "plutôt satisfaisant",
        "plutôt pas satisfaisant",
        "pas du tout satisfaisant",
    ),
)
SCALE_YES_NO = CodeList("scale_yes_no", ("oui", "non"))
SCALE_YES_NO_4 = CodeList("scale_yes_no_4", ("oui", "plutôt oui", "plutôt non", "non"))
SCALE_BEFORE_AFTER = CodeList(
    "scale_before_after", ("mieux qu'avant", "pareil", "moins bien qu'avant")
)

ALL_CODE_LISTS: tuple[CodeList, ...] = (
    INTERVENTION_TYPE,
    MANAGEMENT_MODE,
    COMPOSITION,
    INCOME_BRACKET,
    TYPOLOGY,
    LOCATION_WISH,
    SPECIFIC_NEED,
    HOUSEHOLD_STATUS,
    OFFER_RESPONSE,
    REFUSAL_REASON,
    MOVE_NATURE,
    HOUSING_TYPE,
    FINANCING,
    QUOTA,
    VACANCY_STATUS,
    CONTACT_TYPE,
    FOLLOWUP_SITUATION,
    SCALE_SATISFACTION,
    SCALE_YES_NO,
    SCALE_YES_NO_4,
    SCALE_BEFORE_AFTER,
)

SATISFIED_ANSWERS: frozenset[str] = frozenset(
    {"très satisfaisant", "plutôt satisfaisant", "oui", "plutôt oui", "mieux qu'avant"}
)

# Statuses grouped as the indicators group them.
STILL_IN_BUILDING = HOUSEHOLD_STATUS.values[:5]
EXIT_STATUSES = ("départ autonome", "autre sortie")

# One colour per household status, used by every chart. Colour-blind-safe
# (Okabe-Ito palette and neutral greys): waiting states are greys/yellows,
# the pending offer orange, rehoused blue, temporary sky blue, exits purple.
STATUS_COLOURS: dict[str, str] = {
    "à enquêter": "#BBBBBB",
    "diagnostic réalisé": "#888888",
    "en recherche": "#F0E442",
    "proposition en cours": "#E69F00",
    "accord": "#009E73",
    "relogé": "#0072B2",
    "relogé provisoire": "#56B4E9",
    "départ autonome": "#CC79A7",
    "autre sortie": "#882255",
}

# The French title of each list, as the template's « Listes » sheet heads it.
LIST_TITLES: dict[str, str] = {
    "intervention_type": "Type d'intervention",
    "management_mode": "Mode de conduite",
    "composition": "Composition du ménage",
    "income_bracket": "Tranche de revenus",
    "typology": "Typologie",
    "location_wish": "Souhait de localisation",
    "specific_need": "Besoin spécifique",
    "household_status": "Statut du ménage",
    "offer_response": "Réponse à la proposition",
    "refusal_reason": "Motif de refus",
    "move_nature": "Nature du relogement",
    "housing_type": "Type de parc",
    "financing": "Financement",
    "quota": "Contingent",
    "vacancy_status": "Statut du logement vacant",
    "contact_type": "Type de contact",
    "followup_situation": "Situation au suivi",
    "scale_satisfaction": "Échelle de satisfaction",
    "scale_yes_no": "Oui / non (enquête)",
    "scale_yes_no_4": "Oui / plutôt oui / plutôt non / non",
    "scale_before_after": "Mieux / pareil / moins bien qu'avant",
    "booleen": "Oui / non",
}
