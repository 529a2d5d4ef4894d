-- Buildings of the scope with households still inside at $as_of and a planned
-- demolition within 6 months of $as_of, or already passed without a real one;
-- and buildings recorded as demolished by $as_of that still have households
-- inside (contradictory data: `demolished` true).
--
-- @concept building_at_risk
-- @label Bâtiment à risque
-- @definition Bâtiment dont la démolition prévue tombe dans les 6 mois suivant la
--   date D (ou est dépassée sans démolition réelle) et qui compte encore des ménages
--   à l'intérieur à D (statuts 1 à 5). Un bâtiment déjà démoli à D qui compte encore
--   des ménages à l'intérieur est aussi compté (voir « Bâtiment démoli encore habité »).
--
-- @concept demolished_inhabited
-- @label Bâtiment démoli encore habité (donnée à corriger)
-- @definition Bâtiment dont la démolition réelle est datée au plus tard de la date D
--   et qui compte encore, à D, des ménages à l'intérieur (statuts 1 à 5 : ni relogés,
--   ni relogés provisoirement, ni sortis). Les deux ne peuvent pas être vrais à la
--   fois : la date de démolition ou la situation des ménages est à corriger.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
-- The households counted in `still_inside` are the macro at_risk_households
-- (sql/macros.sql), also behind the link to the households.
WITH households_per_building AS (
    SELECT building_code, count(*) AS households
    FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
    GROUP BY building_code
),
inside AS (
    SELECT building_code, count(*) AS still_inside
    FROM at_risk_households($operations, $phases, $buildings, $landlords, $as_of)
    GROUP BY building_code
)
SELECT b.building_code, b.name, b.operation_code, o.name AS operation_name,
       b.planned_demolition, b.actual_demolition,
       h.households, i.still_inside,
       datediff('day', $as_of::DATE, b.planned_demolition) AS days_left,
       b.planned_demolition < $as_of::DATE AS overdue,
       coalesce(b.actual_demolition <= $as_of::DATE, false) AS demolished
FROM buildings AS b
JOIN inside AS i ON i.building_code = b.building_code
JOIN households_per_building AS h ON h.building_code = b.building_code
JOIN operations AS o ON o.operation_code = b.operation_code
ORDER BY NOT demolished, b.planned_demolition, b.building_code
