-- Schema version 1: the tables of the data dictionary (v1).
-- English names; relog_data/model.py maps each column to its French name.
-- The ENUM types code_* are created from relog_data/codes.py just before
-- this file runs, so each code list is written once.
--
-- households.origin_household_id ("id_menage_origine") has no FOREIGN KEY:
-- DuckDB checks a self-reference row by row within one INSERT, which would
-- refuse a bulk load where the split household comes with its origin. The
-- importer validates that reference instead.

CREATE TABLE settings (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE operations (
    operation_code     VARCHAR PRIMARY KEY,
    name               VARCHAR NOT NULL,
    commune            VARCHAR NOT NULL,
    insee_code         VARCHAR CHECK (insee_code IS NULL OR length(insee_code) = 5),
    intervention_type  code_intervention_type NOT NULL,
    management_mode    code_management_mode,
    latitude           DOUBLE,
    longitude          DOUBLE,
    households_planned INTEGER CHECK (households_planned >= 0),
    start_date         DATE,
    planned_end_date   DATE,
    CHECK (planned_end_date IS NULL OR start_date IS NULL OR planned_end_date >= start_date)
);

CREATE TABLE phases (
    operation_code     VARCHAR NOT NULL REFERENCES operations (operation_code),
    phase_number       INTEGER NOT NULL CHECK (phase_number >= 1),
    label              VARCHAR,
    planned_start      DATE NOT NULL,
    planned_end        DATE NOT NULL,
    actual_start       DATE,
    actual_end         DATE,
    households_planned INTEGER CHECK (households_planned >= 0),
    PRIMARY KEY (operation_code, phase_number),
    CHECK (planned_end >= planned_start),
    CHECK (actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start)
);

CREATE TABLE buildings (
    building_code      VARCHAR PRIMARY KEY,
    operation_code     VARCHAR NOT NULL REFERENCES operations (operation_code),
    phase_number       INTEGER,
    name               VARCHAR NOT NULL,
    dwellings          INTEGER NOT NULL CHECK (dwellings >= 0),
    landlord           VARCHAR NOT NULL,
    address            VARCHAR,
    latitude           DOUBLE,
    longitude          DOUBLE,
    planned_demolition DATE,
    actual_demolition  DATE,
    FOREIGN KEY (operation_code, phase_number) REFERENCES phases (operation_code, phase_number)
);

CREATE TABLE households (
    household_id        VARCHAR PRIMARY KEY,
    building_code       VARCHAR NOT NULL REFERENCES buildings (building_code),
    holder_name         VARCHAR,
    persons             INTEGER NOT NULL CHECK (persons >= 1),
    composition         code_composition,
    holder_age          INTEGER CHECK (holder_age IS NULL OR holder_age BETWEEN 0 AND 130),
    income_bracket      code_income_bracket,
    current_typology    code_typology,
    wanted_typology     code_typology,
    rent_before         DECIMAL(10, 2) CHECK (rent_before >= 0),
    allowance_before    DECIMAL(10, 2) CHECK (allowance_before >= 0),
    location_wish       code_location_wish,
    specific_need       code_specific_need,
    status              code_household_status NOT NULL,
    officer             VARCHAR,
    diagnosis_date      DATE,
    exit_date           DATE,
    origin_household_id VARCHAR
);

CREATE TABLE vacancies (
    vacancy_id     VARCHAR PRIMARY KEY,
    landlord       VARCHAR NOT NULL,
    commune        VARCHAR NOT NULL,
    insee_code     VARCHAR CHECK (insee_code IS NULL OR length(insee_code) = 5),
    address        VARCHAR,
    latitude       DOUBLE,
    longitude      DOUBLE,
    typology       code_typology NOT NULL,
    surface_m2     DECIMAL(8, 2) CHECK (surface_m2 >= 0),
    rent           DECIMAL(10, 2) CHECK (rent >= 0),
    financing      code_financing,
    quota          code_quota,
    new_or_recent  BOOLEAN,
    in_qpv         BOOLEAN,
    available_date DATE,
    status         code_vacancy_status NOT NULL
);

CREATE TABLE offers (
    household_id   VARCHAR NOT NULL REFERENCES households (household_id),
    rank           INTEGER NOT NULL CHECK (rank >= 1),
    offer_date     DATE NOT NULL,
    vacancy_id     VARCHAR REFERENCES vacancies (vacancy_id),
    landlord       VARCHAR NOT NULL,
    commune        VARCHAR,
    typology       code_typology,
    rent           DECIMAL(10, 2) CHECK (rent >= 0),
    response       code_offer_response NOT NULL,
    refusal_reason code_refusal_reason,
    response_date  DATE,
    PRIMARY KEY (household_id, rank),
    CHECK (response_date IS NULL OR response_date >= offer_date)
);

CREATE TABLE moves (
    household_id           VARCHAR NOT NULL REFERENCES households (household_id),
    move_date              DATE NOT NULL,
    nature                 code_move_nature NOT NULL,
    address                VARCHAR,
    commune                VARCHAR NOT NULL,
    insee_code             VARCHAR CHECK (insee_code IS NULL OR length(insee_code) = 5),
    latitude               DOUBLE,
    longitude              DOUBLE,
    landlord               VARCHAR,
    housing_type           code_housing_type,
    typology               code_typology,
    surface_m2             DECIMAL(8, 2) CHECK (surface_m2 >= 0),
    rent_after             DECIMAL(10, 2) CHECK (rent_after >= 0),
    allowance_after        DECIMAL(10, 2) CHECK (allowance_after >= 0),
    new_or_recent          BOOLEAN,
    in_qpv                 BOOLEAN,
    on_site                BOOLEAN,
    rent_under_apl_ceiling BOOLEAN,
    PRIMARY KEY (household_id, move_date, nature)
);

CREATE TABLE followups (
    household_id VARCHAR NOT NULL REFERENCES households (household_id),
    contact_date DATE NOT NULL,
    contact_type code_contact_type,
    situation    code_followup_situation,
    PRIMARY KEY (household_id, contact_date)
);

CREATE TABLE survey_answers (
    household_id                  VARCHAR NOT NULL REFERENCES households (household_id),
    wave                          INTEGER NOT NULL CHECK (wave >= 1),
    survey_date                   DATE NOT NULL,
    q_information                 code_scale_satisfaction,
    q_interlocuteur               code_scale_yes_no,
    q_accompagnement              code_scale_yes_no,
    q_accompagnement_demenagement code_scale_yes_no,
    q_logement                    code_scale_yes_no_4,
    q_cadre_vie                   code_scale_yes_no_4,
    q_avant_apres                 code_scale_before_after,
    PRIMARY KEY (household_id, wave)
);

-- One row per successful import (filled by the importer).
CREATE SEQUENCE import_log_id START 1;
CREATE TABLE import_log (
    import_id   INTEGER PRIMARY KEY DEFAULT nextval('import_log_id'),
    imported_at TIMESTAMP NOT NULL,
    imported_by VARCHAR,
    files       VARCHAR NOT NULL,   -- JSON list of {name, sha256}
    summary     VARCHAR NOT NULL    -- JSON {table: {inserted, updated, unchanged}}
);
