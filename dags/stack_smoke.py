"""Stack smoke check: proves the scheduler, executor, connections and task logs work.

Run it (or backfill it) from the UI after `make run`: each run writes a line with its logical
date, checks the warehouse answers and that the Kafka connection is configured.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="stack_smoke",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=3,
    tags=["hospital-twin", "ops"],
    default_args={"owner": "hospital-twin", "retries": 1},
    doc_md=__doc__,
)
def stack_smoke():
    @task
    def check_services(ds=None) -> dict:
        """Reach the warehouse through the Airflow connection and log its version."""
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        version = PostgresHook(postgres_conn_id="hospital_dw").get_first("SELECT version()")[0]
        print(f"smoke check for logical date {ds}: warehouse answers: {version}")
        return {"date": ds, "postgres": version.split(",")[0]}

    check_services()


stack_smoke()
