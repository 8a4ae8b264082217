#!/usr/bin/env bash
# Creates the two databases of the stack and their roles:
#   airflow   Airflow's metadata database, owned by role `airflow`
#   hospital  the warehouse, owned by `hospital_writer` (pipelines, the stream processor);
#             `hospital_analyst` may connect (read-only grants come with the warehouse migrations)
# Passwords come from the environment (.env), never from this file.
#
# The postgres image runs it once, on the first start with an empty data volume. It is
# idempotent: after changing a password in .env, `docker compose up -d postgres` and re-run it:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/01-databases.sh
set -euo pipefail

: "${AIRFLOW_DB_PASSWORD:?AIRFLOW_DB_PASSWORD is not set (see .env.example)}"
: "${HT_WRITER_PASSWORD:?HT_WRITER_PASSWORD is not set (see .env.example)}"
: "${HT_ANALYST_PASSWORD:?HT_ANALYST_PASSWORD is not set (see .env.example)}"

# Passwords travel as psql variables (:'name' quotes them), so no value is spliced into SQL.
psql -v ON_ERROR_STOP=1 -qAt \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v airflow_password="$AIRFLOW_DB_PASSWORD" \
  -v writer_password="$HT_WRITER_PASSWORD" \
  -v analyst_password="$HT_ANALYST_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE airflow LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'airflow')\gexec
SELECT 'CREATE ROLE hospital_writer LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hospital_writer')\gexec
SELECT 'CREATE ROLE hospital_analyst LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hospital_analyst')\gexec
ALTER ROLE airflow LOGIN PASSWORD :'airflow_password';
ALTER ROLE hospital_writer LOGIN PASSWORD :'writer_password';
ALTER ROLE hospital_analyst LOGIN PASSWORD :'analyst_password';

SELECT 'CREATE DATABASE airflow OWNER airflow' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'airflow')\gexec
SELECT 'CREATE DATABASE hospital OWNER hospital_writer' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hospital')\gexec

-- Each role reaches only its own database.
REVOKE ALL ON DATABASE airflow FROM PUBLIC;
REVOKE ALL ON DATABASE hospital FROM PUBLIC;
GRANT CONNECT ON DATABASE hospital TO hospital_analyst;
SQL
echo "postgres-init: databases airflow and hospital, roles airflow, hospital_writer, hospital_analyst ready"
