-- Supply against needs, per typology and per location wish, at $as_of.
--
-- @concept coverage
-- @label Couverture des besoins
-- @definition Pour chaque typologie : logements vacants (disponibles ou proposés) de cette
--   typologie / ménages encore à reloger qui la recherchent. Pour chaque souhait de
--   localisation : logements situés dans la commune d'une opération du périmètre (sur site,
--   même commune), hors de ces communes (hors commune) ou partout (indifférent) / ménages
--   ayant ce souhait. Un rapport inférieur à 1 signale un manque.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of.
WITH needs AS (
    SELECT s.household_id, s.operation_code,
           coalesce(CAST(s.wanted_typology AS VARCHAR),
                    'T' || CAST(least(6, greatest(1, s.persons)) AS VARCHAR)) AS needed_typology,
           coalesce(CAST(s.location_wish AS VARCHAR), 'non renseigné') AS location_wish
    FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    WHERE s.state IN ('à enquêter', 'diagnostic réalisé', 'en recherche',
                      'proposition en cours', 'accord', 'relogé provisoire')
),
supply AS (
    SELECT vacancy_id, CAST(typology AS VARCHAR) AS typology, commune
    FROM vacancies WHERE status IN ('disponible', 'proposé')
),
site_communes AS (
    SELECT DISTINCT o.commune FROM operations AS o
    WHERE o.operation_code IN (SELECT operation_code FROM needs)
),
typologies AS (
    SELECT unnest(['T1', 'T2', 'T3', 'T4', 'T5', 'T6']) AS grp
),
wishes AS (
    SELECT unnest(['sur site', 'même commune', 'hors commune', 'indifférent', 'non renseigné'])
        AS grp
)
SELECT 'typology' AS dimension, t.grp,
       (SELECT count(*) FROM needs WHERE needed_typology = t.grp) AS households,
       (SELECT count(*) FROM supply WHERE typology = t.grp) AS vacancies
FROM typologies AS t
UNION ALL
SELECT 'location', w.grp,
       (SELECT count(*) FROM needs WHERE location_wish = w.grp),
       CASE
           WHEN w.grp IN ('sur site', 'même commune')
               THEN (SELECT count(*) FROM supply WHERE commune IN (SELECT commune FROM site_communes))
           WHEN w.grp = 'hors commune'
               THEN (SELECT count(*) FROM supply
                     WHERE commune NOT IN (SELECT commune FROM site_communes))
           ELSE (SELECT count(*) FROM supply)
       END
FROM wishes AS w
