-- The read-only analyst role sees marts only; identifiers there are pseudonymised.
GRANT USAGE ON SCHEMA mart TO hospital_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA mart GRANT SELECT ON TABLES TO hospital_analyst;
