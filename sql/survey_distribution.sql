-- Satisfaction answers of the households in scope: per question, wave and
-- answer value (NULL = no answer), the number of answers.
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
SELECT l.question, l.wave, l.answer, count(*) AS count
FROM survey_answers_long($as_of) AS l
JOIN scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    ON s.household_id = l.household_id
GROUP BY ALL
ORDER BY l.question, l.wave, l.answer NULLS LAST
