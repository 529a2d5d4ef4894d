-- The figures a meeting froze: unit ('*' = the whole scope, else an operation
-- code), figure (a column of sql/kpis.sql), value (NULL: hidden or undefined).
-- Parameters: $meeting INTEGER.
SELECT unit, figure, value
FROM meeting_figures
WHERE meeting_id = $meeting
ORDER BY unit = '*' DESC, unit, figure
