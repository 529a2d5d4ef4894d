-- Households in scope per group and status (statuses in process order).
-- Parameters: $operations VARCHAR[], $phases INTEGER[], $buildings VARCHAR[],
-- $landlords VARCHAR[] (NULL = all), $as_of DATE (NULL = stored status), $level 'operation' | 'phase' | 'building' | 'total'.
SELECT
    CASE $level
        WHEN 'operation' THEN operation_code
        WHEN 'phase' THEN operation_code || ' – phase ' || coalesce(CAST(phase_number AS VARCHAR), '?')
        WHEN 'building' THEN building_code
        ELSE 'total'
    END AS group_key,
    CAST(state AS VARCHAR) AS status,
    enum_code(state) + 1 AS status_order,
    count(*) AS households
FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
GROUP BY ALL
ORDER BY group_key, status_order
