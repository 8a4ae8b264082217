"""The simulation calendar: one row per day through a year past the end, southern-hemisphere
seasons, South African public holidays (observed days included), weekends."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from hospital_twin.config import load_config
from hospital_twin.setup.calendar import HORIZON_DAYS, calendar

CONFIG = load_config("small", simulation={"start_date": "2023-01-01", "end_date": "2024-06-30"})


@pytest.fixture(scope="module")
def days() -> pd.DataFrame:
    return calendar(CONFIG).set_index("date_key", drop=False)


def test_one_row_per_day_from_the_start_through_a_year_past_the_end(days):
    start, end = CONFIG.simulation.start_date, CONFIG.simulation.end_date
    last = end + dt.timedelta(days=HORIZON_DAYS)
    assert HORIZON_DAYS == 366
    assert days["date_key"].iloc[0] == start and days["date_key"].iloc[-1] == last
    assert len(days) == (last - start).days + 1
    assert days["date_key"].is_unique and days["date_key"].is_monotonic_increasing


@pytest.mark.parametrize(
    ("month", "season"),
    [(12, "summer"), (1, "summer"), (2, "summer"), (3, "autumn"), (5, "autumn"),
     (6, "winter"), (8, "winter"), (9, "spring"), (11, "spring")],
)  # fmt: skip
def test_seasons_are_the_southern_hemispheres(days, month, season):
    assert set(days.loc[days["month"] == month, "season"]) == {season}


def test_south_african_public_holidays_are_named(days):
    holidays = days[days["is_holiday"]]
    assert holidays.loc[dt.date(2023, 3, 21), "holiday_name"] == "Human Rights Day"
    assert holidays.loc[dt.date(2023, 6, 16), "holiday_name"] == "Youth Day"
    assert holidays.loc[dt.date(2024, 9, 24), "holiday_name"] == "Heritage Day"
    assert holidays.loc[dt.date(2023, 12, 16), "holiday_name"] == "Day of Reconciliation"
    # A Sunday holiday is observed on the Monday after it.
    assert "observed" in holidays.loc[dt.date(2023, 1, 2), "holiday_name"]
    assert not days.loc[dt.date(2023, 7, 4), "is_holiday"]  # the USA's, not ours
    assert (days["is_holiday"] == days["holiday_name"].notna()).all()


def test_date_parts_and_weekends(days):
    row = days.loc[dt.date(2024, 2, 29)]
    assert (row["year"], row["quarter"], row["month"], row["day_of_week"]) == (2024, 1, 2, 3)
    assert (days["is_weekend"] == days["day_of_week"].isin([5, 6])).all()
    assert days.loc[dt.date(2023, 1, 1), "is_weekend"]  # a Sunday
