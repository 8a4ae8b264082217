"""The simulation calendar: one `dw.dim_date` row per day, with South Africa's seasons and holidays.

The calendar runs from the simulation's start to a year past its end, so the forecasts made on
the last simulated day still find every day of their horizon. Seasons are the southern
hemisphere's meteorological ones (summer is December to February); public holidays are South
Africa's, from the `holidays` package, observed days (a Sunday holiday moved to Monday) included.
"""

from __future__ import annotations

import datetime as dt

import holidays
import pandas as pd

from hospital_twin.config import HospitalConfig

SEASONS = {
    12: "summer", 1: "summer", 2: "summer",
    3: "autumn", 4: "autumn", 5: "autumn",
    6: "winter", 7: "winter", 8: "winter",
    9: "spring", 10: "spring", 11: "spring",
}  # fmt: skip
HOLIDAY_COUNTRY = "ZA"
# Past the simulation's end: at least the longest forecast horizon.
HORIZON_DAYS = 366


def calendar(config: HospitalConfig) -> pd.DataFrame:
    """dim_date rows for the simulation calendar plus a year of forecast horizon."""
    end = config.simulation.end_date + dt.timedelta(days=HORIZON_DAYS)
    days = pd.date_range(config.simulation.start_date, end, freq="D")
    public = holidays.country_holidays(
        HOLIDAY_COUNTRY, years=range(days[0].year, days[-1].year + 1)
    )
    names = [public.get(d.date()) for d in days]
    return pd.DataFrame(
        {
            "date_key": days.date,
            "year": days.year,
            "quarter": days.quarter,
            "month": days.month,
            "day_of_week": days.dayofweek,
            "is_weekend": days.dayofweek >= 5,
            "is_holiday": [n is not None for n in names],
            "holiday_name": names,
            "season": [SEASONS[m] for m in days.month],
        }
    )
