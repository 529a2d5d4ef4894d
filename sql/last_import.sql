-- The latest committed import (NULL when there is none).
-- Parameters: none.
SELECT max(import_id) AS import_id FROM import_log
