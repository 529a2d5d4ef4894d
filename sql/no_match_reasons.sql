-- Why no vacancy fits a household: the vacancies that can be offered
-- (disponible or proposé) and, for each criterion of the matching rule
-- (sql/matches.sql, the same conditions), how many of them it rules out. A
-- vacancy may fail several criteria: the counts do not add up.
--
-- @concept no_match_reasons
-- @label Pourquoi aucun logement compatible
-- @definition Pour un ménage encore à reloger, parmi les logements vacants disponibles
--   ou déjà proposés : le nombre écarté par chaque critère du rapprochement offre /
--   besoins, pris un à un — la typologie (ni la typologie recherchée ni une pièce de
--   plus), la localisation (souhait du ménage), le loyer (au-delà du loyer actuel majoré
--   de la tolérance), la date de disponibilité (après la démolition prévue du bâtiment),
--   le logement adapté (besoin « logement adapté » et logement ni neuf ni récent). Un
--   logement peut être écarté par plusieurs critères : les nombres ne s'additionnent pas.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of,
-- $tolerance DOUBLE (0.10 = 10 %), $household VARCHAR.
WITH needs AS (
    SELECT * FROM match_needs($operations, $phases, $buildings, $landlords, $as_of, $household)
),
supply AS (
    SELECT *, CAST(substr(CAST(typology AS VARCHAR), 2) AS INTEGER) AS rooms
    FROM vacancies WHERE status IN ('disponible', 'proposé')
),
checks AS (
    SELECT n.household_id,
           v.rooms BETWEEN n.needed_rooms AND n.needed_rooms + 1 AS ok_typology,
           (n.location_wish IS NULL OR n.location_wish = 'indifférent'
            OR (n.location_wish IN ('sur site', 'même commune') AND v.commune = n.operation_commune)
            OR (n.location_wish = 'hors commune' AND v.commune <> n.operation_commune))
               AS ok_location,
           (n.rent_before IS NULL OR v.rent IS NULL
            OR v.rent <= n.rent_before * (1 + $tolerance) + 0.005) AS ok_rent,
           (n.specific_need IS DISTINCT FROM 'logement adapté' OR coalesce(v.new_or_recent, false))
               AS ok_adapted,
           (n.planned_demolition IS NULL OR v.available_date IS NULL
            OR v.available_date <= n.planned_demolition) AS ok_availability
    FROM needs AS n
    LEFT JOIN supply AS v ON true
)
SELECT household_id,
       count(ok_typology) AS vacancies,
       count(*) FILTER (WHERE ok_typology AND ok_location AND ok_rent AND ok_adapted
                              AND ok_availability) AS compatible,
       count(*) FILTER (WHERE NOT ok_typology) AS fail_typology,
       count(*) FILTER (WHERE NOT ok_location) AS fail_location,
       count(*) FILTER (WHERE NOT ok_rent) AS fail_rent,
       count(*) FILTER (WHERE NOT ok_availability) AS fail_availability,
       count(*) FILTER (WHERE NOT ok_adapted) AS fail_adapted
FROM checks
GROUP BY household_id
