-- Households still to rehouse at $as_of that had refused 3 offers or more by
-- then (a point of attention: the legal threshold). The list is the macro
-- refusing_households_list (sql/macros.sql), also behind the link to the households.
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
SELECT count(*) AS households
FROM refusing_households_list($operations, $phases, $buildings, $landlords, $as_of)
