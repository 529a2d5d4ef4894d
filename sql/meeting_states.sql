-- The state of each household of a meeting's scope at its situation date, as
-- the data stood when the meeting was created.
--
-- @concept meeting_frozen
-- @label Séance figée
-- @definition Créer une séance (page Séances, rapport de séance ou « python -m relog_data
--   seance create ») fige ce qui a été présenté : chaque indicateur du périmètre, au total
--   et par opération, tel que le public de la séance le voit (pour les élus : les chiffres
--   publiés, cases masquées comprises), les points d'attention, l'état de chaque ménage à
--   la date de situation, le rapport PDF et son annexe (avec leur empreinte SHA-256),
--   l'import en vigueur et l'auteur. Une séance n'est jamais modifiée ; elle peut être
--   retirée, avec un motif, et reste dans l'archive.
--
-- @concept since_meeting
-- @label Depuis la dernière séance : événements nouveaux et corrections
-- @definition Chaque chiffre clé est comparé à la valeur figée de la séance choisie (et non à
--   ce que les données actuelles donnent pour sa date). L'évolution se partage en deux
--   parts qui s'additionnent exactement : événements nouveaux = valeur actuelle à la date
--   de situation − valeur recalculée sur les données actuelles à la date de la séance ;
--   corrections du passé = valeur recalculée à la date de la séance − valeur figée (des
--   relogements, sorties ou statuts antérieurs à la séance saisis ou corrigés depuis). Les
--   ménages derrière chaque part sont ceux dont l'état a changé (entre la séance et
--   aujourd'hui, ou entre l'état figé et l'état recalculé à la date de la séance) ; les
--   imports qui les ont modifiés sont pris dans l'historique des modifications.
--
-- Parameters: $meeting INTEGER.
SELECT household_id, state
FROM meeting_states
WHERE meeting_id = $meeting
ORDER BY household_id
