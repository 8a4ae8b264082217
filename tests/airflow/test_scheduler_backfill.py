"""A real scheduler backfill, created through the REST API, runs to success and logs its work."""

from __future__ import annotations

import pytest

from tests.support.airflow_api import AirflowAPI

pytestmark = pytest.mark.airflow


def test_rest_backfill_of_three_dates_succeeds_and_serves_task_logs() -> None:
    api = AirflowAPI()
    api.wait_for_dag("stack_smoke")
    backfill = api.post(
        "/api/v2/backfills",
        {
            "dag_id": "stack_smoke",
            "from_date": "2024-03-01T00:00:00Z",
            "to_date": "2024-03-03T00:00:00Z",
            "reprocess_behavior": "completed",
            "max_active_runs": 3,
        },
    )
    runs = api.wait_for_runs("stack_smoke", None, count=3, timeout=300)
    backfilled = [r for r in runs if r["run_type"] == "backfill"]
    dates = sorted(r["logical_date"][:10] for r in backfilled)
    assert dates[-3:] == ["2024-03-01", "2024-03-02", "2024-03-03"], backfill

    run = next(r for r in backfilled if r["logical_date"].startswith("2024-03-02"))
    log = api.task_log("stack_smoke", run["dag_run_id"], "check_services")
    assert "smoke check for logical date 2024-03-02" in log
    assert "warehouse answers: PostgreSQL 15" in log
