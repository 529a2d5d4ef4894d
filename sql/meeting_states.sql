-- The state of each household of a meeting's scope at its situation date, as
-- the data stood when the meeting was created.
-- Parameters: $meeting INTEGER.
SELECT household_id, state
FROM meeting_states
WHERE meeting_id = $meeting
ORDER BY household_id
