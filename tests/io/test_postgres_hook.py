"""The Airflow connection `hospital_dw` reaches the real local PostgreSQL warehouse."""

from __future__ import annotations

import uuid

import pytest
from airflow.providers.postgres.hooks.postgres import PostgresHook

pytestmark = pytest.mark.integration


def test_postgres_hook_round_trips_rows_through_the_warehouse() -> None:
    hook = PostgresHook(postgres_conn_id="hospital_dw")
    table = f"roundtrip_{uuid.uuid4().hex[:8]}"
    hook.run(f"CREATE TABLE {table} (id int PRIMARY KEY, ward text NOT NULL)")
    try:
        hook.insert_rows(table, [(1, "ICU"), (2, "Medicine")], target_fields=["id", "ward"])
        assert hook.get_records(f"SELECT id, ward FROM {table} ORDER BY id") == [
            (1, "ICU"),
            (2, "Medicine"),
        ]
    finally:
        hook.run(f"DROP TABLE {table}")


def test_warehouse_migrations_are_recorded_and_idempotent(dw) -> None:
    from hospital_twin.io import warehouse

    assert warehouse.migrate(dw) == []
    versions = [r[0] for r in dw.execute("SELECT version FROM meta.schema_migrations ORDER BY 1")]
    assert versions[0] == "001_schemas.sql"
    assert len(versions) == len(list((warehouse.SQL_DIR / "migrations").glob("[0-9]*.sql")))
