-- The day facts refer to their dimensions: the day (dw.dim_date), the person (dw.dim_person),
-- the ward (dw.dim_ward) and the admitting staff (dw.dim_staff). The ingest already refuses an
-- admissions row naming an unknown ward, person or staff member, with the row and field; these
-- keys are the backstop for every other writer. Checked at once (not deferred), so a day load
-- naming an unknown key fails on its statement and leaves the day as it was.
-- Setup replaces dimension rows by key (warehouse.merge_rows), so re-running it with the same
-- profile and seed touches no referenced row; removing a row a simulated day refers to fails.
-- Person and staff columns are indexed: without an index every dimension row setup removes
-- would scan the fact tables.
ALTER TABLE dw.fact_visit
    ADD CONSTRAINT fact_visit_sim_date_fk FOREIGN KEY (sim_date)
        REFERENCES dw.dim_date (date_key) NOT VALID,
    ADD CONSTRAINT fact_visit_person_fk FOREIGN KEY (person_id)
        REFERENCES dw.dim_person (person_id) NOT VALID;

ALTER TABLE dw.fact_admission
    ADD CONSTRAINT fact_admission_sim_date_fk FOREIGN KEY (sim_date)
        REFERENCES dw.dim_date (date_key) NOT VALID,
    ADD CONSTRAINT fact_admission_person_fk FOREIGN KEY (person_id)
        REFERENCES dw.dim_person (person_id) NOT VALID,
    ADD CONSTRAINT fact_admission_requested_ward_fk FOREIGN KEY (requested_ward)
        REFERENCES dw.dim_ward (ward) NOT VALID,
    ADD CONSTRAINT fact_admission_ward_fk FOREIGN KEY (ward)
        REFERENCES dw.dim_ward (ward) NOT VALID,
    ADD CONSTRAINT fact_admission_doctor_fk FOREIGN KEY (admitting_doctor_id)
        REFERENCES dw.dim_staff (staff_id) NOT VALID,
    ADD CONSTRAINT fact_admission_nurse_fk FOREIGN KEY (admitting_nurse_id)
        REFERENCES dw.dim_staff (staff_id) NOT VALID;

ALTER TABLE dw.fact_discharge
    ADD CONSTRAINT fact_discharge_sim_date_fk FOREIGN KEY (sim_date)
        REFERENCES dw.dim_date (date_key) NOT VALID,
    ADD CONSTRAINT fact_discharge_person_fk FOREIGN KEY (person_id)
        REFERENCES dw.dim_person (person_id) NOT VALID,
    ADD CONSTRAINT fact_discharge_ward_fk FOREIGN KEY (ward)
        REFERENCES dw.dim_ward (ward) NOT VALID;

ALTER TABLE dw.fact_ward_move
    ADD CONSTRAINT fact_ward_move_sim_date_fk FOREIGN KEY (sim_date)
        REFERENCES dw.dim_date (date_key) NOT VALID,
    ADD CONSTRAINT fact_ward_move_person_fk FOREIGN KEY (person_id)
        REFERENCES dw.dim_person (person_id) NOT VALID,
    ADD CONSTRAINT fact_ward_move_from_ward_fk FOREIGN KEY (from_ward)
        REFERENCES dw.dim_ward (ward) NOT VALID,
    ADD CONSTRAINT fact_ward_move_to_ward_fk FOREIGN KEY (to_ward)
        REFERENCES dw.dim_ward (ward) NOT VALID;

ALTER TABLE dw.fact_ward_day
    ADD CONSTRAINT fact_ward_day_sim_date_fk FOREIGN KEY (sim_date)
        REFERENCES dw.dim_date (date_key) NOT VALID,
    ADD CONSTRAINT fact_ward_day_ward_fk FOREIGN KEY (ward)
        REFERENCES dw.dim_ward (ward) NOT VALID;

ALTER TABLE dw.census_state
    ADD CONSTRAINT census_state_sim_date_fk FOREIGN KEY (sim_date)
        REFERENCES dw.dim_date (date_key) NOT VALID,
    ADD CONSTRAINT census_state_person_fk FOREIGN KEY (person_id)
        REFERENCES dw.dim_person (person_id) NOT VALID,
    ADD CONSTRAINT census_state_ward_fk FOREIGN KEY (ward)
        REFERENCES dw.dim_ward (ward) NOT VALID;

CREATE INDEX fact_visit_person ON dw.fact_visit (person_id);
CREATE INDEX fact_admission_person ON dw.fact_admission (person_id);
CREATE INDEX fact_admission_doctor ON dw.fact_admission (admitting_doctor_id);
CREATE INDEX fact_admission_nurse ON dw.fact_admission (admitting_nurse_id);
CREATE INDEX fact_discharge_person ON dw.fact_discharge (person_id);
CREATE INDEX fact_ward_move_person ON dw.fact_ward_move (person_id);
CREATE INDEX census_state_person ON dw.census_state (person_id);

SELECT meta.validate_foreign_keys(ARRAY[
    'dw.fact_visit', 'dw.fact_admission', 'dw.fact_discharge', 'dw.fact_ward_move',
    'dw.fact_ward_day', 'dw.census_state'
]::regclass[]);
