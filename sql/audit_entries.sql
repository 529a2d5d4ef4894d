-- The audit log, newest first.
-- Parameters: $limit (NULL: every entry).
SELECT entry_id, logged_at, login, role, action, detail
FROM audit_log
ORDER BY entry_id DESC
LIMIT coalesce($limit, 9223372036854775807)
