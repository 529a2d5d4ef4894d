-- Compatible vacancies for each household still to rehouse at $as_of, ranked.
--
-- @concept matching
-- @label Rapprochement offre / besoins
-- @definition Un logement vacant (disponible ou proposé) est compatible avec un ménage
--   encore à reloger quand : sa typologie est la typologie recherchée ou une pièce de
--   plus ; il respecte le souhait de localisation (sur site et même commune : la commune
--   de l'opération ; hors commune : une autre commune ; indifférent ou non renseigné :
--   toutes) ; son loyer ne dépasse pas le loyer actuel du ménage majoré de la tolérance
--   (10 % par défaut ; loyer inconnu : pas d'exclusion) ; s'il faut un logement adapté,
--   il est neuf ou récent (moins de 5 ans, réputé accessible, faute de colonne
--   d'accessibilité dans le dictionnaire) ; il est disponible au plus tard à la
--   démolition prévue du bâtiment du ménage (dates inconnues : pas d'exclusion). Rang :
--   typologie exacte d'abord, puis logement disponible plutôt que déjà proposé, puis
--   loyer le plus bas.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of,
-- $tolerance DOUBLE (0.10 = 10 %), $household VARCHAR (one household, NULL = all).
WITH needs AS (
    SELECT * FROM match_needs($operations, $phases, $buildings, $landlords, $as_of, $household)
),
supply AS (
    SELECT *, CAST(substr(CAST(typology AS VARCHAR), 2) AS INTEGER) AS rooms
    FROM vacancies WHERE status IN ('disponible', 'proposé')
),
pairs AS (
    SELECT n.household_id, v.vacancy_id, v.landlord, v.commune, CAST(v.typology AS VARCHAR) AS typology,
           v.rent, CAST(v.quota AS VARCHAR) AS quota, v.available_date,
           CAST(v.status AS VARCHAR) AS vacancy_status, n.needed_typology, n.rent_before,
           v.rooms = CAST(substr(n.needed_typology, 2) AS INTEGER) AS exact_typology
    FROM needs AS n
    JOIN supply AS v
      ON v.rooms BETWEEN CAST(substr(n.needed_typology, 2) AS INTEGER)
                     AND CAST(substr(n.needed_typology, 2) AS INTEGER) + 1
     AND (n.location_wish IS NULL OR n.location_wish = 'indifférent'
          OR (n.location_wish IN ('sur site', 'même commune') AND v.commune = n.operation_commune)
          OR (n.location_wish = 'hors commune' AND v.commune <> n.operation_commune))
     AND (n.rent_before IS NULL OR v.rent IS NULL
          OR v.rent <= n.rent_before * (1 + $tolerance) + 0.005)
     AND (n.specific_need IS DISTINCT FROM 'logement adapté' OR v.new_or_recent)
     AND (n.planned_demolition IS NULL OR v.available_date IS NULL
          OR v.available_date <= n.planned_demolition)
)
SELECT *,
       row_number() OVER (PARTITION BY household_id
                          ORDER BY exact_typology DESC, vacancy_status = 'proposé',
                                   rent NULLS LAST, vacancy_id) AS rank
FROM pairs
ORDER BY household_id, rank
