-- One registry of issued SA ID numbers: a number is issued once, on one roll (the population,
-- the staff or the reserve pool), and every person and staff row refers to its number and roll.
-- The primary key makes a number unique across the three; the (sa_id, id_roll) foreign keys
-- stop a staff row from using a number issued to the population, and the other way round.
-- A hired reserve candidate appears twice in dw.dim_staff (their R row and their S row), both
-- on the reserve roll: the exclusion constraint allows that pair and nothing else.
-- The registry's foreign keys and uniqueness are checked at commit, so setup can replace a
-- roll's numbers (another seed) in one transaction without tripping over its own half-way rows.
CREATE TABLE dw.sa_id_registry (
    sa_id   char(13) PRIMARY KEY CHECK (sa_id ~ '^[0-9]{13}$'),
    id_roll text NOT NULL CHECK (id_roll IN ('population', 'staff', 'reserve')),
    UNIQUE (sa_id, id_roll)
);

ALTER TABLE dw.dim_person
    ADD COLUMN id_roll text NOT NULL GENERATED ALWAYS AS ('population') STORED;
ALTER TABLE dw.dim_person
    DROP CONSTRAINT dim_person_sa_id_key,
    ADD CONSTRAINT dim_person_sa_id_key UNIQUE (sa_id) DEFERRABLE INITIALLY DEFERRED;

-- Rows of a warehouse set up before this migration: hires are the staff rows sharing a reserve
-- row's number (the old generator kept staff and reserve apart, not from the population).
ALTER TABLE dw.dim_staff ADD COLUMN id_roll text;
UPDATE dw.dim_staff s SET id_roll = CASE
    WHEN s.status = 'reserve' OR EXISTS (
        SELECT FROM dw.dim_staff r WHERE r.status = 'reserve' AND r.sa_id = s.sa_id
    ) THEN 'reserve' ELSE 'staff' END;
ALTER TABLE dw.dim_staff
    ALTER COLUMN id_roll SET NOT NULL,
    ADD CONSTRAINT dim_staff_id_roll_check CHECK (id_roll IN ('staff', 'reserve')),
    ADD CONSTRAINT dim_staff_reserve_roll_check CHECK (status <> 'reserve' OR id_roll = 'reserve'),
    ADD CONSTRAINT dim_staff_sa_id_once_per_status EXCLUDE USING btree
        (sa_id WITH =, (status = 'reserve') WITH =) DEFERRABLE INITIALLY DEFERRED;

INSERT INTO dw.sa_id_registry (sa_id, id_roll) SELECT sa_id, id_roll FROM dw.dim_person;
INSERT INTO dw.sa_id_registry (sa_id, id_roll)
SELECT DISTINCT sa_id, id_roll FROM dw.dim_staff ORDER BY sa_id
ON CONFLICT (sa_id) DO NOTHING;

ALTER TABLE dw.dim_person ADD CONSTRAINT dim_person_sa_id_fk FOREIGN KEY (sa_id, id_roll)
    REFERENCES dw.sa_id_registry (sa_id, id_roll) DEFERRABLE INITIALLY DEFERRED NOT VALID;
ALTER TABLE dw.dim_staff ADD CONSTRAINT dim_staff_sa_id_fk FOREIGN KEY (sa_id, id_roll)
    REFERENCES dw.sa_id_registry (sa_id, id_roll) DEFERRABLE INITIALLY DEFERRED NOT VALID;

-- Validates the foreign keys added NOT VALID on `tables`: always on a new warehouse (nothing to
-- check), and on an old one whose rows pass. Rows set up by the old generator (staff numbers
-- equal to people's) leave the key NOT VALID, with a notice: it still refuses every new or
-- changed row, and re-running hospital_setup replaces the old rows.
CREATE FUNCTION meta.validate_foreign_keys(tables regclass[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
             WHERE contype = 'f' AND NOT convalidated AND conrelid = ANY (tables)
             ORDER BY conname LOOP
        BEGIN
            EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', c.tbl, c.conname);
        EXCEPTION WHEN foreign_key_violation THEN
            RAISE NOTICE '%: % left NOT VALID (rows from before it; re-run hospital_setup): %',
                c.tbl, c.conname, SQLERRM;
        END;
    END LOOP;
END $$;

SELECT meta.validate_foreign_keys(ARRAY['dw.dim_person', 'dw.dim_staff']::regclass[]);
