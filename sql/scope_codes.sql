-- Codes that a scope may name: operations, phase numbers, buildings, landlords
-- of the buildings of origin.
SELECT 'operation' AS kind, operation_code AS code, name AS label FROM operations
UNION ALL
SELECT DISTINCT 'phase', CAST(phase_number AS VARCHAR), NULL FROM phases
UNION ALL
SELECT 'building', building_code, name FROM buildings
UNION ALL
SELECT DISTINCT 'landlord', landlord, landlord FROM buildings
ORDER BY kind, code
