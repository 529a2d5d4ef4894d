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
WITH needs AS (
    SELECT s.household_id, s.rent_before
    FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    WHERE s.state IN ('à enquêter', 'diagnostic réalisé', 'en recherche',
                      'proposition en cours', 'accord', 'relogé provisoire')
)
SELECT count(*) AS households,
       count(*) FILTER (WHERE rent_before IS NOT NULL) AS with_rent,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM vacancies AS v
           WHERE v.status IN ('disponible', 'proposé') AND v.rent IS NOT NULL
             AND v.rent <= needs.rent_before * (1 + $tolerance) + 0.005)) AS with_affordable,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM vacancies AS v
           WHERE v.status IN ('disponible', 'proposé') AND v.rent IS NOT NULL
             AND v.rent <= needs.rent_before * (1 + $tolerance) + 0.005))
           / nullif(count(*) FILTER (WHERE rent_before IS NOT NULL), 0) AS affordable_share
FROM needs
