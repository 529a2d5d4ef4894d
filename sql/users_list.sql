-- Local accounts, without their password hashes.
SELECT login, display_name, role, operations, active, failed_attempts, locked_until,
       created_at, updated_at
FROM users
ORDER BY login
