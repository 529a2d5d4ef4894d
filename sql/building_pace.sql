-- Per building of the scope: households left at $as_of, the pace of the last 6 months
-- and the projected date of the last departure at that pace, against the planned
-- demolition.
--
-- @concept building_pace
-- @label Rythme et dernier départ par bâtiment
-- @definition Pour chaque bâtiment : ménages restant (ni relogés ni sortis à la date D,
--   d'après leur date de sortie du bâtiment) ; rythme = ménages relogés ou sortis du
--   bâtiment pendant les 6 mois précédant D, divisé par 6 (ménages par mois) ; dernier
--   départ estimé = D + (ménages restant / rythme) mois, comparé à la démolition prévue
--   du bâtiment (marge en jours : positive quand le dernier départ précède la
--   démolition). Sans départ en 6 mois, le rythme est nul et aucune date n'est estimée
--   (« — »).
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
WITH scope AS (
    SELECT * FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
since AS (
    SELECT CAST($as_of::DATE - INTERVAL 6 MONTH AS DATE) AS since
),
per_building AS (
    SELECT s.building_code,
           count(*) AS households,
           count(*) FILTER (WHERE d.done_date <= $as_of::DATE) AS done,
           count(*) FILTER (WHERE d.done_date <= $as_of::DATE
                            AND d.done_date > (SELECT since FROM since)) AS done_last_6_months
    FROM scope AS s
    JOIN done_dates() AS d ON d.household_id = s.household_id
    GROUP BY s.building_code
),
paced AS (
    SELECT p.*,
           p.households - p.done AS remaining,
           p.done_last_6_months / 6.0 AS pace_per_month,
           CASE WHEN p.households = p.done OR p.done_last_6_months = 0 THEN NULL
                ELSE CAST($as_of::DATE + to_days(CAST(ceil((p.households - p.done)
                          / (p.done_last_6_months / 6.0) * 30.4375) AS INTEGER)) AS DATE)
           END AS projected_last_departure
    FROM per_building AS p
)
SELECT b.building_code, b.name, b.operation_code, o.name AS operation_name,
       p.households, p.done, p.remaining, p.done_last_6_months, p.pace_per_month,
       p.projected_last_departure, b.planned_demolition, b.actual_demolition,
       datediff('day', p.projected_last_departure, b.planned_demolition) AS margin_days
FROM paced AS p
JOIN buildings AS b ON b.building_code = p.building_code
JOIN operations AS o ON o.operation_code = b.operation_code
ORDER BY p.remaining = 0, b.planned_demolition NULLS LAST, b.building_code
