-- Offers of the households in scope as they stood at $as_of, one row per
-- household: offers made, refused, accepted, pending, and the household's state.
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
SELECT s.household_id, s.building_code, s.operation_code, s.officer,
       CAST(s.state AS VARCHAR) AS state,
       count(o.rank) AS offers,
       count(o.rank) FILTER (WHERE o.response = 'refusée') AS refused,
       count(o.rank) FILTER (WHERE o.response = 'acceptée') AS accepted,
       count(o.rank) FILTER (WHERE o.response = 'en attente') AS pending,
       max(o.offer_date) AS last_offer_date
FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
LEFT JOIN offers_at($as_of) AS o ON o.household_id = s.household_id
GROUP BY ALL
ORDER BY refused DESC, s.household_id
