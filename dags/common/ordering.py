"""Simulated days run in order: D waits while D-1 is still being simulated, and fails at once
when D-1 was never run.

With two runs active, D's `simulate_day` may start while D-1's is still running. It waits while
D-1's `simulate_day` task is unfinished (Airflow's record of the previous task instance tells
it); then a day whose D-1 was never simulated, or that lies outside the profile's calendar,
has a reason a wait cannot fix, and the task fails at once with it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import psycopg

log = logging.getLogger(__name__)

UNFINISHED = {"scheduled", "queued", "running", "up_for_retry", "up_for_reschedule", "restarting"}
POLL_SECONDS = 0.5
WAIT_LIMIT_SECONDS = 1800


def wait_for_day_before(conn: psycopg.Connection, config, day: dt.date, ti) -> str:
    """Block until D can start; returns where D's state comes from. Fails the task (no retry)
    when D cannot start whatever the wait.

    D waits while D-1's `simulate_day` is unfinished even when D-1's census is already in the
    warehouse: when a range is simulated again, D must start from D-1's new census.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from hospital_twin.tasks import daily

    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    waited = False
    while _day_before_unfinished(ti, day):
        if time.monotonic() > deadline:
            raise AirflowFailException(
                f"{day - dt.timedelta(days=1)} still running after {WAIT_LIMIT_SECONDS} s"
            )
        if not waited:
            log.info("waiting for %s's simulation to finish", day - dt.timedelta(days=1))
            waited = True
        time.sleep(POLL_SECONDS)
    if reason := daily.missing_state(conn, config, day):
        raise AirflowFailException(reason)
    if day == config.simulation.start_date:
        return "warm-up state"
    return f"census at the end of {day - dt.timedelta(days=1)}"


def _day_before_unfinished(ti, day: dt.date) -> bool:
    """Whether the same task of D-1's run exists and has not finished yet."""
    previous = ti.get_previous_ti() if ti is not None else None
    if previous is None or previous.logical_date is None:
        return False
    return previous.logical_date.date() == day - dt.timedelta(days=1) and (
        str(getattr(previous.state, "value", previous.state)) in UNFINISHED
    )
