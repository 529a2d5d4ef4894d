-- Survey waves in scope: dates, respondents, response rate and timing.
--
-- @concept response_rate
-- @label Taux de réponse d'une vague
-- @definition Ménages éligibles ayant répondu à la vague / ménages éligibles. Sont
--   éligibles les ménages du périmètre dont le relogement définitif est daté au plus
--   tard de la dernière date d'enquête de la vague ; un ménage éligible est répondant
--   s'il a une ligne d'enquête pour cette vague. Le taux ne peut donc pas dépasser
--   100 %. Les réponses de ménages non éligibles (pas encore relogés à cette date)
--   sont comptées à part, « hors champ ».
--
-- @concept months_since_move
-- @label Délai entre relogement et enquête
-- @definition Pour chaque répondant éligible, mois écoulés entre son relogement
--   définitif et sa date d'enquête ; on en donne la médiane par vague. Deux vagues
--   dont les médianes diffèrent de plus de 6 mois ne sont pas comparables dans le temps.
--
-- Parameters: $operations VARCHAR[], $phases INTEGER[], $buildings VARCHAR[].
WITH scope AS (
    SELECT * FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
answers AS (
    SELECT a.household_id, a.wave, a.survey_date
    FROM survey_answers AS a
    JOIN scope AS s ON s.household_id = a.household_id
    WHERE $as_of IS NULL OR a.survey_date <= $as_of
),
waves AS (
    SELECT wave, min(survey_date) AS first_survey_date, max(survey_date) AS last_survey_date
    FROM answers
    GROUP BY wave
),
eligible AS (
    SELECT w.wave, s.household_id, d.move_date
    FROM waves AS w
    JOIN scope AS s ON true
    JOIN definitive_moves($as_of) AS d ON d.household_id = s.household_id
    WHERE d.move_date <= w.last_survey_date
),
per_wave AS (
    SELECT w.wave,
           count(DISTINCT e.household_id) AS eligible,
           count(DISTINCT a.household_id) FILTER (WHERE e.household_id IS NOT NULL)
               AS respondents,
           median(datediff('day', e.move_date, a.survey_date) / 30.4375)
               FILTER (WHERE a.household_id IS NOT NULL) AS median_months_since_move
    FROM waves AS w
    LEFT JOIN eligible AS e ON e.wave = w.wave
    LEFT JOIN answers AS a ON a.wave = w.wave AND a.household_id = e.household_id
    GROUP BY w.wave
)
SELECT
    w.wave, w.first_survey_date, w.last_survey_date,
    p.respondents,
    p.eligible,
    (SELECT count(DISTINCT a.household_id) FROM answers AS a
     WHERE a.wave = w.wave AND a.household_id NOT IN (
         SELECT e.household_id FROM eligible AS e WHERE e.wave = w.wave))
        AS out_of_scope_respondents,
    p.respondents / nullif(p.eligible, 0) AS response_rate,
    p.median_months_since_move
FROM waves AS w
JOIN per_wave AS p ON p.wave = w.wave
ORDER BY w.wave
