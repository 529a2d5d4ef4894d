-- Shared building blocks, defined as temporary macros on every cursor
-- (relog_data.db.Database.cursor). Each @concept block is shown on the
-- in-app Définitions page.

-- @concept scope
-- @label Périmètre
-- @definition Les ménages des opérations sélectionnées (et, le cas échéant, des
--   phases et bâtiments sélectionnés), rattachés par leur bâtiment d'origine.
--   Sans sélection, tout le programme.
CREATE OR REPLACE TEMP MACRO scope_households(p_operations, p_phases, p_buildings) AS TABLE
    SELECT h.*, b.operation_code, b.phase_number
    FROM households AS h
    JOIN buildings AS b ON b.building_code = h.building_code
    WHERE (p_operations IS NULL OR list_contains(p_operations, b.operation_code))
      AND (p_phases IS NULL OR list_contains(p_phases, b.phase_number))
      AND (p_buildings IS NULL OR list_contains(p_buildings, h.building_code));

-- @concept definitive_move
-- @label Relogement définitif
-- @definition Le relogement définitif d'un ménage est sa ligne de relogement de
--   nature « définitif » la plus récente (par date de relogement).
CREATE OR REPLACE TEMP MACRO definitive_moves() AS TABLE
    SELECT * EXCLUDE (move_order)
    FROM (
        SELECT m.*,
               row_number() OVER (PARTITION BY m.household_id
                                  ORDER BY m.move_date DESC) AS move_order
        FROM moves AS m
        WHERE m.nature = 'définitif'
    )
    WHERE move_order = 1;
