-- Households rehoused more than 3 months before $as_of without any follow-up
-- contact dated by $as_of.
--
-- @concept followup_overdue
-- @label Suivi post-relogement en retard
-- @definition Ménage relogé (relogement définitif) plus de 3 mois avant la date D et
--   sans aucun contact de suivi daté au plus tard D.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
SELECT s.household_id, s.operation_code, s.officer, d.move_date,
       datediff('day', d.move_date, $as_of::DATE) AS days_since_move
FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
JOIN definitive_moves($as_of) AS d ON d.household_id = s.household_id
WHERE s.state = 'relogé'
  AND d.move_date < $as_of::DATE - INTERVAL 3 MONTH
  AND NOT EXISTS (SELECT 1 FROM followups AS f
                  WHERE f.household_id = s.household_id AND f.contact_date <= $as_of::DATE)
ORDER BY d.move_date, s.household_id
