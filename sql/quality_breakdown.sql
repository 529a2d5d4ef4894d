-- Rehoused households of the scope at $as_of (state relogé, definitive move dated
-- by then) broken down several ways; one row per (dimension, group).
--
-- @concept occupancy
-- @label Sur- et sous-occupation
-- @definition Typologie adaptée à un ménage de n personnes : T(n), bornée de T1 à T6.
--   Logement de destination en sur-occupation s'il compte au moins deux pièces de
--   moins que cette typologie, en sous-occupation s'il en compte au moins deux de plus.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of,
-- $eur_t12, $eur_t34, $eur_t56 (ANRU compensation per typology group).
WITH rehoused AS (
    SELECT s.household_id, s.persons,
           CAST(s.current_typology AS VARCHAR) AS before_typology,
           CAST(d.typology AS VARCHAR) AS after_typology,
           CAST(d.housing_type AS VARCHAR) AS housing_type,
           d.landlord,
           (d.rent_after - d.allowance_after) - (s.rent_before - s.allowance_before) AS rtp_change,
           d.housing_type = 'social' AND d.new_or_recent AND d.rent_under_apl_ceiling AS compensated
    FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    JOIN definitive_moves($as_of) AS d ON d.household_id = s.household_id
    WHERE s.state = 'relogé'
)
SELECT 'housing_type' AS dimension, coalesce(housing_type, 'non renseigné') AS grp,
       count(*) AS households, NULL::DOUBLE AS amount
FROM rehoused GROUP BY ALL
UNION ALL
SELECT 'landlord', coalesce(landlord, 'non renseigné'), count(*), NULL FROM rehoused GROUP BY ALL
UNION ALL
SELECT 'typology_change',
       coalesce(before_typology, '?') || ' → ' || coalesce(after_typology, '?'), count(*), NULL
FROM rehoused GROUP BY ALL
UNION ALL
SELECT 'occupancy',
       CASE
           WHEN after_typology IS NULL OR persons IS NULL THEN 'non renseigné'
           WHEN CAST(substr(after_typology, 2) AS INTEGER) <= least(6, greatest(1, persons)) - 2
               THEN 'sur-occupation'
           WHEN CAST(substr(after_typology, 2) AS INTEGER) >= least(6, greatest(1, persons)) + 2
               THEN 'sous-occupation'
           ELSE 'typologie adaptée'
       END, count(*), NULL
FROM rehoused GROUP BY ALL
UNION ALL
SELECT 'rest_to_pay_change',
       CASE
           WHEN rtp_change IS NULL THEN 'non renseigné'
           WHEN rtp_change < -50 THEN '1. baisse de plus de 50 €'
           WHEN rtp_change < -10 THEN '2. baisse de 10 à 50 €'
           WHEN rtp_change <= 10 THEN '3. stable (± 10 €)'
           WHEN rtp_change <= 50 THEN '4. hausse de 10 à 50 €'
           ELSE '5. hausse de plus de 50 €'
       END, count(*), NULL
FROM rehoused GROUP BY ALL
UNION ALL
SELECT 'compensation', coalesce(after_typology, 'sans typologie'), count(*),
       sum(CASE WHEN after_typology IN ('T1', 'T2') THEN $eur_t12
                WHEN after_typology IN ('T3', 'T4') THEN $eur_t34
                WHEN after_typology IN ('T5', 'T6') THEN $eur_t56 ELSE 0 END)
FROM rehoused WHERE compensated GROUP BY ALL
ORDER BY dimension, grp
