-- Key/value settings of the database (demo flag, demo date, programme name).
SELECT key, value FROM settings ORDER BY key
