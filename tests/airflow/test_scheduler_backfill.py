"""A real scheduler backfill, created through the REST API, runs to success and logs its work."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.airflow_client import AirflowClient

pytestmark = pytest.mark.airflow
DATES = ["2024-03-01", "2024-03-02", "2024-03-03"]


def test_rest_backfill_of_three_dates_succeeds_and_serves_task_logs() -> None:
    with AirflowClient() as api:
        api.wait_for_dag("stack_smoke")
        backfill = api.backfill(
            "stack_smoke", DATES[0], DATES[-1], reprocess="completed", max_active_runs=3
        )
        runs = api.wait_for_backfill(backfill, DATES, timeout=300)
        # This backfill queued (or re-queued) a run for each date; earlier sessions' runs do not
        # count.
        created = datetime.fromisoformat(backfill["created_at"])
        assert [r["run_type"] for r in runs] == ["backfill"] * 3
        assert all(datetime.fromisoformat(r["queued_at"]) >= created for r in runs), runs

        log = api.task_log("stack_smoke", runs[1]["dag_run_id"], "check_services")
    assert "smoke check for logical date 2024-03-02" in log
    assert "warehouse answers: PostgreSQL 15" in log
