"""The capacity study's trigger form over REST, against the running test instance (`airflow`).

Airflow 3.3 validates a run's `conf` against the DAG's Params (built from
`hospital_twin.contracts.study_form()`) when the run is created: an out-of-range number or an
unknown scenario is a 400 naming the field and the limit, and no run exists. Airflow passes keys
that are not Params through, so a misspelt key creates a run whose first task fails at once
(no retry) naming the key, instead of running a default study.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from hospital_twin.contracts import SCENARIO_NAMES, study_form
from tests.support.airflow_client import AirflowClient, AirflowHTTPError, RunFailed

pytestmark = pytest.mark.airflow
DAG_ID = "hospital_capacity_scenarios"
RUNS = f"/api/v2/dags/{DAG_ID}/dagRuns"


@pytest.fixture(scope="module")
def api() -> Iterator[AirflowClient]:
    if not os.environ.get("HT_API_URL"):
        pytest.fail("HT_API_URL is not set: run the tests with `make test` (scripts/test)")
    with AirflowClient() as client:
        client.wait_for_dag(DAG_ID)
        yield client


def _run_ids(api: AirflowClient) -> set[str]:
    runs = api.get(RUNS, limit=1000)["dag_runs"]
    return {r["dag_run_id"] for r in runs}


def _refused(api: AirflowClient, conf: dict) -> str:
    """The 400's body for `conf`; fails if Airflow created a run."""
    before = _run_ids(api)
    with pytest.raises(AirflowHTTPError) as refused:
        api.trigger(DAG_ID, conf)
    assert refused.value.status_code == 400, refused.value
    assert _run_ids(api) == before, "a refused trigger must not leave a run behind"
    return refused.value.body


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [
        ("risk_target", 2, "maximum of 0.5"),
        ("risk_target", 0, "minimum of 0.001"),
        ("runs", 0, "minimum of 100"),
        ("runs", 10**7, "maximum of 200000"),
        ("horizon_days", 3, "minimum of 7"),
        ("bed_levels", 1000, "maximum of 200"),
        ("wards_per_task", 0, "minimum of 1"),
    ],
)
def test_out_of_range_values_are_refused_before_the_run_exists(
    api: AirflowClient, field: str, value: float, limit: str
) -> None:
    body = _refused(api, {field: value})
    assert f"param {field}" in body and limit in body, body


def test_an_unknown_scenario_is_refused_with_the_names_available(api: AirflowClient) -> None:
    body = _refused(api, {"scenarios": ["baseline", "no_such_scenario"]})
    assert "param scenarios" in body and "'no_such_scenario' is not one of" in body, body
    assert all(name in body for name in SCENARIO_NAMES), body


def test_the_form_states_each_fields_bounds(api: AirflowClient) -> None:
    """The trigger form shows each Param's description: it names the limits."""
    params = api.get(f"/api/v2/dags/{DAG_ID}/details")["params"]
    for name, (_, schema) in study_form().items():
        description = params[name]["description"]
        assert "Allowed:" in description, (name, description)
        assert description == schema["description"]
    assert params["scenarios"]["schema"]["items"]["enum"] == list(SCENARIO_NAMES)


def test_an_unknown_key_fails_the_run_at_once_naming_it(api: AirflowClient) -> None:
    run = api.trigger(DAG_ID, {"horizon": 30, "runs": 100, "scenarios": ["baseline"]})
    with pytest.raises(RunFailed) as failed:
        api.wait_for_run(DAG_ID, run["dag_run_id"], timeout=600)
    assert failed.value.failed_tasks == ["prepare_inputs"]
    tasks = {t["task_id"]: t for t in api.task_instances(DAG_ID, run["dag_run_id"])}
    assert tasks["prepare_inputs"]["try_number"] == 1, "a bad form is not retried"
    assert tasks["collect_results"]["state"] in ("upstream_failed", None)
    log = api.task_log(DAG_ID, run["dag_run_id"], "prepare_inputs")
    assert "horizon: unknown parameter" in log and "horizon_days" in log, log[-2000:]
