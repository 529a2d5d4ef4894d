-- Pace and projected end, per operation and in total (is_total).
--
-- @concept projected_end
-- @label Fin estimée au rythme actuel
-- @unit date
-- @definition Rythme = ménages relogés ou sortis pendant les 6 mois précédant la date
--   D, divisé par 6 (ménages par mois). Fin estimée = D + (ménages restant à reloger à
--   D / rythme) mois. « Rythme nul » quand personne n'a été relogé ni n'est sorti en
--   6 mois. L'écart se compte en mois entre la fin estimée et la fin prévue (la plus
--   tardive des fins prévues des phases du périmètre). Pour les élus, le rythme se
--   mesure depuis la date de publication la plus récente qui précède D d'au moins
--   6 mois (ménages relogés ou sortis depuis, divisé par le nombre de mois écoulés).
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of,
-- $pace_from (NULL: 6 months before $as_of).
WITH scope AS (
    SELECT * FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
span AS (
    SELECT coalesce($pace_from::DATE, CAST($as_of::DATE - INTERVAL 6 MONTH AS DATE)) AS since,
           CASE WHEN $pace_from IS NULL THEN 6.0
                ELSE datediff('day', $pace_from::DATE, $as_of::DATE) / 30.4375 END AS months
),
facts AS (
    SELECT s.operation_code, s.phase_number, d.done_date
    FROM scope AS s
    JOIN done_dates() AS d ON d.household_id = s.household_id
),
per_group AS (
    SELECT operation_code,
           grouping(operation_code) = 1 AS is_total,
           count(*) AS households_total,
           count(*) FILTER (WHERE done_date <= $as_of::DATE) AS done,
           count(*) FILTER (WHERE done_date <= $as_of::DATE
                            AND done_date > (SELECT since FROM span)) AS done_last_6_months
    FROM facts
    GROUP BY GROUPING SETS ((operation_code), ())
),
planned_end AS (
    SELECT p.operation_code, grouping(p.operation_code) = 1 AS is_total,
           max(p.planned_end) AS planned_end
    FROM phases AS p
    WHERE EXISTS (SELECT 1 FROM scope AS s WHERE s.operation_code = p.operation_code AND s.phase_number = p.phase_number)
    GROUP BY GROUPING SETS ((p.operation_code), ())
)
SELECT
    g.operation_code,
    g.is_total,
    g.households_total,
    g.done,
    g.households_total - g.done AS remaining,
    g.done_last_6_months,
    g.done_last_6_months / (SELECT months FROM span) AS pace_per_month,
    CASE
        WHEN g.households_total = g.done THEN NULL
        WHEN g.done_last_6_months = 0 THEN NULL
        ELSE CAST($as_of::DATE + to_days(CAST(ceil((g.households_total - g.done)
                 / (g.done_last_6_months / (SELECT months FROM span)) * 30.4375) AS INTEGER)) AS DATE)
    END AS projected_end,
    p.planned_end,
    CASE
        WHEN g.households_total = g.done OR g.done_last_6_months = 0 OR p.planned_end IS NULL
            THEN NULL
        ELSE round(datediff('day', p.planned_end,
                 $as_of::DATE + to_days(CAST(ceil((g.households_total - g.done)
                 / (g.done_last_6_months / (SELECT months FROM span)) * 30.4375) AS INTEGER))) / 30.4375, 1)
    END AS gap_months
FROM per_group AS g
LEFT JOIN planned_end AS p
    ON p.is_total = g.is_total AND p.operation_code IS NOT DISTINCT FROM g.operation_code
ORDER BY g.is_total, g.operation_code
