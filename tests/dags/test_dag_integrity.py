"""Every DAG file imports cleanly and every DAG carries what the UI and on-call rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

DAGS = Path(__file__).resolve().parents[2] / "dags"


EXPECTED_DAGS = {"hospital_setup", "hospital_daily", "hospital_capacity_scenarios", "stack_smoke"}


def load_dags(folder: Path) -> DagBag:
    """Parse `folder` as the dag-processor does (import errors collected, not raised)."""
    return DagBag(dag_folder=str(folder))


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return load_dags(DAGS)


def test_every_dag_file_imports_without_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == EXPECTED_DAGS


def test_every_dag_has_owner_tags_retries_and_doc(dagbag: DagBag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md, f"{dag_id} has no doc_md"
        for t in dag.tasks:
            assert t.owner and t.owner != "airflow", f"{dag_id}.{t.task_id} has no owner"
            assert t.retries >= 1, f"{dag_id}.{t.task_id} has no retries"


CYCLIC_DAG = """
import pendulum
from airflow.sdk import dag, task


@dag(dag_id="cyclic", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def cyclic():
    @task
    def first(): ...

    @task
    def second(): ...

    a, b = first(), second()
    a >> b >> a


cyclic()
"""


def test_a_cyclic_dag_is_an_import_error_the_first_test_catches(tmp_path: Path) -> None:
    """Cycles need no test of their own: loading the folder as the fixture does reports them."""
    (tmp_path / "cyclic.py").write_text(CYCLIC_DAG)
    bag = load_dags(tmp_path)
    assert "cyclic" not in bag.dags
    assert "Cycle detected" in bag.import_errors[str(tmp_path / "cyclic.py")]


def test_daily_dag_accepts_every_date_of_every_profile(dagbag: DagBag) -> None:
    """A run dated before the DAG's start_date would succeed without running a task: the DAG
    starts before every profile's calendar, and simulate_day refuses dates outside it."""
    from hospital_twin.config import load_config, profile_names

    dag = dagbag.dags["hospital_daily"]
    starts = [load_config(name).simulation.start_date for name in profile_names()]
    assert dag.start_date.date() < min(starts)
    # Days advance by backfill only (no run for the wall-clock date) and two overlap: no task
    # may depend on its past, or the backfill dialog's default ("missing runs") is refused.
    assert not dag.timetable.can_be_scheduled and dag.timetable.periodic
    assert dag.max_active_runs == 2
    assert not [t.task_id for t in dag.tasks if t.depends_on_past]


def test_capacity_form_offers_every_shipped_scenario(dagbag: DagBag) -> None:
    from hospital_twin.config import scenario_names

    params = dagbag.dags["hospital_capacity_scenarios"].params
    assert set(params.get_param("scenarios").schema["examples"]) == set(scenario_names())
    for name in ("horizon_days", "runs", "bed_levels", "risk_target"):
        schema = params.get_param(name).schema
        assert schema.get("title") and params.get_param(name).description, name
