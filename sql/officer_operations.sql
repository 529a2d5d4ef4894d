-- Rehousing officers and their operations, the officer with the most
-- households first (the demo's "chargé" view).
WITH per_op AS (
    SELECT h.officer, b.operation_code, count(*) AS households
    FROM households AS h JOIN buildings AS b ON b.building_code = h.building_code
    WHERE h.officer IS NOT NULL
    GROUP BY ALL
)
SELECT officer, operation_code, households,
       sum(households) OVER (PARTITION BY officer) AS officer_total
FROM per_op
ORDER BY officer_total DESC, officer, operation_code
