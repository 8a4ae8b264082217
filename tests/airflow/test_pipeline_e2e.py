"""The whole twin on the real stack: setup (dag.test), a scheduler backfill of three simulated
days through the REST API, its idempotent re-run, the missing-day guard, and a capacity run.

Tests in this module run in order and share the test instance's warehouse and lake.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from hospital_twin.io import warehouse
from hospital_twin.setup.population import validate_sa_id
from tests.support.airflow_client import AirflowClient, AirflowHTTPError, RunFailed
from tests.support.instance import empty_instance

pytestmark = pytest.mark.airflow
DATES = ["2024-01-01", "2024-01-02", "2024-01-03"]
# Tables a re-run must reproduce exactly (bookkeeping columns such as load times left out).
CHECKED = {
    "dw.fact_visit": (["visit_id", "person_id", "arrival_time", "service", "condition",
                       "triage_level", "is_emergency"], ["visit_id"]),
    "dw.fact_admission": (["admission_id", "person_id", "ward", "status", "admitted_at",
                           "discharged_at", "wait_hours", "admitting_doctor_id"],
                          ["admission_id"]),
    "dw.fact_ward_day": (["sim_date", "ward", "occupancy_start", "occupancy_end", "admissions",
                          "discharges", "refusals"], ["sim_date", "ward"]),
    "dw.census_state": (["sim_date", "admission_id", "ward", "expected_discharge_at"],
                        ["sim_date", "admission_id"]),
    "dw.fact_discharge": (["sim_date", "admission_id", "discharged_at"],
                          ["sim_date", "admission_id", "ward"]),
    "stream.emergency_transport": (["event_id", "payload"], ["event_id"]),
    "stream.patient_transfer": (["event_id", "payload"], ["event_id"]),
    "ml.forecast": (["origin_date", "stream", "target_date", "mean", "lo80", "hi95"],
                    ["origin_date", "stream", "target_date"]),
}  # fmt: skip


@pytest.fixture(scope="module")
def api():
    with AirflowClient() as client:
        yield client


@pytest.fixture(scope="module")
def dw():
    with psycopg.connect(os.environ["HT_DW_DSN"], autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module", autouse=True)
def clean_slate(api: AirflowClient, dw) -> None:
    empty_instance(api, dw, os.environ["HT_LAKE"])


def _count(dw, query: str, *params) -> int:
    return dw.execute(query, params).fetchone()[0]


def _checksums(dw) -> dict:
    return {t: warehouse.table_checksum(dw, t, cols, order) for t, (cols, order) in CHECKED.items()}


def test_setup_dag_loads_the_small_hospital_and_reruns_identically(api: AirflowClient, dw) -> None:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(Path(__file__).parents[2] / "dags")).get_dag("hospital_setup")
    api.wait_for_dag("hospital_setup")
    # dag.test() runs the tasks in this process: keep the real scheduler off this DAG meanwhile.
    api.set_paused("hospital_setup", True)
    try:
        run = dag.test(run_conf={"profile": "small"})
    finally:
        api.set_paused("hospital_setup", False)
    assert run.state == "success"
    assert _count(dw, "SELECT count(*) FROM dw.dim_person") == 50_000
    assert _count(dw, "SELECT count(*) FROM dw.person_illness") == 50_000
    ids = [r[0] for r in dw.execute("SELECT sa_id FROM dw.dim_person")]
    assert validate_sa_id(ids).all()
    assert _count(dw, "SELECT count(*) FROM dw.dim_ward WHERE kind = 'inpatient'") == 11
    assert _count(dw, "SELECT count(*) FROM dw.dim_facility") == 9
    assert _count(dw, "SELECT count(*) FROM dw.dim_staff WHERE status = 'active'") > 500
    assert _count(dw, "SELECT count(DISTINCT quarter_start) FROM dw.staff_quarterly") == 4
    uncovered = _count(
        dw,
        """
        SELECT count(*) FROM (
            SELECT work_date, department FROM dw.fact_schedule GROUP BY 1, 2
            HAVING NOT bool_or(experience_level = 'Senior')) x""",
    )
    assert uncovered == 0, "every scheduled department-day has a Senior on shift"
    before = warehouse.table_checksum(
        dw, "dw.dim_person", ["person_id", "sa_id", "last_name"], ["person_id"]
    )
    rerun = api.trigger("hospital_setup", {"profile": "small"})  # now through the scheduler
    api.wait_for_run("hospital_setup", rerun["dag_run_id"], timeout=900)
    after = warehouse.table_checksum(
        dw, "dw.dim_person", ["person_id", "sa_id", "last_name"], ["person_id"]
    )
    assert before == after
    lake = Path(os.environ["HT_LAKE"])
    assert (lake / "processed" / "people_data.parquet").exists()
    assert (lake / "state" / "schedules_2024-01.parquet").exists()


def test_scheduler_backfill_simulates_three_days_in_order(api: AirflowClient, dw) -> None:
    """Missing runs only (the dialog's default), forwards, two runs active as the DAG allows, so
    D+1 waits for D's census; the dialog itself, with all its defaults, is a browser test."""
    dag = api.wait_for_dag("hospital_daily")
    backfill = api.backfill(
        "hospital_daily", DATES[0], DATES[-1], max_active_runs=dag["max_active_runs"]
    )
    runs = api.wait_for_backfill(backfill, DATES, timeout=1500)

    assert [r["run_type"] for r in runs] == ["backfill"] * 3
    assert _count(dw, "SELECT count(*) FROM meta.day_run") == 3
    assert _count(dw, "SELECT count(*) FROM dw.fact_ward_day") == 3 * 11
    per_day = dw.execute("SELECT sim_date, count(*) FROM dw.fact_visit GROUP BY 1").fetchall()
    assert len(per_day) == 3 and all(200 < n < 450 for _, n in per_day)
    # Patients are conserved: start + admitted + moved in - discharged - moved out = end.
    assert (
        _count(
            dw,
            """SELECT count(*) FROM dw.fact_ward_day WHERE occupancy_start + admissions
        + moves_in - discharges - moves_out <> occupancy_end""",
        )
        == 0
    )
    # Each day starts from the census the day before ended with.
    assert (
        _count(
            dw,
            """SELECT count(*) FROM dw.fact_ward_day d JOIN dw.fact_ward_day p
        ON p.ward = d.ward AND p.sim_date = d.sim_date - 1
        WHERE p.occupancy_end <> d.occupancy_start""",
        )
        == 0
    )
    assert (
        _count(
            dw,
            """SELECT count(*) FROM dw.fact_ward_day d WHERE occupancy_end <>
        (SELECT count(*) FROM dw.census_state c WHERE c.sim_date = d.sim_date AND c.ward = d.ward)
        """,
        )
        == 0
    )
    # Every published event landed once; every admission is in the warehouse.
    days = list(DATES)
    published = _count(
        dw, "SELECT sum(events) FROM stream.published WHERE sim_date::text = ANY(%s)", days
    )
    landed = _count(
        dw,
        "SELECT (SELECT count(*) FROM stream.emergency_transport WHERE sim_date::text = ANY(%s))"
        " + (SELECT count(*) FROM stream.patient_transfer WHERE sim_date::text = ANY(%s))",
        days,
        days,
    )
    assert published == landed > 0
    lake = Path(os.environ["HT_LAKE"])
    for day in DATES:
        admitted = _count(dw, "SELECT count(*) FROM dw.fact_admission WHERE sim_date = %s", day)
        assert admitted > 0
        assert (lake / "processed" / f"admissions_{day}.csv").exists()
    assert _count(dw, "SELECT count(*) FROM mart.daily_kpis") == 3

    second_day = runs[1]["dag_run_id"]
    log = api.task_log("hospital_daily", second_day, "retrain_and_record")
    assert "fallback: seasonal naive for" in log and "history too short" in log
    for stage in ("::group::forecaster retrained", "::group::events of", "::group::day 2024-01-02"):
        assert stage in log, stage
    assert log.count("fallback:") == 1  # said once for all the streams, not once per stream
    log = api.task_log("hospital_daily", second_day, "simulate_day")
    assert "census at the end of 2024-01-01" in log
    for stage in ("::group::visits of", "::group::patient flow of", "::group::admissions ingest",
                  "::group::events of"):  # fmt: skip
        assert stage in log, stage


def test_rerunning_the_backfill_leaves_identical_warehouse_contents(api: AirflowClient, dw) -> None:
    before = _checksums(dw)
    finished = dict(dw.execute("SELECT sim_date, finished_at FROM meta.day_run").fetchall())
    backfill = api.backfill("hospital_daily", DATES[0], DATES[-1], reprocess="completed")
    api.wait_for_backfill(backfill, DATES, timeout=1500)
    refinished = dict(dw.execute("SELECT sim_date, finished_at FROM meta.day_run").fetchall())
    assert refinished.keys() == finished.keys()
    assert all(refinished[d] > finished[d] for d in finished), "every day was simulated again"
    assert _checksums(dw) == before


def test_a_day_whose_previous_day_is_missing_fails_naming_the_date(api: AirflowClient) -> None:
    run = api.trigger("hospital_daily", logical_date="2024-01-10T00:00:00Z")
    with pytest.raises(RunFailed) as failed:
        api.wait_for_run("hospital_daily", run["dag_run_id"], timeout=600)
    assert failed.value.failed_tasks == ["simulate_day"]
    log = api.task_log("hospital_daily", run["dag_run_id"], "simulate_day")
    assert "run hospital_daily for 2024-01-04 first" in log  # the day after the last simulated
    tis = api.task_instances("hospital_daily", run["dag_run_id"])
    assert {t["task_id"]: t["try_number"] for t in tis}["simulate_day"] == 1  # no retry


def test_a_date_outside_the_simulation_calendar_fails_at_once(api: AirflowClient) -> None:
    run = api.trigger("hospital_daily", logical_date="2023-12-25T00:00:00Z")
    with pytest.raises(RunFailed):
        api.wait_for_run("hospital_daily", run["dag_run_id"], timeout=600)
    log = api.task_log("hospital_daily", run["dag_run_id"], "simulate_day")
    assert "2023-12-25 is outside the simulation calendar" in log


def test_a_backwards_backfill_is_refused_with_the_reason(api: AirflowClient) -> None:
    body = {
        "dag_id": "hospital_daily",
        "from_date": "2024-01-04T00:00:00Z",
        "to_date": "2024-01-06T00:00:00Z",
        "run_backwards": True,
    }
    existing = api.get("/api/v2/backfills", dag_id="hospital_daily", limit=100)["total_entries"]
    for path in ("/api/v2/backfills/dry_run", "/api/v2/backfills"):
        with pytest.raises(AirflowHTTPError) as refused:
            api.post(path, body)
        assert refused.value.status_code == 422
        assert "cannot run backwards" in str(refused.value)
    after = api.get("/api/v2/backfills", dag_id="hospital_daily", limit=100)["total_entries"]
    assert after == existing  # nothing was created


@pytest.mark.parametrize("dag_id", ["hospital_daily", "hospital_capacity_scenarios"])
def test_no_run_is_ever_scheduled_for_the_wall_clock_date(api: AirflowClient, dag_id) -> None:
    dag = api.get(f"/api/v2/dags/{dag_id}/details")
    assert dag["next_dagrun_logical_date"] is None and dag["timetable_periodic"]
    runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns", limit=1000)["dag_runs"]
    assert not [r for r in runs if r["run_type"] == "scheduled"]


def test_a_backfill_of_the_capacity_study_makes_one_run_per_simulated_monday(api) -> None:
    body = {
        "dag_id": "hospital_capacity_scenarios",
        "from_date": "2024-01-01T00:00:00Z",
        "to_date": "2024-01-21T00:00:00Z",
    }
    planned = api.post("/api/v2/backfills/dry_run", body)["backfills"]
    assert [b["logical_date"][:10] for b in planned] == ["2024-01-01", "2024-01-08", "2024-01-15"]


def test_a_capacity_run_dated_before_the_first_simulated_day_fails_at_once(api) -> None:
    api.wait_for_dag("hospital_capacity_scenarios")
    run = api.trigger(
        "hospital_capacity_scenarios", {"scenarios": ["baseline"]}, "2023-06-01T00:00:00Z"
    )
    with pytest.raises(RunFailed) as failed:
        api.wait_for_run("hospital_capacity_scenarios", run["dag_run_id"], timeout=600)
    assert failed.value.failed_tasks == ["prepare_inputs"]
    log = api.task_log("hospital_capacity_scenarios", run["dag_run_id"], "prepare_inputs")
    assert "no simulated day on or before 2023-06-01: run hospital_daily first" in log
    tis = api.task_instances("hospital_capacity_scenarios", run["dag_run_id"])
    assert {t["task_id"]: t["try_number"] for t in tis}["prepare_inputs"] == 1  # no retry


def test_capacity_scenarios_fan_out_and_store_risk_curves(api: AirflowClient, dw) -> None:
    api.wait_for_dag("hospital_capacity_scenarios")
    conf = {
        "scenarios": ["baseline", "bed_closure"],
        "horizon_days": 60,
        "runs": 500,
        "bed_levels": 10,
        "wards_per_task": 4,
    }
    run = api.trigger("hospital_capacity_scenarios", conf)
    api.wait_for_run("hospital_capacity_scenarios", run["dag_run_id"], timeout=900)
    run_id = run["dag_run_id"]
    assert _count(dw, "SELECT count(*) FROM capacity.run WHERE run_id = %s", run_id) == 1
    assert (
        _count(dw, "SELECT count(*) FROM capacity.recommendation WHERE run_id = %s", run_id)
        == 2 * 11
    )
    assert (
        _count(
            dw,
            "SELECT count(DISTINCT (scenario, ward)) FROM capacity.risk_curve WHERE run_id = %s",
            run_id,
        )
        == 2 * 11
    )
    closure = dict(
        dw.execute(
            "SELECT scenario, recommended_beds FROM capacity.recommendation "
            "WHERE run_id = %s AND ward = 'Medicine'",
            (run_id,),
        ).fetchall()
    )
    assert closure["bed_closure"] >= closure["baseline"]  # longer stays need at least as many
    tis = api.task_instances("hospital_capacity_scenarios", run_id)
    mapped = [t for t in tis if t["task_id"] == "simulate_scenario_wards"]
    assert len(mapped) == 2 * 3  # 2 scenarios x 3 chunks of 4 wards
    report = dw.execute("SELECT report_path FROM capacity.run WHERE run_id = %s", (run_id,))
    assert Path(report.fetchone()[0]).exists()


def test_invalid_scenario_params_are_refused_with_a_clear_message(api: AirflowClient) -> None:
    """The form's schema (from contracts.StudyParams) refuses bad bounds and unknown scenarios
    before any run exists, naming the parameter."""
    for conf, named in (({"runs": 5}, "runs"), ({"scenarios": ["heatwave"]}, "heatwave")):
        with pytest.raises(AirflowHTTPError) as refused:
            api.trigger("hospital_capacity_scenarios", conf)
        assert refused.value.status_code == 400 and named in refused.value.body
