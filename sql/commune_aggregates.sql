-- Destination communes of the definitive moves of the households rehoused at
-- $as_of: households, share of all rehoused, inside / outside QPV / unknown.
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
WITH moved AS (
    SELECT d.*
    FROM definitive_moves($as_of) AS d
    JOIN scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
        ON s.household_id = d.household_id AND s.state = 'relogé'
)
SELECT commune,
       max(insee_code) AS insee_code,
       count(*) AS households,
       count(*) / sum(count(*)) OVER () AS share,
       CAST(sum(count(*)) OVER () AS BIGINT) AS rehoused,
       count(*) FILTER (WHERE in_qpv) AS in_qpv,
       count(*) FILTER (WHERE NOT in_qpv) AS outside_qpv,
       count(*) FILTER (WHERE in_qpv IS NULL) AS qpv_unknown,
       avg(latitude) AS centre_lat,
       avg(longitude) AS centre_lon
FROM moved
GROUP BY commune
ORDER BY households DESC, commune
