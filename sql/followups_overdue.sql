-- Households rehoused more than 3 months before $as_of without any follow-up
-- contact dated by $as_of.
--
-- @concept followup_overdue
-- @label Suivi post-relogement en retard
-- @definition Ménage relogé (relogement définitif) plus de 3 mois avant la date D et
--   sans aucun contact de suivi daté au plus tard D.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
-- The list is the macro overdue_followups (sql/macros.sql).
SELECT household_id, operation_code, officer, move_date, days_since_move
FROM overdue_followups($operations, $phases, $buildings, $landlords, $as_of)
ORDER BY move_date, household_id
