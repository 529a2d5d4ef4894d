-- Shared building blocks, defined as temporary macros on every cursor
-- (relog_data.db.Database.cursor). Each @concept block is shown on the
-- in-app Définitions page.

-- @concept scope
-- @label Périmètre
-- @definition Les ménages des opérations sélectionnées (et, le cas échéant, des
--   phases, bâtiments et bailleurs d'origine sélectionnés), rattachés par leur
--   bâtiment d'origine. Sans sélection, tout le programme.

-- The date the data describes: the demo's date when set (settings demo_date),
-- else the latest dated event of the database (moves, exits, offers, answers,
-- follow-ups, diagnoses, surveys, status changes). NULL: no dated event.
-- sql/data_date.sql and scope_households both use it.
CREATE OR REPLACE TEMP MACRO data_date() AS (
    SELECT coalesce(
        (SELECT CAST(value AS DATE) FROM settings WHERE key = 'demo_date'),
        (SELECT max(d) FROM (
            SELECT max(move_date) AS d FROM moves
            UNION ALL SELECT max(exit_date) FROM households
            UNION ALL SELECT max(diagnosis_date) FROM households
            UNION ALL SELECT max(offer_date) FROM offers
            UNION ALL SELECT max(response_date) FROM offers
            UNION ALL SELECT max(contact_date) FROM followups
            UNION ALL SELECT max(survey_date) FROM survey_answers
            UNION ALL SELECT max(status_date) FROM status_history
        ))
    )
);

-- @concept state_at_date
-- @label Situation d'un ménage à une date D
-- @definition À la date des données (le dernier événement daté de la base) et
--   après, c'est le statut saisi : ce que le chargé de relogement a enregistré est
--   affiché. Avant : relogé si un relogement définitif est daté au plus tard D ;
--   sinon sorti si son statut est « départ autonome » ou « autre sortie » avec une
--   date de sortie au plus tard D ; sinon relogé provisoire si un relogement
--   provisoire est daté au plus tard D ; sinon, si le ménage a un historique des
--   statuts, le dernier statut de cet historique daté au plus tard D ; sinon la
--   situation est reconstituée à partir des événements datés : « à enquêter » s'il
--   n'a pas de date d'enquête au plus tard D ; sinon « accord » si une proposition a
--   été acceptée au plus tard D ; sinon « proposition en cours » si une proposition
--   datée au plus tard D n'avait pas de réponse à D ; sinon « en recherche » si une
--   proposition a été refusée au plus tard D ; sinon « diagnostic réalisé ». Sans
--   date D, c'est le statut saisi.
CREATE OR REPLACE TEMP MACRO scope_households(p_operations, p_phases, p_buildings, p_landlords,
                                              p_as_of) AS TABLE
    WITH base AS (
        SELECT h.*, b.operation_code, b.phase_number, b.landlord AS origin_landlord
        FROM households AS h
        JOIN buildings AS b ON b.building_code = h.building_code
        WHERE (p_operations IS NULL OR list_contains(p_operations, b.operation_code))
          AND (p_phases IS NULL OR list_contains(p_phases, b.phase_number))
          AND (p_buildings IS NULL OR list_contains(p_buildings, h.building_code))
          AND (p_landlords IS NULL OR list_contains(p_landlords, b.landlord))
    ),
    recorded AS (
        -- true: the state is the recorded status (no date, or a date on or after the
        -- data date; a database without any dated event has nothing to rebuild from)
        SELECT p_as_of IS NULL OR coalesce(p_as_of >= data_date(), true) AS at_data_date
    ),
    moves_at AS (
        SELECT household_id,
               bool_or(nature = 'définitif') AS has_definitive,
               bool_or(nature = 'provisoire') AS has_temporary
        FROM moves
        WHERE p_as_of IS NOT NULL AND move_date <= p_as_of
        GROUP BY household_id
    ),
    offers_at AS (
        SELECT household_id,
               bool_or(response = 'acceptée' AND coalesce(response_date, offer_date) <= p_as_of)
                   AS accepted,
               bool_or(response = 'en attente' OR response_date > p_as_of) AS pending,
               bool_or(response = 'refusée' AND coalesce(response_date, offer_date) <= p_as_of)
                   AS refused
        FROM offers
        WHERE p_as_of IS NOT NULL AND offer_date <= p_as_of
        GROUP BY household_id
    ),
    history_at AS (
        -- the latest recorded status change dated by D
        SELECT household_id, arg_max(status, status_date) AS status
        FROM status_history
        WHERE p_as_of IS NOT NULL AND status_date <= p_as_of
        GROUP BY household_id
    )
    SELECT base.*,
           CAST(CASE
               WHEN r.at_data_date THEN CAST(base.status AS VARCHAR)
               WHEN m.has_definitive THEN 'relogé'
               WHEN base.status IN ('départ autonome', 'autre sortie')
                    AND base.exit_date <= p_as_of THEN CAST(base.status AS VARCHAR)
               WHEN m.has_temporary THEN 'relogé provisoire'
               WHEN hs.status IS NOT NULL THEN CAST(hs.status AS VARCHAR)
               WHEN base.diagnosis_date IS NULL OR base.diagnosis_date > p_as_of THEN 'à enquêter'
               WHEN o.accepted THEN 'accord'
               WHEN o.pending THEN 'proposition en cours'
               WHEN o.refused THEN 'en recherche'
               ELSE 'diagnostic réalisé'
           END AS code_household_status) AS state
    FROM base
    CROSS JOIN recorded AS r
    LEFT JOIN moves_at AS m ON m.household_id = base.household_id
    LEFT JOIN offers_at AS o ON o.household_id = base.household_id
    LEFT JOIN history_at AS hs ON hs.household_id = base.household_id;

-- @concept definitive_move
-- @label Relogement définitif
-- @definition Le relogement définitif d'un ménage est sa ligne de relogement de
--   nature « définitif » la plus récente (par date de relogement) ; à une date D, la
--   plus récente datée au plus tard D. Quand « sur site » ou « en QPV » n'y sont pas
--   renseignés et que les périmètres ou les contours des QPV sont chargés, la valeur
--   calculée d'après ses coordonnées est utilisée ; une valeur saisie l'emporte toujours.
CREATE OR REPLACE TEMP MACRO definitive_moves(p_as_of) AS TABLE
    SELECT * EXCLUDE (move_order)
    FROM (
        SELECT m.* REPLACE (coalesce(m.on_site, m.on_site_computed) AS on_site,
                            coalesce(m.in_qpv, m.in_qpv_computed) AS in_qpv,
                            coalesce(m.insee_code, m.insee_code_computed) AS insee_code),
               row_number() OVER (PARTITION BY m.household_id
                                  ORDER BY m.move_date DESC) AS move_order
        FROM moves AS m
        WHERE m.nature = 'définitif' AND (p_as_of IS NULL OR m.move_date <= p_as_of)
    )
    WHERE move_order = 1;

-- Offers as they stood at D: made by D, and without an answer when it came later.
CREATE OR REPLACE TEMP MACRO offers_at(p_as_of) AS TABLE
    SELECT * REPLACE (
        CASE WHEN p_as_of IS NOT NULL AND (response_date IS NULL OR response_date > p_as_of)
                  AND response <> 'en attente' AND response_date IS NOT NULL
             THEN CAST('en attente' AS code_offer_response) ELSE response END AS response)
    FROM offers
    WHERE p_as_of IS NULL OR offer_date <= p_as_of;

-- @concept done_date
-- @label Date de sortie du bâtiment
-- @definition Date à laquelle un ménage compte comme relogé ou sorti : son premier
--   relogement définitif, ou sa date de sortie s'il est parti par ses propres moyens
--   ou pour une autre raison, ou la date de la première ligne de son historique des
--   statuts à « relogé », « départ autonome » ou « autre sortie » s'il a ce statut
--   (la plus précoce). Un ménage sorti sans aucune de ces dates compte comme sorti à la
--   date des données, où son statut saisi est affiché.
CREATE OR REPLACE TEMP MACRO done_dates() AS TABLE
    SELECT h.household_id,
           CASE WHEN h.status IN ('relogé', 'départ autonome', 'autre sortie') THEN
               coalesce(least(d.first_definitive, hd.first_done,
                              CASE WHEN h.status IN ('départ autonome', 'autre sortie')
                                   THEN h.exit_date END),
                        CASE WHEN h.status IN ('départ autonome', 'autre sortie')
                             THEN data_date() END)
           ELSE d.first_definitive END AS done_date
    FROM households AS h
    LEFT JOIN (SELECT household_id, min(move_date) AS first_definitive
               FROM moves WHERE nature = 'définitif' GROUP BY household_id) AS d
        ON d.household_id = h.household_id
    LEFT JOIN (SELECT household_id, min(status_date) AS first_done
               FROM status_history
               WHERE status IN ('relogé', 'départ autonome', 'autre sortie')
               GROUP BY household_id) AS hd
        ON hd.household_id = h.household_id;

-- Survey answers one row per household, wave and question (empty answers kept,
-- answer NULL), answers dated by p_as_of (NULL = all).
CREATE OR REPLACE TEMP MACRO survey_answers_long(p_as_of) AS TABLE
    SELECT a.household_id, a.wave, a.survey_date, q.question, q.answer
    FROM survey_answers AS a
    CROSS JOIN LATERAL (
        VALUES ('q_information', CAST(a.q_information AS VARCHAR)),
               ('q_interlocuteur', CAST(a.q_interlocuteur AS VARCHAR)),
               ('q_accompagnement', CAST(a.q_accompagnement AS VARCHAR)),
               ('q_accompagnement_demenagement', CAST(a.q_accompagnement_demenagement AS VARCHAR)),
               ('q_logement', CAST(a.q_logement AS VARCHAR)),
               ('q_cadre_vie', CAST(a.q_cadre_vie AS VARCHAR)),
               ('q_avant_apres', CAST(a.q_avant_apres AS VARCHAR))
    ) AS q (question, answer)
    WHERE p_as_of IS NULL OR a.survey_date <= p_as_of;

-- ---------------------------------------------------------------------------------------
-- Household lists behind the figures (#18: every figure leads to its households). Each
-- figure counts the rows of one of these lists, and relog_data/household_filters.py lists
-- them: the count shown and the list opened are the same definition.

-- Offers of each household as they stood at D: made, refused, accepted
-- (sql/kpis.sql three_refusals, refusing_households_list).
CREATE OR REPLACE TEMP MACRO offer_counts(p_as_of) AS TABLE
    SELECT household_id,
           count(*) AS n_offers,
           count(*) FILTER (WHERE response = 'refusée') AS n_refused,
           count(*) FILTER (WHERE response = 'acceptée') AS n_accepted
    FROM offers_at(p_as_of)
    GROUP BY household_id;

-- Households still to rehouse at D that had refused 3 offers or more by then
-- (sql/refusing_households.sql counts them).
CREATE OR REPLACE TEMP MACRO refusing_households_list(p_operations, p_phases, p_buildings,
                                                      p_landlords, p_as_of) AS TABLE
    SELECT s.household_id, s.building_code, s.operation_code
    FROM scope_households(p_operations, p_phases, p_buildings, p_landlords, p_as_of) AS s
    JOIN offer_counts(p_as_of) AS o ON o.household_id = s.household_id
    WHERE CAST(s.state AS VARCHAR) IN ('en recherche', 'proposition en cours',
                                       'diagnostic réalisé', 'accord')
      AND o.n_refused >= 3;

-- Households still inside (statuses 1 to 5) at D a building with a planned demolition
-- within 6 months of D (or passed without a real one), or a building demolished by D
-- (`demolished`: contradictory data). sql/buildings_at_risk.sql counts them per building.
CREATE OR REPLACE TEMP MACRO at_risk_households(p_operations, p_phases, p_buildings,
                                                p_landlords, p_as_of) AS TABLE
    SELECT s.household_id, s.building_code, s.operation_code,
           coalesce(b.actual_demolition <= CAST(p_as_of AS DATE), false) AS demolished
    FROM scope_households(p_operations, p_phases, p_buildings, p_landlords, p_as_of) AS s
    JOIN buildings AS b ON b.building_code = s.building_code
    WHERE s.state IN ('à enquêter', 'diagnostic réalisé', 'en recherche',
                      'proposition en cours', 'accord')
      AND ((b.planned_demolition IS NOT NULL
            AND b.planned_demolition <= CAST(p_as_of AS DATE) + INTERVAL 6 MONTH
            AND (b.actual_demolition IS NULL OR b.actual_demolition > CAST(p_as_of AS DATE)))
           OR b.actual_demolition <= CAST(p_as_of AS DATE));

-- Households rehoused more than 3 months before D without any follow-up contact dated
-- by D (sql/followups_overdue.sql lists them).
CREATE OR REPLACE TEMP MACRO overdue_followups(p_operations, p_phases, p_buildings,
                                               p_landlords, p_as_of) AS TABLE
    SELECT s.household_id, s.operation_code, s.officer, d.move_date,
           datediff('day', d.move_date, CAST(p_as_of AS DATE)) AS days_since_move
    FROM scope_households(p_operations, p_phases, p_buildings, p_landlords, p_as_of) AS s
    JOIN definitive_moves(p_as_of) AS d ON d.household_id = s.household_id
    WHERE s.state = 'relogé'
      AND d.move_date < CAST(p_as_of AS DATE) - INTERVAL 3 MONTH
      AND NOT EXISTS (SELECT 1 FROM followups AS f
                      WHERE f.household_id = s.household_id
                        AND f.contact_date <= CAST(p_as_of AS DATE));

-- Each household's latest dated event on or before p_day (diagnosis, offer,
-- answer, move, exit, follow-up contact, status change): « sans action depuis »
-- on the Ménages list and the « sans action » filter count from it.
CREATE OR REPLACE TEMP MACRO last_events(p_day) AS TABLE
    SELECT household_id, max(day) AS last_event
    FROM (
        SELECT household_id, diagnosis_date AS day FROM households
        UNION ALL SELECT household_id, offer_date FROM offers
        UNION ALL SELECT household_id, response_date FROM offers
        UNION ALL SELECT household_id, move_date FROM moves
        UNION ALL SELECT household_id, exit_date FROM households
        UNION ALL SELECT household_id, contact_date FROM followups
        UNION ALL SELECT household_id, status_date FROM status_history
    )
    WHERE day <= p_day
    GROUP BY household_id;

-- Each household's latest temporary move on or before p_day: the Ménages list's
-- « relogement définitif dû » step and the « provisoires anciens » filter date
-- the delay from it.
CREATE OR REPLACE TEMP MACRO latest_temporary_moves(p_day) AS TABLE
    SELECT household_id, max(move_date) AS temporary_move
    FROM moves
    WHERE nature = 'provisoire' AND move_date <= p_day
    GROUP BY household_id;

-- The households still to rehouse (statuses 1-5 and temporary) with what a
-- dwelling must match: the typology wanted (or the one the household's size
-- calls for), location wish, specific need, rent before, the operation's commune
-- and the building's planned demolition. sql/matches.sql ranks the compatible
-- dwellings from it; sql/no_match_reasons.sql counts those each criterion rules out.
-- p_household: one household, NULL = all.
CREATE OR REPLACE TEMP MACRO match_needs(p_operations, p_phases, p_buildings, p_landlords,
                                         p_as_of, p_household) AS TABLE
    SELECT household_id, operation_code, persons, rent_before, location_wish, specific_need,
           needed_typology, CAST(substr(needed_typology, 2) AS INTEGER) AS needed_rooms,
           operation_commune, planned_demolition
    FROM (
        SELECT s.household_id, s.operation_code, s.persons, s.rent_before,
               CAST(s.location_wish AS VARCHAR) AS location_wish,
               CAST(s.specific_need AS VARCHAR) AS specific_need,
               coalesce(CAST(s.wanted_typology AS VARCHAR),
                        'T' || CAST(least(6, greatest(1, s.persons)) AS VARCHAR))
                   AS needed_typology,
               o.commune AS operation_commune, b.planned_demolition
        FROM scope_households(p_operations, p_phases, p_buildings, p_landlords, p_as_of) AS s
        JOIN operations AS o ON o.operation_code = s.operation_code
        JOIN buildings AS b ON b.building_code = s.building_code
        WHERE s.state IN ('à enquêter', 'diagnostic réalisé', 'en recherche',
                          'proposition en cours', 'accord', 'relogé provisoire')
          AND (p_household IS NULL OR s.household_id = p_household)
    );
