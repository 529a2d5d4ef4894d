-- Households still to rehouse at $as_of with at least one vacancy whose rent is
-- within their current rent plus $tolerance (any typology, any place).
--
-- @concept affordability
-- @label Logements abordables
-- @definition Un logement vacant est abordable pour un ménage quand son loyer ne dépasse
--   pas le loyer actuel du ménage majoré de la tolérance (10 % par défaut). Part des
--   ménages encore à reloger dont le loyer est connu qui ont au moins un logement
--   abordable.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of, $tolerance.
-- A household has an affordable vacancy exactly when the cheapest vacancy is
-- affordable for it: one minimum instead of a household × vacancy comparison.
WITH needs AS (
    SELECT s.household_id, s.rent_before
    FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    WHERE s.state IN ('à enquêter', 'diagnostic réalisé', 'en recherche',
                      'proposition en cours', 'accord', 'relogé provisoire')
),
cheapest AS (
    SELECT min(rent) AS rent FROM vacancies
    WHERE status IN ('disponible', 'proposé') AND rent IS NOT NULL
),
flagged AS (
    SELECT n.rent_before,
           c.rent <= n.rent_before * (1 + $tolerance) + 0.005 AS affordable
    FROM needs AS n CROSS JOIN cheapest AS c
)
SELECT count(*) AS households,
       count(*) FILTER (WHERE rent_before IS NOT NULL) AS with_rent,
       count(*) FILTER (WHERE affordable) AS with_affordable,
       count(*) FILTER (WHERE affordable)
           / nullif(count(*) FILTER (WHERE rent_before IS NOT NULL), 0) AS affordable_share
FROM flagged
