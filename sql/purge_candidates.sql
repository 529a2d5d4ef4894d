-- Operations closed before $closed_before: every household rehoused for good
-- or gone, and the last move or exit before that date; with what a purge
-- would erase (holders' names, destination addresses).
-- Parameters: $closed_before DATE.
WITH per_household AS (
    SELECT b.operation_code, h.household_id, h.holder_name,
           CAST(h.status AS VARCHAR) IN ('relogé', 'départ autonome', 'autre sortie') AS closed,
           greatest(h.exit_date, (SELECT max(m.move_date) FROM moves AS m
                                  WHERE m.household_id = h.household_id),
                    (SELECT max(s.status_date) FROM status_history AS s
                     WHERE s.household_id = h.household_id)) AS last_day
    FROM households AS h JOIN buildings AS b ON b.building_code = h.building_code
),
per_operation AS (
    SELECT operation_code, count(*) AS households, bool_and(closed) AS all_closed,
           max(last_day) AS last_day, count(holder_name) AS names
    FROM per_household GROUP BY operation_code
)
SELECT o.operation_code, o.name, p.households, p.last_day, p.names,
       (SELECT count(*) FROM moves AS m JOIN households AS h USING (household_id)
        JOIN buildings AS b USING (building_code)
        WHERE b.operation_code = o.operation_code
          AND (m.address IS NOT NULL OR m.latitude IS NOT NULL OR m.longitude IS NOT NULL))
           AS moves_located,
       pu.purged_at
FROM operations AS o
JOIN per_operation AS p ON p.operation_code = o.operation_code
LEFT JOIN purges AS pu ON pu.operation_code = o.operation_code
WHERE p.all_closed AND p.last_day < $closed_before::DATE
ORDER BY o.operation_code
