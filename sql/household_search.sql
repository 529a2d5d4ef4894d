-- The households of the scope that match every searched word, ranked.
--
-- @concept household_search
-- @label Recherche d'un ménage
-- @definition La recherche compare chaque mot saisi, sans tenir compte des majuscules,
--   des accents ni de la ponctuation, et même partiel (« tilleul » trouve « Tilleuls »),
--   à l'identifiant du ménage, au code, au nom et à l'adresse de son bâtiment, au code
--   et au nom de son opération, au chargé de relogement et, pour les profils qui voient
--   les noms (administrateur, chargé de relogement), au nom du titulaire et à l'adresse
--   de ses relogements ; un partenaire ne peut donc jamais retrouver un ménage par son
--   nom. Tous les mots doivent être trouvés. Classement : l'identifiant exact d'abord,
--   puis les ménages dont un champ ou un mot commence par le texte saisi, puis les autres.
--
-- Parameters: $operations, $phases, $buildings, $landlords (NULL = all), $as_of,
-- $terms VARCHAR[] (normalised words, all required), $phrase VARCHAR (the whole
-- normalised text), $named BOOLEAN (holder's name and move addresses searched:
-- set by relog_data/access.py from the viewer's role).
WITH moves_text AS (
    SELECT household_id, string_agg(address, ' | ') AS addresses
    FROM moves
    WHERE address IS NOT NULL
    GROUP BY household_id
),
fields AS (
    SELECT s.household_id,
           list_transform(
               [s.household_id,
                CASE WHEN $named THEN h.holder_name END,
                b.building_code, b.name, b.address,
                o.operation_code, o.name, s.officer,
                CASE WHEN $named THEN m.addresses END],
               lambda x: trim(regexp_replace(lower(strip_accents(coalesce(x, ''))),
                                             '[^a-z0-9]+', ' ', 'g'))) AS keys
    FROM scope_households($operations, $phases, $buildings, $landlords, $as_of) AS s
    JOIN households AS h ON h.household_id = s.household_id
    JOIN buildings AS b ON b.building_code = s.building_code
    JOIN operations AS o ON o.operation_code = s.operation_code
    LEFT JOIN moves_text AS m ON m.household_id = s.household_id
),
matched AS (
    SELECT household_id, keys, ' ' || array_to_string(keys, ' | ') AS haystack
    FROM fields
)
SELECT household_id,
       CASE WHEN keys[1] = $phrase THEN 0
            WHEN list_bool_or(list_transform(keys, lambda k: starts_with(k, $phrase)))
                 OR contains(haystack, ' ' || $phrase) THEN 1
            ELSE 2 END AS match_rank
FROM matched
WHERE list_bool_and(list_transform($terms, lambda t: contains(haystack, t)))
ORDER BY match_rank, household_id
