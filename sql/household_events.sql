-- Every dated event of one household, in time order: diagnosis, offers and
-- answers, moves, exit, recorded status changes, follow-ups, survey answers.
-- Parameters: $household VARCHAR.
SELECT * FROM (
    SELECT diagnosis_date AS day, 'Enquête sociale (diagnostic)' AS event, NULL AS detail
    FROM households WHERE household_id = $household AND diagnosis_date IS NOT NULL
    UNION ALL
    SELECT offer_date, 'Proposition n° ' || rank,
           concat_ws(' · ', landlord, commune, CAST(typology AS VARCHAR),
                     CASE WHEN rent IS NOT NULL
                          THEN replace(CAST(round(rent, 0) AS VARCHAR), '.0', '') || ' €' END)
    FROM offers WHERE household_id = $household
    UNION ALL
    SELECT response_date, 'Réponse à la proposition n° ' || rank || ' : '
           || CAST(response AS VARCHAR),
           CAST(refusal_reason AS VARCHAR)
    FROM offers WHERE household_id = $household AND response_date IS NOT NULL
    UNION ALL
    SELECT move_date, 'Relogement ' || CAST(nature AS VARCHAR),
           concat_ws(' · ', commune, landlord, CAST(typology AS VARCHAR))
    FROM moves WHERE household_id = $household
    UNION ALL
    SELECT exit_date, 'Sortie : ' || CAST(status AS VARCHAR), NULL
    FROM households WHERE household_id = $household AND exit_date IS NOT NULL
    UNION ALL
    SELECT status_date, 'Statut : ' || CAST(status AS VARCHAR), NULL
    FROM status_history WHERE household_id = $household
    UNION ALL
    SELECT contact_date, 'Suivi (' || coalesce(CAST(contact_type AS VARCHAR), '?') || ')',
           CAST(situation AS VARCHAR)
    FROM followups WHERE household_id = $household
    UNION ALL
    SELECT survey_date, 'Enquête de satisfaction, vague ' || wave, NULL
    FROM survey_answers WHERE household_id = $household
)
ORDER BY day, event
