-- Admissions for analysts: the person is a stable pseudonym, never an ID number or a name.
-- The pseudonym is an HMAC keyed with the install's secret (meta.pseudonym_key), so it cannot
-- be recomputed from a guessed person id.
CREATE OR REPLACE VIEW mart.admissions_pseudonymised AS
SELECT a.admission_id, a.sim_date,
       encode(hmac(convert_to(a.person_id::text, 'UTF8'), k.secret, 'sha256'), 'hex')
           AS patient_pseudonym,
       p.sex, p.age, p.population_group, a.triage_level, a.department, a.ward, a.status,
       a.admitted_at, a.discharged_at, a.wait_hours, a.los_days
FROM dw.fact_admission a
CROSS JOIN meta.pseudonym_key k
LEFT JOIN dw.dim_person p ON p.person_id = a.person_id;
