-- Successful imports, newest first.
SELECT import_id, imported_at, imported_by, files, summary
FROM import_log
ORDER BY import_id DESC
