-- What the figures are computed from, as one comparable row: it changes with every
-- import (of workbooks or boundaries), purge, setting or row written, and not with
-- what only reads (sign-ins and -outs, downloads, exports, meetings, accounts; the
-- actions of relog_data/audit.ACTIONS, sorted by tests/test_data_state.py). A cache of
-- figures (the officials' release) is kept while this row is unchanged.
-- Parameters: none.
SELECT
    (SELECT max(entry_id) FROM audit_log
      WHERE action NOT IN ('connexion', 'échec de connexion', 'déconnexion', 'export',
                           'téléchargement', 'séance', 'compte')) AS audit_entry,
    (SELECT max(import_id) FROM import_log) AS import_id,
    (SELECT count(*) FROM operations) AS operations,
    (SELECT count(*) FROM phases) AS phases,
    (SELECT count(*) FROM buildings) AS buildings,
    (SELECT count(*) FROM households) AS households,
    (SELECT count(*) FROM offers) AS offers,
    (SELECT count(*) FROM moves) AS moves,
    (SELECT count(*) FROM survey_answers) AS survey_answers,
    (SELECT count(*) FROM status_history) AS status_history,
    (SELECT count(*) FROM boundaries) AS boundaries,
    (SELECT string_agg(key || '=' || coalesce(value, ''), ';' ORDER BY key) FROM settings) AS settings
