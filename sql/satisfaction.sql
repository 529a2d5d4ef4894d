-- Satisfaction survey: per question and wave, the answers of the households
-- in scope.
--
-- Parameters: $operations VARCHAR[], $phases INTEGER[], $buildings VARCHAR[],
-- $landlords VARCHAR[] (NULL = all), $as_of DATE (answers dated by then; NULL = all).

-- @indicator satisfied_share
-- @label Part de ménages satisfaits
-- @unit part
-- @definition Pour chaque question et chaque vague d'enquête : parmi les réponses
--   non vides des ménages du périmètre, part des réponses « très satisfaisant » /
--   « plutôt satisfaisant », « oui » / « plutôt oui », ou « mieux qu'avant ». Les
--   non-réponses sont exclues du dénominateur et comptées à part.
WITH answers AS (
    SELECT l.*
    FROM survey_answers_long($as_of) AS l
    JOIN scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
        ON s.household_id = l.household_id
)
SELECT
    question,
    wave,
    count(answer) AS n_answers,
    count(*) FILTER (WHERE answer IS NULL) AS n_empty,
    count(*) FILTER (WHERE answer IN ('très satisfaisant', 'plutôt satisfaisant', 'oui',
                                      'plutôt oui', 'mieux qu''avant')) AS n_satisfied,
    count(*) FILTER (WHERE answer IN ('très satisfaisant', 'plutôt satisfaisant', 'oui',
                                      'plutôt oui', 'mieux qu''avant'))
        / nullif(count(answer), 0) AS satisfied_share,
    min(survey_date) AS first_survey_date
FROM answers
GROUP BY question, wave
ORDER BY question, wave
