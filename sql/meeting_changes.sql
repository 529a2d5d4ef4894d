-- The changes imports made, after a meeting's import, to the rows of some
-- households (data_changes, migration 006): why a figure of the past moved.
-- Parameters: $households VARCHAR[], $after INTEGER (NULL: every import).
SELECT c.household_id, c.import_id, l.imported_at, l.imported_by, c.table_name, c.row_key,
       c.field, c.old_value, c.new_value, c.change_kind
FROM data_changes AS c
JOIN import_log AS l ON l.import_id = c.import_id
WHERE list_contains($households, c.household_id)
  AND ($after IS NULL OR c.import_id > $after)
ORDER BY c.household_id, c.import_id, c.table_name, c.row_key, c.field NULLS FIRST
