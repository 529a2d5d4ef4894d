-- Schema version 5: the optional dated status changes of the households
-- (dictionary sheet « historique_statuts »): one row per household and change,
-- the day the household entered that status. Partial histories are normal.
-- Before the data date, a household's state at D is the latest of these rows
-- dated by D when no move or exit decides it (scope_households, sql/macros.sql).
CREATE TABLE status_history (
    household_id VARCHAR NOT NULL REFERENCES households (household_id),
    status       code_household_status NOT NULL,
    status_date  DATE NOT NULL,
    PRIMARY KEY (household_id, status_date)
);
