-- Calendar of the scope: operations, phases and buildings with planned and
-- real dates, slippage in months, and the first and last rehousing of each
-- building (definitive moves and exits dated by $as_of).
--
-- @concept slippage
-- @label Glissement
-- @definition Pour une phase : fin réelle (ou, si elle n'est pas finie, la date D
--   quand la fin prévue est dépassée) moins fin prévue, en mois. Pour un bâtiment :
--   démolition réelle (ou D si la démolition prévue est dépassée) moins démolition
--   prévue, en mois. Positif = retard.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
WITH scope AS (
    SELECT * FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
done AS (
    SELECT s.building_code,
           CASE WHEN d.done_date <= $as_of::DATE THEN d.done_date END AS done_date
    FROM scope AS s
    JOIN done_dates() AS d ON d.household_id = s.household_id
),
per_building AS (
    SELECT building_code, min(done_date) AS first_rehousing, max(done_date) AS last_rehousing
    FROM done GROUP BY building_code
),
in_scope_phases AS (
    SELECT DISTINCT operation_code, phase_number FROM scope
)
SELECT 'phase' AS level, o.operation_code, o.name AS operation_name, p.phase_number,
       NULL AS building_code, coalesce(p.label, 'Phase ' || p.phase_number) AS name,
       p.planned_start, p.planned_end, p.actual_start, p.actual_end,
       round(datediff('day', p.planned_end,
             coalesce(p.actual_end, CASE WHEN p.planned_end < $as_of::DATE THEN $as_of::DATE END))
             / 30.4375, 1) AS slippage_months,
       NULL::DATE AS first_rehousing, NULL::DATE AS last_rehousing
FROM phases AS p
JOIN operations AS o ON o.operation_code = p.operation_code
JOIN in_scope_phases AS i ON i.operation_code = p.operation_code AND i.phase_number = p.phase_number
UNION ALL
SELECT 'building', b.operation_code, o.name, b.phase_number, b.building_code, b.name,
       NULL, b.planned_demolition, NULL, b.actual_demolition,
       round(datediff('day', b.planned_demolition,
             coalesce(b.actual_demolition,
                      CASE WHEN b.planned_demolition < $as_of::DATE THEN $as_of::DATE END))
             / 30.4375, 1),
       pb.first_rehousing, pb.last_rehousing
FROM buildings AS b
JOIN operations AS o ON o.operation_code = b.operation_code
JOIN per_building AS pb ON pb.building_code = b.building_code
ORDER BY operation_code, phase_number NULLS LAST, level DESC, building_code NULLS FIRST
