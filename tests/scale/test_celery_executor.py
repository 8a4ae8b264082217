"""Scale-out with the CeleryExecutor: the capacity study's mapped tasks run on both workers of
the `celery` instance, and give the same results as the LocalExecutor on the same inputs.

One warehouse: setup (profile small) and two simulated days run through the Celery workers,
then the capacity study twice with the same parameters, first on the workers, then with the
scheduler restarted on the LocalExecutor (`HT_EXECUTOR=local scripts/stack restart scheduler`).
Each task instance's `hostname` (REST API) says where it ran: worker1/worker2 name themselves
(plugins/worker_hostname.py); the LocalExecutor runs tasks on the scheduler's machine.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from hospital_twin.io import warehouse
from tests.scale.conftest import instance_env, stack
from tests.support.airflow_client import AirflowClient
from tests.support.instance import empty_instance

pytestmark = pytest.mark.airflow
DAYS = ["2024-01-01", "2024-01-02"]
CAPACITY = "hospital_capacity_scenarios"
MAPPED = "simulate_scenario_wards"
WORKERS = {"worker1", "worker2"}
# Three scenarios x 3 chunks of 11 wards: 9 mapped tasks, more than one worker's 2 slots hold.
SCENARIOS = ["baseline", "winter_peak", "bed_closure"]
STUDY = {
    "scenarios": SCENARIOS,
    "runs": 200,
    "horizon_days": 30,
    "bed_levels": 6,
    "wards_per_task": 4,
}
RESULT_TABLES = ("capacity.recommendation", "capacity.risk_curve")


@pytest.fixture(scope="module")
def api(celery_env: dict[str, str]) -> Iterator[AirflowClient]:
    with AirflowClient(celery_env["HT_API_URL"], password=celery_env["HT_ADMIN_PASSWORD"]) as c:
        yield c


@pytest.fixture(scope="module")
def dw(celery_env: dict[str, str]) -> Iterator[psycopg.Connection]:
    with psycopg.connect(celery_env["HT_DW_DSN"], autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def simulated(api: AirflowClient, dw: psycopg.Connection, celery_env: dict[str, str]) -> None:
    """A clean warehouse, then setup and two days, every task on the Celery workers."""
    empty_instance(api, dw, celery_env["HT_LAKE"])

    setup = api.trigger("hospital_setup", {"profile": "small"})
    api.wait_for_run("hospital_setup", setup["dag_run_id"], timeout=600)
    backfill = api.backfill("hospital_daily", DAYS[0], DAYS[-1], reprocess="completed")
    api.wait_for_backfill(backfill, DAYS, timeout=600)


def _study(api: AirflowClient) -> tuple[str, list[dict]]:
    """One capacity run with STUDY's parameters: its run id and its task instances."""
    run = api.trigger(CAPACITY, STUDY)
    api.wait_for_run(CAPACITY, run["dag_run_id"], timeout=900)
    return run["dag_run_id"], api.task_instances(CAPACITY, run["dag_run_id"])


def _results(dw: psycopg.Connection, run_id: str) -> dict[str, list[tuple]]:
    """The run's recommendation and risk-curve rows without the run id, in key order."""
    out = {}
    for table in RESULT_TABLES:
        cols = [c for c in warehouse.table_columns(dw, table) if c != "run_id"]
        rows = dw.execute(
            f"SELECT {', '.join(cols)} FROM {table} WHERE run_id = %s ORDER BY 1, 2, 3", (run_id,)
        ).fetchall()
        out[table] = [tuple("NaN" if v != v else v for v in row) for row in rows]  # NaN != NaN
    return out


def test_mapped_tasks_run_on_both_workers_with_the_local_executors_results(
    api: AirflowClient, dw: psycopg.Connection, simulated: None
) -> None:
    celery_run, celery_tis = _study(api)
    mapped = [ti for ti in celery_tis if ti["task_id"] == MAPPED]
    assert len(mapped) == len(SCENARIOS) * 3
    assert {ti["hostname"] for ti in mapped} == WORKERS, "the fan-out used both workers"
    assert {ti["hostname"] for ti in celery_tis} <= WORKERS, "every task ran on a worker"

    stack(instance_env("local"), "restart", "scheduler")
    local_run, local_tis = _study(api)
    local_hosts = {ti["hostname"] for ti in local_tis}
    assert len(local_hosts) == 1 and not local_hosts & WORKERS, "the scheduler's machine ran them"

    celery_results, local_results = _results(dw, celery_run), _results(dw, local_run)
    assert all(celery_results[t] for t in RESULT_TABLES), "the study stored its results"
    assert celery_results == local_results
