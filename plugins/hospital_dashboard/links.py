"""Links from the dashboard's figures to the Airflow runs and task logs behind them.

Paths are the Airflow 3 UI's routes (`/dags/<dag>/runs/<run>/tasks/<task>` opens the task's
log). A capacity run's id is the Airflow run id of the study (capacity.run.run_id). The daily
run of a simulated day is looked up in Airflow's metadata database by its logical date (the
day), when this process can reach it (the api-server can); else the link is the DAG's run list.
"""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import quote

from hospital_twin.contracts import DAILY_DAG_ID as DAILY_DAG

log = logging.getLogger(__name__)

CAPACITY_DAG = "hospital_capacity_scenarios"
CAPACITY_TASKS = ("prepare_inputs", "simulate_scenario_wards", "collect_results")
DAILY_TASKS = ("simulate_day", "retrain_and_record")


def _q(value: str) -> str:
    return quote(value, safe="")


def run_url(dag_id: str, run_id: str) -> str:
    return f"/dags/{_q(dag_id)}/runs/{_q(run_id)}"


def task_url(dag_id: str, run_id: str, task_id: str) -> str:
    return f"{run_url(dag_id, run_id)}/tasks/{_q(task_id)}"


def runs_url(dag_id: str) -> str:
    return f"/dags/{_q(dag_id)}/runs"


def capacity_links(run_id: str | None) -> dict | None:
    """The study's run and each task's log."""
    if not run_id:
        return None
    return {
        "run": run_url(CAPACITY_DAG, run_id),
        "tasks": {t: task_url(CAPACITY_DAG, run_id, t) for t in CAPACITY_TASKS},
    }


def daily_run_id(day: str | date | None) -> str | None:
    """The latest hospital_daily run whose logical date is `day`, from Airflow's metadata
    database; None outside Airflow or when no such run exists."""
    if day is None:
        return None
    try:
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session
        from sqlalchemy import Date, cast, select

        day = date.fromisoformat(str(day)[:10])
        with create_session() as session:
            query = (
                select(DagRun.run_id)
                .where(DagRun.dag_id == DAILY_DAG, cast(DagRun.logical_date, Date) == day)
                .order_by(DagRun.run_after.desc())
                .limit(1)
            )
            return session.scalar(query)
    except Exception:  # no metadata database here (tests, a script): link to the run list
        log.debug("no daily run lookup for %s", day, exc_info=True)
        return None


def daily_links(day: str | None) -> dict:
    """The daily run of `day` and its tasks' logs, or the DAG's run list."""
    run_id = daily_run_id(day)
    if run_id is None:
        return {"run": runs_url(DAILY_DAG), "tasks": {}, "run_id": None}
    return {
        "run": run_url(DAILY_DAG, run_id),
        "tasks": {t: task_url(DAILY_DAG, run_id, t) for t in DAILY_TASKS},
        "run_id": run_id,
    }
