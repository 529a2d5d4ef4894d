-- The households behind a figure of Synthèse or Avancement (#18): one row per
-- household of the list named $key, in the scope at $as_of. Each branch reads the
-- very definition the figure counts (scope_households states as in sql/kpis.sql,
-- the macros of sql/macros.sql behind buildings_at_risk, refusing_households,
-- followups_overdue and kpis three_refusals, done_dates() as in sql/projection.sql),
-- so that the list has exactly as many households as the figure.
--
-- @concept temporary_too_long
-- @label Relogé provisoire depuis trop longtemps
-- @definition Ménage au statut « relogé provisoire » à la date D dont le dernier
--   relogement provisoire daté au plus tard D remonte à plus de N mois (12 par défaut) :
--   le relogement définitif est dû.
--
-- @concept without_action
-- @label Ménage sans action depuis plus de N jours
-- @definition Ménage encore à reloger à la date D (ni relogé, ni sorti ; relogés
--   provisoires compris) dont le dernier événement daté au plus tard D (enquête,
--   proposition, réponse, relogement, sortie, suivi, changement de statut) remonte à plus
--   de N jours (90 par défaut), ou qui n'a aucun événement daté (jamais contacté).
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of, $key,
-- $temporary_months, $idle_days.
WITH scope AS (
    SELECT * FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
d AS (
    SELECT coalesce($as_of::DATE, data_date(), current_date) AS d
),
last_events AS (
    SELECT * FROM last_events((SELECT d FROM d))
),
temporary_moves AS (
    SELECT * FROM latest_temporary_moves((SELECT d FROM d))
),
listed AS (
    -- sql/kpis.sql households_total, rehoused, temporary, exits, still_in_building, remaining
    SELECT 'concernes' AS key, household_id FROM scope
    UNION ALL
    SELECT 'reloges', household_id FROM scope WHERE CAST(state AS VARCHAR) = 'relogé'
    UNION ALL
    SELECT 'provisoires', household_id FROM scope
    WHERE CAST(state AS VARCHAR) = 'relogé provisoire'
    UNION ALL
    SELECT 'sorties', household_id FROM scope
    WHERE CAST(state AS VARCHAR) IN ('départ autonome', 'autre sortie')
    UNION ALL
    SELECT 'dans_batiment', household_id FROM scope
    WHERE CAST(state AS VARCHAR) IN ('à enquêter', 'diagnostic réalisé', 'en recherche',
                               'proposition en cours', 'accord')
    UNION ALL
    SELECT 'restant', household_id FROM scope
    WHERE CAST(state AS VARCHAR) NOT IN ('relogé', 'départ autonome', 'autre sortie')
    UNION ALL
    -- sql/projection.sql remaining: households_total - done (done_dates())
    SELECT 'restant_rythme', s.household_id
    FROM scope AS s
    JOIN done_dates() AS dd ON dd.household_id = s.household_id
    WHERE NOT coalesce(dd.done_date <= $as_of::DATE, false)
    UNION ALL
    -- sql/buildings_at_risk.sql still_inside (every building of the list)
    SELECT 'batiment_a_risque', household_id
    FROM at_risk_households($operations, $phases, $buildings, $landlords, $as_of)
    UNION ALL
    SELECT 'batiment_demoli', household_id
    FROM at_risk_households($operations, $phases, $buildings, $landlords, $as_of)
    WHERE demolished
    UNION ALL
    -- sql/kpis.sql three_refusals
    SELECT 'refus3', s.household_id
    FROM scope AS s
    JOIN offer_counts($as_of) AS o ON o.household_id = s.household_id
    WHERE o.n_refused >= 3
    UNION ALL
    -- sql/refusing_households.sql
    SELECT 'refus3_a_reloger', household_id
    FROM refusing_households_list($operations, $phases, $buildings, $landlords, $as_of)
    UNION ALL
    -- sql/followups_overdue.sql
    SELECT 'suivi_en_retard', household_id
    FROM overdue_followups($operations, $phases, $buildings, $landlords, $as_of)
    UNION ALL
    SELECT 'provisoire_ancien', s.household_id
    FROM scope AS s
    CROSS JOIN d
    JOIN temporary_moves AS t ON t.household_id = s.household_id
    WHERE CAST(s.state AS VARCHAR) = 'relogé provisoire'
      AND t.temporary_move < d.d - to_months(CAST($temporary_months AS INTEGER))
    UNION ALL
    SELECT 'sans_action', s.household_id
    FROM scope AS s
    CROSS JOIN d
    LEFT JOIN last_events AS le ON le.household_id = s.household_id
    WHERE CAST(s.state AS VARCHAR) NOT IN ('relogé', 'départ autonome', 'autre sortie')
      AND (le.last_event IS NULL
           OR datediff('day', le.last_event, d.d) > CAST($idle_days AS INTEGER))
)
SELECT DISTINCT household_id
FROM listed
WHERE key = $key
ORDER BY household_id
