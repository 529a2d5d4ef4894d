-- The data changes imports made to one household's rows (data_changes,
-- migration 006), newest first, with the date and author of each import.
-- Parameters: $household VARCHAR.
SELECT l.imported_at, l.imported_by, c.import_id, c.table_name, c.row_key, c.field,
       c.old_value, c.new_value, c.change_kind
FROM data_changes AS c
JOIN import_log AS l ON l.import_id = c.import_id
WHERE c.household_id = $household
ORDER BY l.imported_at DESC, c.import_id DESC, c.table_name, c.row_key, c.field NULLS FIRST
