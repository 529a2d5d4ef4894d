-- Cross-table validation rules of the data dictionary, run on the whole
-- database (the importer runs them inside its transaction, before COMMIT).
-- Rules on a single value (required, type, code list, duplicates, negative
-- amounts) are checked when reading a file, and enforced again by the schema.
--
-- One row per problem: severity ('erreur' | 'avertissement'), rule, table
-- (the dictionary's sheet name), key (the row's key as text), column (French
-- name), value and a French message.

-- statut `relogé` without any `définitif` move
SELECT 'erreur' AS severity, 'relogé sans relogement définitif' AS rule,
       'menages' AS sheet, h.household_id AS row_key, 'statut' AS column_name,
       CAST(h.status AS VARCHAR) AS value,
       'Le ménage ' || h.household_id || ' est « relogé » mais n''a aucun relogement '
       || 'de nature « définitif ».' AS message
FROM households AS h
WHERE h.status = 'relogé'
  AND NOT EXISTS (SELECT 1 FROM moves AS m
                  WHERE m.household_id = h.household_id AND m.nature = 'définitif')

UNION ALL
-- a `définitif` move of a household whose statut is not `relogé`
SELECT 'erreur', 'relogement définitif d''un ménage non relogé',
       'relogements', m.household_id || ' / ' || strftime(m.move_date, '%d/%m/%Y') || ' / définitif',
       'nature', 'définitif',
       'Le ménage ' || m.household_id || ' a un relogement définitif mais son statut est « '
       || CAST(h.status AS VARCHAR) || ' » (attendu : « relogé »).'
FROM moves AS m
JOIN households AS h ON h.household_id = m.household_id
WHERE m.nature = 'définitif' AND h.status <> 'relogé'

UNION ALL
-- statut `relogé provisoire` without any `provisoire` move
SELECT 'erreur', 'relogé provisoire sans relogement provisoire',
       'menages', h.household_id, 'statut', CAST(h.status AS VARCHAR),
       'Le ménage ' || h.household_id || ' est « relogé provisoire » mais n''a aucun '
       || 'relogement de nature « provisoire ».'
FROM households AS h
WHERE h.status = 'relogé provisoire'
  AND NOT EXISTS (SELECT 1 FROM moves AS m
                  WHERE m.household_id = h.household_id AND m.nature = 'provisoire')

UNION ALL
-- date_reponse before date_proposition
SELECT 'erreur', 'réponse avant la proposition',
       'propositions', o.household_id || ' / ' || o.rank, 'date_reponse',
       strftime(o.response_date, '%d/%m/%Y'),
       'La réponse (' || strftime(o.response_date, '%d/%m/%Y') || ') précède la proposition ('
       || strftime(o.offer_date, '%d/%m/%Y') || ').'
FROM offers AS o
WHERE o.response_date < o.offer_date

UNION ALL
-- a phase whose planned or real end precedes its start
SELECT 'erreur', 'fin de phase avant son début',
       'phases', p.operation_code || ' / ' || p.phase_number,
       CASE WHEN p.planned_end < p.planned_start THEN 'date_fin_prevue' ELSE 'date_fin_reelle' END,
       strftime(CASE WHEN p.planned_end < p.planned_start THEN p.planned_end ELSE p.actual_end END,
                '%d/%m/%Y'),
       'La fin de la phase précède son début.'
FROM phases AS p
WHERE p.planned_end < p.planned_start OR p.actual_end < p.actual_start

UNION ALL
-- a demolition dated before the start of its phase (planned vs planned, real vs real)
SELECT 'erreur', 'démolition avant le début de la phase',
       'batiments', b.building_code,
       CASE WHEN b.planned_demolition < p.planned_start
            THEN 'date_demolition_prevue' ELSE 'date_demolition_reelle' END,
       strftime(CASE WHEN b.planned_demolition < p.planned_start
                     THEN b.planned_demolition ELSE b.actual_demolition END, '%d/%m/%Y'),
       'La démolition du bâtiment ' || b.building_code || ' est datée avant le début de sa phase.'
FROM buildings AS b
JOIN phases AS p ON p.operation_code = b.operation_code AND p.phase_number = b.phase_number
WHERE b.planned_demolition < p.planned_start OR b.actual_demolition < p.actual_start

UNION ALL
-- id_menage_origine must name a known household (no FOREIGN KEY, see 001_initial.sql)
SELECT 'erreur', 'ménage d''origine inconnu',
       'menages', h.household_id, 'id_menage_origine', h.origin_household_id,
       'Le ménage d''origine ' || h.origin_household_id || ' n''existe pas.'
FROM households AS h
WHERE h.origin_household_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM households AS o WHERE o.household_id = h.origin_household_id)

UNION ALL
-- warning: coordinates outside metropolitan France
SELECT 'avertissement', 'coordonnées hors de France métropolitaine', sheet, row_key,
       'latitude', CAST(latitude AS VARCHAR) || ', ' || CAST(longitude AS VARCHAR),
       'Coordonnées hors de France métropolitaine (latitude ' || CAST(latitude AS VARCHAR)
       || ', longitude ' || CAST(longitude AS VARCHAR) || ').'
