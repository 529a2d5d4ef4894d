-- The data changes one import made (data_changes, migration 006).
-- Parameters: $import_id INTEGER; $first INTEGER, the first N changes (NULL: all of them;
-- the administrators' page shows 1 000 of an import's up to 600 000 changes, #20).
SELECT l.imported_at, l.imported_by, c.import_id, c.table_name, c.row_key, c.field,
       c.old_value, c.new_value, c.change_kind
FROM data_changes AS c
JOIN import_log AS l ON l.import_id = c.import_id
WHERE c.import_id = $import_id
ORDER BY c.table_name, c.change_kind, c.row_key, c.field NULLS FIRST
LIMIT $first
