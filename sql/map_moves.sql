-- Moves to draw on the map at $as_of: the definitive move of each household
-- rehoused by then, and (when $include_temporary) the latest temporary move of
-- each household temporarily rehoused by then; with the building of origin.
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of,
-- $include_temporary BOOLEAN.
WITH scope AS (
    SELECT * FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
temporary_moves AS (
    SELECT * EXCLUDE (move_order) FROM (
        SELECT m.* REPLACE (coalesce(m.on_site, m.on_site_computed) AS on_site,
                            coalesce(m.in_qpv, m.in_qpv_computed) AS in_qpv,
                            coalesce(m.insee_code, m.insee_code_computed) AS insee_code),
               row_number() OVER (PARTITION BY m.household_id ORDER BY m.move_date DESC)
                   AS move_order
        FROM moves AS m
        WHERE m.nature = 'provisoire' AND ($as_of IS NULL OR m.move_date <= $as_of)
    ) WHERE move_order = 1
),
chosen AS (
    SELECT d.*, s.operation_code, s.building_code
    FROM definitive_moves($as_of) AS d
    JOIN scope AS s ON s.household_id = d.household_id AND s.state = 'relogé'
    UNION ALL BY NAME
    SELECT t.*, s.operation_code, s.building_code
    FROM temporary_moves AS t
    JOIN scope AS s ON s.household_id = t.household_id AND s.state = 'relogé provisoire'
    WHERE $include_temporary
)
SELECT c.household_id, CAST(c.nature AS VARCHAR) AS nature, c.move_date, c.commune,
       c.insee_code, c.latitude, c.longitude, c.landlord,
       CAST(c.housing_type AS VARCHAR) AS housing_type, CAST(c.typology AS VARCHAR) AS typology,
       c.address, c.on_site, c.in_qpv, c.operation_code, c.building_code,
       b.name AS origin_name, b.latitude AS origin_latitude, b.longitude AS origin_longitude
FROM chosen AS c
JOIN buildings AS b ON b.building_code = c.building_code
ORDER BY c.household_id, c.nature
