"""A model forecast shapes the study's days; the recent level, whose error the ward's own
track record measures, sets their total (`intensity.at_level`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hospital_twin.capacity import intensity
from hospital_twin.capacity.los_fit import from_config
from hospital_twin.config import load_config
from hospital_twin.forecast.calendar import config_exposure
from hospital_twin.forecast.level import best_level

CONFIG = load_config("default")
ORIGIN = dt.date(2025, 12, 31)
DATES = pd.date_range(ORIGIN + dt.timedelta(days=1), periods=28, freq="D")
LOS = from_config(CONFIG.ward("Oncology").los)


def _history(arrivals: np.ndarray) -> pd.DataFrame:
    dates = pd.date_range(end=ORIGIN, periods=len(arrivals), freq="D").date
    return pd.DataFrame({"sim_date": dates, "requested_ward": "Oncology", "arrivals": arrivals})


def _forecast() -> pd.DataFrame:
    """9 a day on weekdays, 3 at weekends: a level well above the history's 6 a day."""
    mean = np.where(DATES.dayofweek < 5, 9.0, 3.0)
    return pd.DataFrame({"stream": "admissions:Oncology", "method": "arrivals-lgbm-poisson",
                         "origin_date": ORIGIN, "target_date": DATES, "mean": mean,
                         "lo80": mean * 0.5, "hi80": mean * 1.5})  # fmt: skip


def _intensity(history: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    return intensity.ward_intensity(CONFIG, "Oncology", LOS, DATES, _forecast(), history)


def test_with_a_track_record_the_forecast_days_sum_to_the_recent_level() -> None:
    rng = np.random.default_rng(5)
    history = _history(rng.poisson(6.0, intensity.TRACK_RECORD_DAYS).astype(float))
    frame, source = _intensity(history)
    planned = config_exposure(CONFIG, np.sort(history["sim_date"].unique()))
    level = best_level(intensity.daily_counts(history, "Oncology") / planned, 28)
    assert frame["mean"].sum() == pytest.approx(level.rate * config_exposure(CONFIG, DATES).sum())
    ratio = frame["mean"].to_numpy() / _forecast()["mean"].to_numpy()
    assert np.ptp(ratio) == pytest.approx(0, abs=1e-12)  # the forecast's weekday shape, kept
    assert frame["level_cv"].iloc[0] == pytest.approx(level.cv)  # the measured level's error
    assert source.startswith("forecast admissions:Oncology") and "at the recent level" in source


def test_without_a_track_record_to_score_the_forecast_keeps_its_own_level() -> None:
    frame, source = _intensity(_history(np.full(28, 6.0)))
    assert frame["mean"].to_numpy() == pytest.approx(_forecast()["mean"].to_numpy())
    assert "recent level" not in source
