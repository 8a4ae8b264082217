"""Links from the dashboard's figures to the Airflow UI: the run and task-log routes of Airflow
3's UI, ids escaped, and the daily run of a simulated day found by its logical date."""

from __future__ import annotations

import pytest

from tests.plugins.dashboard_package import links


def test_capacity_links_name_the_run_and_each_tasks_log() -> None:
    got = links.capacity_links("manual__2026-01-01T00:00:00+00:00")
    run = "/dags/hospital_capacity_scenarios/runs/manual__2026-01-01T00%3A00%3A00%2B00%3A00"
    assert got["run"] == run
    assert got["tasks"]["collect_results"] == f"{run}/tasks/collect_results"
    assert set(got["tasks"]) == set(links.CAPACITY_TASKS)
    assert links.capacity_links(None) is None


def test_without_airflows_database_the_daily_link_is_the_run_list() -> None:
    got = links.daily_links(None)
    assert got == {"run": "/dags/hospital_daily/runs", "tasks": {}, "run_id": None}


@pytest.mark.airflow
def test_the_daily_run_of_a_day_is_found_by_its_logical_date() -> None:
    from tests.support.airflow_client import AirflowClient

    with AirflowClient() as api:
        runs = api.get("/api/v2/dags/hospital_daily/dagRuns", limit=1, order_by="-logical_date")
    if not runs["dag_runs"]:
        pytest.skip("no hospital_daily run in this instance yet")
    run = runs["dag_runs"][0]
    assert links.daily_run_id(run["logical_date"][:10]) == run["dag_run_id"]
    assert links.daily_links(run["logical_date"][:10])["tasks"]["retrain_and_record"].endswith(
        "/tasks/retrain_and_record"
    )
    assert links.daily_run_id("1999-01-01") is None
