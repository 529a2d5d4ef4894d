-- Indicators of the data dictionary, for a scope of households, by group and
-- in total (the row where is_total is true).
--
-- Parameters:
--   $operations  VARCHAR[]  operation codes, NULL = all
--   $phases      INTEGER[]  phase numbers, NULL = all
--   $buildings   VARCHAR[]  building codes, NULL = all
--   $landlords   VARCHAR[]  landlords of the buildings of origin, NULL = all
--   $as_of       DATE       the date D of the figures, NULL = the stored statuses
--                           (households' state at D, moves and offers dated by D)
--   $level       VARCHAR    'total' | 'operation' | 'phase' | 'building'
--   $eur_t12, $eur_t34, $eur_t56  DOUBLE  ANRU compensation per typology group
--
-- Each share comes with its numerator (<key>_num) and denominator (<key>_den)
-- so that screens can show "312 / 490". A share whose denominator is 0 is
-- NULL (undefined), never 0. Each @indicator block documents the column that
-- follows it; the Définitions page is generated from these blocks.

WITH scope AS (
    SELECT *,
           CASE $level
               WHEN 'operation' THEN operation_code
               WHEN 'phase' THEN operation_code || ' – phase ' || coalesce(CAST(phase_number AS VARCHAR), '?')
               WHEN 'building' THEN building_code
               ELSE 'total'
           END AS group_key
    FROM scope_households($operations, $phases, $buildings, $landlords, $as_of)
),
offer_counts AS (
    SELECT * FROM offer_counts($as_of)  -- sql/macros.sql
),
facts AS (
    SELECT s.group_key,
           s.state AS status,
           s.state = 'relogé' AS is_rehoused,
           d.on_site,
           d.in_qpv,
           d.new_or_recent,
           d.housing_type,
           d.rent_under_apl_ceiling,
           d.typology AS move_typology,
           s.rent_before - s.allowance_before AS rtp_before,
           d.rent_after - d.allowance_after AS rtp_after,
           coalesce(o.n_offers, 0) AS n_offers,
           coalesce(o.n_refused, 0) AS n_refused,
           coalesce(o.n_accepted, 0) AS n_accepted
    FROM scope AS s
    LEFT JOIN definitive_moves($as_of) AS d ON d.household_id = s.household_id
    LEFT JOIN offer_counts AS o ON o.household_id = s.household_id
),
rest_to_pay AS (
    -- Population P of the rest-to-pay indicators.
    SELECT group_key, rtp_before, rtp_after, rtp_after - rtp_before AS rtp_change
    FROM facts
    WHERE is_rehoused AND rtp_before IS NOT NULL AND rtp_after IS NOT NULL
),
compensated AS (
    SELECT group_key, move_typology
    FROM facts
    WHERE is_rehoused AND housing_type = 'social' AND new_or_recent AND rent_under_apl_ceiling
),
per_household AS (
    SELECT
        group_key,
        grouping(group_key) = 1 AS is_total,

        -- @indicator households_total
        -- @label Ménages concernés
        -- @unit ménages
        -- @definition Nombre de ménages du périmètre (fiches ménages), quel que soit
        --   leur statut. Un ménage issu d'une décohabitation compte pour un ménage.
        count(*) AS households_total,

        -- @indicator rehoused
        -- @label Relogés
        -- @unit ménages
        -- @definition Ménages au statut « relogé » (relogement définitif).
        count(*) FILTER (WHERE status = 'relogé') AS rehoused,

        -- @indicator temporary
        -- @label Relogés provisoirement
        -- @unit ménages
        -- @definition Ménages au statut « relogé provisoire » (logement tiroir) :
        --   une solution définitive reste due.
        count(*) FILTER (WHERE status = 'relogé provisoire') AS temporary,

        -- @indicator exits
        -- @label Sorties sans relogement
        -- @unit ménages
        -- @definition Ménages au statut « départ autonome » ou « autre sortie ».
        count(*) FILTER (WHERE status IN ('départ autonome', 'autre sortie')) AS exits,

        -- @indicator still_in_building
        -- @label Encore dans le bâtiment
        -- @unit ménages
        -- @definition Ménages aux statuts 1 à 5 (à enquêter, diagnostic réalisé, en
        --   recherche, proposition en cours, accord) : pas encore partis.
        count(*) FILTER (WHERE status IN ('à enquêter', 'diagnostic réalisé', 'en recherche',
                                          'proposition en cours', 'accord')) AS still_in_building,

        -- @indicator remaining
        -- @label Restant à reloger
        -- @unit ménages
        -- @definition Ménages concernés − relogés − sorties. Les relogés provisoires
        --   y restent : il leur faut encore une solution définitive.
        count(*) - count(*) FILTER (WHERE status = 'relogé')
                 - count(*) FILTER (WHERE status IN ('départ autonome', 'autre sortie')) AS remaining,

        -- @indicator progress_rate
        -- @label Taux d'avancement
        -- @unit part
        -- @definition (Relogés + sorties) / ménages concernés.
        count(*) FILTER (WHERE status IN ('relogé', 'départ autonome', 'autre sortie')) AS progress_rate_num,
        count(*) AS progress_rate_den,

        -- @indicator offsite_share
        -- @label Relogés hors site
        -- @unit part
        -- @definition Parmi les ménages relogés dont le relogement définitif renseigne
        --   « sur site » : part des « non ». Les relogements où l'information manque
        --   sont exclus du dénominateur.
        count(*) FILTER (WHERE is_rehoused AND on_site = false) AS offsite_share_num,
        count(*) FILTER (WHERE is_rehoused AND on_site IS NOT NULL) AS offsite_share_den,

        -- @indicator outside_qpv_share
        -- @label Relogés hors QPV
        -- @unit part
        -- @definition Parmi les ménages relogés dont le relogement définitif renseigne
        --   « en QPV » : part des « non » (relogés hors quartier prioritaire).
        count(*) FILTER (WHERE is_rehoused AND in_qpv = false) AS outside_qpv_share_num,
        count(*) FILTER (WHERE is_rehoused AND in_qpv IS NOT NULL) AS outside_qpv_share_den,

        -- @indicator new_or_recent_share
        -- @label Relogés dans le neuf ou récent
        -- @unit part
        -- @definition Parmi les ménages relogés dont le relogement définitif renseigne
        --   « neuf ou conventionné depuis moins de 5 ans » : part des « oui ».
        count(*) FILTER (WHERE is_rehoused AND new_or_recent = true) AS new_or_recent_share_num,
        count(*) FILTER (WHERE is_rehoused AND new_or_recent IS NOT NULL) AS new_or_recent_share_den,

        -- @indicator offers_per_rehoused
        -- @label Propositions par ménage relogé
        -- @unit moyenne
        -- @definition Nombre moyen de propositions (toutes réponses confondues) par
        --   ménage relogé ; un ménage relogé sans proposition enregistrée compte 0.
        CAST(coalesce(sum(n_offers) FILTER (WHERE is_rehoused), 0) AS BIGINT) AS offers_per_rehoused_num,
        count(*) FILTER (WHERE is_rehoused) AS offers_per_rehoused_den,

        -- @indicator refusal_rate
        -- @label Taux de refus
        -- @unit part
        -- @definition Propositions refusées / (acceptées + refusées), sur les
        --   propositions faites aux ménages du périmètre. Les propositions en attente
        --   sont exclues.
        CAST(coalesce(sum(n_refused), 0) AS BIGINT) AS refusal_rate_num,
        CAST(coalesce(sum(n_refused + n_accepted), 0) AS BIGINT) AS refusal_rate_den,

        -- @indicator three_refusals
        -- @label Ménages ayant refusé 3 propositions ou plus
        -- @unit ménages
        -- @definition Ménages du périmètre comptant au moins 3 propositions
        --   « refusée » (seuil légal : après 3 refus d'offres adaptées, le locataire
        --   perd son droit au maintien dans les lieux).
        count(*) FILTER (WHERE n_refused >= 3) AS three_refusals,

        -- @indicator rent_compensation_count
        -- @label Relogements ouvrant droit à la compensation ANRU
        -- @unit ménages
        -- @definition Ménages relogés dont le relogement définitif est en parc social,
        --   dans un logement neuf ou conventionné depuis moins de 5 ans, à un loyer
        --   sous le plafond APL.
        count(*) FILTER (WHERE is_rehoused AND housing_type = 'social' AND new_or_recent
                         AND rent_under_apl_ceiling) AS rent_compensation_count
    FROM facts
    GROUP BY GROUPING SETS ((group_key), ())
),
per_rest_to_pay AS (
    SELECT
        group_key,
        grouping(group_key) = 1 AS is_total,

        -- @indicator rest_to_pay_before_median
        -- @label Reste à charge médian avant
        -- @unit €/mois
        -- @definition Reste à charge = loyer + charges − APL (€ par mois). Population P :
        --   ménages relogés dont le loyer et l'APL d'avant et, sur le relogement
        --   définitif, le loyer et l'APL d'après sont tous connus. Médiane sur P du
        --   reste à charge avant relogement (moyenne des deux valeurs centrales quand
        --   P est pair, au demi-centime près).
        median(CAST(rtp_before AS DOUBLE)) AS rest_to_pay_before_median,

        -- @indicator rest_to_pay_after_median
        -- @label Reste à charge médian après
        -- @unit €/mois
        -- @definition Médiane sur la même population P du reste à charge après
        --   relogement (loyer après − APL après).
        median(CAST(rtp_after AS DOUBLE)) AS rest_to_pay_after_median,

        -- @indicator rest_to_pay_median_change
        -- @label Évolution médiane du reste à charge
        -- @unit €/mois
        -- @definition Médiane sur P de l'écart (reste à charge après − avant), ménage
        --   par ménage : ce n'est pas l'écart des deux médianes.
        median(CAST(rtp_change AS DOUBLE)) AS rest_to_pay_median_change,

        -- @indicator rest_to_pay_increase_share
        -- @label Ménages dont le reste à charge augmente
        -- @unit part
        -- @definition Part de la population P dont le reste à charge après est
        --   strictement supérieur au reste à charge avant.
        count(*) FILTER (WHERE rtp_after > rtp_before) AS rest_to_pay_increase_share_num,
        count(*) AS rest_to_pay_increase_share_den
    FROM rest_to_pay
    GROUP BY GROUPING SETS ((group_key), ())
),
per_compensation AS (
    SELECT
        group_key,
        grouping(group_key) = 1 AS is_total,

        -- @indicator rent_compensation_eur
        -- @label Compensation ANRU de minoration de loyer
        -- @unit €
        -- @definition Somme, sur les relogements ouvrant droit à la compensation, du
        --   forfait ANRU selon la typologie du logement : T1–T2 1 500 €, T3–T4
        --   4 000 €, T5–T6 5 000 € (montants paramétrables). Un relogement sans
        --   typologie compte dans le nombre mais ajoute 0 €.
        sum(CASE
                WHEN move_typology IN ('T1', 'T2') THEN $eur_t12
                WHEN move_typology IN ('T3', 'T4') THEN $eur_t34
                WHEN move_typology IN ('T5', 'T6') THEN $eur_t56
                ELSE 0
            END) AS rent_compensation_eur,
        -- the same relogements per typology group: the amount is a count in disguise
        count(*) FILTER (WHERE move_typology IN ('T1', 'T2')) AS rent_compensation_t12,
        count(*) FILTER (WHERE move_typology IN ('T3', 'T4')) AS rent_compensation_t34,
        count(*) FILTER (WHERE move_typology IN ('T5', 'T6')) AS rent_compensation_t56
    FROM compensated
    GROUP BY GROUPING SETS ((group_key), ())
)
SELECT
    h.group_key,
    h.is_total,
    h.households_total,
    h.rehoused,
    h.temporary,
    h.exits,
    h.still_in_building,
    h.remaining,
    h.progress_rate_num / nullif(h.progress_rate_den, 0) AS progress_rate,
    h.progress_rate_num,
    h.progress_rate_den,
    h.offsite_share_num / nullif(h.offsite_share_den, 0) AS offsite_share,
    h.offsite_share_num,
    h.offsite_share_den,
    h.outside_qpv_share_num / nullif(h.outside_qpv_share_den, 0) AS outside_qpv_share,
    h.outside_qpv_share_num,
    h.outside_qpv_share_den,
    h.new_or_recent_share_num / nullif(h.new_or_recent_share_den, 0) AS new_or_recent_share,
    h.new_or_recent_share_num,
    h.new_or_recent_share_den,
    h.offers_per_rehoused_num / nullif(h.offers_per_rehoused_den, 0) AS offers_per_rehoused,
    h.offers_per_rehoused_num,
    h.offers_per_rehoused_den,
    h.refusal_rate_num / nullif(h.refusal_rate_den, 0) AS refusal_rate,
    h.refusal_rate_num,
    h.refusal_rate_den,
    h.three_refusals,
    r.rest_to_pay_before_median,
    r.rest_to_pay_after_median,
    r.rest_to_pay_median_change,
    r.rest_to_pay_increase_share_num / nullif(r.rest_to_pay_increase_share_den, 0) AS rest_to_pay_increase_share,
    coalesce(r.rest_to_pay_increase_share_num, 0) AS rest_to_pay_increase_share_num,
    coalesce(r.rest_to_pay_increase_share_den, 0) AS rest_to_pay_increase_share_den,
    h.rent_compensation_count,
    CAST(coalesce(c.rent_compensation_eur, 0) AS DOUBLE) AS rent_compensation_eur,
    coalesce(c.rent_compensation_t12, 0) AS rent_compensation_t12,
    coalesce(c.rent_compensation_t34, 0) AS rent_compensation_t34,
    coalesce(c.rent_compensation_t56, 0) AS rent_compensation_t56
FROM per_household AS h
LEFT JOIN per_rest_to_pay AS r
    ON r.is_total = h.is_total AND r.group_key IS NOT DISTINCT FROM h.group_key
LEFT JOIN per_compensation AS c
    ON c.is_total = h.is_total AND c.group_key IS NOT DISTINCT FROM h.group_key
ORDER BY h.is_total, h.group_key
