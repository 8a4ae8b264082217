"""Expected admissions per ward and day over a study's horizon, and where the figure came from.

Three sources, best first: the latest arrival forecast of the ward's admissions stream (a
LightGBM forecast; a seasonal-naive one says nothing the recent rate does not), the recent
admission rate with its observed day-to-day dispersion (per unit of the calendar's planned
volume, `forecast.calendar`, so the end of a reduced service or a short month is no drift;
averaged over the window that has predicted the ward best, `forecast.level`),
and, with too little history, the configured steady state: the rate that keeps the ward at
`simulation.warmup_occupancy` (Little's law: beds x occupancy = rate x expected census days
per admission). Once the history can score the recent level, a forecast shapes the
horizon's days and the recent level sets their total (`at_level`), so that the level's
error is the one measured on the ward's own track record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hospital_twin.capacity.los_fit import LosModel
from hospital_twin.capacity.montecarlo import census_days
from hospital_twin.config import HospitalConfig
from hospital_twin.forecast.calendar import config_exposure
from hospital_twin.forecast.level import Level, best_level, local_sd

MIN_HISTORY_DAYS = 14  # fewer days of admissions: use the configured steady state
RECENT_DAYS = 28  # the days the recent rate (and the forecaster's level) averages over
HISTORY_DAYS = 364  # a year: the planning rate's span (recommend.planning_means)
TRACK_RECORD_DAYS = 728  # the admission history read: two years of the level's track record
DRIFT_MIN_PERIODS = 5  # periods of RECENT_DAYS needed to measure the level's drift
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


def at_level(forecast: pd.DataFrame, level: np.ndarray) -> pd.DataFrame:
    """The forecast's days (mean, lo80, hi80) scaled so that their sum is the sum of `level`:
    the forecast shapes the horizon's days, the level sets their total.

    Why the level is not the forecast's own: the study needs the level's error, and only the
    recent level's is measured (`forecast.level`, on the ward's own track record). Read off
    the recent level's drift instead, a LightGBM level's error was a guess, and the guess was
    wrong both ways: over 28 closed-loop origins (1,200 days) Surgery's forecast level missed
    the next 28 days by 6 % where the study drew 10 % (its 80 % census band held 93 % of the
    days), Neurology's by 11 % where it drew 9 % (Brier 0.343, climatology 0.253). The
    recent level predicted the 28-day mean better on 5 of the 7 modelled wards (Neurology
    10 % against 14 %, Cardiology 9 % against 12 %)."""
    factor = float(np.sum(level)) / max(float(forecast["mean"].sum()), 1e-12)
    cols = [c for c in ("mean", "lo80", "hi80") if c in forecast]
    return forecast.assign(**{c: forecast[c] * factor for c in cols})


def moment_nb_size(counts: np.ndarray) -> float:
    """Negative-binomial size matching the counts' mean and variance (inf: Poisson or less)."""
    mean, var = counts.mean(), counts.var(ddof=1)
    return mean**2 / (var - mean) if var > mean > 0 else np.inf


def scatter_nb_size(rates: np.ndarray, mean: float, window: int = RECENT_DAYS) -> float:
    """Negative-binomial size of the day-to-day scatter around `mean`, read over the whole
    history as the scatter around each `window`-day period's own mean (`level.local_sd`;
    seasons are the level's, not the day's); with less than two periods, the last days' own.

    The twin's daily requests scatter as Poisson counts (variance / mean 0.94-1.11 within a
    month, every ward); 28 days alone showed extra variance every other time by chance
    (variance / mean 1.3 gives a one-a-day ward a daily gamma factor of cv 0.65), widening
    the census bands at random from one run to the next."""
    if len(rates) < 2 * window:
        return moment_nb_size(rates[-window:])
    var = local_sd(rates, window) ** 2
    return mean**2 / (var - mean) if var > mean > 0 else np.inf


