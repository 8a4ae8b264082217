"""Every DAG file imports cleanly and every DAG carries what the UI and on-call rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS))


def test_every_dag_file_imports_without_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert dagbag.dags, "no DAGs found"


def test_every_dag_has_owner_tags_retries_and_doc(dagbag: DagBag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md, f"{dag_id} has no doc_md"
        for t in dag.tasks:
            assert t.owner and t.owner != "airflow", f"{dag_id}.{t.task_id} has no owner"
            assert t.retries >= 1, f"{dag_id}.{t.task_id} has no retries"


def test_no_dag_has_cycles(dagbag: DagBag) -> None:
    for dag in dagbag.dags.values():
        dag.check_cycle() if hasattr(dag, "check_cycle") else None
        seen: set[str] = set()
        for task in dag.tasks:  # every task's upstreams must be reachable without revisiting it
            stack, visited = list(task.upstream_task_ids), set()
            while stack:
                tid = stack.pop()
                assert tid != task.task_id, f"{dag.dag_id}: cycle through {tid}"
                if tid not in visited:
                    visited.add(tid)
                    stack.extend(dag.get_task(tid).upstream_task_ids)
            seen.add(task.task_id)
        assert seen == set(dag.task_dict)


def test_daily_dag_starts_at_the_simulation_start(dagbag: DagBag) -> None:
    from hospital_twin.config import load_config

    dag = dagbag.dags["hospital_daily"]
    assert dag.start_date.date() == load_config("default").simulation.start_date
    assert dag.start_date.date() == load_config("small").simulation.start_date
    assert dag.max_active_runs == 1
    assert dag.get_task("simulate_flow").depends_on_past


def test_capacity_form_offers_every_shipped_scenario(dagbag: DagBag) -> None:
    from hospital_twin.config import scenario_names

    params = dagbag.dags["hospital_capacity_scenarios"].params
    assert set(params.get_param("scenarios").schema["examples"]) == set(scenario_names())
    for name in ("horizon_days", "runs", "bed_levels", "risk_target"):
        schema = params.get_param(name).schema
        assert schema.get("title") and params.get_param(name).description, name
