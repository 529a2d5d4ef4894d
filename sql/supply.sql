-- Supply that can be mobilised: vacancies 'disponible' or 'proposé'.
-- Parameters: none.
SELECT vacancy_id, landlord, commune, insee_code, CAST(typology AS VARCHAR) AS typology,
       surface_m2, rent, CAST(financing AS VARCHAR) AS financing,
       CAST(quota AS VARCHAR) AS quota, new_or_recent, in_qpv, available_date,
       CAST(status AS VARCHAR) AS status
FROM vacancies
WHERE status IN ('disponible', 'proposé')
ORDER BY vacancy_id
