-- Each household in scope with its stored status and its state at $as_of.
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
SELECT household_id, building_code, operation_code, phase_number,
       CAST(status AS VARCHAR) AS status, CAST(state AS VARCHAR) AS state
FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
ORDER BY household_id
