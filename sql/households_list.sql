-- The households of the scope with their state at $as_of, officer and last
-- event (dated by $as_of).
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
WITH events AS (
    SELECT household_id, diagnosis_date AS day FROM households
    UNION ALL SELECT household_id, offer_date FROM offers
    UNION ALL SELECT household_id, response_date FROM offers
    UNION ALL SELECT household_id, move_date FROM moves
    UNION ALL SELECT household_id, exit_date FROM households
    UNION ALL SELECT household_id, contact_date FROM followups
    UNION ALL SELECT household_id, status_date FROM status_history
)
SELECT s.household_id, s.building_code, b.name AS building_name, s.operation_code,
       CAST(s.state AS VARCHAR) AS state, enum_code(s.state) + 1 AS state_order,
       s.officer, h.holder_name, s.persons, CAST(s.composition AS VARCHAR) AS composition,
       s.rent_before - s.allowance_before AS rest_to_pay_before,
       any_value(d.rent_after - d.allowance_after) AS rest_to_pay_after,
       max(e.day) AS last_event,
       datediff('day', max(e.day), $as_of::DATE) AS days_since_last_event
FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
JOIN buildings AS b ON b.building_code = s.building_code
JOIN households AS h ON h.household_id = s.household_id
LEFT JOIN events AS e ON e.household_id = s.household_id AND e.day <= $as_of::DATE
LEFT JOIN definitive_moves($as_of) AS d ON d.household_id = s.household_id
GROUP BY ALL
ORDER BY s.household_id
