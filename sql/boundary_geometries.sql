-- Boundaries of one kind ('communes', 'qpv', 'perimetre') with their geometry (WKB).
SELECT kind, code, name, operation_code, source, geometry,
       min_lon, min_lat, max_lon, max_lat
FROM boundaries
WHERE kind = $kind
ORDER BY code
