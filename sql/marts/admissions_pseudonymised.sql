-- Admissions for analysts: the person is a stable pseudonym, never an ID number or a name.
CREATE OR REPLACE VIEW mart.admissions_pseudonymised AS
SELECT a.admission_id, a.sim_date, md5('hospital-twin:' || a.person_id::text) AS patient_pseudonym,
       p.sex, p.age, p.population_group, a.triage_level, a.department, a.ward, a.status,
       a.admitted_at, a.discharged_at, a.wait_hours, a.los_days
FROM dw.fact_admission a
LEFT JOIN dw.dim_person p USING (person_id);
