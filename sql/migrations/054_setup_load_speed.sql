-- Setup's load of the default profile's 3,000,000 people in half the time (issue 11). Nothing a
-- row may hold changes; the same rows are refused, by constraints of the same names.
--
-- SA ID numbers are compared byte by byte (COLLATE "C"): they are 13 ASCII digits, so the order
-- is the same, but the cluster's C.UTF-8 collation compares through strcoll, which made the
-- registry's keys and the people's unique number most of setup's index builds and key checks.
ALTER TABLE dw.sa_id_registry ALTER COLUMN sa_id TYPE char(13) COLLATE "C";
ALTER TABLE dw.dim_person ALTER COLUMN sa_id TYPE char(13) COLLATE "C";
ALTER TABLE dw.dim_staff ALTER COLUMN sa_id TYPE char(13) COLLATE "C";

-- "13 digits" without a regular expression (a regex match per row was ~1 µs, a third of the
-- cost of COPYing a registry row): char(13) refuses longer values and pads shorter ones with
-- spaces, which length() does not count, and ltrim leaves any character that is not a digit.
ALTER TABLE dw.sa_id_registry
    DROP CONSTRAINT sa_id_registry_sa_id_check,
    ADD CONSTRAINT sa_id_registry_sa_id_check
        CHECK (length(sa_id) = 13 AND ltrim(sa_id, '0123456789') = '');
ALTER TABLE dw.dim_person
    DROP CONSTRAINT dim_person_sa_id_check,
    ADD CONSTRAINT dim_person_sa_id_check
        CHECK (length(sa_id) = 13 AND ltrim(sa_id, '0123456789') = '');
ALTER TABLE dw.dim_staff
    DROP CONSTRAINT dim_staff_sa_id_check,
    ADD CONSTRAINT dim_staff_sa_id_check
        CHECK (length(sa_id) = 13 AND ltrim(sa_id, '0123456789') = '');

-- Where setup builds a large table that is empty in the warehouse (a first setup's people and
-- illness profiles) on a connection of its own, beside the main load, with the table's own
-- constraint and index names; the load's transaction then moves it into dw in place of the
-- empty one (hospital_twin.io.setup_load). Holds nothing between loads.
CREATE SCHEMA IF NOT EXISTS dw_load;
