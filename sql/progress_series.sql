-- Month by month up to $as_of: households done (rehoused or gone: definitive
-- move, or exit date of a household that left) and the plan.
--
-- @concept plan_curve
-- @label Courbe prévisionnelle
-- @definition Les ménages prévus de chaque phase, répartis uniformément de son début
--   prévu à sa fin prévue, cumulés. Seules comptent les phases dont le nombre de
--   ménages prévus et les dates de début et de fin prévues sont saisis ; sans aucune
--   telle phase dans le périmètre, il n'y a pas de courbe prévisionnelle (ni ligne à 0).
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
WITH scope AS (
    SELECT * FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
done AS (
    SELECT d.household_id, d.done_date
    FROM done_dates() AS d
    JOIN scope AS s ON s.household_id = d.household_id
),
plan AS (
    SELECT p.planned_start, p.planned_end, p.households_planned
    FROM phases AS p
    WHERE p.households_planned IS NOT NULL
      AND p.planned_start IS NOT NULL AND p.planned_end IS NOT NULL
      AND EXISTS (SELECT 1 FROM scope AS s WHERE s.operation_code = p.operation_code AND s.phase_number = p.phase_number)
),
months AS (
    SELECT CAST(last_day(m) AS DATE) AS month_end
    FROM generate_series(
        date_trunc('month', least((SELECT min(planned_start) FROM plan),
                                  (SELECT min(done_date) FROM done))),
        date_trunc('month', $as_of::DATE),
        INTERVAL 1 MONTH) AS t (m)
)
SELECT
    least(months.month_end, $as_of::DATE) AS day,
    (SELECT count(*) FROM done WHERE done_date <= least(months.month_end, $as_of::DATE)) AS done,
    (SELECT sum(households_planned * greatest(0, least(1,
         datediff('day', planned_start, least(months.month_end, $as_of::DATE))
         / greatest(1, datediff('day', planned_start, planned_end)))))
     FROM plan) AS planned  -- NULL when no plan was entered
FROM months
ORDER BY day
