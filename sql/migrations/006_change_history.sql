-- Schema version 6: the history of data changes made by imports.
--
-- One row per change an import committed (relog_data/changes.py writes them
-- inside the import's own transaction; import_log.import_id, imported_at and
-- imported_by say when and by whom):
--   * 'nouvelle'  : a row added — one row, field / old_value / new_value NULL
--                   (the row's values are in its table);
--   * 'modifiée'  : one row per changed field, with the old and new values;
--   * 'supprimée' : a row deleted by a replacing import (--replace) — one row.
-- Values are canonical text: ISO dates (2008-03-31), '.' decimals, true/false;
-- NULL is an empty cell. row_key is the key as the workbook shows it (parts
-- joined by " / ", dates dd/mm/yyyy); key_parts holds the same parts as
-- canonical text, in the order of the dictionary's key, to find the row again.
-- household_id is set for every household-related table (menages,
-- propositions, relogements, suivis, satisfaction, historique des statuts):
-- the meeting archive tells a new event (a 'nouvelle' row dated after the
-- previous meeting) from a correction of past data (a 'modifiée' row, or a
-- 'nouvelle' row dated before it) with these rows. The purge erases the old and
-- new values of the names and addresses it erases; the rows stay.
CREATE TABLE data_changes (
    import_id    INTEGER NOT NULL,
    table_name   VARCHAR NOT NULL,
    row_key      VARCHAR NOT NULL,
    key_parts    VARCHAR[] NOT NULL,
    household_id VARCHAR,
    field        VARCHAR,
    old_value    VARCHAR,
    new_value    VARCHAR,
    change_kind  VARCHAR NOT NULL CHECK (change_kind IN ('nouvelle', 'modifiée', 'supprimée'))
);
