"""The Airflow connection `hospital_dw` reaches the real local PostgreSQL warehouse, through the
postgres provider's hook, as the tasks use it (`dags/common/glue.py`)."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from airflow.providers.postgres.hooks.postgres import PostgresHook
from common.glue import warehouse

from hospital_twin.contracts import DW_CONN_ID

pytestmark = pytest.mark.integration

# One value of each type the warehouse's tables hold, JSON included: the hook registers
# psycopg's default JSON adapters, which must not change what rows read back.
TYPED_ROW = """SELECT '{"a": 1.5}'::json, '{"b": [1, 2]}'::jsonb, 1.25::numeric,
    '2024-01-01'::date, '2024-01-01 10:00'::timestamp, '2024-01-01 10:00+02'::timestamptz,
    'x'::text, NULL::int, true, 3::bigint, 0.5::double precision"""


def test_postgres_hook_round_trips_rows_through_the_warehouse() -> None:
    hook = PostgresHook(postgres_conn_id=DW_CONN_ID)
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


def test_tasks_get_a_psycopg3_connection_reading_rows_as_plain_psycopg_does() -> None:
    with warehouse() as conn:
        assert isinstance(conn, psycopg.Connection)
        through_hook = conn.execute(TYPED_ROW).fetchone()
    with psycopg.connect(os.environ["HT_DW_DSN"]) as conn:
        direct = conn.execute(TYPED_ROW).fetchone()
    assert through_hook == direct
    assert [type(v) for v in through_hook] == [type(v) for v in direct]


def test_the_connections_extras_reach_the_tasks_connection(monkeypatch) -> None:
    uri = os.environ["AIRFLOW_CONN_HOSPITAL_DW"]
    monkeypatch.setenv("AIRFLOW_CONN_HOSPITAL_DW", f"{uri}?application_name=ht-extras-test")
    with warehouse() as conn:
        assert conn.execute("SHOW application_name").fetchone() == ("ht-extras-test",)


def test_the_tasks_connection_commits_on_success_and_rolls_back_on_error() -> None:
    table = f"commit_{uuid.uuid4().hex[:8]}"
    with warehouse() as conn:
        conn.execute(f"CREATE TABLE {table} (x int)")
    try:
        with pytest.raises(RuntimeError), warehouse() as conn:
            conn.execute(f"INSERT INTO {table} VALUES (1)")
            raise RuntimeError("task failed")
        with warehouse() as conn:
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    finally:
        with warehouse() as conn:
            conn.execute(f"DROP TABLE {table}")