FROM (
    SELECT 'operations' AS sheet, operation_code AS row_key, latitude, longitude FROM operations
    UNION ALL SELECT 'batiments', building_code, latitude, longitude FROM buildings
    UNION ALL SELECT 'relogements', household_id || ' / ' || strftime(move_date, '%d/%m/%Y')
                     || ' / ' || CAST(nature AS VARCHAR), latitude, longitude FROM moves
    UNION ALL SELECT 'logements_vacants', vacancy_id, latitude, longitude FROM vacancies
)
WHERE latitude IS NOT NULL AND longitude IS NOT NULL
  AND NOT (latitude BETWEEN 41.3 AND 51.1 AND longitude BETWEEN -5.2 AND 9.6)

UNION ALL
-- warning: a move dated before the household's date_enquete
SELECT 'avertissement', 'relogement avant l''enquête sociale',
       'relogements', m.household_id || ' / ' || strftime(m.move_date, '%d/%m/%Y') || ' / '
       || CAST(m.nature AS VARCHAR), 'date_relogement', strftime(m.move_date, '%d/%m/%Y'),
       'Relogement daté avant l''enquête sociale du ménage ('
       || strftime(h.diagnosis_date, '%d/%m/%Y') || ').'
FROM moves AS m
JOIN households AS h ON h.household_id = m.household_id
WHERE m.move_date < h.diagnosis_date

UNION ALL
-- warning: an accepted offer of a household still `en recherche`
SELECT 'avertissement', 'proposition acceptée d''un ménage en recherche',
       'propositions', o.household_id || ' / ' || o.rank, 'reponse', 'acceptée',
       'Proposition acceptée alors que le ménage ' || o.household_id
       || ' est encore « en recherche ».'
FROM offers AS o
JOIN households AS h ON h.household_id = o.household_id
WHERE o.response = 'acceptée' AND h.status = 'en recherche'

UNION ALL
-- warning: a household still attached to a building recorded as demolished: it had
-- neither moved (definitive or temporary) nor left by the real demolition date
SELECT 'avertissement', 'ménage rattaché à un bâtiment démoli',
       'menages', h.household_id, 'code_batiment', b.building_code,
       'Le bâtiment ' || b.building_code || ' est démoli le '
       || strftime(b.actual_demolition, '%d/%m/%Y') || ' mais le ménage ' || h.household_id
       || ' y est encore rattaché à cette date (statut « ' || CAST(h.status AS VARCHAR)
       || ' », ni relogement ni sortie avant la démolition) — données à corriger.'
FROM households AS h
JOIN buildings AS b ON b.building_code = h.building_code
LEFT JOIN (SELECT household_id, min(move_date) AS first_move
           FROM moves GROUP BY household_id) AS m ON m.household_id = h.household_id
WHERE b.actual_demolition IS NOT NULL
  AND coalesce(least(m.first_move,
                     CASE WHEN h.status IN ('départ autonome', 'autre sortie')
                          THEN coalesce(h.exit_date, DATE '0001-01-01') END),
               DATE '9999-12-31') > b.actual_demolition

UNION ALL
-- warning: a recorded status that the events contradict at the data date (the
-- recorded status is shown there all the same: scope_households). One row per
-- household and kind.
SELECT 'avertissement', 'statut saisi contredit par les événements',
       'menages', h.household_id, 'statut', CAST(h.status AS VARCHAR),
       'Ménage ' || h.household_id || ' : statut « ' || CAST(h.status AS VARCHAR) || ' » '
       || c.problem || '. Le statut saisi est affiché ; vérifiez ' || c.what || '.'
FROM households AS h
CROSS JOIN LATERAL (
    SELECT * FROM (VALUES
        (h.status = 'accord'
             AND NOT EXISTS (SELECT 1 FROM offers AS o WHERE o.household_id = h.household_id
                             AND o.response = 'acceptée'),
         'sans proposition acceptée', 'les propositions'),
        (h.status = 'proposition en cours'
             AND NOT EXISTS (SELECT 1 FROM offers AS o WHERE o.household_id = h.household_id
                             AND o.response = 'en attente'),
         'sans proposition en attente', 'les propositions'),
        (h.status = 'en recherche'
             AND NOT EXISTS (SELECT 1 FROM offers AS o WHERE o.household_id = h.household_id
                             AND o.response = 'refusée'),
         'sans proposition refusée', 'les propositions'),
        (h.status IN ('diagnostic réalisé', 'en recherche', 'proposition en cours', 'accord')
             AND h.diagnosis_date IS NULL,
         'sans date d''enquête', 'la date d''enquête'),
        (h.status = 'à enquêter' AND h.diagnosis_date IS NOT NULL,
         'avec une date d''enquête (' || strftime(h.diagnosis_date, '%d/%m/%Y') || ')',
         'la date d''enquête')
    ) AS k (contradicted, problem, what)
    WHERE contradicted
) AS c

ORDER BY 1, 3, 4
