"""The simulated-days plugin: a timetable the scheduler never fires, and the backfill guard."""

from __future__ import annotations

import json

import pendulum
import pytest
from airflow.timetables.base import TimeRestriction
from simulated_days import WEEKLY, ForwardOnlyBackfills, SimulatedDays
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"received": json.loads(await request.body())})


@pytest.fixture
def client() -> TestClient:
    routes = [Route(p, echo, methods=["POST"]) for p in ("/api/v2/backfills", "/other")]
    app = Starlette(routes=routes)
    app.add_middleware(ForwardOnlyBackfills)
    return TestClient(app)


def _backfill(timetable: SimulatedDays, days: int) -> list[str]:
    """The logical dates a backfill of 1 January 2024 and the `days` - 1 days after it gets."""
    backfill = TimeRestriction(
        earliest=pendulum.datetime(2024, 1, 1),
        latest=pendulum.datetime(2024, 1, days),
        catchup=True,
    )
    dates, info = [], None
    while info := timetable.next_dagrun_info_v2(last_dagrun_info=info, restriction=backfill):
        dates.append(info.logical_date.date().isoformat())
    return dates


def test_days_are_periodic_for_backfills_but_never_scheduled() -> None:
    timetable = SimulatedDays()
    assert timetable.periodic and not timetable.can_be_scheduled
    assert "backfill" in timetable.summary
    # The scheduler's question (no end): no run, whatever the wall clock says.
    open_ended = TimeRestriction(earliest=pendulum.datetime(2024, 1, 1), latest=None, catchup=False)
    assert timetable.next_dagrun_info_v2(last_dagrun_info=None, restriction=open_ended) is None
    # A backfill's range: every day in it, at midnight UTC.
    assert _backfill(timetable, 3) == ["2024-01-01", "2024-01-02", "2024-01-03"]


def test_weekly_simulated_time_runs_on_mondays_of_a_backfill_and_names_its_period() -> None:
    """The capacity study's timetable: one run per simulated Monday, never the wall clock's,
    and its period survives Airflow's serialisation (the cron expression)."""
    timetable = SimulatedDays.deserialize(SimulatedDays(WEEKLY).serialize())
    assert timetable.description.startswith("One run per simulated week")
    assert "backfill" not in timetable.summary and "week" in timetable.summary
    open_ended = TimeRestriction(earliest=pendulum.datetime(2024, 1, 1), latest=None, catchup=False)
    assert timetable.next_dagrun_info_v2(last_dagrun_info=None, restriction=open_ended) is None
    assert _backfill(timetable, 21) == ["2024-01-01", "2024-01-08", "2024-01-15"]


def test_a_backwards_backfill_of_the_daily_dag_is_refused_with_the_reason(client) -> None:
    body = {"dag_id": "hospital_daily", "run_backwards": True, "from_date": "2024-01-01"}
    response = client.post("/api/v2/backfills", json=body)
    assert response.status_code == 422
    assert "hospital_daily cannot run backwards" in response.json()["detail"]


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v2/backfills", {"dag_id": "hospital_daily", "run_backwards": False, "x": "é"}),
        ("/api/v2/backfills", {"dag_id": "stack_smoke", "run_backwards": True}),
        ("/other", {"dag_id": "hospital_daily", "run_backwards": True}),
    ],
)
def test_other_requests_reach_airflow_with_their_body_intact(client, path, body) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 200
    assert response.json() == {"received": body}
