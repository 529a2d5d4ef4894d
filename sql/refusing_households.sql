-- Households still to rehouse at $as_of that had refused 3 offers or more by
-- then (a point of attention: the legal threshold).
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
SELECT count(*) AS households
FROM (
    SELECT s.household_id
    FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    JOIN offers_at($as_of) AS o ON o.household_id = s.household_id
    WHERE CAST(s.state AS VARCHAR) IN ('en recherche', 'proposition en cours',
                                       'diagnostic réalisé', 'accord')
      AND o.response = 'refusée'
    GROUP BY s.household_id
    HAVING count(*) >= 3
)
