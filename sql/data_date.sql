-- The date the data describes: the demo's date when set, else the latest
-- dated event of the database (the data_date() macro of sql/macros.sql, also
-- used by scope_households).
SELECT data_date() AS data_date
