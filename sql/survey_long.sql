-- Satisfaction survey answers of the households in scope, one row per
-- household, wave and question, with what the breakdowns need: operation,
-- on site or not and landlord of the definitive move, household composition,
-- and the months between the definitive move and the survey.
--
-- Parameters: $operations VARCHAR[], $phases INTEGER[], $buildings VARCHAR[],
-- $landlords VARCHAR[] (NULL = all), $as_of DATE (NULL = all answers).
WITH respondents AS (
    SELECT a.*, s.operation_code, s.composition,
           d.on_site, d.landlord AS destination_landlord, d.move_date
    FROM survey_answers AS a
    JOIN scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
        ON s.household_id = a.household_id
    LEFT JOIN definitive_moves($as_of) AS d ON d.household_id = a.household_id
    WHERE $as_of IS NULL OR a.survey_date <= $as_of
)
SELECT
    r.household_id,
    r.wave,
    r.survey_date,
    r.operation_code,
    CAST(r.composition AS VARCHAR) AS composition,
    r.on_site,
    r.destination_landlord,
    datediff('day', r.move_date, r.survey_date) / 30.4375 AS months_since_move,
    q.question,
    q.answer
FROM respondents AS r
CROSS JOIN LATERAL (
    VALUES ('q_information', CAST(r.q_information AS VARCHAR)),
           ('q_interlocuteur', CAST(r.q_interlocuteur AS VARCHAR)),
           ('q_accompagnement', CAST(r.q_accompagnement AS VARCHAR)),
           ('q_accompagnement_demenagement', CAST(r.q_accompagnement_demenagement AS VARCHAR)),
           ('q_logement', CAST(r.q_logement AS VARCHAR)),
           ('q_cadre_vie', CAST(r.q_cadre_vie AS VARCHAR)),
           ('q_avant_apres', CAST(r.q_avant_apres AS VARCHAR))
) AS q (question, answer)
ORDER BY r.wave, q.question, r.household_id