def level_cv(counts: np.ndarray, window: int = RECENT_DAYS) -> float:
    """Relative uncertainty of a `window`-day level estimated from the last `window` daily
    counts and carried over the next `window` days.

    Two parts: the standard error of the recent mean (sampling), and the drift between
    consecutive `window`-day periods (seasons), which no sampling error shows; known changes
    of plan (month lengths, a reduced service) are taken out first, as `ward_intensity`
    passes counts per unit of planned volume: they are no uncertainty. The drift is read
    from the ward's own track record when the history holds DRIFT_MIN_PERIODS periods: the
    root mean square of the relative change between the mean of `window` days and that of
    the next `window` days, every week. That change carries the sampling noise of both
    periods, so one standard error is taken off: what remains is the error of the level as
    an estimate of the next period's (the next period's own day-to-day noise is drawn by
    the Monte Carlo).
    """
    recent = counts[-window:]
    mean = recent.mean() if len(recent) else 0.0
    if mean <= 0 or len(recent) < 2:
        return 0.0
    se = float(recent.std(ddof=1) / np.sqrt(len(recent)) / mean)
    if len(counts) < DRIFT_MIN_PERIODS * window:
        return se
    sums = np.concatenate([[0.0], np.cumsum(counts)])
    cuts = np.arange(window, len(counts) - window + 1, 7)
    before, after = sums[cuts] - sums[cuts - window], sums[cuts + window] - sums[cuts]
    change = after[before > 0] / before[before > 0] - 1
    rms2 = float(np.mean(change**2)) if len(change) else 0.0
    return float(np.sqrt(max(rms2 - se**2, se**2)))


def daily_counts(history: pd.DataFrame, ward: str) -> np.ndarray:
    """The ward's arrivals per day of `history` (every date present, oldest first; days
    without a request for the ward count 0)."""
    dates = np.sort(history["sim_date"].unique())
    mine = history[history["requested_ward"] == ward].groupby("sim_date")["arrivals"].sum()
    return mine.reindex(dates, fill_value=0).to_numpy(float)


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
    mean, lo80, hi80); `history`: bed requests per day and requested ward up to the origin
    (sim_date, requested_ward, arrivals; days without a request for the ward are absent; up
    to TRACK_RECORD_DAYS: with one year the windows up to a year could not be scored and
    the level's error came from five periods); the recent rate is that of its last
    RECENT_DAYS days.

    `level_cv` is the uncertainty of the level, one factor per Monte Carlo run shared by every
    day of the horizon (see `level_cv`): the recent mean is estimated from four weeks of counts,
    and so is the forecaster's level (its offset is the mean of the last `level_window` = 28
    days), and the next four weeks drift from the last ones. Left out, a small ward's rate
    (one admission a day: ±19 % from 28 days) and every season's turn were taken as known.
    """
    counts = daily_counts(history, ward)
    planned = config_exposure(config, np.sort(history["sim_date"].unique()))
    rates = counts / planned  # per unit of the calendar's planned volume (forecast.calendar)
    days = min(len(counts), RECENT_DAYS)
    cv = level_cv(rates) if days >= MIN_HISTORY_DAYS else 0.0
    stream = f"admissions:{ward}"
    mine = forecasts[forecasts["stream"] == stream]
    scored = best_level(rates, RECENT_DAYS) if days >= MIN_HISTORY_DAYS else None
    if not mine.empty and (mine["method"] != "seasonal_naive").all():
        method, origin = mine["method"].iloc[0], mine["origin_date"].iloc[0]
        frame = extend_forecast(mine, dates)
        source = f"forecast {stream} ({method}, origin {origin})"
        if scored is None:  # too short a track record to score a level: the forecast's own
            return frame.assign(level_cv=cv), source
        level = scored.rate * config_exposure(config, dates)
        frame = at_level(frame, level).assign(level_cv=scored.cv)
        return frame, f"{source} at the recent level ({scored.window} days, {level.mean():.2f}/day)"
    if days >= MIN_HISTORY_DAYS:
        level = scored or Level(rates[-RECENT_DAYS:].mean(), cv, days)
        mean = level.rate * config_exposure(config, dates)
        now = planned[-RECENT_DAYS:].mean()  # the day's scatter at the current planned volume
        size = scatter_nb_size(rates * now, level.rate * now)
        frame = pd.DataFrame({"date": dates, "mean": mean, "nb_size": size, "level_cv": level.cv})
        return frame, f"recent admissions ({level.window} days, mean {mean.mean():.2f}/day)"
    rate = steady_rate(config, ward, los)
    frame = pd.DataFrame({"date": dates, "mean": rate, "nb_size": np.inf, "level_cv": 0.0})
    return frame, f"configured steady state at {config.simulation.warmup_occupancy:.0%} occupancy"
