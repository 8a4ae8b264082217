"""The ED's arrival series carries the forecast stream name the contract defines.

sql/queries/arrivals_per_stream.sql names the stream in SQL; the retrain keeps the ED series
whatever its volume, and the dashboard reads its forecast back, both by `contracts.ED_STREAM`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from hospital_twin.contracts import ED_STREAM
from hospital_twin.tasks.forecast import arrival_series
from tests.support import dimensions

pytestmark = pytest.mark.integration

DAY = dt.date(2098, 6, 1)  # a day no other test of the shared scratch warehouse writes
PERSON = 900_002_001


def test_ed_arrivals_are_the_contracts_ed_stream(dw) -> None:
    dimensions.seed(dw, days=[DAY], person_ids=[PERSON])  # what the visit refers to
    with dw.transaction(force_rollback=True):
        dw.execute(
            "INSERT INTO dw.fact_visit (visit_id, sim_date, person_id, age, sex, arrival_time,"
            " service, condition, category, severity, department, triage_level, triage_minutes,"
            " arrival_mode, is_emergency) VALUES ('it-ed-1', %s, %s, 40, 'F', %s,"
            " 'Emergency Room', 'c', 'c', 3, 'Medicine', 'Yellow', 5.0, 'walk-in', false)",
            (DAY, PERSON, dt.datetime(2098, 6, 1, 8, 0)),
        )
        series = arrival_series(dw, DAY)
    dimensions.remove(dw, days=[DAY], person_ids=[PERSON])
    assert ED_STREAM in series, sorted(series)
    assert series[ED_STREAM].loc[str(DAY)] == 1.0
