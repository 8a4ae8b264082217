"""The hospital's known volume calendar: how many arrivals a day the plan allows, as a factor.

Every arrival stream of the twin scales with the day's planned visit volume
(`day.visits.daily_volume`): the month's volume spread over the month's days (a day of
February carries 31/28 of a day of March), and a reduced service
(`simulation.reduced_period_start..end`, `reduced_monthly_volume`) cuts it for weeks. A real
hospital knows such a plan in advance. Read as a drift of the level, the step at the end of a
reduced service (+33 %) and February's short month moved every ward's forecast together and
inflated the level's measured drift; as an exposure (an offset known for past and future
days) they are explained, and the forecaster and the recent rate model arrivals per unit of
planned volume. `exposure` is 1 on an ordinary 30.44-day month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hospital_twin.config import HospitalConfig

MEAN_MONTH_DAYS = 365.25 / 12
# (first day, last day, volume ratio) as ISO strings and a float: JSON-friendly params.
Period = tuple[str, str, float]


def reduced_periods(config: HospitalConfig) -> tuple[Period, ...]:
    """The config's reduced-service period (none when it has no dates)."""
    sim, vis = config.simulation, config.visits
    if sim.reduced_period_start is None or sim.reduced_period_end is None:
        return ()
    ratio = vis.reduced_monthly_volume / vis.monthly_volume
    return ((sim.reduced_period_start.isoformat(), sim.reduced_period_end.isoformat(), ratio),)


def exposure(
    dates: pd.DatetimeIndex | Sequence[dt.date],
    periods: Sequence[Sequence] = (),
    monthly_volume: bool = True,
) -> np.ndarray:
    """Planned volume of each date relative to an ordinary day (`day.visits.daily_volume`
    divided by the monthly volume over MEAN_MONTH_DAYS)."""
    index = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    factor = np.ones(len(index))
    if monthly_volume:
        factor *= MEAN_MONTH_DAYS / index.days_in_month.to_numpy()
    for first, last, ratio in periods:
        inside = (index >= pd.Timestamp(first)) & (index <= pd.Timestamp(last))
        factor[inside] *= float(ratio)
    return factor


def config_exposure(
    config: HospitalConfig, dates: pd.DatetimeIndex | Sequence[dt.date]
) -> np.ndarray:
    """`exposure` of `dates` under the hospital's calendar."""
    return exposure(dates, reduced_periods(config), monthly_volume=True)
