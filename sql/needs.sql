-- Households still to rehouse at $as_of (statuses 1 to 5 and temporary ones),
-- with the typology they need and their building's planned demolition.
--
-- @concept needed_typology
-- @label Typologie recherchée
-- @definition La typologie souhaitée du ménage ; à défaut, celle que sa taille appelle :
--   T1 pour une personne, puis une pièce par personne (T2 pour deux, T3 pour trois…),
--   jusqu'à T6 pour six personnes et plus.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
SELECT s.household_id, s.building_code, s.operation_code, s.origin_landlord,
       CAST(s.state AS VARCHAR) AS state, s.persons,
       CAST(s.composition AS VARCHAR) AS composition,
       CAST(s.income_bracket AS VARCHAR) AS income_bracket,
       CAST(s.location_wish AS VARCHAR) AS location_wish,
       CAST(s.specific_need AS VARCHAR) AS specific_need,
       CAST(s.wanted_typology AS VARCHAR) AS wanted_typology,
       coalesce(CAST(s.wanted_typology AS VARCHAR),
                'T' || CAST(least(6, greatest(1, s.persons)) AS VARCHAR)) AS needed_typology,
       s.rent_before, s.officer, o.commune AS operation_commune,
       b.planned_demolition, b.name AS building_name
FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
JOIN operations AS o ON o.operation_code = s.operation_code
JOIN buildings AS b ON b.building_code = s.building_code
WHERE s.state IN ('à enquêter', 'diagnostic réalisé', 'en recherche', 'proposition en cours',
                  'accord', 'relogé provisoire')
ORDER BY s.household_id
