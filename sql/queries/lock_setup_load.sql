-- Setup's loads one at a time (until the caller's transaction ends): population and workforce
-- both write dw.sa_id_registry and may drop and add back foreign keys referring to it.
SELECT pg_advisory_xact_lock(hashtext('hospital_twin.setup.load'));
