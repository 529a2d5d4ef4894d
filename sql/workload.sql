-- Households per rehousing officer and state at $as_of.
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
SELECT coalesce(officer, 'non attribué') AS officer,
       CAST(state AS VARCHAR) AS status,
       enum_code(state) + 1 AS status_order,
       count(*) AS households
FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
GROUP BY ALL
ORDER BY officer, status_order
