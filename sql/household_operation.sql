-- The operation of one household (access checks).
-- Parameters: $household VARCHAR.
SELECT b.operation_code
FROM households AS h JOIN buildings AS b ON b.building_code = h.building_code
WHERE h.household_id = $household
