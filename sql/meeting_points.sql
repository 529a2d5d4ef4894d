-- The points of attention a meeting froze, in the order they were shown.
-- Parameters: $meeting INTEGER.
SELECT rank, kind, text
FROM meeting_points
WHERE meeting_id = $meeting
ORDER BY rank
