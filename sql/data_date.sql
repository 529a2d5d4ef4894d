-- The date the data describes: the demo's date when set, else the latest
-- dated event of the database (moves, exits, offers, answers, follow-ups,
-- diagnoses, surveys).
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
    ))
) AS data_date
