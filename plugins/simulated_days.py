"""Simulated days advance only when asked, and only forwards: a timetable and a backfill guard.

`hospital_daily`'s logical date is the simulated day, and day D starts from the census at the
end of D-1. Two Airflow defaults fight that:

- a cron schedule makes a run for today's wall-clock date (a skipped "Latest Run", a pink
  column in the grid). `SimulatedDays` is a cron timetable that backfills and manual runs use
  but the scheduler never fires: days advance by backfill only. The daily DAG uses it daily,
  the capacity study weekly (Mondays of simulated time), so neither makes a wall-clock run.
- the backfill dialog offers "Run Backwards". Airflow refuses it only for DAGs with
  `depends_on_past` tasks, and those also make the dialog's default ("Missing Runs") fail with
  a 422. `ForwardOnlyBackfills` refuses a backwards backfill of such a DAG when it is created
  (dry run and real), with the reason, so the DAG needs no `depends_on_past`: a day whose D-1
  is missing fails at once, naming the date to run first.
"""

from __future__ import annotations

import json
from typing import Any

import pendulum
from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.trigger import CronTriggerTimetable

from hospital_twin.contracts import FORWARD_ONLY_DAGS

BACKFILL_PATHS = ("/api/v2/backfills", "/api/v2/backfills/dry_run", "/ui/backfills")


# The start_date of the DAGs on simulated time: earlier than any profile's calendar on purpose.
# Airflow marks a run dated before its DAG's start_date successful without running a task, so
# a date outside the calendar would pass in silence; from here on the tasks check the
# profile's own calendar (or the simulated days) and fail saying so.
EARLIEST = pendulum.datetime(2000, 1, 1, tz="UTC")
DAILY = "0 0 * * *"
WEEKLY = "0 0 * * 1"
PERIODS = {DAILY: "day", WEEKLY: "week (Mondays)"}


class SimulatedDays(CronTriggerTimetable):
    """One run per cron slot of simulated time (midnight UTC each day by default), created by
    backfills and manual runs only. The cron expression is what Airflow serialises, so the
    period is read back from it."""

    can_be_scheduled = False

    def __init__(self, cron: str = DAILY, *, timezone: Any = "UTC", **kwargs: Any) -> None:
        super().__init__(cron, timezone=timezone, **kwargs)
        self.period = PERIODS.get(cron, f"'{cron}' slot")
        self.description = (
            f"One run per simulated {self.period}, made by backfills and manual runs only"
        )

    @property
    def summary(self) -> str:
        return "simulated days (backfill)" if self.period == "day" else f"simulated {self.period}"

    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        """None for the scheduler's open-ended question (when is the next run?); the days of a
        backfill's range, which always has an end, as the daily cron gives them.

        `can_be_scheduled = False` alone is only a hint: the scheduler creates the run the
        timetable offers when the DAG is parsed.
        """
        if restriction.latest is None:
            return None
        return super().next_dagrun_info(
            last_automated_data_interval=last_automated_data_interval, restriction=restriction
        )


def backwards_refusal(body: dict[str, Any]) -> str | None:
    """Why a backfill request must be refused (a forward-only DAG run backwards), or None."""
    dag_id = body.get("dag_id")
    if dag_id in FORWARD_ONLY_DAGS and body.get("run_backwards"):
        return (
            f"{dag_id} cannot run backwards: each simulated day starts from the census at the "
            "end of the day before, so days run in order from the earliest; untick "
            "'Run Backwards'"
        )
    return None


class ForwardOnlyBackfills:
    """ASGI middleware: answers 422 with the reason to a backwards backfill of a forward-only DAG.

    It reads the request body of POSTs to the backfill endpoints only, and hands the same bytes
    on to Airflow when the request is allowed.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].rstrip("/") in BACKFILL_PATHS
        ):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}  # Airflow answers malformed JSON itself
        reason = backwards_refusal(body) if isinstance(body, dict) else None
        if reason:
            payload = json.dumps({"detail": reason}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 422,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": payload})
            return

        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.app(scope, replay, send)


class SimulatedDaysPlugin(AirflowPlugin):
    name = "hospital_simulated_days"
    timetables = [SimulatedDays]
    fastapi_root_middlewares = [
        {"middleware": ForwardOnlyBackfills, "name": "Forward-only backfills of simulated days"}
    ]
