-- How many data changes one import made (the administrators' page shows the first
-- 1 000 of them and this count).
-- Parameters: $import_id INTEGER.
SELECT count(*) AS changes
FROM data_changes
WHERE import_id = $import_id
