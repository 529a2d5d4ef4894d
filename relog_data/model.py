"""The one mapping between the data dictionary (French sheet and column names)
and the database (English table and column names).

The schema itself is written in `sql/migrations/`; a test checks that this
mapping and the database agree, column by column. The importer and the Excel
export are driven by this mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import codes as c


@dataclass(frozen=True)
class Column:
    name: str  # database column (English)
    french: str  # dictionary column (French), the workbook header
    kind: str  # text | int | decimal | date | bool | code
    required: bool = False
    codes: c.CodeList | None = None
    description: str = ""
    minimum: float | None = None  # smallest allowed value (numbers)
    maximum: float | None = None


@dataclass(frozen=True)
class Reference:
    """Columns of a table that must name a row of another table."""

    columns: tuple[str, ...]
    table: str
    target: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str  # database table (English)
    sheet: str  # dictionary sheet (French)
    key: tuple[str, ...]  # database columns of the dictionary's key
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _col(name, french, kind, required=False, codes=None, description="", minimum=None,
         maximum=None):
    if minimum is None and kind == "decimal" and name not in ("latitude", "longitude"):
        minimum = 0  # amounts and surfaces are never negative
    if maximum is None:  # what the database column can hold
        if kind == "int":
            maximum = 2_147_483_647
        elif kind == "decimal" and name not in ("latitude", "longitude"):
            maximum = 999_999.99 if name == "surface_m2" else 99_999_999.99
    return Column(name, french, kind, required, codes, description, minimum, maximum)


OPERATIONS = Table(
    "operations",
    "operations",
    ("operation_code",),
    (
        _col("operation_code", "code_operation", "text", True),
        _col("name", "nom", "text", True),
        _col("commune", "commune", "text", True),
        _col("insee_code", "code_insee", "text"),
        _col("intervention_type", "type_intervention", "code", True, c.INTERVENTION_TYPE),
        _col("management_mode", "mode_conduite", "code", False, c.MANAGEMENT_MODE),
        _col("latitude", "latitude", "decimal", minimum=-90, maximum=90),
        _col("longitude", "longitude", "decimal", minimum=-180, maximum=180),
        _col("households_planned", "menages_a_reloger_prevus", "int", minimum=0),
        _col("start_date", "date_debut", "date"),
        _col("planned_end_date", "date_fin_prevue", "date"),
    ),
)

PHASES = Table(
    "phases",
    "phases",
    ("operation_code", "phase_number"),
    (
        _col("operation_code", "code_operation", "text", True),
        _col("phase_number", "numero_phase", "int", True, minimum=1),
        _col("label", "libelle", "text"),
        _col("planned_start", "date_debut_prevue", "date", True),
        _col("planned_end", "date_fin_prevue", "date", True),
        _col("actual_start", "date_debut_reelle", "date"),
        _col("actual_end", "date_fin_reelle", "date"),
        _col("households_planned", "menages_prevus", "int", minimum=0),
    ),
)

BUILDINGS = Table(
    "buildings",
    "batiments",
    ("building_code",),
    (
        _col("building_code", "code_batiment", "text", True),
        _col("operation_code", "code_operation", "text", True),
        _col("phase_number", "numero_phase", "int", minimum=1),
        _col("name", "nom", "text", True),
        _col("dwellings", "nb_logements", "int", True, minimum=0),
        _col("landlord", "bailleur", "text", True),
        _col("address", "adresse", "text"),
        _col("latitude", "latitude", "decimal", minimum=-90, maximum=90),
        _col("longitude", "longitude", "decimal", minimum=-180, maximum=180),
        _col("planned_demolition", "date_demolition_prevue", "date"),
        _col("actual_demolition", "date_demolition_reelle", "date"),
    ),
)

HOUSEHOLDS = Table(
    "households",
    "menages",
    ("household_id",),
    (
        _col("household_id", "id_menage", "text", True),
        _col("building_code", "code_batiment", "text", True),
        _col("holder_name", "nom_titulaire", "text"),
        _col("persons", "nb_personnes", "int", True, minimum=1),
        _col("composition", "composition", "code", False, c.COMPOSITION),
        _col("holder_age", "age_titulaire", "int", minimum=0, maximum=130),
        _col("income_bracket", "tranche_revenus", "code", False, c.INCOME_BRACKET),
        _col("current_typology", "typologie_actuelle", "code", False, c.TYPOLOGY),
        _col("wanted_typology", "typologie_souhaitee", "code", False, c.TYPOLOGY),
        _col("rent_before", "loyer_avant", "decimal"),
        _col("allowance_before", "apl_avant", "decimal"),
        _col("location_wish", "souhait_localisation", "code", False, c.LOCATION_WISH),
        _col("specific_need", "besoin_specifique", "code", False, c.SPECIFIC_NEED),
        _col("status", "statut", "code", True, c.HOUSEHOLD_STATUS),
        _col("officer", "charge_relogement", "text"),
        _col("diagnosis_date", "date_enquete", "date"),
        _col("exit_date", "date_sortie", "date"),
        _col("origin_household_id", "id_menage_origine", "text"),
    ),
)

STATUS_HISTORY = Table(
    "status_history",
    "historique_statuts",
    ("household_id", "status_date"),
    (
        _col("household_id", "id_menage", "text", True),
        _col("status", "statut", "code", True, c.HOUSEHOLD_STATUS),
        _col("status_date", "date", "date", True),
    ),
)

OFFERS = Table(
    "offers",
    "propositions",
    ("household_id", "rank"),
    (
        _col("household_id", "id_menage", "text", True),
        _col("rank", "rang", "int", True, minimum=1),
        _col("offer_date", "date_proposition", "date", True),
        _col("vacancy_id", "id_logement", "text"),
        _col("landlord", "bailleur", "text", True),
        _col("commune", "commune", "text"),
        _col("typology", "typologie", "code", False, c.TYPOLOGY),
        _col("rent", "loyer", "decimal"),
        _col("response", "reponse", "code", True, c.OFFER_RESPONSE),
        _col("refusal_reason", "motif_refus", "code", False, c.REFUSAL_REASON),
        _col("response_date", "date_reponse", "date"),
    ),
)

MOVES = Table(
    "moves",
    "relogements",
    ("household_id", "move_date", "nature"),
    (
        _col("household_id", "id_menage", "text", True),
        _col("move_date", "date_relogement", "date", True),
        _col("nature", "nature", "code", True, c.MOVE_NATURE),
        _col("address", "adresse", "text"),
        _col("commune", "commune", "text", True),
        _col("insee_code", "code_insee", "text"),
        _col("latitude", "latitude", "decimal", minimum=-90, maximum=90),
        _col("longitude", "longitude", "decimal", minimum=-180, maximum=180),
        _col("landlord", "bailleur", "text"),
        _col("housing_type", "type_parc", "code", False, c.HOUSING_TYPE),
        _col("typology", "typologie", "code", False, c.TYPOLOGY),
        _col("surface_m2", "surface_m2", "decimal"),
        _col("rent_after", "loyer_apres", "decimal"),
        _col("allowance_after", "apl_apres", "decimal"),
        _col("new_or_recent", "neuf_moins_5_ans", "bool"),
        _col("in_qpv", "en_qpv", "bool"),
        _col("on_site", "sur_site", "bool"),
        _col("rent_under_apl_ceiling", "loyer_sous_plafond_apl", "bool"),
    ),
)

VACANCIES = Table(
    "vacancies",
    "logements_vacants",
    ("vacancy_id",),
    (
        _col("vacancy_id", "id_logement", "text", True),
        _col("landlord", "bailleur", "text", True),
        _col("commune", "commune", "text", True),
        _col("insee_code", "code_insee", "text"),
        _col("address", "adresse", "text"),
        _col("latitude", "latitude", "decimal", minimum=-90, maximum=90),
        _col("longitude", "longitude", "decimal", minimum=-180, maximum=180),
        _col("typology", "typologie", "code", True, c.TYPOLOGY),
        _col("surface_m2", "surface_m2", "decimal"),
        _col("rent", "loyer", "decimal"),
        _col("financing", "financement", "code", False, c.FINANCING),
        _col("quota", "contingent", "code", False, c.QUOTA),
        _col("new_or_recent", "neuf_moins_5_ans", "bool"),
        _col("in_qpv", "en_qpv", "bool"),
        _col("available_date", "date_disponibilite", "date"),
        _col("status", "statut", "code", True, c.VACANCY_STATUS),
    ),
)

FOLLOWUPS = Table(
    "followups",
    "suivis",
    ("household_id", "contact_date"),
    (
        _col("household_id", "id_menage", "text", True),
        _col("contact_date", "date_contact", "date", True),
        _col("contact_type", "type_contact", "code", False, c.CONTACT_TYPE),
        _col("situation", "situation", "code", False, c.FOLLOWUP_SITUATION),
    ),
)

# Survey questions: database column, dictionary column, scale, French wording.
SURVEY_QUESTIONS: tuple[tuple[str, c.CodeList, str], ...] = (
    ("q_information", c.SCALE_SATISFACTION, "Information sur le projet"),
    ("q_interlocuteur", c.SCALE_YES_NO, "Un interlocuteur identifié"),
    ("q_accompagnement", c.SCALE_YES_NO, "Bien accompagné pendant le relogement"),
    (
        "q_accompagnement_demenagement",
        c.SCALE_YES_NO,
        "Bien accompagné au moment du déménagement",
    ),
    ("q_logement", c.SCALE_YES_NO_4, "Satisfait du nouveau logement"),
    ("q_cadre_vie", c.SCALE_YES_NO_4, "Satisfait du nouveau quartier"),
    ("q_avant_apres", c.SCALE_BEFORE_AFTER, "Situation par rapport à avant"),
)

SURVEY = Table(
    "survey_answers",
    "satisfaction",
    ("household_id", "wave"),
    (
        _col("household_id", "id_menage", "text", True),
        _col("wave", "vague", "int", True, minimum=1),
        _col("survey_date", "date_enquete", "date", True),
        *(
            _col(name, name, "code", False, scale, wording)
            for name, scale, wording in SURVEY_QUESTIONS
        ),
    ),
)

# In dependency order: a table only refers to tables before it.
TABLES: tuple[Table, ...] = (
    OPERATIONS,
    PHASES,
    BUILDINGS,
    HOUSEHOLDS,
    STATUS_HISTORY,
    VACANCIES,
    OFFERS,
    MOVES,
    FOLLOWUPS,
    SURVEY,
)

TABLES_BY_NAME = {t.name: t for t in TABLES}

_HOUSEHOLD = Reference(("household_id",), "households", ("household_id",))

# What each table refers to (a value must name a row of the target table, in the
# same import or already in the database). Empty values refer to nothing.
REFERENCES: dict[str, tuple[Reference, ...]] = {
    "operations": (),
    "phases": (Reference(("operation_code",), "operations", ("operation_code",)),),
    "buildings": (
        Reference(("operation_code",), "operations", ("operation_code",)),
        Reference(("operation_code", "phase_number"), "phases", ("operation_code", "phase_number")),
    ),
    "households": (
        Reference(("building_code",), "buildings", ("building_code",)),
        Reference(("origin_household_id",), "households", ("household_id",)),
    ),
    "status_history": (_HOUSEHOLD,),
    "vacancies": (),
    "offers": (_HOUSEHOLD, Reference(("vacancy_id",), "vacancies", ("vacancy_id",))),
    "moves": (_HOUSEHOLD,),
    "followups": (_HOUSEHOLD,),
    "survey_answers": (_HOUSEHOLD,),
}

# Columns of the database that are not in the dictionary: computed from the
# boundaries (sql/migrations/002_geo.sql), never imported nor exported.
COMPUTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "moves": ("on_site_computed", "in_qpv_computed", "insee_code_computed"),
}
