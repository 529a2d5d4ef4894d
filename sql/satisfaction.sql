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
    SELECT a.household_id, a.wave, a.survey_date, q.question, q.answer
    FROM survey_answers AS a
    JOIN scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
        ON s.household_id = a.household_id
    CROSS JOIN LATERAL (
        VALUES ('q_information', CAST(a.q_information AS VARCHAR)),
               ('q_interlocuteur', CAST(a.q_interlocuteur AS VARCHAR)),
               ('q_accompagnement', CAST(a.q_accompagnement AS VARCHAR)),
               ('q_accompagnement_demenagement', CAST(a.q_accompagnement_demenagement AS VARCHAR)),
               ('q_logement', CAST(a.q_logement AS VARCHAR)),
               ('q_cadre_vie', CAST(a.q_cadre_vie AS VARCHAR)),
               ('q_avant_apres', CAST(a.q_avant_apres AS VARCHAR))
    ) AS q (question, answer)
    WHERE $as_of IS NULL OR a.survey_date <= $as_of
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
