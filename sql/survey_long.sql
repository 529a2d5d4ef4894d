-- Satisfaction survey answers of the households in scope, one row per
-- household, wave and question, with what the breakdowns need: operation,
-- on site or not and landlord of the definitive move, household composition,
-- and the months between the definitive move and the survey.
--
-- Parameters: $operations VARCHAR[], $phases INTEGER[], $buildings VARCHAR[],
-- $landlords VARCHAR[] (NULL = all), $as_of DATE (NULL = all answers).
SELECT
    l.household_id,
    l.wave,
    l.survey_date,
    s.operation_code,
    CAST(s.composition AS VARCHAR) AS composition,
    d.on_site,
    d.landlord AS destination_landlord,
    datediff('day', d.move_date, l.survey_date) / 30.4375 AS months_since_move,
    l.question,
    l.answer
FROM survey_answers_long($as_of) AS l
JOIN scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    ON s.household_id = l.household_id
LEFT JOIN definitive_moves($as_of) AS d ON d.household_id = l.household_id
-- (no ORDER BY: the callers group the rows; sorting 1 million of them costs more)
