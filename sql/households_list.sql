-- The households of the scope with their state at $as_of, officer, last event
-- (dated by $as_of), offers against the three of the law, and their next step.
--
-- @concept next_step
-- @label Prochaine action d'un ménage
-- @definition Chaque ménage a une prochaine action, calculée à la date D, avec son
--   motif et son échéance (« en retard » quand l'échéance est passée à D). Règles, dans
--   cet ordre (la première qui s'applique l'emporte) : 1. encore dans le bâtiment
--   (statuts 1 à 5) et démolition prévue dans moins de N jours (90 par défaut) ou
--   dépassée sans démolition réelle : « Urgent : reloger avant la démolition »,
--   échéance la démolition prévue, l'action en cours est rappelée ; 2. « à enquêter » :
--   « Planifier le diagnostic », dès la date D ; 3. « relogé provisoire » : « Relogement
--   définitif dû », N mois (12 par défaut) après le relogement provisoire ; 4. « relogé »
--   sans aucun contact de suivi : « Suivi à faire », 3 mois (réglable) après le
--   relogement définitif ; 5. « accord » : « Organiser le déménagement », N jours (60 par
--   défaut) après l'acceptation ; 6. trois refus ou plus : « Saisir la commission
--   partenariale », N jours (30 par défaut) après le 3e refus ; 7. une proposition sans
--   réponse : « Relancer la réponse », N jours (15 par défaut) après la proposition ;
--   8. deux refus : « Préparer la 3e proposition et la commission », N jours (60 par
--   défaut) après le dernier refus ; 9. un refus : « Faire une nouvelle proposition »,
--   même délai ; 10. diagnostic réalisé sans proposition : « Faire une première
--   proposition », N jours (60 par défaut) après le diagnostic ; 11. sorti, ou relogé
--   et suivi : « Aucune action ». Les délais N sont des réglages que l'administrateur
--   modifie sur la page Ménages. Ordre de la liste : les urgences d'abord, puis les
--   ménages jamais contactés (aucun événement daté), puis par échéance.
--
-- @concept never_contacted
-- @label Jamais contacté
-- @definition Ménage sans aucun événement daté au plus tard D (ni enquête, ni
--   proposition, ni réponse, ni relogement, ni sortie, ni suivi, ni changement de
--   statut) : il est affiché « jamais contacté » et placé en tête de liste.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of;
-- thresholds (relog_data/officer.py THRESHOLDS, stored in `settings`):
-- $demolition_days, $temporary_months, $followup_months, $move_days,
-- $commission_days, $answer_days, $new_offer_days, $first_offer_days.
WITH d AS (
    SELECT coalesce($as_of::DATE, data_date(), current_date) AS d
),
last_events AS (
    SELECT * FROM last_events((SELECT d FROM d))
),
offer_counts AS (
    SELECT household_id,
           count(*) AS offers,
           count(*) FILTER (WHERE response = 'refusée') AS refused,
           count(*) FILTER (WHERE response = 'acceptée') AS accepted,
           count(*) FILTER (WHERE response = 'en attente') AS pending,
           max(rank) FILTER (WHERE response = 'en attente') AS pending_rank,
           max(offer_date) FILTER (WHERE response = 'en attente') AS pending_since,
           max(coalesce(response_date, offer_date)) FILTER (WHERE response = 'acceptée')
               AS accepted_on,
           max(coalesce(response_date, offer_date)) FILTER (WHERE response = 'refusée')
               AS last_refusal,
           list_sort(list(coalesce(response_date, offer_date))
                     FILTER (WHERE response = 'refusée'))[3] AS third_refusal
    FROM offers_at($as_of)
    GROUP BY household_id
),
temporary_moves AS (
    SELECT * FROM latest_temporary_moves((SELECT d FROM d))
),
followed AS (
    SELECT DISTINCT f.household_id
    FROM followups AS f, d
    WHERE f.contact_date <= d.d
),
facts AS (
    SELECT s.household_id, s.building_code, b.name AS building_name, s.operation_code,
           o.name AS operation_name,
           CAST(s.state AS VARCHAR) AS state, enum_code(s.state) + 1 AS state_order,
           s.officer, h.holder_name, s.persons, CAST(s.composition AS VARCHAR) AS composition,
           s.rent_before - s.allowance_before AS rest_to_pay_before,
           dm.rent_after - dm.allowance_after AS rest_to_pay_after,
           le.last_event,
           datediff('day', le.last_event, d.d) AS days_since_last_event,
           le.last_event IS NULL AS never_contacted,
           b.planned_demolition, b.actual_demolition,
           datediff('day', d.d, b.planned_demolition) AS days_to_demolition,
           coalesce(oc.offers, 0) AS offers, coalesce(oc.refused, 0) AS refused,
           coalesce(oc.accepted, 0) AS accepted, coalesce(oc.pending, 0) AS pending,
           oc.pending_rank, oc.pending_since, oc.accepted_on, oc.last_refusal,
           oc.third_refusal, s.diagnosis_date, tm.temporary_move,
           dm.move_date AS definitive_move, fu.household_id IS NOT NULL AS followed_up,
           d.d AS as_of,
           s.state IN ('à enquêter', 'diagnostic réalisé', 'en recherche',
                       'proposition en cours', 'accord') AS inside
    FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    CROSS JOIN d
    JOIN buildings AS b ON b.building_code = s.building_code
    JOIN operations AS o ON o.operation_code = s.operation_code
    JOIN households AS h ON h.household_id = s.household_id
    LEFT JOIN last_events AS le ON le.household_id = s.household_id
    LEFT JOIN offer_counts AS oc ON oc.household_id = s.household_id
    LEFT JOIN temporary_moves AS tm ON tm.household_id = s.household_id
    LEFT JOIN followed AS fu ON fu.household_id = s.household_id
    LEFT JOIN definitive_moves($as_of) AS dm ON dm.household_id = s.household_id
),
-- The step the household's process calls for (rules 2 to 11).
base AS (
    SELECT *,
           CASE
               WHEN state = 'à enquêter' THEN 'diagnostic'
               WHEN state = 'relogé provisoire' THEN 'definitive_move'
               WHEN state = 'relogé' AND NOT followed_up THEN 'followup'
               WHEN state IN ('relogé', 'départ autonome', 'autre sortie') THEN 'none'
               WHEN state = 'accord' THEN 'move'
               WHEN refused >= 3 THEN 'commission'
               WHEN pending > 0 OR state = 'proposition en cours' THEN 'chase_answer'
               WHEN refused = 2 THEN 'third_offer'
               WHEN refused = 1 THEN 'new_offer'
               ELSE 'first_offer'
           END AS base_step
    FROM facts
),
dated AS (
    SELECT *,
           CASE base_step
               WHEN 'diagnostic' THEN as_of
               WHEN 'definitive_move' THEN CAST(temporary_move
                                               + to_months(CAST($temporary_months AS INTEGER))
                                               AS DATE)
               WHEN 'followup' THEN CAST(definitive_move
                                        + to_months(CAST($followup_months AS INTEGER)) AS DATE)
               WHEN 'move' THEN accepted_on + CAST($move_days AS INTEGER)
               WHEN 'commission' THEN third_refusal + CAST($commission_days AS INTEGER)
               WHEN 'chase_answer' THEN pending_since + CAST($answer_days AS INTEGER)
               WHEN 'third_offer' THEN last_refusal + CAST($new_offer_days AS INTEGER)
               WHEN 'new_offer' THEN last_refusal + CAST($new_offer_days AS INTEGER)
               WHEN 'first_offer' THEN diagnosis_date + CAST($first_offer_days AS INTEGER)
           END AS base_due,
           CASE base_step
               WHEN 'diagnostic'
                   THEN 'Pas encore d''enquête sociale : le diagnostic est à planifier.'
               WHEN 'definitive_move' THEN 'Relogé provisoirement'
                   || coalesce(' le ' || strftime(temporary_move, '%d/%m/%Y'), '')
                   || ' : la solution définitive reste à trouver.'
               WHEN 'followup' THEN 'Relogé'
                   || coalesce(' le ' || strftime(definitive_move, '%d/%m/%Y'), '')
                   || ', aucun contact de suivi depuis.'
               WHEN 'none' THEN CASE WHEN state = 'relogé'
                                     THEN 'Relogé et suivi : dossier terminé.'
                                     ELSE 'Ménage sorti : dossier terminé.' END
               WHEN 'move' THEN 'Proposition acceptée'
                   || coalesce(' le ' || strftime(accepted_on, '%d/%m/%Y'), '')
                   || ' : le déménagement reste à faire.'
               WHEN 'commission' THEN CAST(refused AS VARCHAR) || ' propositions refusées'
                   || coalesce(' (3e refus le ' || strftime(third_refusal, '%d/%m/%Y') || ')', '')
                   || ' : seuil légal atteint.'
               WHEN 'chase_answer' THEN coalesce('Proposition n° ' || CAST(pending_rank AS VARCHAR)
                                                 || ' du ' || strftime(pending_since, '%d/%m/%Y'),
                                                 'Proposition en cours')
                   || ' sans réponse.'
               WHEN 'third_offer' THEN '2 propositions refusées (la dernière le '
                   || strftime(last_refusal, '%d/%m/%Y')
                   || ') : la 3e est la dernière avant la commission.'
               WHEN 'new_offer' THEN '1 proposition refusée (le '
                   || strftime(last_refusal, '%d/%m/%Y') || ').'
               WHEN 'first_offer' THEN 'Diagnostic réalisé'
                   || coalesce(' le ' || strftime(diagnosis_date, '%d/%m/%Y'), '')
                   || ', aucune proposition depuis.'
           END AS base_reason
    FROM base
),
labels (step_key, step, step_order) AS (
    VALUES ('urgent', 'Urgent : reloger avant la démolition', 1),
           ('diagnostic', 'Planifier le diagnostic', 2),
           ('first_offer', 'Faire une première proposition', 3),
           ('chase_answer', 'Relancer la réponse', 4),
           ('new_offer', 'Faire une nouvelle proposition', 5),
           ('third_offer', 'Préparer la 3e proposition et la commission', 6),
           ('commission', 'Saisir la commission partenariale', 7),
           ('move', 'Organiser le déménagement', 8),
           ('definitive_move', 'Relogement définitif dû', 9),
           ('followup', 'Suivi à faire', 10),
           ('none', 'Aucune action', 11)
),
stepped AS (
    SELECT *,
           inside AND planned_demolition IS NOT NULL
               AND (actual_demolition IS NULL OR actual_demolition > as_of)
               AND planned_demolition <= as_of + CAST($demolition_days AS INTEGER) AS urgent
    FROM dated
)
SELECT s.* EXCLUDE (urgent, base_due, base_reason, as_of, inside),
       l.step_key, l.step, l.step_order,
       CASE WHEN s.urgent THEN
           'Démolition prévue le ' || strftime(s.planned_demolition, '%d/%m/%Y')
           || ', le ménage est encore dans le bâtiment. Action en cours : '
           || lower(b.step[1]) || b.step[2:] || ' — ' || s.base_reason
       ELSE s.base_reason END AS reason,
       CASE WHEN s.urgent THEN s.planned_demolition
            ELSE coalesce(s.base_due, CASE WHEN s.base_step <> 'none' THEN s.as_of END)
       END AS due_date,
       CASE WHEN s.urgent THEN 0 WHEN s.base_step = 'none' THEN 3
            WHEN s.never_contacted THEN 1 ELSE 2 END AS urgency
FROM stepped AS s
JOIN labels AS b ON b.step_key = s.base_step
JOIN labels AS l ON l.step_key = CASE WHEN s.urgent THEN 'urgent' ELSE s.base_step END
ORDER BY s.household_id
