-- Codes that a scope may name: operations, phase numbers, buildings.
SELECT 'operation' AS kind, operation_code AS code, name AS label FROM operations
UNION ALL
SELECT DISTINCT 'phase', CAST(phase_number AS VARCHAR), NULL FROM phases
UNION ALL
SELECT 'building', building_code, name FROM buildings
ORDER BY kind, code
