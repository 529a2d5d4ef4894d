-- Survey waves in scope: dates, respondents, response rate and timing.
--
-- @concept response_rate
-- @label Taux de réponse d'une vague
-- @definition Ménages ayant répondu à la vague / ménages du périmètre relogés
--   (relogement définitif) avant la première date d'enquête de cette vague.
--
-- @concept months_since_move
-- @label Délai entre relogement et enquête
-- @definition Pour chaque répondant, mois écoulés entre son relogement définitif et
--   sa date d'enquête ; on en donne la médiane par vague. Deux vagues dont les
--   médianes diffèrent de plus de 6 mois ne sont pas comparables dans le temps.
--
-- Parameters: $operations VARCHAR[], $phases INTEGER[], $buildings VARCHAR[].
WITH scope AS (
    SELECT * FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
answers AS (
    SELECT a.household_id, a.wave, a.survey_date, d.move_date
    FROM survey_answers AS a
    JOIN scope AS s ON s.household_id = a.household_id
    LEFT JOIN definitive_moves($as_of) AS d ON d.household_id = a.household_id
    WHERE $as_of IS NULL OR a.survey_date <= $as_of
),
waves AS (
    SELECT wave,
           min(survey_date) AS first_survey_date,
           max(survey_date) AS last_survey_date,
           count(*) AS respondents,
           median(datediff('day', move_date, survey_date) / 30.4375) AS median_months_since_move
    FROM answers
    GROUP BY wave
)
SELECT
    w.*,
    (SELECT count(*)
     FROM scope AS s
     JOIN definitive_moves($as_of) AS d ON d.household_id = s.household_id
     WHERE s.state = 'relogé' AND d.move_date < w.first_survey_date) AS rehoused_before,
    w.respondents / nullif((SELECT count(*)
     FROM scope AS s
     JOIN definitive_moves($as_of) AS d ON d.household_id = s.household_id
     WHERE s.state = 'relogé' AND d.move_date < w.first_survey_date), 0) AS response_rate
FROM waves AS w
ORDER BY w.wave
