-- Refused offers of the households in scope, by reason, as they stood at $as_of.
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
SELECT coalesce(CAST(o.refusal_reason AS VARCHAR), 'non renseigné') AS reason,
       count(*) AS refused
FROM offers_at($as_of) AS o
JOIN scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    ON s.household_id = o.household_id
WHERE o.response = 'refusée'
GROUP BY ALL
ORDER BY refused DESC, reason
