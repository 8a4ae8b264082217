"""Expected admissions per ward and day over a study's horizon, and where the figure came from.

Three sources, best first: the latest arrival forecast of the ward's admissions stream (a
LightGBM forecast; a seasonal-naive one says nothing the recent rate does not), the recent
admission rate with its observed day-to-day dispersion, and, with too little history, the
configured steady state: the rate that keeps the ward at `simulation.warmup_occupancy`
(Little's law: beds x occupancy = rate x expected census days per admission).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hospital_twin.capacity.los_fit import LosModel
from hospital_twin.capacity.montecarlo import census_days
from hospital_twin.config import HospitalConfig

MIN_HISTORY_DAYS = 14  # fewer days of admissions: use the configured steady state
STEADY_STATE_DAYS = 3650  # census days summed for E[days on the census] (ten years: the tail)


def steady_rate(config: HospitalConfig, ward: str, los: LosModel) -> float:
    """Admissions a day that keep `ward` at the warm-up occupancy in steady state."""
    beds = config.ward(ward).beds
    return config.simulation.warmup_occupancy * beds / census_days(los, STEADY_STATE_DAYS).sum()


def extend_forecast(forecast: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The forecast on `dates`: past the forecast's end, its last week repeats."""
    f = forecast.set_index(pd.to_datetime(forecast["target_date"]))
    tail = f.iloc[-7:]
    rows = [f.loc[d] if d in f.index else tail.iloc[(d - f.index[-1]).days % 7 - 1] for d in dates]
    out = pd.DataFrame(rows)[["mean", "lo80", "hi80"]].reset_index(drop=True)
    return out.assign(date=dates)


def moment_nb_size(counts: np.ndarray) -> float:
    """Negative-binomial size matching the counts' mean and variance (inf: Poisson or less)."""
    mean, var = counts.mean(), counts.var(ddof=1)
    return mean**2 / (var - mean) if var > mean > 0 else np.inf


def level_cv(counts: np.ndarray) -> float:
    """Relative standard error of the mean of daily counts: how uncertain a level estimated
    from them is (0 without arrivals or with a single day)."""
    mean = counts.mean() if len(counts) else 0.0
    if mean <= 0 or len(counts) < 2:
        return 0.0
    return float(counts.std(ddof=1) / np.sqrt(len(counts)) / mean)


def ward_intensity(
    config: HospitalConfig,
    ward: str,
    los: LosModel,
    dates: pd.DatetimeIndex,
    forecasts: pd.DataFrame,
    history: pd.DataFrame,
) -> tuple[pd.DataFrame, str]:
    """(date, mean, nb_size or lo80/hi80, level_cv) per day of `dates`, and a line naming the
    source.

    `forecasts`: the latest forecast rows per stream (stream, method, origin_date, target_date,
    mean, lo80, hi80); `history`: recent bed requests per day and requested ward (sim_date,
    requested_ward, arrivals; days without a request for the ward are absent).

    `level_cv` is the uncertainty of the level, one factor per Monte Carlo run shared by every
    day of the horizon: the recent mean is estimated from a few weeks of counts, and so is
    the forecaster's level (its offset is the mean of the last `level_window` = 28 days, the
    window `history` covers), so its standard error moves the whole horizon together. Left
    out, a small ward's rate (one admission a day: ±19 % from 28 days) was taken as known.
    """
    days = history["sim_date"].nunique()
    counts = history.loc[history["requested_ward"] == ward, "arrivals"].to_numpy(float)
    counts = np.concatenate([counts, np.zeros(max(days - len(counts), 0))])
    cv = level_cv(counts) if days >= MIN_HISTORY_DAYS else 0.0
    stream = f"admissions:{ward}"
    mine = forecasts[forecasts["stream"] == stream]
    if not mine.empty and (mine["method"] != "seasonal_naive").all():
        method, origin = mine["method"].iloc[0], mine["origin_date"].iloc[0]
        frame = extend_forecast(mine, dates).assign(level_cv=cv)
        return frame, f"forecast {stream} ({method}, origin {origin})"
    if days >= MIN_HISTORY_DAYS:
        mean = counts.mean()
        frame = pd.DataFrame(
            {"date": dates, "mean": mean, "nb_size": moment_nb_size(counts), "level_cv": cv}
        )
        return frame, f"recent admissions ({days} days, mean {mean:.2f}/day)"
    rate = steady_rate(config, ward, los)
    frame = pd.DataFrame({"date": dates, "mean": rate, "nb_size": np.inf, "level_cv": 0.0})
    return frame, f"configured steady state at {config.simulation.warmup_occupancy:.0%} occupancy"
