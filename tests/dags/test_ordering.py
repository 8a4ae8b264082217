"""Days in order with two runs active: D waits while D-1's simulation runs, then starts or fails.

The task instance is Airflow's record of D-1's `simulate_day`, reduced to what the wait reads
(its logical date and state); the warehouse is the test instance's scratch database.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pendulum
import pytest
from airflow.sdk.exceptions import AirflowFailException
from common.ordering import wait_for_day_before

from hospital_twin.config import load_config

pytestmark = pytest.mark.integration
CONFIG = load_config("small", population={"size": 3000})
START = CONFIG.simulation.start_date


class PreviousDay:
    """D-1's task instance: running for `running_polls` looks, then `final` (None: no run)."""

    def __init__(self, day: dt.date, running_polls: int, final: str | None) -> None:
        self.day, self.polls, self.final = day, running_polls, final
        self.looks = 0

    def get_previous_ti(self):
        self.looks += 1
        state = "running" if self.looks <= self.polls else self.final
        if state is None:
            return None
        when = pendulum.datetime(self.day.year, self.day.month, self.day.day, tz="UTC")
        return SimpleNamespace(logical_date=when, state=state)


def test_d_waits_while_d_minus_1_runs_even_when_d_could_start_already(dw) -> None:
    """D could start now (the first day needs no census, and in a re-run of a range D-1's old
    census is there), but D-1 is running: D must wait for what D-1 writes."""
    ti = PreviousDay(START - dt.timedelta(days=1), running_polls=3, final="success")
    origin = wait_for_day_before(dw, CONFIG, START, ti)
    assert ti.looks == 4  # it looked until D-1 had finished
    assert origin == "warm-up state"


def test_a_day_never_run_fails_at_once_naming_the_first_day_to_run(dw) -> None:
    day = START + dt.timedelta(days=5)
    ti = PreviousDay(START, running_polls=0, final=None)
    refused = pytest.raises(AirflowFailException, match=f"run hospital_daily for {START} first")
    with refused, dw.transaction(force_rollback=True):  # no day simulated, whatever else ran
        dw.execute("DELETE FROM dw.fact_ward_day")
        wait_for_day_before(dw, CONFIG, day, ti)
    assert ti.looks == 1  # no waiting
