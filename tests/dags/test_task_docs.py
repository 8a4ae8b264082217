"""Every task explains itself in the UI: its docstring becomes the task's documentation."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS))


def test_every_task_of_every_dag_has_documentation(dagbag: DagBag) -> None:
    undocumented = [
        f"{dag.dag_id}.{task.task_id}"
        for dag in dagbag.dags.values()
        for task in dag.tasks
        if not (task.doc_md or "").strip()
    ]
    assert dagbag.dags and not undocumented


def test_the_setup_form_offers_every_shipped_profile(dagbag: DagBag) -> None:
    from hospital_twin.config import profile_names

    schema = dagbag.dags["hospital_setup"].params.get_param("profile").schema
    assert schema["enum"] == profile_names() and "small" in schema["enum"]
