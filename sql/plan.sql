-- Operations in scope with what was planned: households planned (for the
-- selected phases when phases are filtered, else the operation's plan, or the
-- sum of its phases' plans when the operation has none) and dates.
--
-- Parameters: $operations VARCHAR[], $phases INTEGER[] (NULL = all).
WITH phase_plan AS (
    SELECT operation_code,
           sum(households_planned) AS phases_planned,
           count(*) FILTER (WHERE households_planned IS NOT NULL) AS phases_with_plan,
           min(planned_start) AS planned_start,
           max(planned_end) AS planned_end
    FROM phases
    WHERE $phases IS NULL OR list_contains($phases, phase_number)
    GROUP BY operation_code
)
SELECT
    o.operation_code,
    o.name,
    o.commune,
    o.intervention_type,
    o.management_mode,
    CAST(CASE
        WHEN $phases IS NOT NULL THEN p.phases_planned
        ELSE coalesce(o.households_planned, p.phases_planned)
    END AS BIGINT) AS households_planned,
    coalesce(o.start_date, p.planned_start) AS start_date,
    coalesce(o.planned_end_date, p.planned_end) AS planned_end_date
FROM operations AS o
LEFT JOIN phase_plan AS p ON p.operation_code = o.operation_code
WHERE ($operations IS NULL OR list_contains($operations, o.operation_code))
  AND ($phases IS NULL OR p.operation_code IS NOT NULL)
ORDER BY o.operation_code
