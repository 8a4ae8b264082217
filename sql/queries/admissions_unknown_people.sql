-- Admissions of a day whose person is not in the population (a broken reference).
SELECT count(*) FROM dw.fact_admission a
WHERE a.sim_date = %s AND NOT EXISTS (SELECT 1 FROM dw.dim_person p WHERE p.person_id = a.person_id);
