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
WITH scope AS (
    SELECT * FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
inside AS (
    SELECT building_code,
           count(*) AS households,
           count(*) FILTER (WHERE state IN ('à enquêter', 'diagnostic réalisé', 'en recherche',
                                           'proposition en cours', 'accord')) AS still_inside
    FROM scope
    GROUP BY building_code
)
SELECT b.building_code, b.name, b.operation_code, o.name AS operation_name,
       b.planned_demolition, b.actual_demolition,
       i.households, i.still_inside,
       datediff('day', $as_of::DATE, b.planned_demolition) AS days_left,
       b.planned_demolition < $as_of::DATE AS overdue,
       coalesce(b.actual_demolition <= $as_of::DATE, false) AS demolished
FROM buildings AS b
JOIN inside AS i ON i.building_code = b.building_code
JOIN operations AS o ON o.operation_code = b.operation_code
WHERE i.still_inside > 0
  AND ((b.planned_demolition IS NOT NULL
        AND b.planned_demolition <= $as_of::DATE + INTERVAL 6 MONTH
        AND (b.actual_demolition IS NULL OR b.actual_demolition > $as_of::DATE))
       OR b.actual_demolition <= $as_of::DATE)
ORDER BY NOT demolished, b.planned_demolition, b.building_code
