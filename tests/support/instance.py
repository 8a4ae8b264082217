"""A stack instance emptied for tests that drive the DAGs from the start."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg

from hospital_twin.io import migrations
from tests.support.airflow_client import AirflowClient

DATA_SCHEMAS = ("dw", "stream", "ml", "capacity")
DAG_IDS = ("hospital_daily", "hospital_capacity_scenarios", "hospital_setup")


def empty_instance(api: AirflowClient, dw: psycopg.Connection, lake: str) -> None:
    """Delete the DAGs' earlier runs (an unfinished one would run on under the tests) and their
    task logs (a re-created run of the same id, such as a backfill's, appends to its old log
    file), empty the warehouse's data (schema and migrations stay) and the lake."""
    logs = Path(os.environ["AIRFLOW__LOGGING__BASE_LOG_FOLDER"])
    for dag_id in DAG_IDS:
        api.wait_for_dag(dag_id)
        api.delete_runs(dag_id)
        shutil.rmtree(logs / f"dag_id={dag_id}", ignore_errors=True)
    migrations.migrate(dw)
    tables = dw.execute(
        "SELECT format('%%I.%%I', schemaname, tablename) FROM pg_tables WHERE schemaname = ANY(%s)",
        (list(DATA_SCHEMAS),),
    ).fetchall()
    dw.execute("TRUNCATE " + ", ".join(t[0] for t in tables) + " CASCADE")
    dw.execute("TRUNCATE meta.day_run, meta.ingest_rejects")
    shutil.rmtree(lake, ignore_errors=True)
